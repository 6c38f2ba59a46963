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

from apps.accounts.access import readable_collection_ids
from apps.qa import evidence
from apps.qa.models import Answer, Conversation
from config import wiring
from config.errors import UserError, problem_for
from retrieval.prompt import NOT_FOUND, assemble_sources, build_messages, check_citations
from retrieval.question import classify

logger = logging.getLogger(__name__)

Event = dict[str, Any]


def validate_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise UserError("Please type a question.")
    limit = settings.QA_MAX_QUESTION_CHARS
    if len(question) > limit:
        raise UserError(
            f"The question is {len(question):,} characters long; the limit is {limit:,}. "
            "Shorten it to the essentials (equipment, symptom, error code)."
        )
    return question


def start_answer(user, question: str, conversation_id: int | None) -> Answer:  # type: ignore[no-untyped-def]
    question = validate_question(question)
    if conversation_id:
        conversation = Conversation.objects.filter(pk=conversation_id, user=user).first()
        if conversation is None:
            raise UserError("No such conversation.", status=404)
    else:
        conversation = Conversation.objects.create(user=user, title=question[:200])
    return Answer.objects.create(conversation=conversation, question=question)


def answer_events(answer: Answer, user) -> Iterator[Event]:  # type: ignore[no-untyped-def]
    """Runs the pipeline for a started answer, yielding events; never raises mid-stream."""
    try:
        yield from _answer(answer, user)
    except Exception as exc:  # the stream has started: report in-band, store the failure
        problem = problem_for(exc)
        message = problem.message if problem else "Kenning failed to answer; the error was logged."
        if problem is None:
            logger.exception("answer %s failed", answer.pk)
        answer.status, answer.error = Answer.Status.FAILED, message
        answer.save(update_fields=["status", "error"])
        yield {
            "event": "error",
            "message": message,
            "answer_id": answer.pk,
            "retry_after_s": problem.retry_after_s if problem else None,
        }


def _answer(answer: Answer, user) -> Iterator[Event]:  # type: ignore[no-untyped-def]
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
    }

    if route.intent != "chitchat" and not sources:
        yield from _finish_not_found(answer, found.closest)
        return
    messages = build_messages(answer.question, sources, history, chitchat=route.intent == "chitchat")
    text = yield from _stream_model(answer, messages, profile)
    grounding = check_citations(text, len(sources))
    answer.text = grounding.text.strip()
    answer.citations, answer.dangling_citations = list(grounding.cited), list(grounding.dangling)
    answer.is_not_found = NOT_FOUND.lower()[:30] in answer.text.lower()
    answer.status = Answer.Status.DONE
    answer.save()
    yield {
        "event": "done",
        **_summary(answer),
        "grounded": grounding.is_grounded or route.intent == "chitchat",
    }


def _stream_model(answer: Answer, messages: list[dict[str, str]], profile: Any) -> Iterator[Event]:
    client = wiring.model_client()
    started = time.perf_counter()
    parts: list[str] = []
    # The conversation id gives the model server's KV cache affinity across turns.
    stream = client.stream_chat(
        messages,
        profile,
        conversation_id=str(answer.conversation_id),
        repeat_penalty=settings.QA_REPEAT_PENALTY,
    )
    for delta in stream:
        if answer.ttft_ms is None:
            answer.ttft_ms = (time.perf_counter() - started) * 1000
        parts.append(delta)
        yield {"event": "delta", "text": delta}
    result = stream.result
    timings = result.timings if result else {}
    answer.model_name = profile.model
    answer.tokens_per_s = timings.get("tokens_per_s")
    answer.completion_tokens = result.usage.get("completion_tokens") if result else None
    answer.kv_cache_hit = timings.get("cache_hit")
    answer.kv_tokens_reused = timings.get("tokens_reused")
    return "".join(parts)


def _finish_not_found(answer: Answer, closest: list[dict[str, Any]]) -> Iterator[Event]:
    answer.text, answer.is_not_found, answer.status = NOT_FOUND, True, Answer.Status.DONE
    answer.save()
    yield {"event": "delta", "text": NOT_FOUND}
    yield {"event": "done", **_summary(answer), "grounded": False, "closest": closest}


def _summary(answer: Answer) -> dict[str, Any]:
    return {
        "answer_id": answer.pk,
        "text": answer.text,
        "citations": answer.citations,
        "dangling_citations": answer.dangling_citations,
        "not_found": answer.is_not_found,
        "timings": {
            "retrieval_ms": _round(answer.retrieval_ms),
            "ttft_ms": _round(answer.ttft_ms),
            "tokens_per_s": _round(answer.tokens_per_s),
        },
        "model": answer.model_name,
        "profile": answer.profile,
        "kv_cache_hit": answer.kv_cache_hit,
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
