"""The index server goes away: the version says so and retries; nothing is half-written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scripts.stack import start

from .conftest import points_of, version_state, wait_for, wait_until_settled

pytestmark = [pytest.mark.integration, pytest.mark.serial, pytest.mark.django_db(transaction=True)]

MANUAL = b"""# UPS maintenance

## Battery replacement

Replace the battery every three years. Turn the UPS off, disconnect the mains, and swap the pack.

## Self test

Run the self test after replacing the battery and check that the load stays on line.
"""


def test_an_index_outage_is_reported_retried_and_leaves_nothing_half_written(
    client, personas, api_urls, clean_index, ingest_services
):
    from apps.documents import services
    from apps.documents.models import Document

    stack = ingest_services
    stack.stop("index")
    try:
        version, _ = services.accept_upload(
            personas.editor, personas.collection, SimpleUploadedFile("ups.md", MANUAL)
        )
        waiting = wait_for(
            lambda: "unavailable" in (v := version_state(version.pk)).error and v,
            90,
            "the outage to be reported",
        )
        assert waiting.status in ("queued", "ingesting") and waiting.stage == "embedded"
        assert waiting.error.startswith("The passage index unavailable; retrying soon")
    finally:
        start(stack, ["index"])
    done = wait_until_settled(version.pk, timeout_s=120)
    assert done.status == "ready", done.error
    assert points_of(clean_index, personas.collection.pk) == done.chunk_count

    stack.stop("index")
    try:
        client.force_login(personas.editor)
        r = client.delete(f"/api/documents/{done.document_id}/")
        assert r.status_code == 503 and "passage index is unavailable" in r.json()["error"]
        assert Document.objects.get(pk=done.document_id).is_deleted
    finally:
        start(stack, ["index"])
    from config import wiring

    wiring.vector_index.cache_clear()
    assert client.delete(f"/api/documents/{done.document_id}/").status_code == 204
    assert points_of(wiring.vector_index(), personas.collection.pk) == 0
