"""The answer pipeline: classify → retrieve (access-filtered) → prompt → stream → ground → store.

`answer_events` yields plain dict events; the view turns them into SSE. Every answer row records
its route, sources, facts, compute profile, timings and cache use, whatever the outcome.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from apps.accounts.access import readable_collection_ids
from apps.qa import answer_language, evidence
from apps.qa.models import Answer, Conversation
from apps.qa.slots import answer_slots, busy_response
from config import wiring
from config.errors import UserError, problem_for
from retrieval import evidence_answer
from retrieval.answerability import missing_names, unanswerable_quantity
from retrieval.grounding import (
    SentenceCheck,
    SupportConfig,
    checked_stream,
    citation_grammar,
    cited_numbers,
    is_refusal,
    settle,
    source_texts,
    unsupported_share,
)
from retrieval.language import detect_language
from retrieval.prompt import NOT_FOUND, assemble_sources, build_messages, check_citations, not_found_text
from retrieval.question import classify

logger = logging.getLogger(__name__)

Event = dict[str, Any]


def validate_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise UserError(_("Please type a question."))
    limit = settings.QA_MAX_QUESTION_CHARS
    if len(question) > limit:
        raise UserError(
            _(
                "The question is %(length)s characters long; the limit is %(limit)s. "
                "Shorten it to the essentials (equipment, symptom, error code)."
            )
            % {"length": f"{len(question):,}", "limit": f"{limit:,}"}
        )
    return question


def start_answer(user, question: str, conversation_id: int | None) -> Answer:  # type: ignore[no-untyped-def]
    question = validate_question(question)
    if conversation_id:
        conversation = Conversation.objects.filter(pk=conversation_id, user=user).first()
        if conversation is None:
            raise UserError(_("No such conversation."), status=404)
    else:
        conversation = Conversation.objects.create(user=user, title=question[:200])
    return Answer.objects.create(conversation=conversation, question=question)


Started = tuple[Answer, Iterator[Event]]


def start_in_slot(user, question: str, conversation_id: int | None) -> Started | JsonResponse:  # type: ignore[no-untyped-def]
    """Start an answer in a free answer slot.

    Returns the answer and its events (the slot is freed when they end), or the busy response
    when every slot is taken (nothing is stored then).
    """
    slots = answer_slots()
    if (slot := slots.acquire()) is None:
        return busy_response(slots)
    try:
        answer = start_answer(user, question, conversation_id)
    except BaseException:
        slot.release()
        raise
    return answer, slot.hold(answer_events(answer, user))


def answer_events(answer: Answer, user) -> Iterator[Event]:  # type: ignore[no-untyped-def]
    """Runs the pipeline for a started answer, yielding events; never raises mid-stream."""
    try:
        yield from _answer(answer, user)
    except GeneratorExit:  # the client went away: the row must not stay "streaming" forever
        answer.status = Answer.Status.CANCELLED
        answer.save()
        raise
    except Exception as exc:  # the stream has started: report in-band, store the failure
        problem = problem_for(exc)
        message = problem.message if problem else _("Kenning failed to answer; the error was logged.")
        if problem is None:
            logger.exception("answer %s failed", answer.pk)
        answer.status, answer.error = Answer.Status.FAILED, message
        answer.save()
        yield {
            "event": "error",
            "message": message,
            "answer_id": answer.pk,
            "evidence": answer.evidence_answer or None,
            "retry_after_s": problem.retry_after_s if problem else None,
        }


def _answer(answer: Answer, user) -> Iterator[Event]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    conversation = answer.conversation
    history = conversation.history()
    route = classify(answer.question, turn_count=len(history))
    answer.route = asdict(route)
    yield {
        "event": "route",
        "route": answer.route,
        "answer_id": answer.pk,
        "conversation_id": conversation.pk,
    }

    collections = readable_collection_ids(user)
    found = evidence.gather(answer.question, route, collections, history)
    answer.retrieval_ms, answer.facts = found.retrieval_ms, found.facts
    if found.graph_error:  # Neo4j could not be read: the answer goes on from the passages alone
        answer.route = {**answer.route, "graph_left_out": True}
    profile = wiring.model_router()(route, len(history))
    answer.profile = asdict(profile)
    # Room for the system prompt, history and question; capped for CPU-bound prompt evaluation.
    budget = min(max(profile.context_budget_tokens - 600, 256), settings.QA_MAX_SOURCE_TOKENS)
    sources = assemble_sources(found.candidates, budget, evidence.estimate_tokens)
    answer.sources = [s.as_dict() for s in sources]
    yield {
        "event": "sources",
        "sources": answer.sources,
        "facts": answer.facts,
        "retrieval_ms": round(found.retrieval_ms, 1),
        "notices": notices(answer),
    }

    if route.intent != "chitchat" and not sources:
        yield from _finish_not_found(answer, found.closest)
        return
    if route.intent != "chitchat":
        similarity = evidence_answer.embedder_similarity(wiring.embedder())
        # The card picks its sentences for what was searched: a follow-up's "that" is the pump fault.
        query = found.query or answer.question
        instant = evidence_answer.build(query, route.intent, sources, found.chains, similarity)
        answer.evidence_answer = instant.as_dict()
        answer.evidence_ms = (time.perf_counter() - started) * 1000
        yield {"event": "evidence", **answer.evidence_answer, "evidence_ms": round(answer.evidence_ms, 1)}
        # A question for a measured value no source states cannot be answered from these documents:
        # say so now rather than let the model guess one (the card above stays as closest passages).
        texts = [c.text for c in found.candidates]
        # Likewise a question about a thing (a code, a name) that no source mentions.
        missing = unanswerable_quantity(answer.question, texts) or missing_names(answer.question, texts)
        if missing is not None:
            reason = missing.missing_sentence(detect_language(answer.question))
            yield from _finish_not_found(answer, found.closest, reason=reason)
            return
    # A Chinese question over English sources is drafted in English, shown translated (issue 14).
    via = None if route.intent == "chitchat" else answer_language.via_english(answer.question, sources)
    asked = via.question if via else answer.question
    messages = build_messages(
        asked,
        sources,
        history,
        chitchat=route.intent == "chitchat",
        ask_every_cause=route.intent == "troubleshooting" and settings.QA_ASK_EVERY_CAUSE,
    )
    grammar = None if route.intent == "chitchat" else citation_grammar(len(sources))
    shown = source_texts(answer.sources)
    checks = yield from answer_language.drafted(_stream_model(answer, messages, profile, shown, grammar), via)
    if grammar and answer.model_text == NOT_FOUND and settings.QA_SECOND_LOOK:
        checks = yield from answer_language.drafted(_second_look(answer, messages, profile, shown), via)
    checks = yield from answer_language.translated(answer, checks, via)
    _settle(answer, checks, shown, chitchat=route.intent == "chitchat")
    answer.status = Answer.Status.DONE
    answer.save()
    yield {
        "event": "done",
        **_summary(answer),
        "grounded": bool(answer.citations) or route.intent == "chitchat",
    }


def _second_look(
    answer: Answer, messages: list[dict[str, str]], profile: Any, shown: dict[int, str]
) -> Iterator[Event]:
    """After the model said "not found", ask once more with that way out closed; keep the refusal
    unless the new answer passes the sentence check.

    The small models refused 17 of 104 answerable questions whose sources held the answer (and
    rightly refused 3 of 13 unanswerable ones), so the refusal alone is a weak signal, and the check
    that already guards every answer decides. The prompt is the same, so the model server's KV
    cache serves it again: the second look costs decoding only.
    """
    refusal = answer.model_text
    answer.model_text = ""
    checks = yield from _stream_model(
        answer, messages, profile, shown, citation_grammar(len(shown), may_refuse=False)
    )
    answer.second_look = answer.model_text
    if not checks or unsupported_share(checks) > settings.QA_MAX_UNSUPPORTED_SHARE:
        answer.model_text = refusal
        return []
    return checks


def _stream_model(
    answer: Answer, messages: list[dict[str, str]], profile: Any, shown: dict[int, str], grammar: str | None
) -> Iterator[Event]:
    """Streams the model's text, checking each sentence against what it cites as it completes.

    Text that may still become the grammar's refusal is held back until it is not, so a refusal
    that gets a second look (:func:`_second_look`) never flashes past the reader.
    """
    client = wiring.model_client()
    started = time.perf_counter()
    # The conversation id gives the model server's KV cache affinity across turns.
    stream = client.stream_chat(
        messages,
        profile,
        conversation_id=str(answer.conversation_id),
        repeat_penalty=settings.QA_REPEAT_PENALTY,
        **({"grammar": grammar} if grammar else {}),
    )
    checks: list[SentenceCheck] = []
    shown_text = ""
    for item in checked_stream(stream, shown, _support_config(), question=answer.question):
        if isinstance(item, SentenceCheck):
            checks.append(item)
            yield {"event": "sentence", **item.as_dict()}
            continue
        if answer.ttft_ms is None:
            answer.ttft_ms = (time.perf_counter() - started) * 1000
        answer.model_text += item  # kept current, so a cancelled answer stores what it had
        if grammar and NOT_FOUND.startswith(answer.model_text.lstrip()):
            continue
        yield {"event": "delta", "text": answer.model_text[len(shown_text) :]}
        shown_text = answer.model_text
    result = stream.result
    timings = result.timings if result else {}
    answer.model_text = answer.model_text.strip()
    answer.model_name = profile.model
    answer.tokens_per_s = timings.get("tokens_per_s")
    answer.completion_tokens = result.usage.get("completion_tokens") if result else None
    answer.kv_cache_hit = timings.get("cache_hit")
    answer.kv_tokens_reused = timings.get("tokens_reused")
    return checks if grammar else []


def _settle(answer: Answer, checks: list[SentenceCheck], shown: dict[int, str], *, chitchat: bool) -> None:
    """Final text, citations and marks; mostly unsupported text gives way to the evidence answer."""
    grounding = check_citations(answer.model_text, len(answer.sources))
    instant = "" if chitchat else (answer.evidence_answer or {}).get("text", "")
    settled = settle(
        grounding.text.strip(),
        checks,
        instant,
        shown,
        max_unsupported=settings.QA_MAX_UNSUPPORTED_SHARE,
        config=_support_config(),
        question=answer.question,
    )
    answer.text, answer.fell_back = settled.text, settled.fell_back
    answer.sentences = [c.as_dict() for c in settled.sentences]
    answer.citations = list(cited_numbers(settled.text))
    answer.dangling_citations = [] if settled.fell_back else list(grounding.dangling)
    answer.is_not_found = is_refusal(answer.text)
    if answer.is_not_found and answer.text.strip() == NOT_FOUND:
        answer.text = not_found_text(answer.question)  # the grammar's refusal, in the asker's language


def _support_config() -> SupportConfig:
    return SupportConfig(min_content_support=settings.QA_MIN_SENTENCE_SUPPORT)


def _finish_not_found(answer: Answer, closest: list[dict[str, Any]], reason: str = "") -> Iterator[Event]:
    text = f"{not_found_text(answer.question)} {reason}".strip()
    answer.text, answer.is_not_found, answer.status = text, True, Answer.Status.DONE
    answer.save()
    yield {"event": "delta", "text": text}
    yield {"event": "done", **_summary(answer), "grounded": False, "closest": closest}


def notices(answer: Answer) -> list[str]:
    """What the user is told was left out of this answer (a service that could not be reached)."""
    return [evidence.graph_notice(answer.question)] if answer.route.get("graph_left_out") else []


def _summary(answer: Answer) -> dict[str, Any]:
    return {
        "answer_id": answer.pk,
        "notices": notices(answer),
        "text": answer.text,
        "citations": answer.citations,
        "dangling_citations": answer.dangling_citations,
        "not_found": answer.is_not_found,
        "sentences": answer.sentences,
        "fell_back": answer.fell_back,
        "model_refused": answer.model_refused,
        "model_text": answer.model_text if answer.fell_back else "",
        "evidence": answer.evidence_answer or None,
        "timings": {
            "retrieval_ms": _round(answer.retrieval_ms),
            "evidence_ms": _round(answer.evidence_ms),
            "ttft_ms": _round(answer.ttft_ms),
            "tokens_per_s": _round(answer.tokens_per_s),
        },
        "model": answer.model_name,
        "profile": answer.profile,
        "kv_cache_hit": answer.kv_cache_hit,
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
