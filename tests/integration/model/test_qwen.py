"""The assembled, verified Qwen2.5-Coder 0.5B Instruct through Kenning's own loading and server.

Slow (about 0.5 GB read, a few seconds of CPU): ``scripts/test -m slow``. The file must have been
assembled by ``scripts/install`` (``python -m model.assemble``) into the model cache.
"""

import pytest
from starlette.testclient import TestClient

from model.gguf_meta import read_gguf_info
from model.registry import QWEN_SMALL_NAME, get_spec
from model.server import create_app

from .conftest import qwen_small_config, server_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def qwen_small():
    return qwen_small_config(1024)


def test_the_assembled_file_is_the_official_dense_qwen2_model(qwen_small):
    info = read_gguf_info(qwen_small.gguf_path)
    assert (info.architecture, info.is_moe) == ("qwen2", False)
    assert qwen_small.sha256 == get_spec(QWEN_SMALL_NAME).sha256
    assert qwen_small.gguf_path.stat().st_size == get_spec(QWEN_SMALL_NAME).size_bytes


def test_it_answers_from_a_source_and_lists_itself_with_its_hash(qwen_small):
    app = create_app(server_config(n_parallel=1), [qwen_small])
    with TestClient(app) as client:
        listed = client.get("/v1/models").json()["data"]
        assert [m["id"] for m in listed] == [QWEN_SMALL_NAME]
        meta = listed[0]["kenning"]
        assert (meta["kind"], meta["tier"], meta["licence"]) == ("dense", "small", "Apache-2.0")
        assert meta["sha256"] == get_spec(QWEN_SMALL_NAME).sha256
        r = client.post(
            "/v1/chat/completions",
            json={
                "messages": [
                    {
                        "role": "system",
                        "content": "Answer only from the sources and cite them like [1].\n"
                        "Sources:\n[1] Pump P-101: error code E-47 means the inlet valve is closed. "
                        "Fix: open valve V-12 before start-up.",
                    },
                    {"role": "user", "content": "What does error E-47 on pump P-101 mean?"},
                ],
                "max_tokens": 24,
                "temperature": 0,
            },
        )
    assert r.status_code == 200, r.text
    body = r.json()
    text = body["choices"][0]["message"]["content"]
    assert "valve" in text.lower(), text
    assert 0 < body["usage"]["completion_tokens"] <= 24
