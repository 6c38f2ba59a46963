"""config.errors maps every domain package's errors the same way (one place)."""

from config.errors import UserError, problem_for
from graph.errors import GraphUnavailable, GraphWriteError
from model.errors import ContextOverflow, ModelUnavailable, QueueFull
from retrieval.errors import IndexUnavailable, UnsupportedFileType


def test_transient_errors_of_every_package_become_503_with_retry_after():
    for exc, service in (
        (GraphUnavailable("neo4j down"), "The knowledge graph"),
        (ModelUnavailable("model down"), "The answer model"),
        (IndexUnavailable("index down"), "The document search index"),
    ):
        problem = problem_for(exc)
        assert problem.status == 503 and problem.retry_after_s
        assert problem.message == f"{service} is unavailable right now; try again in 5 s."


def test_an_unavailable_service_never_shows_its_address_and_the_detail_is_logged(caplog):
    exc = ModelUnavailable("model server http://10.0.0.7:8081 unreachable or too slow: ConnectError()")
    problem = problem_for(exc)
    assert "10.0.0.7" not in problem.message and "http" not in problem.message
    assert "http://10.0.0.7:8081" in caplog.text


def test_addresses_are_removed_from_permanent_domain_errors_too():
    problem = problem_for(
        GraphWriteError("write to bolt://neo4j:s3cret@graph-db:7687 refused at 10.1.2.3:7687")
    )
    assert problem.status == 400
    assert (
        "s3cret" not in problem.message
        and "10.1.2.3" not in problem.message
        and "bolt:" not in problem.message
    )
    assert "[internal address]" in problem.message


def test_a_full_model_queue_keeps_its_retry_after():
    assert problem_for(QueueFull(16, 7)).retry_after_s == 7


def test_permanent_errors_become_400_with_their_message():
    assert problem_for(UnsupportedFileType("a.exe", "exe", "not a document")).status == 400
    assert problem_for(GraphWriteError("constraint violated")).status == 400
    overflow = problem_for(ContextOverflow(5000, 4096))
    assert overflow.status == 400 and "5000" in overflow.message and "4096" in overflow.message


def test_user_errors_keep_their_status_and_unknown_errors_are_left_to_django():
    assert problem_for(UserError("nope", status=404)).status == 404
    assert problem_for(RuntimeError("bug")) is None


def test_a_service_failure_quoted_in_a_user_error_loses_its_address():
    problem = problem_for(
        UserError("The passage index is unavailable (http://10.0.0.5:6333 refused).", status=503)
    )
    assert problem.message == "The passage index is unavailable ([internal address] refused)."
    assert problem_for(UserError("see http://example.org/help")).message == "see http://example.org/help"
