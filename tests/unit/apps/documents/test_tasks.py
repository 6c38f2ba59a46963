"""The Celery adapters, called as functions (no broker, no eager mode)."""

from apps.documents import services, tasks
from apps.documents.models import Status

from .conftest import make_version


def test_running_out_of_retries_marks_the_version_failed(personas):
    version = make_version(personas)
    exc = services.TransientIngestError("qdrant unreachable")
    tasks.ingest_version.on_failure(exc, "task-id", (version.pk,), {}, None)
    version.refresh_from_db()
    assert version.status == Status.FAILED and "Gave up after" in version.error and "Retry" in version.error


def test_a_starting_worker_requeues_orphans_and_queued_versions(personas, monkeypatch):
    orphan = make_version(personas)
    queued = make_version(personas, "b.md", b"# B\n\nanother")
    services.claim(orphan.pk, "kenning-test@host")
    sent = []
    monkeypatch.setattr(tasks.ingest_version, "delay", sent.append)
    monkeypatch.setattr(tasks, "_BOOTED_AT", services._now())

    class Consumer:
        hostname = "kenning-test@host"

    tasks.requeue_unfinished(sender=Consumer())
    assert sorted(sent) == sorted([orphan.pk, queued.pk])
    orphan.refresh_from_db()
    assert orphan.status == Status.QUEUED


def test_the_task_is_idempotent_and_late_acked(personas):
    assert tasks.ingest_version.acks_late is True
    version = make_version(personas, ingest=True)
    assert services.run_ingest(version.pk, worker="w") is False  # already ready: nothing to claim


def test_an_empty_broker_with_versions_waiting_sends_them_again(personas, monkeypatch):
    # The broker's count is the real one in tests/integration/faults (Redis killed mid-ingest).
    from datetime import timedelta

    from apps.documents.models import DocumentVersion

    queued = make_version(personas)
    DocumentVersion.objects.filter(pk=queued.pk).update(created_at=services._now() - timedelta(minutes=5))
    make_version(personas, "fresh.md", b"# Fresh\n\njust uploaded; its message may be in flight")
    sent = []
    monkeypatch.setattr(tasks.ingest_version, "delay", sent.append)
    monkeypatch.setattr(tasks, "broker_backlog", lambda: 2)  # messages still waiting: none lost
    assert tasks.requeue_lost() == [] and sent == []
    monkeypatch.setattr(tasks, "broker_backlog", lambda: None)  # a broker it cannot count
    assert tasks.requeue_lost() == [] and sent == []
    monkeypatch.setattr(tasks, "broker_backlog", lambda: 0)
    assert tasks.requeue_lost() == [queued.pk] and sent == [queued.pk]
