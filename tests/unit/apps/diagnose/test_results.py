"""The Diagnose page and API render a diagnosis with citations to the passage viewer.

The engine (graph.diagnose.diagnose) is replaced by a function of the same signature returning a
fixed Diagnosis; the real engine runs against Neo4j in tests/integration/graph/test_diagnose.py
and in the browser in tests/e2e/test_diagnose.py.
"""

import pytest
from django.urls import reverse

from apps.diagnose import services
from graph.diagnose import Asset, Diagnosis, Seed
from graph.diagnose_rank import ChainStep, Cite, Fix, History, ManualChain, RankedCause, SimilarOrder
from graph.queries import EntityRef


@pytest.fixture
def engine(monkeypatch, personas):
    from apps.documents.models import Document

    manual = Document.objects.create(collection=personas.collection, title="HP-200 manual")
    page = Cite("chunk-7", str(manual.pk), 4)
    record = Cite("row-2", "999", None)
    chain = ManualChain(
        "ErrorCode:H301",
        "ram drifts down",
        "Cause:worn piston seal",
        "worn piston seal",
        "Cause",
        "Action:replace seal kit",
        "replace seal kit",
        ("HS-4410",),
        (ChainStep("worn piston seal", "REMEDIED_BY", "replace seal kit", (page,)),),
    )
    cause = RankedCause(
        "Cause:worn piston seal",
        "worn piston seal",
        "Cause",
        1.53,
        {"manual": 1.0, "history": 0.4, "similar": 0.13},
        [Fix("Action:replace seal kit", "replace seal kit", ("HS-4410",), (page,))],
        [chain],
        History(asset=2, last_date="2023-07-10", mean_days_between=181.0, orders=("WO2", "WO1")),
        [SimilarOrder("WO2", "2023-07-10", "ram drifts down", 0.77, ("replace seal kit",), (record,))],
    )
    calls = []

    def fake(driver, complaint, collections, extractor, *, asset=None, config=None, database=None):
        calls.append((complaint, list(collections), asset))
        found = Asset(EntityRef("Equipment:PRESS1", "Equipment", "PRESS-1"), ("Equipment:PRESS1",), ())
        seeds = [Seed(EntityRef("ErrorCode:H301", "ErrorCode", "H-301"), 1.0, "exact")]
        return Diagnosis(complaint, found, seeds, [cause], 4, 12.5)

    monkeypatch.setattr(services, "diagnose", fake)
    monkeypatch.setattr(services.wiring, "neo4j_driver", lambda: None)
    monkeypatch.setattr(services.wiring, "graph_extractor", lambda: None)
    return calls


def test_a_reader_sees_ranked_causes_with_fix_part_history_and_cited_page(client, personas, engine):
    client.force_login(personas.reader)
    r = client.get(reverse("diagnose:page"), {"symptom": "H-301", "asset": "PRESS-1"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="cause-name">worn piston seal' in html
    assert "HS-4410" in html and "Work orders: 2 on this asset" in html and "last 2023-07-10" in html
    assert f'href="{reverse("qa:passage", args=["chunk-7"])}"' in html and "[HP-200 manual, p. 4]" in html
    assert engine == [("H-301", [str(personas.collection.pk)], "PRESS-1")]


def test_the_api_returns_the_same_ranking_as_json(client, personas, engine):
    client.force_login(personas.reader)
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "H-301"}).json()
    top = body["causes"][0]
    assert top["name"] == "worn piston seal" and top["score_parts"]["manual"] == 1.0
    assert top["history"]["asset"] == 2 and top["history"]["class"] == 0
    assert top["fixes"][0]["cites"][0]["url"] == reverse("qa:passage", args=["chunk-7"])
    assert top["similar"][0]["cites"][0]["label"] == "document"  # a record of a document not in SQL
    assert engine[0][2] is None  # no asset asked


def test_only_graph_admins_get_the_graph_browser_link(client, personas, engine):
    client.force_login(personas.reader)
    assert (
        b"Open in the graph browser" not in client.get(reverse("diagnose:page"), {"symptom": "H-301"}).content
    )
    client.force_login(personas.owner)
    assert b"Open in the graph browser" in client.get(reverse("diagnose:page"), {"symptom": "H-301"}).content
