"""Continuous batching: several sequences decoded together in one llama.cpp context.

One engine thread owns the context. Each loop step it

1. drops cancelled work and admits waiting requests (FIFO) into free slots, reusing the KV a slot
   still holds from its previous request or a saved state from the prefix cache;
2. builds one batch: one token for every generating slot, then prompt chunks for prefilling slots
   (oldest first) up to ``n_batch`` tokens -- at most ``prefill_chunk`` of them while any slot is
   generating, so a long prompt does not hold up running answers for long;
3. decodes it, samples a token for every slot whose logits came back, and streams text out.

The queue is bounded: ``submit`` raises :class:`QueueFull` once ``n_slots + max_queue`` requests
are in the engine. A handle's ``cancel()`` (the server calls it when the client disconnects) frees
the slot at the next step.
"""

from __future__ import annotations

import codecs
import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .context import BatchEntry, SeqContext
from .errors import ContextOverflow, InvalidRequest, ModelError, QueueFull, RequestCancelled
from .generation import Failed, Finished, GenerationHandle, GenerationRequest, TextDelta, Timings
from .kv_cache import PrefixKVCache, SeqState

logger = logging.getLogger(__name__)


@dataclass
class _Slot:
    seq_id: int
    kv_tokens: list[int] = field(default_factory=list)  # tokens whose KV this sequence holds
    handle: GenerationHandle | None = None
    pending: list[int] = field(default_factory=list)  # prompt tokens not yet evaluated
    sampler: Any = None
    next_token: int | None = None  # sampled but not yet evaluated
    generated: int = 0
    decoder: Any = None
    text: str = ""
    emitted: int = 0  # characters of ``text`` already sent
    admitted_at: float = 0.0
    first_token_at: float = 0.0
    reused: int = 0
    cache_source: str = "none"
    last_used: float = 0.0

    @property
    def is_busy(self) -> bool:
        return self.handle is not None


class BatchEngine:
    """Schedules many generations onto one multi-sequence context."""

    def __init__(
        self,
        context: SeqContext,
        *,
        detokenize: Callable[[int], bytes],
        is_eog: Callable[[int], bool],
        variant: str,
        max_queue: int,
        prefill_chunk: int | None = None,
        cache: PrefixKVCache | None = None,
        on_finished: Callable[[str, Timings, str], None] | None = None,
    ) -> None:
        """Create an engine (cheap; :meth:`start` launches the thread).

        Args:
            context: the multi-sequence context (real or fake).
            detokenize: token id -> bytes.
            is_eog: whether a token ends generation.
            variant: name of the model variant, used as the KV cache namespace.
            max_queue: requests allowed to wait beyond the slots.
            prefill_chunk: prompt tokens a step may carry while other sequences are generating
                (None = up to ``n_batch``); see ModelConfig.effective_prefill_chunk.
            cache: prefix KV cache shared by the engines of one server, or None.
            on_finished: called with (variant, timings, finish_reason) after each request.
        """
        self.context, self.variant, self.max_queue, self.cache = context, variant, max_queue, cache
        self.prefill_chunk = min(prefill_chunk or context.n_batch, context.n_batch)
        self._detokenize, self._is_eog, self._on_finished = detokenize, is_eog, on_finished
        self._slots = [_Slot(i) for i in range(context.n_seq)]
        self._waiting: collections.deque[GenerationHandle] = collections.deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- public API --

    def start(self) -> None:
        """Start the engine thread."""
        self._thread = threading.Thread(target=self._run, name=f"engine-{self.variant}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the thread; running and waiting requests fail with ModelUnavailable-like errors."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def submit(self, request: GenerationRequest, handle: GenerationHandle | None = None) -> GenerationHandle:
        """Queue a generation.

        Args:
            request: prompt tokens and sampling settings.
            handle: a handle to fill (e.g. one bound to an event loop); created if None.

        Returns:
            The handle to read events from.

        Raises:
            ContextOverflow: the prompt does not fit one sequence's context.
            InvalidRequest: empty prompt or max_new_tokens < 1.
            QueueFull: slots and queue are all taken.
        """
        self._validate(request)
        handle = handle or GenerationHandle(request)
        with self._cond:
            if self._stopping:
                raise ModelError("engine is stopped")
            busy = sum(s.is_busy for s in self._slots) + len(self._waiting)
            if busy >= len(self._slots) + self.max_queue:
                raise QueueFull(len(self._waiting), retry_after_s=1)
            self._waiting.append(handle)
            self._cond.notify_all()
        return handle

    def queue_depth(self) -> int:
        """Requests waiting for a slot."""
        with self._cond:
            return len(self._waiting)

    def active_slots(self) -> int:
        """Slots currently generating."""
        with self._cond:
            return sum(s.is_busy for s in self._slots)

    def _validate(self, request: GenerationRequest) -> None:
        if not request.prompt_tokens:
            raise InvalidRequest("empty prompt")
        if request.max_new_tokens < 1:
            raise InvalidRequest("max_new_tokens must be at least 1")
        # The prompt needs one free position for the first generated token.
        if len(request.prompt_tokens) >= self.context.n_ctx_seq:
            raise ContextOverflow(len(request.prompt_tokens) + 1, self.context.n_ctx_seq)

    # -- engine thread --

    def _run(self) -> None:
        while True:
            with self._cond:
                self._drop_cancelled_waiting()
                if self._stopping:
                    break
                if not any(s.is_busy for s in self._slots) and not self._waiting:
                    self._cond.wait(timeout=0.5)
                    continue
                admitted = self._take_admissible()
            try:
                self._step(admitted)
            except Exception as exc:  # one bad step must not kill the engine thread
                logger.exception("engine %s: step failed; failing its active requests", self.variant)
                self._fail_all(exc)
        self._fail_all(ModelError("engine stopped"))

    def _drop_cancelled_waiting(self) -> None:
        for handle in [h for h in self._waiting if h.is_cancelled]:
            self._waiting.remove(handle)
            handle.push(Failed(RequestCancelled("cancelled while queued")))

    def _take_admissible(self) -> list[tuple[_Slot, GenerationHandle]]:
        admitted = []
        free = [s for s in self._slots if not s.is_busy]
        while self._waiting and free:
            handle = self._waiting.popleft()
            slot = self._best_slot(free, handle.request.prompt_tokens)
            free.remove(slot)
            slot.handle = handle  # reserve now so submit() counts it as busy
            admitted.append((slot, handle))
        return admitted

    @staticmethod
    def _best_slot(free: list[_Slot], prompt: tuple[int, ...]) -> _Slot:
        # Cache affinity: the slot still holding the longest part of this prompt; else the one
        # idle longest, so recently used KV stays around for follow-ups.
        return max(free, key=lambda s: (_common_prefix(s.kv_tokens, prompt), -s.last_used))

    def _step(self, admitted: list[tuple[_Slot, GenerationHandle]]) -> None:
        for slot, handle in admitted:
            self._start(slot, handle)
        for slot in self._slots:
            if slot.is_busy and slot.handle.is_cancelled:
                self._finish(slot, error=RequestCancelled("client went away"))
        entries, owners = self._plan()
        if not entries:
            return
        self.context.decode(entries)
        for index, (entry, slot) in enumerate(zip(entries, owners, strict=True)):
            slot.kv_tokens.append(entry.token)
            if entry.wants_logits:
                self._advance(slot, index)

    def _start(self, slot: _Slot, handle: GenerationHandle) -> None:
        request = handle.request
        slot.admitted_at = time.perf_counter()
        slot.generated, slot.text, slot.emitted, slot.next_token = 0, "", 0, None
        slot.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            slot.sampler = self.context.new_sampler(
                request.temperature,
                request.top_p,
                request.seed,
                request.penalties,
                grammar=request.grammar,
                ignore_eos=request.ignore_eos,
            )
        except ModelError as exc:  # e.g. a grammar llama.cpp refuses: fail this request only
            self._finish(slot, error=exc)
            return
        reused, source = self._reuse_prefix(slot, request.prompt_tokens)
        slot.reused, slot.cache_source = reused, source
        slot.pending = list(request.prompt_tokens[reused:])

    def _reuse_prefix(self, slot: _Slot, prompt: tuple[int, ...]) -> tuple[int, str]:
        # At least one prompt token is always evaluated: its logits give the first new token.
        limit = len(prompt) - 1
        in_slot = min(_common_prefix(slot.kv_tokens, prompt), limit)
        hit = self.cache.lookup(self.variant, prompt[:limit]) if self.cache is not None else None
        if hit is not None and min(hit.n_reused, limit) > in_slot:
            self.context.restore_seq(slot.seq_id, hit.state.data)
            slot.kv_tokens = list(hit.entry_tokens)
            in_slot, source = min(hit.n_reused, limit), hit.tier
        else:
            source = "slot" if in_slot else "none"
        self.context.truncate(slot.seq_id, in_slot)
        del slot.kv_tokens[in_slot:]
        return in_slot, source

    def _plan(self) -> tuple[list[BatchEntry], list[_Slot]]:
        entries: list[BatchEntry] = []
        owners: list[_Slot] = []
        for slot in self._slots:  # generating slots first: one token each keeps answers flowing
            if slot.is_busy and slot.next_token is not None:
                entries.append(BatchEntry(slot.seq_id, slot.next_token, len(slot.kv_tokens), True))
                owners.append(slot)
                slot.next_token = None
        prefilling = sorted((s for s in self._slots if s.is_busy and s.pending), key=lambda s: s.admitted_at)
        limit = self.context.n_batch
        if entries:  # answers are streaming: small prompt chunks, so their next tokens come soon
            limit = min(limit, len(entries) + self.prefill_chunk)
        for slot in prefilling:
            room = limit - len(entries)
            if room <= 0:
                break
            chunk, slot.pending = slot.pending[:room], slot.pending[room:]
            start = len(slot.kv_tokens)
            for offset, token in enumerate(chunk):
                is_last = not slot.pending and offset == len(chunk) - 1
                entries.append(BatchEntry(slot.seq_id, token, start + offset, is_last))
                owners.append(slot)
        return entries, owners

    def _advance(self, slot: _Slot, batch_index: int) -> None:
        token = self.context.sample(slot.sampler, batch_index)
        if slot.generated == 0:
            slot.first_token_at = time.perf_counter()
        request = slot.handle.request
        if self._is_eog(token):
            self._finish(slot, reason="stop")
            return
        slot.generated += 1
        slot.text += slot.decoder.decode(self._detokenize(token))
        if self._emit(slot, request.stop):
            self._finish(slot, reason="stop")
        elif slot.generated >= request.max_new_tokens or len(slot.kv_tokens) + 1 >= self.context.n_ctx_seq:
            self._finish(slot, reason="length")
        else:
            slot.next_token = token

    def _emit(self, slot: _Slot, stop: tuple[str, ...]) -> bool:
        """Send new text; True when a stop string appeared (text from it on is withheld)."""
        for marker in stop:
            found = slot.text.find(marker, max(slot.emitted - len(marker), 0))
            if found >= 0:
                slot.text = slot.text[:found]
                self._send(slot)
                return True
        # Hold back a tail that could still become a stop string.
        hold = max((len(m) - 1 for m in stop), default=0)
        self._send(slot, upto=max(len(slot.text) - hold, slot.emitted))
        return False

    def _send(self, slot: _Slot, upto: int | None = None) -> None:
        upto = len(slot.text) if upto is None else upto
        if upto > slot.emitted:
            slot.handle.push(TextDelta(slot.text[slot.emitted : upto]))
            slot.emitted = upto

    def _finish(self, slot: _Slot, reason: str = "stop", error: ModelError | None = None) -> None:
        handle = slot.handle
        final: Finished | Failed = Failed(error) if error is not None else self._complete(slot, reason)
        if slot.sampler is not None:
            self.context.free_sampler(slot.sampler)
        slot.sampler, slot.pending, slot.next_token = None, [], None
        slot.last_used = time.perf_counter()
        with self._cond:
            slot.handle = None  # free before the caller hears "done", so stats never lag
        handle.push(final)
        if isinstance(final, Finished) and self._on_finished is not None:
            self._on_finished(self.variant, final.timings, reason)

    def _complete(self, slot: _Slot, reason: str) -> Finished:
        slot.text += slot.decoder.decode(b"", final=True)
        self._send(slot)
        timings = self._timings(slot)
        self._save_state(slot)
        return Finished(reason, timings)

    def _forget_kv(self, slot: _Slot) -> None:
        # After a failed decode the sequence's KV no longer matches kv_tokens: start it afresh.
        slot.kv_tokens.clear()
        try:
            self.context.truncate(slot.seq_id, 0)
        except ModelError:
            logger.exception("engine %s: cannot clear sequence %d", self.variant, slot.seq_id)

    def _save_state(self, slot: _Slot) -> None:
        if self.cache is None or len(slot.kv_tokens) < self.cache.config.min_prefix_tokens:
            return
        self.cache.put(self.variant, slot.kv_tokens, SeqState(self.context.save_seq(slot.seq_id)))

    def _timings(self, slot: _Slot) -> Timings:
        now = time.perf_counter()
        request, submitted = slot.handle.request, slot.handle.submitted_at
        first = slot.first_token_at or now
        decode_s = now - first
        rate = (slot.generated - 1) / decode_s if slot.generated > 1 and decode_s > 0 else 0.0
        return Timings(
            queue_ms=(slot.admitted_at - submitted) * 1000,
            ttft_ms=(first - submitted) * 1000,
            total_ms=(now - submitted) * 1000,
            prompt_tokens=len(request.prompt_tokens),
            prompt_tokens_evaluated=len(request.prompt_tokens) - slot.reused,
            completion_tokens=slot.generated,
            tokens_per_s=rate,
            cache_hit=slot.reused > 0,
            tokens_reused=slot.reused,
            cache_source=slot.cache_source,
        )

    def _fail_all(self, exc: BaseException) -> None:
        error = exc if isinstance(exc, ModelError) else ModelError(f"engine failure: {exc}")
        for slot in self._slots:
            if slot.is_busy:
                self._finish(slot, error=error)
                self._forget_kv(slot)
        if self._stopping:
            with self._cond:
                waiting, self._waiting = list(self._waiting), collections.deque()
            for handle in waiting:
                handle.push(Failed(error))


def _common_prefix(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> int:
    n = 0
    for x, y in zip(a, b):  # noqa: B905 - lengths differ by design
        if x != y:
            break
        n += 1
    return n
