"""BatchEngine against an in-memory context: what reaches the sampler."""

import time

from model.batching import BatchEngine
from model.context import BatchEntry
from model.errors import InvalidRequest
from model.generation import NO_PENALTIES, Failed, Finished, GenerationRequest, Penalties, TextDelta

EOS = 0


class FakeSeqContext:
    """Implements SeqContext; samples tokens 1, 2, 3 ... and records each sampler's settings."""

    n_seq, n_ctx_seq, n_batch = 2, 64, 16

    def __init__(self):
        self.samplers: list[dict] = []
        self.freed: list[dict] = []

    def decode(self, entries: list[BatchEntry]) -> None:
        pass

    def new_sampler(self, temperature, top_p, seed, penalties=NO_PENALTIES, grammar=None, ignore_eos=False):
        if grammar == "unparseable":
            raise InvalidRequest("llama.cpp could not parse the request's grammar")
        sampler = {"args": (temperature, top_p, seed, penalties), "grammar": grammar, "next": 1}
        sampler["ignore_eos"] = ignore_eos
        self.samplers.append(sampler)
        return sampler

    def sample(self, sampler, batch_index):
        sampler["next"] += 1
        return sampler["next"] - 1

    def free_sampler(self, sampler):
        self.freed.append(sampler)

    def truncate(self, seq_id, keep):
        pass

    def save_seq(self, seq_id):
        return b""

    def restore_seq(self, seq_id, data):
        pass


def run(context, request):
    engine = BatchEngine(
        context, detokenize=lambda t: b"x", is_eog=lambda t: t == EOS, variant="fake", max_queue=2
    )
    engine.start()
    try:
        return list(engine.submit(request))
    finally:
        engine.stop()


def test_the_engine_hands_the_request_penalties_to_the_sampler():
    context = FakeSeqContext()
    penalties = Penalties(repeat=1.3, last_n=32, frequency=0.5, presence=-0.25)
    events = run(context, GenerationRequest((5, 6, 7), 3, 0.7, 0.9, 11, penalties=penalties))
    assert (
        isinstance(events[-1], Finished)
        and "".join(e.text for e in events if isinstance(e, TextDelta)) == "xxx"
    )
    assert [s["args"] for s in context.samplers] == [(0.7, 0.9, 11, penalties)]
    assert context.freed == context.samplers


def test_without_penalties_the_sampler_gets_the_inactive_defaults():
    context = FakeSeqContext()
    run(context, GenerationRequest((5, 6), 2))
    (sampler,) = context.samplers
    assert sampler["args"] == (0.0, 1.0, 0, Penalties()) and not sampler["args"][3].active


def test_the_engine_hands_the_request_grammar_to_the_sampler():
    context = FakeSeqContext()
    events = run(context, GenerationRequest((5, 6, 7), 2, grammar='root ::= "{}"'))
    assert isinstance(events[-1], Finished)
    assert [s["grammar"] for s in context.samplers] == ['root ::= "{}"']


def test_without_a_grammar_the_sampler_is_unconstrained():
    context = FakeSeqContext()
    run(context, GenerationRequest((5, 6, 7), 2))
    assert [s["grammar"] for s in context.samplers] == [None]


def test_a_grammar_the_context_refuses_fails_only_that_request():
    """The refused request gets Failed(InvalidRequest); the engine keeps serving the next one."""
    context = FakeSeqContext()
    engine = BatchEngine(
        context, detokenize=lambda t: b"x", is_eog=lambda t: t == EOS, variant="fake", max_queue=2
    )
    engine.start()
    try:
        refused = list(engine.submit(GenerationRequest((5, 6), 2, grammar="unparseable")))
        served = list(engine.submit(GenerationRequest((5, 6), 2)))
    finally:
        engine.stop()
    assert isinstance(refused[-1], Failed) and isinstance(refused[-1].error, InvalidRequest)
    assert isinstance(served[-1], Finished)
    assert len(context.freed) == 1


def test_ignore_eos_reaches_the_sampler():
    context = FakeSeqContext()
    run(context, GenerationRequest((5, 6), 2, ignore_eos=True))
    run(context, GenerationRequest((5, 6), 2))
    assert [s["ignore_eos"] for s in context.samplers] == [True, False]


class RecordingSeqContext(FakeSeqContext):
    """Also records each batch; a step takes 2 ms, so an answer streams for a while."""

    def __init__(self):
        super().__init__()
        self.batches: list[list[BatchEntry]] = []

    def decode(self, entries):
        self.batches.append(list(entries))
        time.sleep(0.002)


def batches_while_one_answer_streams(prefill_chunk):
    context = RecordingSeqContext()
    engine = BatchEngine(
        context,
        detokenize=lambda t: b"x",
        is_eog=lambda t: t == EOS,
        variant="fake",
        max_queue=2,
        prefill_chunk=prefill_chunk,
    )
    engine.start()
    try:
        streaming = engine.submit(GenerationRequest((5, 6, 7), 60))
        next(iter(streaming))  # its first token is out: it is generating now
        long_prompt = engine.submit(GenerationRequest(tuple(range(10, 50)), 2))
        assert isinstance(list(long_prompt)[-1], Finished) and isinstance(list(streaming)[-1], Finished)
    finally:
        engine.stop()
    # Steps that carried both a streaming token and part of the long prompt.
    return [b for b in context.batches if {e.seq_id for e in b} == {0, 1} and len(b) > 2]


def test_prompt_chunks_stay_small_while_another_answer_streams():
    mixed = batches_while_one_answer_streams(prefill_chunk=4)
    assert mixed and all(len(b) <= 1 + 4 for b in mixed)
    # Without a chunk limit the same prompt rides in a full n_batch step (16 in the fake).
    assert any(len(b) == FakeSeqContext.n_batch for b in batches_while_one_answer_streams(prefill_chunk=None))
