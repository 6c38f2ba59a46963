"""scripts.stack replica counts (KENNING_MODEL_REPLICAS, KENNING_WORKER_REPLICAS)."""

import pytest

from scripts.stack import Stack, StackError


@pytest.fixture
def stack(tmp_path, monkeypatch):
    monkeypatch.setenv("KENNING_MODEL_REPLICAS", "2")
    monkeypatch.setenv("KENNING_WORKER_REPLICAS", "2")
    s = Stack.for_profile("test")
    s.state_dir = tmp_path
    return s


def test_one_replica_leaves_the_url_list_unset(monkeypatch):
    monkeypatch.delenv("KENNING_MODEL_REPLICAS", raising=False)
    assert "MODEL_SERVER_URLS" not in Stack.for_profile("test").env()


def test_clients_are_pointed_at_every_model_replica(stack):
    port = stack.ports["model"]
    assert stack.model_ports() == [port, port + 1]
    env = stack.env()
    assert env["MODEL_SERVER_URLS"] == f"http://127.0.0.1:{port},http://127.0.0.1:{port + 1}"
    assert env["MODEL_SERVER_URL"] == f"http://127.0.0.1:{port}"
    assert stack.instances("model") == ["model", "model-2"]
    assert stack.instances("worker") == ["worker", "worker-2"]
    assert stack.instances("redis") == ["redis"]


def test_stopping_a_service_stops_each_of_its_replicas(stack):
    stack._spawn("model", ["sleep", "30"])
    stack._spawn("model-2", ["sleep", "30"])
    stack._spawn("model-3", ["sleep", "30"])  # left by an earlier run with three replicas
    assert stack.stop("model", timeout_s=5) is True
    assert [stack.running_pid(n) for n in ("model", "model-2", "model-3")] == [None, None, None]
    assert stack.stop("model", timeout_s=5) is False


@pytest.mark.parametrize("value", ["0", "two", "9"])
def test_a_bad_replica_count_is_refused_with_its_name(monkeypatch, value):
    monkeypatch.setenv("KENNING_MODEL_REPLICAS", value)
    with pytest.raises(StackError, match="KENNING_MODEL_REPLICAS.*from 1 to 8"):
        Stack.for_profile("test")


def test_each_worker_has_its_own_celery_node_name(stack):
    # A version's claimed_by is "<node>@<host>": tests find the worker holding it by this name.
    assert [stack.worker_node(n) for n in stack.instances("worker")] == ["kenning-test", "kenning-test-2"]
