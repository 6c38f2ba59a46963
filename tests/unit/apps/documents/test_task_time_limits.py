"""Every ingest task runs under soft and hard time limits, and a version that ran into one says so."""

from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings

from apps.documents import runs, services, tasks
from apps.documents.models import GraphStatus, Status

from .conftest import make_version


def test_every_task_has_a_soft_and_a_hard_limit_below_the_visibility_timeout():
    visibility_s = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for task in (tasks.ingest_version, tasks.ingest_graph, tasks.apply_record_mapping):
        assert 0 < task.soft_time_limit < task.time_limit < visibility_s, task.name


def test_a_stage_stopped_by_the_soft_limit_leaves_the_version_failed_as_timed_out(personas, monkeypatch):
    version = make_version(personas)

    def endless_stage(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise SoftTimeLimitExceeded()  # what Celery raises inside the task when the limit fires

    monkeypatch.setattr(runs, "run_stage", endless_stage)
    assert tasks.ingest_version(version.pk) is False
    version.refresh_from_db()
    assert version.status == Status.FAILED and version.claim_token == ""
    assert version.error.startswith("Timed out: the ingest took longer than 40 min")
    assert "Internal error" not in version.error


def test_the_hard_limit_frees_a_claimed_version_and_says_it_timed_out(personas):
    version = make_version(personas)
    services.claim(version.pk, "kenning-test@host")
    tasks.ingest_version.on_failure(TimeLimitExceeded(2520), "task-id", (version.pk,), {}, None)
    version.refresh_from_db()
    assert version.status == Status.FAILED and version.claim_token == ""
    assert version.error.startswith("Timed out:")


def test_a_graph_stage_that_timed_out_keeps_the_version_ready(personas, monkeypatch):
    version = make_version(personas, ingest=True)
    version.graph_status = GraphStatus.RETRYING
    version.save()

    def endless_stage(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(runs, "run_stage", endless_stage)
    assert tasks.ingest_graph(version.pk) is False
    version.refresh_from_db()
    assert version.status == Status.READY and version.graph_status == GraphStatus.FAILED
    assert version.error.startswith("Ready, graph failed: Timed out: the graph stage took longer than 30 min")
