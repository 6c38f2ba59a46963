"""The dense SmolLM2 through the real engine: generation, prefix cache, batching."""

import threading

import pytest

from model.config import KVCacheConfig
from model.generation import Finished, Penalties, TextDelta
from model.service import ChatMessage, ChatRequest, ModelService

from .conftest import server_config

pytestmark = pytest.mark.integration

SYSTEM = ChatMessage(
    "system",
    "You are Kenning, a maintenance assistant. Answer from the sources. "
    + " ".join(
        f"Source {i}: pump P-{100 + i} trips with error E-{40 + i} when the inlet valve is closed."
        for i in range(8)
    ),
)


def ask(service, question, max_tokens=12):
    handle = service.submit_chat(ChatRequest((SYSTEM, ChatMessage("user", question)), max_tokens=max_tokens))
    events = list(handle)
    assert isinstance(events[-1], Finished), events[-1]
    return "".join(e.text for e in events if isinstance(e, TextDelta)), events[-1]


def occupy_slot(service):
    """Fill the single slot with an unrelated prompt so the next request cannot reuse it."""
    list(
        service.submit_chat(
            ChatRequest((ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")), max_tokens=2)
        )
    )


@pytest.fixture(scope="module")
def uncached(dense_config):
    service = ModelService.start(
        server_config(n_parallel=1, kv_cache=KVCacheConfig(ram_bytes=0)), [dense_config]
    )
    yield service
    service.close()


def test_it_generates_text_with_usage_and_timings(uncached):
    text, done = ask(uncached, "Why does pump P-103 trip?")
    assert text.strip()
    t = done.timings
    assert t.prompt_tokens > 100 and 0 < t.completion_tokens <= 12 and t.ttft_ms > 0
    assert done.finish_reason in ("stop", "length")


@pytest.mark.parametrize("tier", ["ram", "disk"])
def test_greedy_output_is_identical_with_and_without_the_prefix_cache(uncached, dense_config, tmp_path, tier):
    occupy_slot(uncached)
    expected, cold = ask(uncached, "What does error E-45 mean?")
    assert cold.timings.tokens_reused < 10  # at most the chat template's first tokens
    cache = (
        KVCacheConfig(ram_bytes=256 * 2**20)
        if tier == "ram"
        else KVCacheConfig(ram_bytes=1, disk_dir=tmp_path, disk_bytes=512 * 2**20)
    )
    service = ModelService.start(server_config(n_parallel=1, kv_cache=cache), [dense_config])
    try:
        ask(service, "Which pump trips with E-47?")  # saves a state holding the shared system prompt
        occupy_slot(service)  # the one slot now holds something else: only the cache can help
        text, done = ask(service, "What does error E-45 mean?")
    finally:
        service.close()
    assert text == expected
    assert done.timings.cache_source == tier and done.timings.tokens_reused > 100
    assert done.timings.prompt_tokens_evaluated < cold.timings.prompt_tokens_evaluated / 5
    assert done.timings.ttft_ms < cold.timings.ttft_ms


def test_a_follow_up_turn_reuses_the_slot_kv(dense_config):
    service = ModelService.start(server_config(n_parallel=2), [dense_config])
    try:
        first, _ = ask(service, "Why does pump P-103 trip?")
        messages = (
            SYSTEM,
            ChatMessage("user", "Why does pump P-103 trip?"),
            ChatMessage("assistant", first),
            ChatMessage("user", "And P-104?"),
        )
        events = list(service.submit_chat(ChatRequest(messages, max_tokens=4)))
    finally:
        service.close()
    timings = events[-1].timings
    assert timings.cache_source == "slot" and timings.tokens_reused > timings.prompt_tokens - 20


def test_concurrent_requests_are_batched_and_match_solo_answers(uncached, dense_config):
    questions = [f"Why does pump P-{100 + i} trip?" for i in range(4)]
    solo = [ask(uncached, q)[0] for q in questions]
    service = ModelService.start(
        server_config(n_parallel=4, kv_cache=KVCacheConfig(ram_bytes=0)), [dense_config]
    )
    results: dict[int, str] = {}
    try:
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, ask(service, questions[i])[0]))
            for i in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        service.close()
    assert [results[i] for i in range(4)] == solo


def repeated_4grams(text):
    words = text.split()
    grams = [tuple(words[i : i + 4]) for i in range(len(words) - 3)]
    return len(grams) - len(set(grams))


def test_a_repeat_penalty_breaks_a_greedy_loop(uncached):
    # Greedy SmolLM2 answers this with one line over and over ("A battery of life, a battery of light").
    messages = (ChatMessage("user", "Write a poem about a battery."),)

    def answer(penalties):
        events = list(uncached.submit_chat(ChatRequest(messages, max_tokens=64, penalties=penalties)))
        assert isinstance(events[-1], Finished), events[-1]
        return "".join(e.text for e in events if isinstance(e, TextDelta))

    looping, penalised = answer(Penalties()), answer(Penalties(repeat=1.3))
    assert repeated_4grams(looping) >= 10, looping
    assert penalised.strip() and repeated_4grams(penalised) < repeated_4grams(looping), penalised


def test_ignore_eos_runs_the_answer_to_its_token_limit(uncached):
    # "Hi" with room for 200 tokens: SmolLM2 ends a greeting long before that on its own.
    brief = (ChatMessage("system", "Be brief."), ChatMessage("user", "Hi"))
    natural = list(uncached.submit_chat(ChatRequest(brief, max_tokens=200)))[-1]
    forced = list(uncached.submit_chat(ChatRequest(brief, max_tokens=200, ignore_eos=True)))[-1]
    assert natural.finish_reason == "stop" and natural.timings.completion_tokens < 200
    assert forced.finish_reason == "length" and forced.timings.completion_tokens == 200
