"""Health of each component Kenning depends on, probed in parallel with short timeouts.

Anyone may ask ``/healthz`` whether Kenning is up (``{"status": "ok"|"degraded"|"down"}``, for
load balancers and container checks); only staff see the components, their versions and failure
reasons. "degraded" (still HTTP 200, so a readiness probe keeps the web pod in service) means a
component with replicas lost some but not all of them: with one model-server replica of two down,
answers still complete through the other. A detail
never carries a URL's credentials, and the probes reuse their connections (one pool per process and
service URL) so a burst of health checks does not open a burst of connections.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def redact(text: str) -> str:
    """``redis://:secret@host`` -> ``redis://***@host``: a reason may quote a URL with a password."""
    return _CREDENTIALS_IN_URL.sub(r"\g<scheme>***@", text)


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    is_ok: bool
    detail: str
    latency_ms: float
    is_degraded: bool = False  # up, but some of its replicas are not

    @property
    def status(self) -> str:
        return "down" if not self.is_ok else "degraded" if self.is_degraded else "ok"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "detail": self.detail,
            "latency_ms": round(self.latency_ms, 1),
        }


@functools.lru_cache(maxsize=4)
def _redis_client(url: str, timeout_s: float):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)


@functools.lru_cache(maxsize=4)
def _neo4j_driver(url: str, auth: tuple[str, str] | None, timeout_s: float):  # type: ignore[no-untyped-def]
    from neo4j import GraphDatabase

    return GraphDatabase.driver(url, auth=auth, connection_timeout=timeout_s, max_transaction_retry_time=0)


@functools.lru_cache(maxsize=1)
def _http_client(timeout_s: float) -> httpx.Client:
    return httpx.Client(timeout=timeout_s)


def _probe_sql() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _probe_redis() -> str:
    info = _redis_client(settings.REDIS_URL, settings.HEALTH_TIMEOUT_S).info("server")
    return f"redis {info.get('redis_version', '?')}"


def _probe_neo4j() -> str:
    from config.wiring import neo4j_auth

    driver = _neo4j_driver(settings.NEO4J_URL, neo4j_auth(), settings.HEALTH_TIMEOUT_S)
    return driver.get_server_info().agent


def _probe_http(url: str, headers: dict[str, str]) -> str:
    response = _http_client(settings.HEALTH_TIMEOUT_S).get(url, headers=headers)
    response.raise_for_status()
    return f"HTTP {response.status_code}"


def _probe_index() -> str:
    headers = {"api-key": settings.QDRANT_API_KEY} if settings.QDRANT_API_KEY else {}
    return _probe_http(settings.QDRANT_URL.rstrip("/") + "/collections", headers)


class PartlyDown(Exception):
    """A component with replicas answers through some of them only (reported as "degraded")."""


def _probe_model() -> str:
    from config.wiring import model_server_urls

    urls = model_server_urls()
    if len(urls) == 1:
        return _probe_http(urls[0].rstrip("/") + "/health", {})
    # Every replica, in parallel: N down replicas must not cost N timeouts.
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        results = list(pool.map(_replica_state, urls))
    down = [f"{url}: {state}" for url, state in zip(urls, results, strict=True) if state]
    if len(down) == len(urls):
        raise ConnectionError(f"all {len(urls)} replicas down ({'; '.join(down)})")
    if down:
        raise PartlyDown(f"{len(urls) - len(down)} of {len(urls)} replicas up; down: {'; '.join(down)}")
    return f"{len(urls)} replicas up"


def _replica_state(url: str) -> str:
    """ "" when the replica is healthy, otherwise why not."""
    try:
        _probe_http(url.rstrip("/") + "/health", {})
    except Exception as e:  # any failure makes this replica down
        return f"{type(e).__name__}: {e}".strip()
    return ""


PROBES: dict[str, Callable[[], str]] = {
    "sql": _probe_sql,
    "redis": _probe_redis,
    "neo4j": _probe_neo4j,
    "vector_index": _probe_index,
    "model_server": _probe_model,
}


def _run(name: str, probe: Callable[[], str]) -> ComponentHealth:
    started = time.perf_counter()
    try:
        detail = probe()
        return ComponentHealth(name, True, redact(detail), (time.perf_counter() - started) * 1000)
    except PartlyDown as e:
        return ComponentHealth(name, True, redact(str(e))[:300], (time.perf_counter() - started) * 1000, True)
    except Exception as e:  # a probe reports any failure as "down" with its reason
        reason = redact(f"{type(e).__name__}: {e}".strip())[:300]
        return ComponentHealth(name, False, reason, (time.perf_counter() - started) * 1000)


def check_all(names: list[str] | None = None) -> list[ComponentHealth]:
    selected = {n: p for n, p in PROBES.items() if names is None or n in names}
    # SQL in this thread: a pool thread would open (and leak) a database connection of its own.
    remote = {n: p for n, p in selected.items() if n != "sql"}
    with ThreadPoolExecutor(max_workers=len(remote) or 1) as pool:
        futures = {name: pool.submit(_run, name, probe) for name, probe in remote.items()}
        sql = _run("sql", _probe_sql) if "sql" in selected else None
        results = {name: f.result() for name, f in futures.items()}
    if sql is not None:
        results["sql"] = sql
    return [results[name] for name in selected]


def overall_status(results: list[ComponentHealth]) -> str:
    """ "down" if any component is down, "degraded" if one is up on only some replicas, else "ok"."""
    if not all(r.is_ok for r in results):
        return "down"
    return "degraded" if any(r.is_degraded for r in results) else "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = check_all()
    is_ok = all(r.is_ok for r in results)
    body: dict[str, object] = {"status": overall_status(results)}
    if request.user.is_authenticated and request.user.is_staff:
        body["components"] = {r.name: r.as_dict() for r in results}
    return JsonResponse(body, status=200 if is_ok else 503)
