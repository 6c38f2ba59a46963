"""A llama.cpp context holding several sequences, behind a small interface.

The scheduler in :mod:`model.batching` only talks to :class:`SeqContext`; the real implementation
wraps llama-cpp-python's low-level bindings and tests use an in-memory fake.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .compute import run_on_compute_thread
from .errors import InvalidRequest, ModelError
from .generation import NO_PENALTIES, Penalties
from .grammar import ConstrainedSampler
from .loading import LoadedModel, _llama, default_threads

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchEntry:
    """One token of a batch: which sequence, which position, and whether its logits are needed."""

    seq_id: int
    token: int
    pos: int
    wants_logits: bool


class SeqContext(Protocol):
    n_seq: int
    n_ctx_seq: int
    n_batch: int

    def decode(self, entries: list[BatchEntry]) -> None: ...
    def new_sampler(
        self,
        temperature: float,
        top_p: float,
        seed: int,
        penalties: Penalties = NO_PENALTIES,
        grammar: str | None = None,
        ignore_eos: bool = False,
    ) -> Any: ...
    def sample(self, sampler: Any, batch_index: int) -> int: ...
    def free_sampler(self, sampler: Any) -> None: ...
    def truncate(self, seq_id: int, keep: int) -> None: ...
    def save_seq(self, seq_id: int) -> bytes: ...
    def restore_seq(self, seq_id: int, data: bytes) -> None: ...


class _Greedy:
    """Plain greedy decoding: argmax of the logits row, read in place (no sampler chain)."""


GREEDY = _Greedy()


class LlamaSeqContext:
    """A real llama.cpp context with ``n_seq`` independent sequences of ``n_ctx_seq`` tokens each."""

    def __init__(self, model: LoadedModel, n_seq: int) -> None:
        """Create the context.

        Args:
            model: the loaded model; its config gives per-sequence context, threads, batch sizes.
            n_seq: number of sequences decoded together (slots).
        """
        self._llama = _llama()
        cfg = model.config
        self.model, self.n_seq, self.n_ctx_seq, self.n_batch = model, n_seq, cfg.n_ctx, cfg.n_batch
        self.ptr = self._llama.llama_init_from_model(model.ptr, self._params(n_seq))
        if not self.ptr:
            raise ModelError(
                f"llama.cpp could not create a context for {cfg.name} (n_ctx {cfg.n_ctx} x {n_seq} sequences)"
            )
        self._mem = self._llama.llama_get_memory(self.ptr)
        self._eog_tokens: list[int] | None = None  # found on first use of ignore_eos
        self._n_vocab = self._llama.llama_vocab_n_tokens(model.vocab)
        self._batch = self._llama.llama_batch_init(self.n_batch, 0, 1)

    def _params(self, n_seq: int) -> Any:
        cfg, ll = self.model.config, self._llama
        params = ll.llama_context_default_params()
        # One KV stream per sequence, each with the configured window (llama.cpp splits n_ctx
        # evenly over the n_seq_max streams).
        params.n_ctx = cfg.n_ctx * n_seq
        params.n_batch, params.n_ubatch, params.n_seq_max = cfg.n_batch, cfg.n_ubatch, n_seq
        params.n_threads = cfg.n_threads or default_threads()
        params.n_threads_batch = cfg.n_threads_batch or params.n_threads
        kv_type = ll.GGML_TYPE_Q8_0 if cfg.kv_cache_type == "q8_0" else ll.GGML_TYPE_F16
        params.type_k = params.type_v = kv_type
        params.flash_attn_type = (
            ll.LLAMA_FLASH_ATTN_TYPE_ENABLED if cfg.flash_attn else ll.LLAMA_FLASH_ATTN_TYPE_DISABLED
        )
        # Per-sequence KV streams, NOT one unified buffer: greedy output must not depend on where
        # a sequence's KV cells happen to sit. In a unified buffer llama.cpp places each token in
        # whatever free cell it finds, so the same sequence lands at different cell offsets (a
        # prefix restored from Kenning's cache goes wherever llama_state_seq_set_data finds room;
        # concurrent sequences interleave cell by cell). The CPU attention reduces over cells in
        # SIMD groups (e.g. ggml_vec_soft_max_f32 sums 8/16 cells per vector), so a shift that is
        # not a multiple of the vector width, or another sequence's cells in between, regroups
        # the float sums and changes the logits (measured on SmolLM2: up to 0.5, and the greedy
        # answer to the cache-hit test changed from "...refers to a valve..." to "...is a type of
        # error..."). With one stream per sequence, position p always sits in cell p of its own
        # stream (truncation frees the tail, a restore refills from cell 0), so a cold prompt, a
        # prefix from the RAM or disk cache plus its suffix, and the same prompt batched with
        # others all compute bit-identical logits. How a prompt is chunked into batches does not
        # matter (measured: n, n-1+1, 128+rest ... give identical logits), so the cache can reuse
        # any prefix length. Cost: llama.cpp splits a batch into ubatches of consecutive sequence
        # ids with equal tokens each, so a mixed batch may take two or three ubatches; attention
        # then only spans the sequence's own stream rather than every sequence's cells.
        params.kv_unified = False
        params.no_perf = True
        return params

    def decode(self, entries: list[BatchEntry]) -> None:
        """Evaluate one batch; raise ModelError if llama.cpp refuses it.

        One-token batches need no padding: with per-sequence KV streams (see :meth:`_params`) a
        token's logits are bit-identical whether it is decoded alone or with other tokens
        (measured for prompt tails and generated tokens, alone and batched with other sequences).
        The call itself runs on the process's one compute thread (see :mod:`model.compute`).
        """
        batch = self._batch
        for i, entry in enumerate(entries):
            batch.token[i], batch.pos[i] = entry.token, entry.pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = entry.seq_id
            batch.logits[i] = entry.wants_logits
        batch.n_tokens = len(entries)
        status = run_on_compute_thread(self._llama.llama_decode, self.ptr, batch)
        if status != 0:
            raise ModelError(f"llama_decode failed with status {status} on a batch of {len(entries)} tokens")

    def new_sampler(
        self,
        temperature: float,
        top_p: float,
        seed: int,
        penalties: Penalties = NO_PENALTIES,
        grammar: str | None = None,
        ignore_eos: bool = False,
    ) -> Any:
        """A sampler chain: penalties (if any), then greedy or top-p, temperature and a seeded draw.

        ``ignore_eos`` puts a logit bias of -inf on every end-of-generation token first (as
        llama-server does), so the answer runs to its token limit.

        ``llama_sampler_sample`` accepts each sampled token into the chain, so the penalties see
        exactly the generated tokens; prompt tokens are never accepted (see :meth:`_add_penalties`).
        With a grammar the chain is wrapped in a :class:`~model.grammar.ConstrainedSampler`, which
        only lets through tokens that keep the output inside the grammar.

        Raises:
            InvalidRequest: llama.cpp could not parse ``grammar``.
        """
        if temperature <= 0 and not penalties.active and grammar is None and not ignore_eos:
            # The common case (Kenning's answers are greedy) skips llama.cpp's sampler, which
            # copies all n_vocab logits into a candidate array per token: 0.14 ms against 0.02 ms
            # for an argmax over the row in place, per sequence and step. Same token: both take
            # the first maximum.
            return GREEDY
        ll = self._llama
        chain = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
        if ignore_eos:
            self._ban_eog(chain)
        if penalties.active:
            self._add_penalties(chain, penalties)
        if temperature <= 0:
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_greedy())
        else:
            if top_p < 1.0:
                ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_p(top_p, 1))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_temp(temperature))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_dist(seed))
        return chain if grammar is None else self._constrain(chain, grammar)

    def _constrain(self, chain: Any, grammar: str) -> ConstrainedSampler:
        ll = self._llama
        sampler = ll.llama_sampler_init_grammar(self.model.vocab, grammar.encode(), b"root")
        if not sampler:
            ll.llama_sampler_free(chain)
            raise InvalidRequest("llama.cpp could not parse the request's grammar")
        return ConstrainedSampler(chain, sampler, ll.llama_vocab_n_tokens(self.model.vocab))

    def _ban_eog(self, chain: Any) -> None:
        ll, vocab = self._llama, self.model.vocab
        if self._eog_tokens is None:
            self._eog_tokens = [t for t in range(self._n_vocab) if ll.llama_vocab_is_eog(vocab, t)]
        biases = (ll.llama_logit_bias * len(self._eog_tokens))()
        for bias, token in zip(biases, self._eog_tokens, strict=True):
            bias.token, bias.bias = token, float("-inf")
        # llama_sampler_init_logit_bias copies the array, so ``biases`` may go after this call.
        sampler = ll.llama_sampler_init_logit_bias(self._n_vocab, len(self._eog_tokens), biases)
        ll.llama_sampler_chain_add(chain, sampler)

    def _add_penalties(self, chain: Any, penalties: Penalties) -> None:
        # The signature has changed across llama.cpp versions; the 0.3.36 bindings and the llama.h
        # shipped in the wheel take (n_vocab, last_n, repeat, freq, present).
        # Prompt tokens are deliberately not accepted into the chain (llama-server does accept
        # them): the prompt's last tokens hold the chat template's end-of-turn token, and
        # penalising it makes answers run on; penalising the question's terms keeps the answer
        # from naming them.
        ll = self._llama
        n_vocab = ll.llama_vocab_n_tokens(self.model.vocab)
        sampler = ll.llama_sampler_init_penalties(
            n_vocab, penalties.last_n, penalties.repeat, penalties.frequency, penalties.presence
        )
        ll.llama_sampler_chain_add(chain, sampler)

    def sample(self, sampler: Any, batch_index: int) -> int:
        if sampler is GREEDY:
            row = self._llama.llama_get_logits_ith(self.ptr, batch_index)
            return int(np.argmax(np.ctypeslib.as_array(row, shape=(self._n_vocab,))))
        if isinstance(sampler, ConstrainedSampler):
            return sampler.sample(self.ptr, batch_index)
        return int(self._llama.llama_sampler_sample(sampler, self.ptr, batch_index))

    def free_sampler(self, sampler: Any) -> None:
        if sampler is GREEDY:
            return
        if isinstance(sampler, ConstrainedSampler):
            sampler.free()
        else:
            self._llama.llama_sampler_free(sampler)

    def truncate(self, seq_id: int, keep: int) -> None:
        """Drop positions >= keep of a sequence (keep=0 empties it)."""
        if not self._llama.llama_memory_seq_rm(self._mem, seq_id, keep, -1):
            self._llama.llama_memory_seq_rm(self._mem, seq_id, -1, -1)
            raise ModelError(f"could not truncate sequence {seq_id} to {keep} tokens")

    def save_seq(self, seq_id: int) -> bytes:
        size = self._llama.llama_state_seq_get_size(self.ptr, seq_id)
        buf = (ctypes.c_uint8 * size)()
        written = self._llama.llama_state_seq_get_data(self.ptr, buf, size, seq_id)
        # One memcpy. (Slicing a c_uint8 array builds a list of ints first: ~10 ms per MiB, which
        # the engine thread spent after every answer while the other sequences waited.)
        return ctypes.string_at(buf, written)

    def restore_seq(self, seq_id: int, data: bytes) -> None:
        self.truncate(seq_id, 0)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if self._llama.llama_state_seq_set_data(self.ptr, buf, len(data), seq_id) == 0:
            raise ModelError(f"could not restore a saved state into sequence {seq_id}")

    def close(self) -> None:
        """Free the context and its batch."""
        if self.ptr:
            self._llama.llama_batch_free(self._batch)
            self._llama.llama_free(self.ptr)
            self.ptr = None
