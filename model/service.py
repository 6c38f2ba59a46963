"""The model server's engine: every configured model and expert-count variant, ready to chat.

Active experts per token is a load-time hyperparameter in llama.cpp, so each expert count a model
may run with is its own *variant*: a separate ``llama_model`` (with a kv_override) and context.
The GGUF is memory-mapped, so variants share the weights' page cache on CPU; each variant adds
its own KV cache and compute buffers (bench/model_bench.py measures the cost).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from .batching import BatchEngine
from .config import ModelConfig, ServerConfig
from .context import LlamaSeqContext
from .errors import ExpertCountError, InvalidRequest, UnknownModel
from .generation import NO_PENALTIES, GenerationHandle, GenerationRequest, Penalties, Timings
from .grammar import check_grammar
from .kv_cache import CacheStats, PrefixKVCache
from .loading import LoadedModel, load_model

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatMessage:
    role: str
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion as the engine sees it (already validated by the server)."""

    messages: tuple[ChatMessage, ...]
    model: str | None = None
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    active_experts: int | None = None
    conversation_id: str | None = None
    request_id: str = ""
    penalties: Penalties = NO_PENALTIES
    grammar: str | None = None  # GBNF from model.grammar; None = unconstrained
    ignore_eos: bool = False


@dataclass(frozen=True)
class ModelInfo:
    name: str
    is_moe: bool
    n_ctx: int
    expert_count: int
    default_experts: int | None
    expert_used_counts: tuple[int, ...]


@dataclass(frozen=True)
class EngineStats:
    queue_depth: int
    active_slots: int
    cache: CacheStats | None


class Engine(Protocol):
    """What the HTTP server needs; :class:`ModelService` and test fakes implement it."""

    def models(self) -> list[ModelInfo]: ...
    def submit_chat(
        self, request: ChatRequest, handle: GenerationHandle | None = None
    ) -> GenerationHandle: ...
    def new_handle(self, request: ChatRequest) -> GenerationHandle: ...
    def stats(self) -> EngineStats: ...
    def close(self) -> None: ...


@dataclass
class _Variant:
    model: LoadedModel
    context: LlamaSeqContext
    engine: BatchEngine
    formatter: Any
    bos_text: str


class ModelService:
    """Owns the loaded models and their batching engines. Build it with :meth:`start`."""

    def __init__(
        self, server_config: ServerConfig, model_configs: list[ModelConfig], cache: PrefixKVCache | None
    ) -> None:
        self.server_config, self.model_configs, self.cache = server_config, model_configs, cache
        self._variants: dict[tuple[str, int | None], _Variant] = {}
        self._infos: list[ModelInfo] = []
        self._default_model = model_configs[0].name if model_configs else ""
        self.on_finished: Any = None  # set by the server before start: (variant, timings, reason)
        self._lock = threading.Lock()

    @classmethod
    def start(
        cls, server_config: ServerConfig, model_configs: list[ModelConfig], on_finished: Any = None
    ) -> ModelService:
        """Load every model and variant, start their engines.

        Args:
            server_config: slots, queue and KV cache settings.
            model_configs: models to serve; the first is the default.
            on_finished: optional callback(variant, timings, finish_reason) for metrics.

        Returns:
            A running service; call :meth:`close` to stop it.
        """
        cache = PrefixKVCache(server_config.kv_cache) if server_config.kv_cache.ram_bytes else None
        service = cls(server_config, model_configs, cache)
        service.on_finished = on_finished
        try:
            for cfg in model_configs:
                service._load(cfg)
        except BaseException:
            service.close()
            raise
        return service

    def _load(self, cfg: ModelConfig) -> None:
        first = self._load_variant(cfg, cfg.expert_used_count)
        default = first.model.expert_used_count
        self._variants[(cfg.name, None)] = first
        counts = {default} if default is not None else set()
        for k in cfg.allowed_expert_counts:
            if k != default:
                self._variants[(cfg.name, k)] = self._load_variant(cfg, k)
            counts.add(k)
        if default is not None:
            self._variants[(cfg.name, default)] = first
        info = first.model.info
        self._infos.append(
            ModelInfo(cfg.name, info.is_moe, cfg.n_ctx, info.expert_count, default, tuple(sorted(counts)))
        )

    def _load_variant(self, cfg: ModelConfig, experts: int | None) -> _Variant:
        model = load_model(cfg, experts)
        context = LlamaSeqContext(model, self.server_config.n_parallel)
        engine = BatchEngine(
            context,
            detokenize=model.token_bytes,
            is_eog=model.is_eog,
            variant=model.variant,
            max_queue=self.server_config.max_queue,
            prefill_chunk=cfg.effective_prefill_chunk,
            cache=self.cache,
            on_finished=self._finished,
        )
        engine.start()
        formatter, bos = _chat_formatter(model)
        return _Variant(model, context, engine, formatter, bos)

    def _finished(self, variant: str, timings: Timings, reason: str) -> None:
        if self.on_finished is not None:
            self.on_finished(variant, timings, reason)

    def models(self) -> list[ModelInfo]:
        """Models served, the default first."""
        return list(self._infos)

    def new_handle(self, request: ChatRequest) -> GenerationHandle:
        """A handle the caller can bind to its event loop before :meth:`submit_chat`."""
        return GenerationHandle(GenerationRequest(prompt_tokens=(), max_new_tokens=request.max_tokens))

    def submit_chat(self, request: ChatRequest, handle: GenerationHandle | None = None) -> GenerationHandle:
        """Render, tokenize and queue a chat completion.

        Args:
            request: the chat request.
            handle: optional handle from :meth:`new_handle` (e.g. bound to an event loop).

        Returns:
            The handle streaming the answer.

        Raises:
            UnknownModel, ExpertCountError, InvalidRequest, ContextOverflow, QueueFull.
        """
        variant = self._variant_for(request)
        if request.grammar is not None:
            check_grammar(variant.model.vocab, request.grammar)
        tokens = self.render_tokens(variant, request.messages)
        generation = GenerationRequest(
            tuple(tokens),
            request.max_tokens,
            request.temperature,
            request.top_p,
            request.seed,
            request.stop,
            request.request_id,
            request.penalties,
            request.grammar,
            request.ignore_eos,
        )
        if handle is None:
            handle = GenerationHandle(generation)
        else:
            handle.request = generation
        return variant.engine.submit(generation, handle)

    def render_tokens(self, variant: _Variant, messages: tuple[ChatMessage, ...]) -> list[int]:
        """Apply the model's chat template and tokenize.

        Args:
            variant: the model variant.
            messages: the conversation.

        Returns:
            Prompt tokens.
        """
        rendered = variant.formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
        text = rendered.prompt
        # Templates that write the BOS text themselves must not get a second one.
        add_special = not (variant.bos_text and text.startswith(variant.bos_text))
        return variant.model.tokenize(text, add_special=add_special)

    def _variant_for(self, request: ChatRequest) -> _Variant:
        name = request.model or self._default_model
        if (name, None) not in self._variants:
            raise UnknownModel(name, [i.name for i in self._infos])
        if request.active_experts is None:
            return self._variants[(name, None)]
        variant = self._variants.get((name, request.active_experts))
        if variant is None:
            info = next(i for i in self._infos if i.name == name)
            if not info.is_moe:
                raise InvalidRequest(f"model {name} is dense; active_experts does not apply")
            raise (
                ExpertCountError(request.active_experts, info.expert_count)
                if not (1 <= request.active_experts <= info.expert_count)
                else InvalidRequest(
                    f"model {name} is served with active experts {list(info.expert_used_counts)}; "
                    f"{request.active_experts} is not loaded (add it to allowed_expert_counts)"
                )
            )
        return variant

    def stats(self) -> EngineStats:
        """Queue depth and active slots over all engines, plus cache stats."""
        engines = {id(v.engine): v.engine for v in self._variants.values()}.values()
        return EngineStats(
            sum(e.queue_depth() for e in engines),
            sum(e.active_slots() for e in engines),
            self.cache.stats() if self.cache is not None else None,
        )

    def close(self) -> None:
        """Stop engines and free contexts and models."""
        unique = {id(v): v for v in self._variants.values()}.values()
        for variant in unique:
            variant.engine.stop()
            variant.context.close()
            variant.model.close()
        self._variants.clear()


def _chat_formatter(model: LoadedModel) -> tuple[Any, str]:
    from llama_cpp import llama_cpp as low
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = model.info.chat_template
    if not template:
        raise InvalidRequest(f"model {model.config.name} has no chat template in its GGUF")
    bos = model.token_text(low.llama_vocab_bos(model.vocab))
    eos = model.token_text(low.llama_vocab_eos(model.vocab))
    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos), bos
