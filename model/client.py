"""HTTP client for the model server, used by apps/ (never loads a model itself).

Errors are typed: :class:`ModelUnavailable` (refused, timed out, 5xx: transient),
:class:`ContextOverflow` (with the server's token counts), :class:`QueueFull`, and
:class:`ModelError` for anything else. Connect timeouts are short so a dead server fails fast.

Given several replica URLs, a request continuing a conversation goes to the replica that holds
its KV prefix (:mod:`model.replicas`); a replica that is down or full is passed over for the next
one before any token has been streamed, so the answer does not fail while one replica lives.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from .errors import ContextOverflow, ExpertCountError, InvalidRequest, ModelError, ModelUnavailable, QueueFull
from .replicas import Policy, ReplicaSet, ReplicaState

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ChatResult:
    """The end of a chat completion: text (non-stream only), usage and Kenning timings."""

    text: str
    finish_reason: str
    usage: dict[str, int]
    timings: dict[str, Any]
    profile: dict[str, Any] = field(default_factory=dict)
    replica: str = ""  # base URL of the replica that answered


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
    """Talks to ``python -m model serve``, one server or several replicas of it.

    Args:
        base_url: e.g. ``http://127.0.0.1:8081``, or a list of replica URLs.
        timeout_s: longest wait for any single read (one token, or a whole non-stream answer).
        connect_timeout_s: how long to try to connect before calling a server unavailable.
        transport: optional httpx transport (tests use ``httpx.MockTransport``).
        policy: ``affinity`` (a conversation stays on the replica holding its KV prefix) or
            ``round_robin``; see :mod:`model.replicas`.
        down_for_s: how long a replica that failed is tried last.
        clock: monotonic seconds (a seam for tests).
        api_key: sent as ``Authorization: Bearer <key>`` (servers off loopback require it).
    """

    def __init__(
        self,
        base_url: str | Sequence[str],
        timeout_s: float = 60.0,
        connect_timeout_s: float = 2.0,
        transport: httpx.BaseTransport | None = None,
        policy: Policy = "affinity",
        down_for_s: float = 5.0,
        clock: Callable[[], float] | None = None,
        api_key: str | None = None,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        extra = {"clock": clock} if clock else {}
        self.replicas = ReplicaSet(urls, policy=policy, down_for_s=down_for_s, **extra)
        timeout = httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s))
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = {
            r.url: httpx.Client(base_url=r.url, timeout=timeout, transport=transport, headers=headers)
            for r in self.replicas.replicas
        }

    def close(self) -> None:
        """Close the connection pools."""
        for http in self._http.values():
            http.close()

    def health(self) -> dict[str, Any]:
        """Ask the servers whether they are up.

        Returns:
            The /health body of the first replica that answers (``status`` is "ok" when models
            are loaded).

        Raises:
            ModelUnavailable: no replica is reachable, or all are loading or unhealthy.
        """
        return self._first(None, lambda r: self._request(r, "GET", "/health").json())

    def replica_health(self) -> dict[str, str]:
        """Each replica's state: "ok", or why it is not."""
        states = {}
        for replica in self.replicas.replicas:
            try:
                states[replica.url] = self._request(replica, "GET", "/health").json().get("status", "ok")
            except ModelError as exc:
                states[replica.url] = f"down: {exc}"
        return states

    def models(self) -> list[dict[str, Any]]:
        """List served models with their Kenning details (MoE, experts, context)."""
        return self._first(None, lambda r: self._request(r, "GET", "/v1/models").json()["data"])

    def chat(self, messages: list[dict[str, str]], profile: Any = None, **options: Any) -> ChatResult:
        """Non-streaming chat completion.

        Args:
            messages: OpenAI-style messages.
            profile: a routing ComputeProfile (or None): model, experts, max tokens, temperature.
            **options: extra body fields (max_tokens, conversation_id, stop, seed, repeat_penalty ...).
                ``conversation_id`` also picks the replica.

        Returns:
            The answer with usage and timings, and the replica that gave it.
        """
        conversation = _conversation(options)
        body = _body(messages, profile, stream=False, **options)

        def send(replica: ReplicaState) -> ChatResult:
            data = self._request(replica, "POST", "/v1/chat/completions", json=body).json()
            choice = data["choices"][0]
            kenning = data.get("kenning", {})
            return ChatResult(
                choice["message"]["content"],
                choice["finish_reason"],
                data["usage"],
                kenning.get("timings", {}),
                kenning.get("profile", {}),
                replica.url,
            )

        return self._first(conversation, send)

    def stream_chat(self, messages: list[dict[str, str]], profile: Any = None, **options: Any) -> ChatStream:
        """Streaming chat completion.

        Args:
            messages: OpenAI-style messages.
            profile: a routing ComputeProfile (or None).
            **options: extra body fields (max_tokens, conversation_id, stop, seed, repeat_penalty ...).
                ``conversation_id`` also picks the replica.

        Returns:
            A ChatStream: iterate it for text deltas, then read ``.result``.
        """
        conversation = _conversation(options)
        return ChatStream(self._stream(conversation, _body(messages, profile, stream=True, **options)))

    def _stream(self, conversation: str | None, body: dict[str, Any]) -> Iterator[str | ChatResult]:
        last: ModelError | None = None
        for replica in self.replicas.order(conversation):
            streamed = False
            try:
                with self.replicas.serving(replica):
                    for item in self._stream_from(replica, body):
                        streamed = True
                        yield (
                            dataclasses.replace(item, replica=replica.url)
                            if isinstance(item, ChatResult)
                            else item
                        )
                return
            except (ModelUnavailable, QueueFull) as exc:
                # Once text has been shown, another replica cannot take over without repeating it.
                if streamed:
                    raise
                last = self._passed_over(replica, exc)
        assert last is not None
        raise last

    def _stream_from(self, replica: ReplicaState, body: dict[str, Any]) -> Iterator[str | ChatResult]:
        try:
            with self._http[replica.url].stream("POST", "/v1/chat/completions", json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise _error_from(response)
                self.replicas.mark_up(replica)
                yield from _parse_sse(response.iter_lines())
        except httpx.TransportError as exc:
            raise ModelUnavailable(f"model server {replica.url} unreachable or too slow: {exc!r}") from exc

    def _first(self, conversation: str | None, send: Callable[[ReplicaState], T]) -> T:
        """``send`` to each replica in turn until one answers; transient failures move on."""
        last: ModelError | None = None
        for replica in self.replicas.order(conversation):
            try:
                with self.replicas.serving(replica):
                    result = send(replica)
                self.replicas.mark_up(replica)
                return result
            except (ModelUnavailable, QueueFull) as exc:
                last = self._passed_over(replica, exc)
        assert last is not None
        raise last

    def _passed_over(self, replica: ReplicaState, exc: ModelError) -> ModelError:
        if isinstance(exc, ModelUnavailable):
            self.replicas.mark_down(replica)
        if len(self.replicas.replicas) > 1:
            logger.warning("model replica %s passed over: %s", replica.url, exc)
        return exc

    def _request(self, replica: ReplicaState, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http[replica.url].request(method, path, **kwargs)
        except httpx.TransportError as exc:  # refused, DNS, timeouts, broken connection
            raise ModelUnavailable(f"model server {replica.url} unreachable or too slow: {exc!r}") from exc
        if response.status_code != 200:
            raise _error_from(response)
        return response


def _conversation(options: dict[str, Any]) -> str | None:
    value = options.get("conversation_id")
    return str(value) if value not in (None, "") else None


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
