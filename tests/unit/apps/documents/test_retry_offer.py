"""Retry is offered where running again may help, not for a file that cannot be parsed."""

from apps.documents.models import GraphStatus, Stage, Status

from .conftest import make_version


def _fail(version, *, stage, error):  # type: ignore[no-untyped-def]
    version.status, version.stage, version.error = Status.FAILED, stage, error
    version.save()
    return version


def test_a_file_that_failed_to_parse_is_not_offered_a_retry(personas):
    version = _fail(
        make_version(personas), stage=Stage.STORED, error="p101-manual.md: damaged PDF (no pages)"
    )
    assert version.is_retryable is False and version.as_status()["can_retry"] is False


def test_a_parse_stage_internal_error_may_be_retried(personas):
    version = _fail(
        make_version(personas), stage=Stage.STORED, error="Internal error (KeyError: 'x'); try again"
    )
    assert version.as_status()["can_retry"] is True


def test_a_failure_after_parsing_may_be_retried(personas):
    version = _fail(make_version(personas), stage=Stage.EMBEDDED, error="Gave up after 6 retries: index down")
    assert version.as_status()["can_retry"] is True


def test_a_ready_version_whose_graph_stage_failed_may_be_retried(personas):
    version = make_version(personas, ingest=True)
    version.graph_status = GraphStatus.FAILED
    version.save()
    assert version.as_status()["can_retry"] is True
    version.graph_status = GraphStatus.NONE
    assert version.as_status()["can_retry"] is False
