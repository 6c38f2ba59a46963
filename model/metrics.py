"""Prometheus metrics of one model server, in a registry owned by the app (no globals)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from .generation import Timings
from .service import EngineStats

TTFT_BUCKETS_S = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ServerMetrics:
    """Counters updated per request plus gauges read from the engine at scrape time."""

    def __init__(self, stats: Callable[[], EngineStats | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kenning_model_requests",
            "Chat completion requests by outcome",
            ["status"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "kenning_model_tokens", "Tokens processed", ["model", "kind"], registry=self.registry
        )
        self.ttft = Histogram(
            "kenning_model_ttft_seconds",
            "Time to first token",
            ["model"],
            buckets=TTFT_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(_EngineCollector(stats))

    def observe_finished(self, variant: str, timings: Timings, _reason: str) -> None:
        """Record one finished generation (called from the engine thread)."""
        self.tokens.labels(variant, "prompt").inc(timings.prompt_tokens)
        self.tokens.labels(variant, "prompt_evaluated").inc(timings.prompt_tokens_evaluated)
        self.tokens.labels(variant, "completion").inc(timings.completion_tokens)
        self.tokens.labels(variant, "reused").inc(timings.tokens_reused)
        self.ttft.labels(variant).observe(timings.ttft_ms / 1000)

    def render(self) -> bytes:
        """Prometheus text exposition."""
        return generate_latest(self.registry)


class _EngineCollector:
    def __init__(self, stats: Callable[[], EngineStats | None]) -> None:
        self._stats = stats

    def describe(self) -> list[Any]:
        return []  # values are only known at scrape time

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = self._stats()
        if stats is None:
            return
        yield GaugeMetricFamily(
            "kenning_model_queue_depth", "Requests waiting for a slot", value=stats.queue_depth
        )
        yield GaugeMetricFamily(
            "kenning_model_active_slots", "Sequences generating", value=stats.active_slots
        )
        cache = stats.cache
        if cache is None:
            return
        for name, doc, value in (
            ("kv_cache_hits", "Prefix cache hits", cache.hits),
            ("kv_cache_misses", "Prefix cache misses", cache.misses),
            ("kv_cache_hit_rate", "Prefix cache hit rate since start", cache.hit_rate),
            ("kv_cache_tokens_reused", "Prompt tokens served from the prefix cache", cache.tokens_reused),
            ("kv_cache_ram_bytes", "Bytes of saved states in RAM", cache.ram_bytes),
            ("kv_cache_disk_bytes", "Bytes of saved states on disk", cache.disk_bytes),
            ("kv_cache_entries", "Saved states (RAM + disk)", cache.ram_entries + cache.disk_entries),
            ("kv_cache_evictions", "Entries evicted from a tier", cache.evictions),
        ):
            yield GaugeMetricFamily(f"kenning_model_{name}", doc, value=value)
