"""The real multi-sequence context: logits must not depend on KV placement or batching."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from model.context import BatchEntry, LlamaSeqContext
from model.loading import _llama, load_model

pytestmark = pytest.mark.integration

TEXT = (
    "<|im_start|>system\nYou are Kenning, a maintenance assistant. "
    + " ".join(f"Source {i}: pump P-{100 + i} trips with error E-{40 + i}." for i in range(5))
    + "<|im_end|>\n<|im_start|>user\nWhat does error E-42 mean?<|im_end|>\n<|im_start|>assistant\n"
)


@pytest.fixture(scope="module")
def context(dense_config):
    model = load_model(dense_config)
    ctx = LlamaSeqContext(model, 2)
    yield ctx, model.tokenize(TEXT, add_special=False)
    ctx.close()
    model.close()


def last_logits(ctx, batch_index):
    ll = _llama()
    n_vocab = ll.llama_vocab_n_tokens(ctx.model.vocab)
    return np.ctypeslib.as_array(ll.llama_get_logits_ith(ctx.ptr, batch_index), shape=(n_vocab,)).copy()


def prefill(ctx, seq_id, tokens, start=0):
    entries = [BatchEntry(seq_id, t, start + i, i == len(tokens) - 1) for i, t in enumerate(tokens)]
    ctx.decode(entries)
    return last_logits(ctx, len(entries) - 1)


def reset(ctx):
    for seq_id in range(ctx.n_seq):
        ctx.truncate(seq_id, 0)


def test_logits_are_bit_identical_wherever_and_however_a_prompt_is_evaluated(context):
    # Regression: with one unified KV buffer, a sequence shifted by a few cells (another
    # sequence's tokens first, or a prefix restored elsewhere) got different logits.
    ctx, prompt = context
    n = len(prompt)
    reset(ctx)
    cold = prefill(ctx, 0, prompt)

    reset(ctx)
    prefill(ctx, 1, prompt[:5])  # another sequence holds KV first
    assert np.array_equal(prefill(ctx, 0, prompt), cold), "another sequence's cells shifted the prompt"

    reset(ctx)
    entries = []
    for i, t in enumerate(prompt):
        entries += [BatchEntry(1, t, i, False), BatchEntry(0, t, i, i == n - 1)]
    ctx.decode(entries)
    assert np.array_equal(last_logits(ctx, len(entries) - 1), cold), "batched with another sequence"

    reset(ctx)
    prefill(ctx, 0, prompt[:-1])
    assert np.array_equal(prefill(ctx, 0, prompt[-1:], start=n - 1), cold), "last token decoded alone"

    reset(ctx)
    prefill(ctx, 0, prompt[: n - 20])
    saved = ctx.save_seq(0)
    prefill(ctx, 1, prompt[:7])
    ctx.restore_seq(1, saved)  # a cached prefix restored into another slot
    ctx.truncate(1, n - 30)
    assert np.array_equal(prefill(ctx, 1, prompt[n - 30 :], start=n - 30), cold), "restored prefix + suffix"


def test_decodes_from_any_thread_run_on_the_one_compute_thread(context, monkeypatch):
    # A second OpenMP team in the process throttles every barrier (model/compute.py): decodes
    # issued by different engine threads must all reach llama.cpp from the same OS thread.
    ctx, prompt = context
    ll = _llama()
    real, seen = ll.llama_decode, []

    def recording_decode(*args):
        seen.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(ll, "llama_decode", recording_decode)
    reset(ctx)
    for seq_id in (0, 1):  # one after another: a context (and its batch) belongs to one engine
        with ThreadPoolExecutor(max_workers=1) as engine_thread:
            engine_thread.submit(prefill, ctx, seq_id, prompt[:8]).result()
    assert len(seen) == 2 and len(set(seen)) == 1 and seen[0].startswith("llama-compute")


def test_the_in_place_greedy_path_picks_llama_cpps_greedy_token(context):
    # new_sampler returns GREEDY (an argmax over the logits row) for plain greedy requests; it
    # must choose what llama.cpp's greedy sampler chooses, token for token.
    from model.context import GREEDY
    from model.generation import Penalties

    ctx, prompt = context
    # A no-op penalty (repeat 1.0) keeps new_sampler on llama.cpp's chain; frequency 0 too.
    chain = ctx.new_sampler(0.0, 1.0, 0, Penalties(repeat=1.0, frequency=1e-9))
    assert ctx.new_sampler(0.0, 1.0, 0) is GREEDY and chain is not GREEDY
    reset(ctx)
    prefill(ctx, 0, prompt)
    index, pos, tokens = len(prompt) - 1, len(prompt), []
    for _ in range(24):
        ours = ctx.sample(GREEDY, index)
        assert ours == ctx.sample(chain, index)
        tokens.append(ours)
        ctx.decode([BatchEntry(0, ours, pos, True)])
        index, pos = 0, pos + 1
    ctx.free_sampler(chain)
    assert len(set(tokens)) > 3
