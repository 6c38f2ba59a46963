"""docker-compose.yml is validated without an engine by Debian's docker-compose (`config`)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRETS = (
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "NEO4J_PASSWORD",
    "REDIS_PASSWORD",
    "QDRANT_API_KEY",
    "MODEL_SERVER_API_KEY",
)


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def compose_config() -> str:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose missing: scripts/install installs Debian's docker-compose package"
    env = {**os.environ, **{name: f"test-only-{name.lower()}" for name in SECRETS}}
    result = _config(env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_file_has_every_production_service(compose_config):
    for service in ("web:", "worker:", "model:", "neo4j:", "qdrant:", "redis:", "postgres:"):
        assert f"\n  {service}" in compose_config


def test_model_server_reserves_a_gpu_and_builds_with_cuda(compose_config):
    model = compose_config.split("\n  model:")[1].split("\n  neo4j:")[0]
    assert "capabilities:\n            - gpu" in model or "- gpu" in model
    assert "GGML_CUDA=on" in model


@pytest.mark.parametrize("missing", SECRETS)
def test_compose_refuses_to_start_without_each_secret(missing):
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update({name: "set" for name in SECRETS if name != missing})
    result = _config(env)
    assert result.returncode != 0 and missing in result.stderr


def test_no_password_has_a_default_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in SECRETS:
        assert f"${{{name}:-" not in text and f"${{{name}}}" not in text


def test_only_the_web_port_is_published(compose_config):
    services = yaml.safe_load(compose_config)["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["web"]


def test_backend_services_sit_on_an_internal_network_only(compose_config):
    config = yaml.safe_load(compose_config)
    assert config["networks"]["backend"]["internal"] is True
    for name in ("neo4j", "qdrant", "redis", "postgres", "worker"):
        assert list(config["services"][name]["networks"]) == ["backend"], name


def test_every_client_gets_the_keys_of_the_services_it_calls(compose_config):
    services = yaml.safe_load(compose_config)["services"]
    for name in ("web", "worker", "model"):
        env = services[name]["environment"]
        assert env["MODEL_SERVER_API_KEY"] == "test-only-model_server_api_key"
        assert env["QDRANT_API_KEY"] == "test-only-qdrant_api_key"
        assert env["REDIS_URL"] == "redis://:test-only-redis_password@redis:6379/0"
    assert services["qdrant"]["environment"]["QDRANT__SERVICE__API_KEY"] == "test-only-qdrant_api_key"
