"""OpenAI-compatible HTTP server for the model runtime (starlette).

Endpoints: ``POST /v1/chat/completions`` (JSON or SSE stream), ``GET /v1/models``, ``GET /health``,
``GET /metrics``. Every exception becomes a response in :func:`error_response`, and only there.

Kenning extras: requests may carry ``kenning_profile`` (active experts, conversation id, the
router's rule); responses carry ``kenning`` with timings (ttft_ms, tokens/s, cache hit, tokens
reused) and the profile used.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Any

import anyio
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import ModelConfig, ServerConfig
from .errors import (
    ContextOverflow,
    ExpertCountError,
    InvalidRequest,
    ModelError,
    ModelUnavailable,
    QueueFull,
    RequestCancelled,
    UnknownModel,
)
from .generation import Failed, Finished, GenerationHandle, TextDelta
from .metrics import ServerMetrics
from .schemas import ChatCompletionBody, describe_validation_error
from .service import ChatMessage, ChatRequest, Engine, ModelInfo, ModelService

logger = logging.getLogger(__name__)

EngineFactory = Callable[[ServerConfig, list[ModelConfig], Any], Engine]


def _start_service(server_config: ServerConfig, model_configs: list[ModelConfig], on_finished: Any) -> Engine:
    return ModelService.start(server_config, model_configs, on_finished)


def create_app(
    server_config: ServerConfig,
    model_configs: list[ModelConfig],
    engine_factory: EngineFactory = _start_service,
) -> Starlette:
    """Build the ASGI app; models load in the app's startup (lifespan), not here.

    Args:
        server_config: slots, queue, cache and limits.
        model_configs: models to serve; the first is the default.
        engine_factory: builds the engine; tests pass a fake with the same interface.

    Returns:
        The Starlette application.
    """
    state: dict[str, Any] = {}
    metrics = ServerMetrics(lambda: state["engine"].stats() if "engine" in state else None)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        started = time.perf_counter()
        state["engine"] = await anyio.to_thread.run_sync(
            engine_factory, server_config, model_configs, metrics.observe_finished
        )
        logger.info(
            "model server ready in %.1fs: %s",
            time.perf_counter() - started,
            ", ".join(m.name for m in state["engine"].models()),
        )
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(state.pop("engine").close)

    api = _Api(server_config, state, metrics, {m.name: m for m in model_configs})
    routes = [
        Route("/v1/chat/completions", api.chat_completions, methods=["POST"]),
        Route("/v1/models", api.list_models, methods=["GET"]),
        Route("/health", api.health, methods=["GET"]),
        Route("/metrics", api.prometheus, methods=["GET"]),
    ]
    middleware = [Middleware(_RequireKey, api_key=server_config.api_key)] if server_config.api_key else []
    return Starlette(
        routes=routes, lifespan=lifespan, middleware=middleware, exception_handlers={Exception: _unhandled}
    )


class _RequireKey:
    """Refuses every request but /health without ``Authorization: Bearer <key>`` (OpenAI's scheme).

    Plain ASGI rather than BaseHTTPMiddleware, which would buffer the answer streams.
    """

    open_paths = frozenset({"/health"})

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.open_paths:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                message = "a valid API key is required (Authorization: Bearer <key>)"
                body = {"error": {"type": "unauthorized", "message": message}}
                response = JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def error_response(exc: Exception) -> JSONResponse:
    """The single place where exceptions become HTTP responses.

    Args:
        exc: what went wrong.

    Returns:
        A JSON error body ``{"error": {"type", "message", ...}}`` with the right status.
    """
    status, kind, extra, headers = 500, "model_error", {}, {}
    if isinstance(exc, ValidationError):
        status, kind, message = 400, "invalid_request", describe_validation_error(exc)
    else:
        message = str(exc)
    if isinstance(exc, ContextOverflow):
        status, kind, extra = 400, "context_overflow", {"needed": exc.needed, "limit": exc.limit}
    elif isinstance(exc, ExpertCountError):
        status, kind, extra = 400, "invalid_experts", {"requested": exc.requested, "available": exc.available}
    elif isinstance(exc, InvalidRequest):
        status, kind = 400, "invalid_request"
    elif isinstance(exc, UnknownModel):
        status, kind = 404, "model_not_found"
    elif isinstance(exc, QueueFull):
        status, kind, headers = 503, "queue_full", {"Retry-After": str(exc.retry_after_s)}
    elif isinstance(exc, ModelUnavailable):
        status, kind = 503, "unavailable"
    elif isinstance(exc, RequestCancelled):
        status, kind = 499, "cancelled"
    body = {"error": {"type": kind, "message": message, **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _unhandled(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, (ModelError, ValidationError)):
        logger.exception("unhandled error in model server", exc_info=exc)
    return error_response(exc)


class _Api:
    def __init__(
        self,
        config: ServerConfig,
        state: dict[str, Any],
        metrics: ServerMetrics,
        model_configs: dict[str, ModelConfig],
    ) -> None:
        self.config, self.state, self.metrics = config, state, metrics
        self.model_configs = model_configs

    @property
    def engine(self) -> Engine:
        engine = self.state.get("engine")
        if engine is None:
            raise ModelUnavailable("models are still loading")
        return engine

    async def chat_completions(self, request: Request) -> Response:
        try:
            body = ChatCompletionBody.model_validate(await _json(request))
            if body.max_tokens > self.config.max_tokens_limit:
                raise InvalidRequest(f"max_tokens: at most {self.config.max_tokens_limit}")
            chat = _to_chat_request(body)
            handle = await self._submit(chat)
        except (ModelError, ValidationError) as exc:
            self.metrics.requests.labels(type(exc).__name__).inc()
            return error_response(exc)
        if body.stream:
            return EventSourceResponse(self._stream(chat, body, handle), ping=15)
        return await self._complete(chat, body, handle)

    async def _submit(self, chat: ChatRequest) -> GenerationHandle:
        engine = self.engine
        handle = engine.new_handle(chat)
        handle.bind_loop(asyncio.get_running_loop())
        return await anyio.to_thread.run_sync(engine.submit_chat, chat, handle)

    async def _complete(
        self, chat: ChatRequest, body: ChatCompletionBody, handle: GenerationHandle
    ) -> Response:
        parts: list[str] = []
        try:
            async for event in handle.events():
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                elif isinstance(event, Failed):
                    self.metrics.requests.labels(type(event.error).__name__).inc()
                    return error_response(event.error)
                else:
                    self.metrics.requests.labels("ok").inc()
                    model = chat.model or self.engine.models()[0].name
                    return JSONResponse(_completion_body(chat, body, model, "".join(parts), event))
        finally:
            handle.cancel()  # no-op when finished; frees the slot if the client went away
        raise ModelUnavailable("generation ended without a result")

    async def _stream(
        self, chat: ChatRequest, body: ChatCompletionBody, handle: GenerationHandle
    ) -> AsyncIterator[dict[str, str]]:
        completion_id, created = f"chatcmpl-{chat.request_id}", int(time.time())
        model = chat.model or self.engine.models()[0].name
        try:
            yield {
                "data": json.dumps(
                    _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
                )
            }
            async for event in handle.events():
                if isinstance(event, TextDelta):
                    yield {"data": json.dumps(_chunk(completion_id, created, model, {"content": event.text}))}
                elif isinstance(event, Failed):
                    self.metrics.requests.labels(type(event.error).__name__).inc()
                    yield {"event": "error", "data": error_response(event.error).body.decode()}
                    return
                else:
                    self.metrics.requests.labels("ok").inc()
                    final = _chunk(completion_id, created, model, {}, event.finish_reason)
                    final |= {"usage": _usage(event), "kenning": _kenning(chat, body, event)}
                    yield {"data": json.dumps(final)}
            yield {"data": "[DONE]"}
        finally:
            # Runs when the client disconnects too (the task is cancelled): free the slot.
            handle.cancel()

    async def list_models(self, _request: Request) -> Response:
        data = [
            {"id": m.name, "object": "model", "owned_by": "kenning", "kenning": self._describe(m)}
            for m in self.engine.models()
        ]
        return JSONResponse({"object": "list", "data": data})

    def _describe(self, info: ModelInfo) -> dict[str, Any]:
        """What a client needs to route to and trust a model: kind, tier, licence, source, hash."""
        cfg = self.model_configs.get(info.name)
        return asdict(info) | {
            "kind": "moe" if info.is_moe else "dense",
            "tier": cfg.tier if cfg else None,
            "licence": cfg.licence if cfg else "unknown",
            "source": cfg.source if cfg else "",
            "sha256": cfg.sha256 if cfg else None,
            "file": cfg.gguf_path.name if cfg else None,
        }

    async def health(self, _request: Request) -> Response:
        engine = self.state.get("engine")
        if engine is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        stats = engine.stats()
        return JSONResponse(
            {
                "status": "ok",
                "models": [m.name for m in engine.models()],
                "queue_depth": stats.queue_depth,
                "active_slots": stats.active_slots,
            }
        )

    async def prometheus(self, _request: Request) -> Response:
        return Response(self.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"body is not valid JSON ({exc})") from exc


def _to_chat_request(body: ChatCompletionBody) -> ChatRequest:
    profile = body.kenning_profile
    return ChatRequest(
        messages=tuple(ChatMessage(m.role, m.content) for m in body.messages),
        model=body.model,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        seed=body.seed,
        stop=body.stop_list,
        penalties=body.penalties,
        grammar=body.grammar(),
        ignore_eos=body.ignore_eos,
        active_experts=profile.active_experts if profile else None,
        conversation_id=profile.conversation_id if profile else None,
        request_id=uuid.uuid4().hex[:16],
    )


def _usage(event: Finished) -> dict[str, int]:
    t = event.timings
    return {
        "prompt_tokens": t.prompt_tokens,
        "completion_tokens": t.completion_tokens,
        "total_tokens": t.prompt_tokens + t.completion_tokens,
    }


def _kenning(chat: ChatRequest, body: ChatCompletionBody, event: Finished) -> dict[str, Any]:
    profile = body.kenning_profile.model_dump() if body.kenning_profile else {}
    return {"timings": asdict(event.timings), "profile": profile | {"active_experts": chat.active_experts}}


def _chunk(
    completion_id: str, created: int, model: str, delta: dict[str, str], finish_reason: str | None = None
) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _completion_body(
    chat: ChatRequest, body: ChatCompletionBody, model: str, text: str, event: Finished
) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{chat.request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": event.finish_reason,
            }
        ],
        "usage": _usage(event),
        "kenning": _kenning(chat, body, event),
    }
