"""docker-compose.yml is validated without an engine by Debian's docker-compose (`config`)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose_config() -> str:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose missing: scripts/install installs Debian's docker-compose package"
    env = {**os.environ, "SECRET_KEY": "test-only"}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"], capture_output=True,
                            text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_file_has_every_production_service(compose_config):
    for service in ("web:", "worker:", "model:", "neo4j:", "qdrant:", "redis:", "postgres:"):
        assert f"\n  {service}" in compose_config


def test_model_server_reserves_a_gpu_and_builds_with_cuda(compose_config):
    model = compose_config.split("\n  model:")[1].split("\n  neo4j:")[0]
    assert "capabilities:\n            - gpu" in model or "- gpu" in model
    assert "GGML_CUDA=on" in model


def test_compose_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
