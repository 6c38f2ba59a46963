"""Question translation before search: a question not in English is also searched in English.

MiniLM and BM25 read English; the sample manuals are English. The multilingual vector
(``dense_ml``) lets a Chinese question find English passages, but it ranks them worse than
MiniLM ranks an English question. This module asks the local answer model (through any
``generate`` callable, e.g. the model server client) for a one-line English translation and
searches it beside the original; the two rankings are fused by RRF, so a bad translation can
only add candidates, and a failed one leaves the original search as it was.

The generation is bounded so a small model cannot loop: greedy, one line (stop at a newline),
``max_tokens`` tokens, and the output is kept only when it reads as the target language and is not
much longer than the question. Latin codes and part numbers in the question that the translation
lost are appended to it, so keyword search still finds them.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .index.base import DENSE_ML, Hit
from .language import detect_language

if TYPE_CHECKING:
    from .search import HybridSearcher, SearchMode, SearchResult

logger = logging.getLogger(__name__)

__all__ = [
    "Generate",
    "PROMPTS",
    "TranslateConfig",
    "TranslationPrompt",
    "QuestionTranslator",
    "search_with_translation",
    "TRANSLATED",
]

# generate(messages, max_tokens=..., stop=[...]) -> the model's text
Generate = Callable[..., str]

TRANSLATED = "translated"  # the fused source name of the translated question's ranking

SYSTEM_PROMPT = (
    "Translate the user's question into English. Keep codes, part numbers, commands, file names "
    "and quoted messages exactly as written. Reply with the English question only, on one line."
)


@dataclass(frozen=True)
class TranslationPrompt:
    """The instruction and worked examples sent before the question.

    A worked example steadies a 0.5B model (without any, it sometimes answers the question), but
    a concrete one leaks: with a printer example, "printer" turned up in translations of
    questions about UPSes. Placeholder examples (device X, code Y) show the form and carry no
    noun a question could borrow.
    """

    system: str = SYSTEM_PROMPT
    examples: tuple[tuple[str, str], ...] = ()


# Measured on the bilingual dev questions (docs/BENCH_BILINGUAL.md, "The translation prompt").
PROMPTS = {
    # what shipped first: one concrete example; its nouns leaked into translations
    "printer": TranslationPrompt(
        examples=(
            (
                "打印机显示错误 E-05 时应该先检查什么？",
                "What should I check first when the printer shows error E-05?",
            ),
        )
    ),
    # instruction only
    "plain": TranslationPrompt(
        system=(
            "You translate questions into English; you never answer them. Keep codes, part numbers, "
            "commands, file names, option names and quoted messages exactly as written. Reply with "
            "the English question only, on one line."
        )
    ),
    # placeholders: the form of a question, no subject matter
    "placeholder": TranslationPrompt(
        examples=(
            (
                "设备 X 显示错误 CODE-1 时应该先检查什么？",
                "What should I check first when device X shows error CODE-1?",
            ),
            ("怎样把 OPTION_A 设为 VALUE？", "How do I set OPTION_A to VALUE?"),
        )
    ),
}
DEFAULT_PROMPT = "placeholder"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*[0-9][A-Za-z0-9_.:/-]*|[A-Za-z]+_[A-Za-z0-9_]+")
# A quoted message in Latin script (an error text the user copied): the small model paraphrased it
# ("tcp_open: cannot connect to server localhost on port 3551" became "TCP_OPEN"), and it is the
# best search term the question has.
_QUOTED = re.compile(r"['\"‘“「]([A-Za-z][^'\"’”」\u3400-\u9fff]{3,200}?)['\"’”」]")
_LABEL = re.compile(r"^(english|translation|question)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class TranslateConfig:
    """How a question is translated.

    Attributes:
        target: the language searched in (ISO 639-1); questions already in it are not translated.
        max_tokens: the longest translation generated (a question is one line).
        max_length_ratio: a translation longer than this many times the question (plus 40
            characters) is an answer or a loop, not a translation, and is dropped.
        cache_size: translations remembered per process (a follow-up often repeats a question).
        skip_when_top_in_language: when the first this-many passages the untranslated question
            finds are in its own language (payload ``lang``), it is not translated: its
            collections answer it in its language, and the model call is saved (0: always
            translate).
        split_sources: fuse the translation's MiniLM and keyword rankings as two lists
            (``translated``, ``translated_sparse``), like the original's, instead of its fused
            ranking as one: the translation then weighs as much as the original question.
        gate_confirmed_by: the gate counts a first passage as in the question's language only
            when this source's ranking found it too (among its candidates): ``dense_ml``, the
            multilingual vector, the one ranking that compares passages across languages; ""
            counts any (as before session 8; also when the search ran no such source). A
            Chinese question's keyword ranking can only match Chinese passages, and it put an
            unrelated Chinese manual's passage first for 3 of 30 dev questions about English
            manuals, which then went untranslated and lost their English passages; the
            multilingual vector had not found those passages at all.
    """

    target: str = "en"
    max_tokens: int = 64
    max_length_ratio: float = 4.0
    cache_size: int = 256
    # Chosen on the bilingual dev set (docs/BENCH_BILINGUAL.md): Chinese questions found at 5
    # went 46 of 54 (always translate, one list) -> 48 of 54 (these two).
    skip_when_top_in_language: int = 1
    split_sources: bool = True
    # Chosen on the bilingual dev set (docs/BENCH_BILINGUAL.md, session 8): zh->en 23 -> 25 of 30
    # at 5, zh->zh 24 of 24 kept (the same single question translated).
    gate_confirmed_by: str = DENSE_ML

    def __post_init__(self) -> None:
        if not 1 <= self.max_tokens <= 512:
            raise ValueError(f"max_tokens must be in [1, 512], got {self.max_tokens!r}")
        if self.max_length_ratio < 1.0:
            raise ValueError(f"max_length_ratio must be >= 1, got {self.max_length_ratio!r}")
        if self.cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {self.cache_size!r}")
        if not 0 <= self.skip_when_top_in_language <= 50:
            raise ValueError(
                f"skip_when_top_in_language must be in [0, 50], got {self.skip_when_top_in_language!r}"
            )
        if self.gate_confirmed_by not in (DENSE_ML, ""):
            raise ValueError(f"gate_confirmed_by must be {DENSE_ML!r} or '', got {self.gate_confirmed_by!r}")


class QuestionTranslator:
    """Translates questions into ``config.target`` with a generation callable.

    Args:
        generate: ``generate(messages, max_tokens=int, stop=list[str]) -> str``; it may raise
            anything (a model server that is down): :meth:`translate` then returns None.
        config: bounds and target language.
        detect: the language detector (``retrieval.language.detect_language``).
        prompt: the instruction and worked examples (default ``PROMPTS[DEFAULT_PROMPT]``).
    """

    def __init__(
        self,
        generate: Generate,
        config: TranslateConfig | None = None,
        detect: Callable[[str], str] = detect_language,
        prompt: TranslationPrompt | None = None,
    ) -> None:
        self.generate = generate
        self.config = config or TranslateConfig()
        self.detect = detect
        self.prompt = prompt or PROMPTS[DEFAULT_PROMPT]
        self._cached = functools.lru_cache(maxsize=self.config.cache_size)(self._translate)

    def needs_translation(self, question: str) -> bool:
        """True when ``question`` is not in the target language."""
        return bool(question.strip()) and self.detect(question) != self.config.target

    def translate(self, question: str) -> str | None:
        """The question in the target language, or None (already in it, or no usable translation).

        Never raises: a failed generation is logged and gives None, so search goes on untranslated.
        """
        question = " ".join(question.split())
        if not self.needs_translation(question):
            return None
        try:
            return self._cached(question)
        except Exception as e:  # noqa: BLE001 - any failure of an optional step must not break search
            logger.warning(
                "question translation failed (%s: %s); searching the untranslated question",
                type(e).__name__,
                e,
            )
            return None

    def messages(self, question: str) -> list[dict[str, str]]:
        """The chat messages sent to the model."""
        messages = [{"role": "system", "content": self.prompt.system}]
        for asked, translated in self.prompt.examples:
            messages += [{"role": "user", "content": asked}, {"role": "assistant", "content": translated}]
        return [*messages, {"role": "user", "content": question}]

    def _translate(self, question: str) -> str | None:
        raw = self.generate(self.messages(question), max_tokens=self.config.max_tokens, stop=["\n"])
        return clean_translation(question, raw, self.config, self.detect)


def clean_translation(
    question: str, raw: str, config: TranslateConfig, detect: Callable[[str], str] = detect_language
) -> str | None:
    """The first line of ``raw`` without labels or quotes, with the question's lost quoted messages
    and codes appended;
    None when it is empty, not in the target language, or far longer than the question."""
    lines = [line.strip() for line in str(raw).splitlines() if line.strip()]
    if not lines:
        return None
    text = _LABEL.sub("", lines[0]).strip().strip("\"'“”「」").strip()
    if not text or len(text) > config.max_length_ratio * len(question) + 40:
        return None
    if detect(text) != config.target:
        return None
    folded = " ".join(text.lower().split())
    quoted = [
        q for q in dict.fromkeys(_QUOTED.findall(question)) if " ".join(q.lower().split()) not in folded
    ]
    restored = " ".join(quoted).lower()
    lost = [
        code
        for code in dict.fromkeys(_CODE.findall(question))
        if code.lower() not in folded and code.lower() not in restored
    ]
    return " ".join([text, *(f'"{q}"' for q in quoted), *lost])


def search_with_translation(
    searcher: HybridSearcher,
    translator: QuestionTranslator | None,
    query: str,
    allowed_collection_ids: Iterable[str | int],
    top_k: int | None = None,
    mode: SearchMode | str = "hybrid",
    *,
    extra: Mapping[str, Sequence[Hit]] | None = None,
    **filters: Any,
) -> SearchResult:
    """``searcher.search`` of ``query``, with the ranking of its translation fused in as ``translated``.

    Args:
        searcher: the hybrid searcher.
        translator: None searches ``query`` alone.
        query, allowed_collection_ids, top_k, mode, extra: as ``HybridSearcher.search``.
        **filters: ``document_ids``, ``version_ids``, ``kinds`` (applied to both searches).

    Returns:
        The fused result; ``timings_ms["translate"]`` (and ``"translated_search"``) when a
        translation was searched.
    """
    from .search import SearchResult

    allowed = list(allowed_collection_ids)
    if translator is None or not translator.needs_translation(query):
        return searcher.search(query, allowed, top_k, mode, extra=extra, **filters)
    skip = translator.config.skip_when_top_in_language
    if skip:
        first = searcher.search(query, allowed, top_k, mode, extra=extra, **filters)
        confirmed_by = translator.config.gate_confirmed_by
        if _top_in_language(first.passages, translator.detect(query), skip, confirmed_by):
            return first
    lists = dict(extra or {})
    timings: dict[str, float] = {}
    started = time.perf_counter()
    translation = translator.translate(query)
    timings["translate"] = (time.perf_counter() - started) * 1000
    if translation:
        started = time.perf_counter()
        result = searcher.search(translation, allowed, searcher.config.candidates_per_source, mode, **filters)
        # Ranked as the translated search ranked them, scored by MiniLM's cosine with the
        # translation: what a caller reads as dense relevance (the fused score is not a cosine).
        if translator.config.split_sources:
            lists.update(_by_source(result.passages))
        else:
            lists[TRANSLATED] = [
                Hit(p.chunk_id, float(p.scores.get("dense", 0.0)), p.payload) for p in result
            ]
        timings["translated_search"] = (time.perf_counter() - started) * 1000
        logger.debug("searched the translation %r of %r", translation, query)
    result = searcher.search(query, allowed, top_k, mode, extra=lists or None, **filters)
    return SearchResult(result.passages, result.mode, {**result.timings_ms, **timings})


def _top_in_language(passages: Sequence[Any], language: str, n: int, confirmed_by: str = "") -> bool:
    """True when the first ``n`` passages are in ``language``, each also found by the
    ``confirmed_by`` ranking (when the search ran that source at all)."""
    top = passages[:n]
    if confirmed_by and any(confirmed_by in p.ranks for p in passages):
        top = [p for p in top if confirmed_by in p.ranks]
    return len(top) == n and all(p.payload.get("lang") == language for p in top)


def _by_source(passages: Sequence[Any]) -> dict[str, list[Hit]]:
    """The translation's MiniLM (as ``translated``) and keyword rankings, rebuilt from its fused
    result's per-source ranks."""
    out: dict[str, list[Hit]] = {}
    for source, name in (("dense", TRANSLATED), ("sparse", f"{TRANSLATED}_sparse")):
        ranked = sorted((p for p in passages if source in p.ranks), key=lambda p: p.ranks[source])
        out[name] = [Hit(p.chunk_id, float(p.scores[source]), p.payload) for p in ranked]
    return out
