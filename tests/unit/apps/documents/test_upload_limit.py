"""The upload size limit is enforced while the body streams in, before the rest is read or spooled."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from apps.documents.models import Document
from apps.documents.uploads import SizeLimitUploadHandler, UploadTooLarge

from .conftest import upload_file

LIMIT = 4096


@pytest.fixture
def small_limit(settings):  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_BYTES = LIMIT
    # Small chunks so the handler sees the body arrive in pieces, as from a real socket.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024


def test_the_handler_stops_at_the_first_chunk_past_the_limit(small_limit):
    handler = SizeLimitUploadHandler()
    handler.new_file("files", "big.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * LIMIT, 0) == b"x" * LIMIT
    with pytest.raises(UploadTooLarge, match="big.pdf is larger than the upload limit"):
        handler.receive_data_chunk(b"x", LIMIT)


def test_the_count_restarts_for_each_file(small_limit):
    handler = SizeLimitUploadHandler()
    for name in ("a.md", "b.md"):
        handler.new_file("files", name, "text/markdown", None)
        handler.receive_data_chunk(b"x" * LIMIT, 0)


def test_an_oversized_upload_gets_413_and_nothing_is_stored(client, personas, small_limit, settings):
    client.force_login(personas.editor)
    url = reverse("documents:upload", args=[personas.collection.pk])
    r = client.post(
        url,
        {"files": [upload_file("huge.md", b"# x\n" + b"y" * 50_000)]},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 413
    assert "huge.md is larger than the upload limit" in r.json()["error"]
    assert not Document.objects.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "uploads").rglob("*.md"))


def test_the_api_refuses_an_oversized_upload_with_413(client, personas, small_limit):
    client.force_login(personas.editor)
    r = client.post(
        f"/api/collections/{personas.collection.pk}/documents/",
        {"file": upload_file("huge.md", b"# x\n" + b"y" * 50_000)},
    )
    assert r.status_code == 413 and "larger than the upload limit" in r.json()["error"]
    assert not Document.objects.exists()


def test_a_body_refused_during_the_csrf_check_still_gets_the_413_page(personas, small_limit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.editor)
    client.get(reverse("documents:collection", args=[personas.collection.pk]))
    token = client.cookies["csrftoken"].value
    url = reverse("documents:upload", args=[personas.collection.pk])
    r = client.post(url, {"csrfmiddlewaretoken": token, "files": [upload_file("huge.md", b"y" * 50_000)]})
    assert r.status_code == 413
    assert b"larger than the upload limit" in r.content and b"Too large" in r.content
    assert not Document.objects.exists()
