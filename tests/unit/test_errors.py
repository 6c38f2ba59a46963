"""config.errors maps every domain package's errors the same way (one place)."""

from config.errors import UserError, problem_for
from graph.errors import GraphUnavailable, GraphWriteError
from model.errors import ContextOverflow, ModelUnavailable, QueueFull
from retrieval.errors import IndexUnavailable, UnsupportedFileType


def test_transient_errors_of_every_package_become_503_with_retry_after():
    for exc in (GraphUnavailable("neo4j down"), ModelUnavailable("model down"), IndexUnavailable("index down")):
        problem = problem_for(exc)
        assert problem.status == 503 and problem.retry_after_s and str(exc) in problem.message


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
