"""The answer flow's language step (QA_ANSWER_VIA_ENGLISH, issue 14): a Chinese question over
English sources is drafted in English and shown translated.

The pieces are in :mod:`retrieval.answer_language`, built from the settings in
:mod:`config.wiring` (beside the question translator); this module puts them into the answer's
events. What the reader sees: the sources and the instant evidence
answer as usual, then a progress line in their language ("正在根据英文资料起草答案…") while the
English draft is written (its text is not streamed), then the answer in Chinese, one sentence at a
time as each is translated, each with its sentence-check verdict. The English draft and what the
translation restored (codes, and the manual's terms put in parentheses) are kept in the answer's
profile (``answer_language``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from config import wiring
from retrieval.answer_language import question_terms, sentence_separator, translation_target
from retrieval.grounding import SentenceCheck, source_texts
from retrieval.prompt import NOT_FOUND

Event = dict[str, Any]


@dataclass
class Via:
    """An answer drafted in English: the question as drafted, and the asker's language."""

    question: str
    language: str
    started: float = dataclasses.field(default_factory=time.perf_counter)
    announced: bool = False


def via_english(question: str, sources: Sequence[Any]) -> Via | None:
    """How ``question`` is answered: through an English draft (a :class:`Via`) or directly (None).

    Only a question in a language the answers are translated into, whose sources are mostly
    English, and which has an English translation (QA_ANSWER_QUESTION_MODEL's, else the search's,
    cached) goes through English.
    """
    cfg = wiring.answer_language_config()
    translator = wiring.question_translator() if cfg.enabled else None
    if translator is None or not sources:
        return None
    texts = [s.text for s in sources]
    # The language and source checks first: the translation may cost a model call.
    language = translation_target(question, texts, cfg)
    if not language:
        return None
    # The draft answers the larger model's translation where one is set (the small model's,
    # which the search used, reads as a statement or keeps Chinese words now and then), else
    # or when that fails, the search's (cached).
    drafter = wiring.draft_question_translator()
    english = (drafter.translate(question) if drafter else None) or translator.translate(question)
    return Via(english, language) if english else None


def progress_text(language: str) -> str:
    """The line shown while the English draft is written, in the language the answer comes in
    (the question's, which may not be the portal's)."""
    with translation.override(_DJANGO_LANGUAGE.get(language, language)):
        return _("Drafting the answer from the English sources; it will then be translated…")


# the answer languages' codes in settings.LANGUAGES
_DJANGO_LANGUAGE = {"zh": "zh-hans"}


def drafted(events: Generator[Event, None, Any], via: Via | None) -> Generator[Event, None, Any]:
    """The model's events while it writes the English draft: its text and sentence verdicts are
    held back (they are shown translated), a progress line is shown instead; returns what the
    model step returned (its sentence checks)."""
    if via is None:
        return (yield from events)
    if not via.announced:
        via.announced = True
        yield {"event": "status", "text": progress_text(via.language)}
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                return stop.value
            if event.get("event") not in ("delta", "sentence"):
                yield event
    finally:
        events.close()  # a reader who left mid-draft closes the model's stream too


def translated(
    answer: Any, checks: list[SentenceCheck], via: Via | None
) -> Generator[Event, None, list[SentenceCheck]]:
    """The English draft's sentences in the asker's language, streamed one by one; returns their
    checks (the English sentence's verdict, the translated text). A refusal is left to the
    caller, which shows it in the asker's language."""
    if via is None or not checks or answer.model_text.strip() == NOT_FOUND:
        return checks
    translator = wiring.answer_translator(via.language, str(answer.conversation_id))
    english = answer.model_text
    out: list[SentenceCheck] = []
    restored: list[str] = []
    kept = 0
    started = time.perf_counter()
    separator = sentence_separator(via.language)
    keep = question_terms(answer.question)
    shown = source_texts(answer.sources or [])
    terms: list[str] = []
    for check in checks:
        # the manual's terms are looked for in the sources this sentence cites, as it was checked
        cited = [shown[n] for n in check.cited if n in shown]
        sentence = translator.sentence(check.text, keep, cited)
        restored.extend(sentence.restored)
        terms.extend(sentence.terms)
        kept += sentence.kept_english
        if not out:
            # What the reader waited for: the first sentence in their language.
            answer.ttft_ms = (time.perf_counter() - via.started) * 1000
        out.append(dataclasses.replace(check, text=sentence.text))
        yield {"event": "delta", "text": (separator if len(out) > 1 else "") + sentence.text}
        yield {"event": "sentence", **out[-1].as_dict()}
    answer.model_text = separator.join(c.text for c in out)
    answer.profile = {
        **(answer.profile or {}),
        "answer_language": {
            "language": via.language,
            "drafted_in": "en",
            "question": via.question,
            "draft": english,
            "restored": restored,
            "terms": terms,
            "kept_english": kept,
            "translate_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    }
    return out
