"""The upload page in a real browser: odd names, long names, and which failures offer Retry.

Ingest is not run (the queue step is replaced): the tests drive the page's states from the database.
"""

import pytest
from django.urls import reverse

from apps.accounts.models import Collection, Membership, Role
from apps.documents import services
from apps.documents.models import DocumentVersion, GraphStatus, Stage, Status
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def upload_page(page, live_server, django_user_model, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "enqueue_ingest", lambda version_id: None)
    user = django_user_model.objects.create_user("docs", password="pw-docs-123")
    collection = Collection.objects.create(name="Pumps")
    Membership.objects.create(user=user, collection=collection, role=Role.EDITOR)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "docs", "pw-docs-123")
    page.goto(live_server.url + reverse("documents:collection", args=[collection.pk]))
    return page, errors


def _upload(page, name: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("#file-input", files=[{"name": name, "mimeType": "text/markdown", "buffer": body}])


def test_a_file_named_dot_dot_is_rejected_not_left_uploading(upload_page):
    page, errors = upload_page
    _upload(page, "..", b"# Pump\n\nThe pump trips.\n")
    row = page.locator("#upload-list li").first
    row.locator(".badge-failed").wait_for()
    assert "Rejected" in row.inner_text() and "Uploading" not in row.inner_text()
    assert errors == []


def test_a_300_character_name_does_not_widen_the_page(upload_page):
    page, errors = upload_page
    _upload(page, "p" * 300 + ".md", b"# Pump P-101\n\nThe pump trips with E-47.\n")
    page.locator("#upload-list .badge").first.wait_for()
    page.locator("#upload-list .badge-queued:has-text('Queued')").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    assert errors == []


def _upload_and_settle(page, status: str, **fields) -> None:  # type: ignore[no-untyped-def]
    _upload(page, "p101.md", b"# Pump P-101\n\nThe pump trips with E-47.\n")
    page.locator("#upload-list .badge-queued:has-text('Queued')").wait_for()
    DocumentVersion.objects.update(status=status, **fields)  # what the worker would leave


def test_retry_shows_live_for_a_ready_version_whose_graph_stage_failed(upload_page):
    page, errors = upload_page
    _upload_and_settle(
        page,
        Status.READY,
        stage=Stage.INDEXED,
        chunk_count=1,
        graph_status=GraphStatus.FAILED,
        error="Ready, graph failed: Neo4j rejected the write.",
    )
    page.locator("#upload-list button:has-text('Retry')").wait_for()
    assert errors == []


def test_no_retry_for_a_file_that_cannot_be_parsed(upload_page):
    page, errors = upload_page
    _upload_and_settle(page, Status.FAILED, stage=Stage.STORED, error="p101.md: damaged file")
    page.locator("#upload-list .badge-failed").wait_for()
    assert page.locator("#upload-list button:has-text('Retry')").count() == 0
    assert errors == []
