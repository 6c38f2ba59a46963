"""Health of each component Kenning depends on, probed in parallel with short timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    is_ok: bool
    detail: str
    latency_ms: float

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.is_ok else "down",
            "detail": self.detail,
            "latency_ms": round(self.latency_ms, 1),
        }


def _probe_sql() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _probe_redis() -> str:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=settings.HEALTH_TIMEOUT_S,
        socket_connect_timeout=settings.HEALTH_TIMEOUT_S,
    )
    try:
        client.ping()
    finally:
        client.close()
    return settings.REDIS_URL


def _probe_neo4j() -> str:
    from neo4j import GraphDatabase

    from config.wiring import neo4j_auth

    with GraphDatabase.driver(
        settings.NEO4J_URL, auth=neo4j_auth(), connection_timeout=settings.HEALTH_TIMEOUT_S
    ) as driver:
        info = driver.get_server_info()
    return f"{info.agent} at {settings.NEO4J_URL}"


def _probe_http(url: str) -> str:
    response = httpx.get(url, timeout=settings.HEALTH_TIMEOUT_S)
    response.raise_for_status()
    return url


PROBES: dict[str, Callable[[], str]] = {
    "sql": _probe_sql,
    "redis": _probe_redis,
    "neo4j": _probe_neo4j,
    "vector_index": lambda: _probe_http(settings.QDRANT_URL.rstrip("/") + "/collections"),
    "model_server": lambda: _probe_http(settings.MODEL_SERVER_URL.rstrip("/") + "/health"),
}


def _run(name: str, probe: Callable[[], str]) -> ComponentHealth:
    started = time.perf_counter()
    try:
        detail = probe()
        return ComponentHealth(name, True, detail, (time.perf_counter() - started) * 1000)
    except Exception as e:  # a probe reports any failure as "down" with its reason
        reason = f"{type(e).__name__}: {e}".strip()[:300]
        return ComponentHealth(name, False, reason, (time.perf_counter() - started) * 1000)


def check_all(names: list[str] | None = None) -> list[ComponentHealth]:
    selected = {n: p for n, p in PROBES.items() if names is None or n in names}
    with ThreadPoolExecutor(max_workers=len(selected) or 1) as pool:
        futures = [pool.submit(_run, name, probe) for name, probe in selected.items()]
        results = [f.result() for f in futures]
    connection.close_if_unusable_or_obsolete()
    return results


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = check_all()
    is_ok = all(r.is_ok for r in results)
    body = {"status": "ok" if is_ok else "degraded", "components": {r.name: r.as_dict() for r in results}}
    return JsonResponse(body, status=200 if is_ok else 503)
