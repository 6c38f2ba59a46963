"""Fault localisation in a real browser: upload a fault table and a work-order export, confirm the
export's mapping, diagnose a code on a machine, open the cited page."""

import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def editor(django_user_model):
    from apps.accounts.models import Collection, Membership

    user = django_user_model.objects.create_user("tech", password="pw-tech-123")
    collection = Collection.objects.create(name="Press shop")
    Membership.objects.create(user=user, collection=collection, role="editor")
    return collection


def _upload_and_wait(page, url, path, collection):
    from apps.documents.models import DocumentVersion, Status

    page.goto(url)
    page.set_input_files("#file-input", str(path))
    found = DocumentVersion.objects.filter(document__collection=collection, original_name=path.name)
    for _ in range(1200):  # polled, not timed: the worker ingests in its own process
        if found.filter(status__in=(Status.READY, Status.FAILED)).exists():
            break
        time.sleep(0.5)
    version = found.get()
    assert version.status == Status.READY, version.error
    return version


def _wait_for_mapping_applied(version_id):
    from apps.documents.models import DocumentVersion, MappingStatus

    for _ in range(600):  # polled, not timed: the worker applies the mapping in its own process
        status = DocumentVersion.objects.get(pk=version_id).mapping_status
        if status in (MappingStatus.APPLIED, MappingStatus.FAILED):
            return status
        time.sleep(0.5)
    return DocumentVersion.objects.get(pk=version_id).mapping_status


def test_diagnose_a_code_on_a_machine_from_a_manual_and_its_work_orders(page, live_stack, editor):
    from apps.documents.models import MappingStatus

    login(page, live_stack, "tech", "pw-tech-123")
    collection_url = f"{live_stack.url}/documents/collections/{editor.pk}/"
    _upload_and_wait(page, collection_url, DATA / "hydraulic-press-faults.md", editor)
    records = _upload_and_wait(page, collection_url, DATA / "press-work-orders.csv", editor)
    page.goto(f"{live_stack.url}/documents/versions/{records.pk}/mapping/")
    page.click("#mapping-form button[value=save]")
    assert _wait_for_mapping_applied(records.pk) == MappingStatus.APPLIED

    page.goto(f"{live_stack.url}/")
    page.click("nav a[href='/diagnose/']")
    page.fill("#id_asset", "PRESS")
    page.wait_for_function("() => document.querySelectorAll('#asset-options option').length >= 2")
    page.fill("#id_asset", "PRESS-1")
    page.fill("#id_symptom", "H-301")
    page.click("#diagnose-form button[type=submit]")

    first = page.locator("#diagnose-result li.cause").first
    first.wait_for()
    assert first.locator(".cause-name").inner_text() == "worn piston seal"
    fix = first.locator(".fix").first.inner_text()
    assert "replace seal kit" in fix and "HS-4410" in fix
    # Two work orders on PRESS-1 said the ram drifted and were fixed with the seal kit.
    assert re.search(r"Work orders: 2 on this asset", first.locator(".history").inner_text())
    assert "2023-07-10" in first.locator(".history").inner_text()

    citation = first.locator(".fix a.cite").first
    assert citation.get_attribute("href").startswith("/passages/")
    with page.expect_popup() as popup_info:
        citation.click()
    viewer = popup_info.value
    viewer.wait_for_load_state()
    assert "H-301" in viewer.locator("#cited-passage").inner_text()

    # The same ranking through the API.
    body = page.evaluate(
        "async () => (await fetch('/api/diagnose?symptom=H-301&asset=PRESS-1', "
        "{headers: {Accept: 'application/json'}})).json()"
    )
    assert body["causes"][0]["name"] == "worn piston seal"
    assert body["causes"][0]["history"]["asset"] == 2
