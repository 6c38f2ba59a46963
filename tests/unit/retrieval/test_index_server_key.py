"""The index server checks its key in constant time and needs one on anything but loopback."""

import hmac

import pytest
from starlette.testclient import TestClient

from retrieval.index import server

KEY = "index-key-0123456789"


@pytest.fixture
def client(tmp_path):
    with TestClient(server.create_app(tmp_path / "store", api_key=KEY)) as c:
        yield c


def test_requests_need_the_key(client):
    assert client.get("/collections").status_code == 403
    assert client.get("/collections", headers={"api-key": "index-key-0123456780"}).status_code == 403
    assert client.get("/collections", headers={"api-key": KEY}).json()["result"] == {"collections": []}


def test_the_key_is_compared_in_constant_time(client, monkeypatch):
    calls, compare = [], hmac.compare_digest

    def spy(a, b):  # type: ignore[no-untyped-def]
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(server.hmac, "compare_digest", spy)
    client.get("/collections", headers={"api-key": "wrong"})
    assert calls == [(b"wrong", KEY.encode())]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "index"])
def test_a_public_bind_without_a_key_is_refused(tmp_path, host, capsys):
    with pytest.raises(SystemExit) as exit_info:
        server.main(["--path", str(tmp_path), "--host", host])
    assert exit_info.value.code == 2
    assert "needs --api-key-file" in capsys.readouterr().err


def test_loopback_needs_no_key():
    assert server.is_loopback("127.0.0.1") and server.is_loopback("::1") and server.is_loopback("localhost")
    assert not server.is_loopback("0.0.0.0")
