"""The graph browser in a real Chromium: search, neighbourhood, merge, and the merged entity in an answer."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def graph_admin(django_user_model):  # type: ignore[no-untyped-def]
    from apps.accounts.models import Collection, Membership, Role

    collection = Collection.objects.create(name="Pumps e2e")
    owner = django_user_model.objects.create_user("gbowner", password="pw-gbowner-123")
    Membership.objects.create(user=owner, collection=collection, role=Role.ADMIN)
    return collection, owner


@pytest.fixture
def seeded(graph_admin, neo4j_driver, settings, neo4j_url):  # type: ignore[no-untyped-def]
    """Duplicates written through graph.write, as ingestion would: 'lube pump' and 'lubrication pump'."""
    from config import wiring
    from graph import ensure_schema
    from tests.integration.graph.test_browse import GraphFixture, key, mention

    settings.NEO4J_URL = neo4j_url
    wiring.neo4j_driver.cache_clear()
    from apps.graphbrowser import services

    services.graph_service.cache_clear()
    ensure_schema(neo4j_driver)
    g = GraphFixture(neo4j_driver)
    collection, _ = graph_admin
    col = str(collection.pk)
    lube, lubrication, trip = g.name("lube pump"), g.name("lubrication pump"), g.name("low oil pressure trip")
    k = {"lube": key("Component", lube), "dup": key("Component", lubrication), "trip": key("Symptom", trip)}
    g.document(col, [("e1", [mention("Component", lube, "e1"), mention("Symptom", trip, "e1")],
                      [(k["lube"], "SHOWS", k["trip"])]),
                     ("e2", [mention("Component", lubrication, "e2", "<b>Lubrication</b> pump"),
                             mention("Symptom", trip, "e2")], [(k["dup"], "SHOWS", k["trip"])])])
    yield g, k
    g.cleanup()
    services.graph_service.cache_clear()


def test_admin_searches_explores_and_merges_duplicates(page, live_server, graph_admin, seeded):
    g, k = seeded
    login(page, live_server, "gbowner", "pw-gbowner-123")
    # Each click loads a page: wait for it, or the old or half-parsed document is read (CI saw 0 rows).
    with page.expect_navigation():
        page.click("text=Knowledge graph")
    page.fill("input[name=q]", g.tag)
    with page.expect_navigation():
        page.click("#gb-search button[type=submit]")
    rows = page.locator("table.gb-hits tbody tr")
    assert rows.count() == 3, page.locator("main").inner_text()[:2000]
    # The alias with markup is shown as text, not rendered.
    assert "<b>Lubrication</b> pump" in page.locator("table.gb-hits").inner_text()
    assert page.locator("table.gb-hits b").count() == 0

    # Neighbourhood: the symptom connects both pumps.
    page.locator(f"tr[data-key='{k['trip']}'] a", has_text="neighbourhood").click()
    page.wait_for_function("() => window.gbCy && window.gbCy.nodes().length === 3")
    # The count counts what is drawn: the centre and its two neighbours.
    assert re.search(r"Showing 3 of 3 nodes", page.locator("#gb-count").inner_text())
    drawn = page.evaluate("() => window.gbCy.nodes().length")
    assert drawn == int(page.locator("#gb-count").get_attribute("data-shown"))
    page.evaluate(f"() => window.gbCy.getElementById({k['lube']!r}).emit('tap')")
    page.wait_for_selector(".gb-expanded-count")
    assert "Open entity page" in page.locator("#gb-selected").inner_text()

    # Merge: pick the keeper and the duplicate, preview, confirm.
    page.go_back()
    page.check(f"input[name=keep][value='{k['lube']}']")
    page.check(f"input[name=other][value='{k['dup']}']")
    page.click("#gb-merge-preview")
    assert "lubrication pump" in page.locator(".gb-absorbed").inner_text()
    page.click("#gb-merge-confirm")
    page.wait_for_selector(".gb-entity-name")
    assert g.name("lubrication pump") in page.locator(".gb-aliases").inner_text()
    assert "merged" in page.locator(".messages").inner_text()

    from apps.graphbrowser.models import CurationEvent

    assert CurationEvent.objects.filter(action="merge", target=k["lube"]).exists()


MANUAL = """# Lubrication system

## Troubleshooting

| Symptom | Cause | Remedy |
| --- | --- | --- |
| Low oil pressure trip on the lube pump | Clogged suction strainer | Clean the suction strainer |
| LOP trip on the lube pump | Worn pump coupling | Replace the pump coupling |
"""


def test_a_merged_entity_appears_in_a_new_answers_evidence(page, live_stack, graph_admin, neo4j_driver):
    """Full stack: ingest a manual, merge two extracted duplicates in the browser, ask, see the kept entity."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.documents import services as documents
    from apps.documents.models import DocumentVersion, Status
    from apps.graphbrowser import services
    from graph import browse

    services.graph_service.cache_clear()
    collection, owner = graph_admin
    version, _ = documents.accept_upload(owner, collection, SimpleUploadedFile("lube.md", MANUAL.encode()))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        version = DocumentVersion.objects.get(pk=version.pk)
        if version.status in (Status.READY, Status.FAILED):
            break
        time.sleep(1)
    assert version.status == Status.READY, version.error
    # The troubleshooting table yields one symptom per row: the same symptom written two ways.
    hits = {h.name.lower(): h for h in browse.search_entities(neo4j_driver, "lube pump", [collection.pk],
                                                              labels=["Symptom"])}
    keep = hits.get("low oil pressure trip on the lube pump")
    dup = hits.get("lop trip on the lube pump")
    assert keep and dup, f"extraction did not produce the two symptom duplicates: {sorted(hits)}"

    login(page, live_stack, "gbowner", "pw-gbowner-123")
    page.goto(f"{live_stack.url}/graph/?q=lube+pump&type=Symptom")
    page.check(f"input[name=keep][value='{keep.key}']")
    page.check(f"input[name=other][value='{dup.key}']")
    page.click("#gb-merge-preview")
    page.click("#gb-merge-confirm")
    page.wait_for_selector(".gb-entity-name")
    merged = browse.entity_detail(neo4j_driver, keep.key, [collection.pk])
    assert dup.name in merged.aliases and merged.mentions  # both rows sit in one table chunk
    assert browse.entity_detail(neo4j_driver, dup.key, [collection.pk]) is None

    page.goto(f"{live_stack.url}/")
    page.fill("#ask-form textarea", f"{dup.name}: what should I check?")
    page.click("#ask-button")
    page.wait_for_function("() => document.querySelector('#facts') && document.querySelector('#facts').innerText.length > 0",
                           timeout=240_000)
    facts = page.locator("#facts").inner_text()
    assert keep.name in facts and dup.name not in facts.replace(keep.name, "")
