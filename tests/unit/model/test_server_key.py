"""The model server needs a key on anything but loopback, and checks it on every request but /health."""

import pytest
from starlette.testclient import TestClient

from model.__main__ import main
from model.config import ModelConfig, ServerConfig, build_config
from model.errors import ModelConfigError
from model.server import create_app
from tests.unit.model.test_server import FakeEngine

KEY = "k" * 32


@pytest.fixture
def client():
    config = ServerConfig(host="0.0.0.0", api_key=KEY)
    model = ModelConfig(name="smollm2", gguf_path="/x.gguf", tier="small")
    app = create_app(config, [model], lambda *_: FakeEngine())
    with TestClient(app) as c:
        yield c


def test_requests_without_the_key_are_refused(client):
    assert client.get("/v1/models").status_code == 401
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"
    assert client.get("/metrics").status_code == 401


def test_a_wrong_key_is_refused_and_the_right_one_served(client):
    assert client.get("/v1/models", headers={"Authorization": "Bearer " + "x" * 32}).status_code == 401
    assert client.get("/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_health_stays_open_for_container_checks(client):
    assert client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "model", "::"])
def test_a_non_loopback_host_needs_a_key(host):
    with pytest.raises(ModelConfigError, match="needs an API key"):
        build_config(ServerConfig, host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_may_serve_without_a_key(host):
    assert build_config(ServerConfig, host=host).api_key is None


def test_the_cli_refuses_a_public_bind_without_a_key_before_loading_models(capsys):
    assert main(["serve", "--host", "0.0.0.0", "--model", "small", "/no/such.gguf"]) == 2
    assert "needs an API key" in capsys.readouterr().err


def test_the_cli_reads_the_key_from_a_file(tmp_path, capsys):
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    # Passes the key check and fails later, on the missing model file.
    assert (
        main(["serve", "--host", "0.0.0.0", "--api-key-file", str(key_file), "--model", "small", "/no.gguf"])
        == 2
    )
    assert "API key" not in capsys.readouterr().err
