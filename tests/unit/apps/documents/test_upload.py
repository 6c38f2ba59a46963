import pytest
from django.urls import reverse

from apps.documents.models import Document, DocumentVersion, Passage, Stage, Status

from .conftest import MANUAL_MD, upload_file


@pytest.fixture
def url(personas):  # type: ignore[no-untyped-def]
    return reverse("documents:upload", args=[personas.collection.pk])


def post(client, url, *files, json=True):  # type: ignore[no-untyped-def]
    headers = {"Accept": "application/json"} if json else {}
    return client.post(url, {"files": list(files)}, headers=headers)


def test_editors_and_admins_may_upload(client, personas, url, fakes):
    for user, name in ((personas.owner, "a.md"), (personas.editor, "b.md")):
        client.force_login(user)
        r = post(client, url, upload_file(name, MANUAL_MD + name.encode()))
        assert r.status_code == 200
        result = r.json()["results"][0]
        assert result["created"] is True and result["version"]["status"] == "queued"
    assert Document.objects.count() == 2
    assert len(fakes.queued) == 2


def test_it_forbids_readers_and_hides_from_outsiders(client, personas, url):
    client.force_login(personas.reader)
    assert post(client, url, upload_file()).status_code == 403
    client.force_login(personas.outsider)
    assert post(client, url, upload_file()).status_code == 404
    assert Document.objects.exists() is False


def test_it_rejects_get(client, personas, url):
    client.force_login(personas.owner)
    assert client.get(url).status_code == 405


def test_it_stores_the_file_once_by_content_hash(client, personas, url, media_root):
    client.force_login(personas.owner)
    post(client, url, upload_file())
    version = DocumentVersion.objects.get()
    assert version.stage == Stage.STORED and version.kind == "markdown"
    assert (media_root / version.file_path).read_bytes() == MANUAL_MD
    assert version.file_path.endswith(version.content_hash + ".md") and len(version.content_hash) == 64


def test_same_bytes_twice_do_no_new_work(client, personas, url, fakes):
    client.force_login(personas.owner)
    first = post(client, url, upload_file("manual.md")).json()["results"][0]
    again = post(client, url, upload_file("renamed-copy.md")).json()["results"][0]
    assert again["created"] is False and again["version"]["id"] == first["version"]["id"]
    assert DocumentVersion.objects.count() == 1 and len(fakes.queued) == 1


def test_it_rejects_a_file_over_the_size_limit_with_413_and_changes_nothing(client, personas, url, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    client.force_login(personas.owner)
    r = client.post(
        url, {"files": [upload_file("big.txt", b"x" * 4096)]}, headers={"Accept": "application/json"}
    )
    # Refused while the body streams in (apps/documents/uploads.py), before it is spooled.
    assert r.status_code == 413
    assert "big.txt is larger than the upload limit of 2 KB (2,048 bytes)" in r.json()["error"]
    assert DocumentVersion.objects.exists() is False


def test_it_marks_an_unsupported_file_failed_with_a_clear_message(client, personas, url, fakes):
    client.force_login(personas.owner)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    result = post(client, url, upload_file("manual.pdf", exe)).json()["results"][0]
    version = DocumentVersion.objects.get(pk=result["version"]["id"])
    assert version.status == Status.FAILED and version.error.startswith("manual.pdf: ")
    assert result["version"]["error"] == version.error
    assert fakes.queued == [] and Passage.objects.exists() is False


def test_it_rejects_an_empty_file(client, personas, url):
    client.force_login(personas.owner)
    result = post(client, url, upload_file("empty.txt", b"")).json()["results"][0]
    assert result["error"] == "empty.txt: the file is empty (0 bytes)"
    assert DocumentVersion.objects.exists() is False


def test_each_file_of_a_batch_succeeds_or_fails_alone(client, personas, url):
    client.force_login(personas.owner)
    results = post(
        client,
        url,
        upload_file("good.md"),
        upload_file("empty.txt", b""),
        upload_file("also.txt", b"Plain text notes about pump P-101."),
    ).json()["results"]
    assert [("error" in r) for r in results] == [False, True, False]
    assert Document.objects.count() == 2


def test_the_form_fallback_redirects_with_messages(client, personas, url):
    client.force_login(personas.owner)
    r = post(client, url, upload_file(), json=False)
    assert r.status_code == 302 and r["Location"] == reverse(
        "documents:collection", args=[personas.collection.pk]
    )
    page = client.get(r["Location"]).content.decode()
    assert "queued for ingest" in page
