"""HTTP client for the model server, used by apps/ (never loads a model itself).

Errors are typed: :class:`ModelUnavailable` (refused, timed out, 5xx: transient),
:class:`ContextOverflow` (with the server's token counts), :class:`QueueFull`, and
:class:`ModelError` for anything else. Connect timeouts are short so a dead server fails fast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import ContextOverflow, ExpertCountError, InvalidRequest, ModelError, ModelUnavailable, QueueFull

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatResult:
    """The end of a chat completion: text (non-stream only), usage and Kenning timings."""

    text: str
    finish_reason: str
    usage: dict[str, int]
    timings: dict[str, Any]
    profile: dict[str, Any] = field(default_factory=dict)


class ChatStream:
    """Iterate for text deltas; ``result`` holds usage and timings once iteration ends."""

    def __init__(self, deltas: Iterator[str | ChatResult]) -> None:
        self._deltas = deltas
        self.result: ChatResult | None = None

    def __iter__(self) -> Iterator[str]:
        for item in self._deltas:
            if isinstance(item, ChatResult):
                self.result = item
            else:
                yield item


class ModelClient:
    """Talks to ``python -m model serve``.

    Args:
        base_url: e.g. ``http://127.0.0.1:8081``.
        timeout_s: longest wait for any single read (one token, or a whole non-stream answer).
        connect_timeout_s: how long to try to connect before calling the server unavailable.
        transport: optional httpx transport (tests use ``httpx.MockTransport``).
    """

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 2.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        timeout = httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s))
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def health(self) -> dict[str, Any]:
        """Ask the server whether it is up.

        Returns:
            The /health body (``status`` is "ok" when models are loaded).

        Raises:
            ModelUnavailable: not reachable, still loading, or unhealthy.
        """
        response = self._request("GET", "/health")
        return response.json()

    def models(self) -> list[dict[str, Any]]:
        """List served models with their Kenning details (MoE, experts, context)."""
        return self._request("GET", "/v1/models").json()["data"]

    def chat(self, messages: list[dict[str, str]], profile: Any = None, **options: Any) -> ChatResult:
        """Non-streaming chat completion.

        Args:
            messages: OpenAI-style messages.
            profile: a routing ComputeProfile (or None): model, experts, max tokens, temperature.
            **options: extra body fields (max_tokens, conversation_id, stop, seed, repeat_penalty ...).

        Returns:
            The answer with usage and timings.
        """
        body = _body(messages, profile, stream=False, **options)
        data = self._request("POST", "/v1/chat/completions", json=body).json()
        choice = data["choices"][0]
        kenning = data.get("kenning", {})
        return ChatResult(
            choice["message"]["content"],
            choice["finish_reason"],
            data["usage"],
            kenning.get("timings", {}),
            kenning.get("profile", {}),
        )

    def stream_chat(self, messages: list[dict[str, str]], profile: Any = None, **options: Any) -> ChatStream:
        """Streaming chat completion.

        Args:
            messages: OpenAI-style messages.
            profile: a routing ComputeProfile (or None).
            **options: extra body fields (max_tokens, conversation_id, stop, seed, repeat_penalty ...).

        Returns:
            A ChatStream: iterate it for text deltas, then read ``.result``.
        """
        return ChatStream(self._stream(_body(messages, profile, stream=True, **options)))

    def _stream(self, body: dict[str, Any]) -> Iterator[str | ChatResult]:
        try:
            with self._http.stream("POST", "/v1/chat/completions", json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise _error_from(response)
                yield from _parse_sse(response.iter_lines())
        except httpx.TransportError as exc:
            raise ModelUnavailable(f"model server unreachable or too slow: {exc!r}") from exc

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:  # refused, DNS, timeouts, broken connection
            raise ModelUnavailable(f"model server unreachable or too slow: {exc!r}") from exc
        if response.status_code != 200:
            raise _error_from(response)
        return response


def _body(messages: list[dict[str, str]], profile: Any, stream: bool, **options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": messages, "stream": stream}
    kenning: dict[str, Any] = {}
    if profile is not None:
        body |= {
            "model": profile.model,
            "max_tokens": profile.max_new_tokens,
            "temperature": profile.temperature,
        }
        kenning = {"active_experts": profile.active_experts, "rule": profile.rule}
    if "conversation_id" in options:
        kenning["conversation_id"] = options.pop("conversation_id")
    if kenning:
        body["kenning_profile"] = kenning
    return body | options


def _parse_sse(lines: Iterator[str]) -> Iterator[str | ChatResult]:
    event = "message"
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data = line[5:].strip()
            if data == "[DONE]":
                return
            payload = json.loads(data)
            if event == "error":
                raise _error_from_body(payload, 500)
            yield from _chunk_items(payload)
        elif not line:
            event = "message"


def _chunk_items(payload: dict[str, Any]) -> Iterator[str | ChatResult]:
    choice = payload["choices"][0]
    text = choice["delta"].get("content")
    if text:
        yield text
    if choice.get("finish_reason"):
        kenning = payload.get("kenning", {})
        yield ChatResult(
            "",
            choice["finish_reason"],
            payload.get("usage", {}),
            kenning.get("timings", {}),
            kenning.get("profile", {}),
        )


def _error_from(response: httpx.Response) -> ModelError:
    try:
        body = response.json()
    except ValueError:
        logger.warning(
            "model server answered %s with a non-JSON body: %.500s", response.status_code, response.text
        )
        body = {}
    return _error_from_body(body, response.status_code, response.headers.get("Retry-After"))


def _error_from_body(body: dict[str, Any], status: int, retry_after: str | None = None) -> ModelError:
    error = body.get("error") or {}
    kind, message = error.get("type"), error.get("message") or f"model server answered {status}"
    if kind == "context_overflow":
        return ContextOverflow(int(error["needed"]), int(error["limit"]))
    if kind == "invalid_experts":
        return ExpertCountError(int(error["requested"]), int(error["available"]))
    if kind == "queue_full":
        return QueueFull(0, int(retry_after or 1))
    if status == 400 or kind == "invalid_request":
        return InvalidRequest(message)
    if status in (502, 503, 504) or kind == "unavailable":
        return ModelUnavailable(message)
    return ModelError(message)
