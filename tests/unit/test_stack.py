import os
import socket
import time

import pytest

from scripts import stack as stackmod
from scripts.stack import Stack, StackError


@pytest.fixture
def tmp_stack(tmp_path):
    return Stack(profile="test", state_dir=tmp_path, ports={"neo4j": 1, "redis": 1, "postgres": 1, "index": 1,
                                                          "model": 1, "web": 1})


def test_it_names_the_port_and_the_fix_when_a_port_is_taken(tmp_stack):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        tmp_stack.ports["redis"] = s.getsockname()[1]
        with pytest.raises(StackError, match=r"already in use.*KENNING_REDIS_PORT"):
            tmp_stack.check_port_free("redis")


def test_it_names_the_fix_when_a_binary_is_missing(tmp_stack, monkeypatch):
    monkeypatch.setattr(stackmod.shutil, "which", lambda name: None)
    with pytest.raises(StackError, match="redis-server not found.*apt-get install -y redis-server"):
        stackmod.start_redis(tmp_stack)
    with pytest.raises(StackError, match="java not found.*Java 17"):
        stackmod.start_neo4j(tmp_stack)


def test_it_stops_only_what_it_started(tmp_stack):
    assert tmp_stack.stop("redis") is False  # nothing recorded, nothing signalled
    tmp_stack._spawn("sleeper", ["sleep", "30"])
    pid = tmp_stack.running_pid("sleeper")
    assert pid is not None
    assert tmp_stack.stop("sleeper", timeout_s=5) is True
    assert tmp_stack.running_pid("sleeper") is None


def test_it_shows_the_log_tail_when_a_service_dies_during_start(tmp_stack):
    tmp_stack._spawn("broken", ["sh", "-c", "echo 'fatal: bad config line 3'; exit 1"])
    with pytest.raises(StackError, match=r"broken exited during start-up(.|\n)*bad config line 3"):
        tmp_stack.wait_for("broken", lambda: False, timeout_s=120)  # seen at once; bounds a hang


def test_a_service_already_gone_and_reaped_counts_as_exited(tmp_stack):
    # CI once saw the child reaped (by subprocess's own clean-up) before wait_for looked at it,
    # which read as "never ready" after the whole timeout instead of "exited"
    pid = tmp_stack._spawn("broken", ["sh", "-c", "echo 'fatal: gone early'; exit 1"])
    while True:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
        except ChildProcessError:
            break
        time.sleep(0.05)
    with pytest.raises(StackError, match=r"broken exited during start-up(.|\n)*gone early"):
        tmp_stack.wait_for("broken", lambda: False, timeout_s=120)


def test_cli_prints_one_clear_line_instead_of_a_traceback(capsys, monkeypatch):
    monkeypatch.setattr(stackmod.shutil, "which", lambda name: None)
    monkeypatch.setattr(stackmod.Stack, "running_pid", lambda self, name: None)
    monkeypatch.setattr(stackmod.Stack, "check_port_free", lambda self, name: None)
    assert stackmod.main(["--profile", "test", "start", "redis"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: redis-server not found") and "Traceback" not in err
