"""kill -9 the worker in the middle of a large document; a restarted worker finishes it once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import kill_worker, points_of, restart_worker, version_state, wait_for, wait_until_settled

pytestmark = [pytest.mark.integration, pytest.mark.serial, pytest.mark.django_db(transaction=True)]

WORDS = (
    "pump seal bearing impeller shaft coupling motor valve strainer gasket pressure flow vibration "
    "alarm inspection torque lubrication alignment temperature clearance"
).split()


def large_manual(sections: int = 96) -> bytes:
    """A plain-text manual of `sections` paragraphs of ~170 words: one passage each."""
    paragraphs = []
    for i in range(sections):
        words = " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(160))
        paragraphs.append(f"Section {i}: check unit P-{100 + i} every {i % 12 + 1} weeks. {words}.")
    return "\n\n".join(paragraphs).encode()


def test_a_killed_worker_resumes_the_document_without_duplicates(personas, clean_index, ingest_services):
    from apps.documents import services
    from apps.documents.models import Passage

    version, _ = services.accept_upload(
        personas.editor, personas.collection, SimpleUploadedFile("big-manual.txt", large_manual())
    )

    def embedding_started():  # type: ignore[no-untyped-def]
        v = version_state(version.pk)
        return v.stage == "chunked" and v.progress_done > 0 and v

    embedding = wait_for(embedding_started, 90, "embedding to start")
    assert embedding.progress_done < embedding.chunk_count
    kill_worker(ingest_services, embedding.claimed_by)
    killed_at = version_state(version.pk)
    assert killed_at.status == "ingesting" and killed_at.claimed_by  # left claimed by the dead worker

    restart_worker(ingest_services)
    done = wait_until_settled(version.pk, timeout_s=180)
    assert done.status == "ready", done.error
    assert done.attempts == 2
    assert Passage.objects.filter(version=done).count() == done.chunk_count
    assert points_of(clean_index, personas.collection.pk, done.pk) == done.chunk_count
    assert points_of(clean_index, personas.collection.pk) == done.chunk_count
