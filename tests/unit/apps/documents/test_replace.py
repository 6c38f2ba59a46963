import pytest
from django.urls import reverse

from apps.documents import services
from apps.documents.models import DocumentVersion, Passage, Status

from .conftest import MANUAL_MD, all_points, live_hits, make_version, upload_file

NEW_MD = MANUAL_MD.replace(b"ten minutes", b"fifteen minutes") + b"\n## Revision\n\nRevised in 2025.\n"


@pytest.fixture
def document(personas):  # type: ignore[no-untyped-def]
    return make_version(personas, ingest=True).document


def test_editors_may_replace_readers_may_not_outsiders_see_nothing(client, personas, document):
    url = reverse("documents:replace", args=[document.pk])
    client.force_login(personas.editor)
    assert client.post(url, {"file": upload_file("v2.md", NEW_MD)}).status_code == 302
    client.force_login(personas.reader)
    assert client.post(url, {"file": upload_file("v3.md", NEW_MD + b"x")}).status_code == 403
    client.force_login(personas.outsider)
    assert client.post(url, {"file": upload_file("v3.md", NEW_MD + b"x")}).status_code == 404
    assert list(document.versions.values_list("number", flat=True).order_by("number")) == [1, 2]


def test_the_old_version_stays_searchable_until_the_new_one_is_ready(personas, document, fakes):
    old = document.current_version
    new, created = services.replace_document(personas.editor, document, upload_file("v2.md", NEW_MD))
    assert created and new.number == 2 and new.status == Status.QUEUED

    seen_versions = set()

    def watch(stage, done, total):  # type: ignore[no-untyped-def]
        hits = live_hits(fakes.index, personas.collection.pk)
        assert hits, f"no passage answered during {stage}"
        seen_versions.update(h.version_id for h in hits)

    services.run_ingest(new.pk, worker="test", on_progress=watch)
    assert seen_versions == {str(old.pk)}  # only the old version answered while the new one was built

    old.refresh_from_db()
    new.refresh_from_db()
    document.refresh_from_db()
    assert new.status == Status.READY and old.status == Status.SUPERSEDED and old.is_purged
    assert document.current_version_id == new.pk
    hits = live_hits(fakes.index, personas.collection.pk)
    assert {h.version_id for h in hits} == {str(new.pk)}
    assert all_points(fakes.index, personas.collection.pk) == new.chunk_count  # old points are gone
    assert fakes.graph.versions == {str(new.pk): str(document.pk)}
    assert Passage.objects.filter(version=old).exists() is False


def test_a_failed_new_version_leaves_the_old_one_current(personas, document, fakes):
    old = document.current_version
    new, _ = services.replace_document(personas.editor, document, upload_file("v2.pdf", b"%PDF-1.4 broken"))
    services.run_ingest(new.pk, worker="test")
    new.refresh_from_db()
    document.refresh_from_db()
    assert new.status == Status.FAILED and document.current_version_id == old.pk
    assert {h.version_id for h in live_hits(fakes.index, personas.collection.pk)} == {str(old.pk)}


def test_replacing_with_the_same_bytes_does_nothing(personas, document):
    version, created = services.replace_document(
        personas.editor, document, upload_file("again.md", MANUAL_MD)
    )
    assert created is False and version.pk == document.current_version_id
    assert DocumentVersion.objects.count() == 1
