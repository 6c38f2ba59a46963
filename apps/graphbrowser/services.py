"""The graph browser's seam to Neo4j, plus the audit log.

Views talk to a :class:`GraphService` obtained from :func:`graph_service`; unit tests replace it
with an in-memory fake exposing the same methods. Curation goes through :func:`curate`, which
records a :class:`CurationEvent` for every applied change.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.graphbrowser.models import CurationEvent
from graph import browse, console
from graph import curate as graph_curate
from graph.browse import RelationId

logger = logging.getLogger(__name__)


class GraphService:
    """Thin adapter from the views to graph.browse / graph.curate / graph.console over one driver."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    # read
    def search(self, text: str, collections: Sequence[object], labels: Sequence[str] | None = None,
               limit: int = 25) -> list[browse.EntityHit]:
        return browse.search_entities(self.driver, text, collections, labels=labels, limit=limit)

    def entity(self, key: str, collections: Sequence[object],
               provenance: Sequence[object]) -> browse.EntityDetail | None:
        return browse.entity_detail(self.driver, key, collections, provenance=provenance)

    def neighbourhood(self, key: str, collections: Sequence[object], *, depth: int, rel_types: Sequence[str] | None,
                      cap: int, offset: int) -> browse.Subgraph | None:
        return browse.neighbourhood_graph(self.driver, key, collections, depth=depth, rel_types=rel_types, cap=cap,
                                          offset=offset)

    def stats(self, collections: Sequence[object]) -> browse.GraphStats:
        return browse.graph_stats(self.driver, collections)

    def deleted_entities(self, collections: Sequence[object]) -> list[dict[str, Any]]:
        return graph_curate.deleted_entities(self.driver, collections)

    def console(self, text: str, *, row_cap: int, timeout_s: float) -> console.ConsoleResult:
        return console.run_console(self.driver, text, row_cap=row_cap, timeout_s=timeout_s)

    # curation
    def merge_preview(self, keep: str, others: Sequence[str],
                      collections: Sequence[object]) -> graph_curate.MergePreview:
        return graph_curate.merge_preview(self.driver, keep, others, collections)

    def merge(self, keep: str, others: Sequence[str], collections: Sequence[object], *,
              actor: str) -> graph_curate.Change:
        return graph_curate.merge_entities(self.driver, keep, others, collections, actor=actor)

    def split(self, key: str, aliases: Sequence[str], new_name: str, collections: Sequence[object], *,
              actor: str) -> graph_curate.Change:
        return graph_curate.split_entity(self.driver, key, aliases, new_name, collections, actor=actor)

    def edit_entity(self, key: str, collections: Sequence[object], *, actor: str, name: str | None,
                    aliases: Sequence[str] | None) -> graph_curate.Change:
        return graph_curate.edit_entity(self.driver, key, collections, actor=actor, name=name, aliases=aliases)

    def delete_entity(self, key: str, collections: Sequence[object], *, actor: str,
                      reason: str) -> graph_curate.Change:
        return graph_curate.delete_entity(self.driver, key, collections, actor=actor, reason=reason)

    def restore_entity(self, key: str, collections: Sequence[object], *, actor: str) -> graph_curate.Change:
        return graph_curate.restore_entity(self.driver, key, collections, actor=actor)

    def delete_relation(self, rid: RelationId, collections: Sequence[object], *, actor: str,
                        reason: str) -> graph_curate.Change:
        return graph_curate.delete_relation(self.driver, rid, collections, actor=actor, reason=reason)

    def restore_relation(self, rid: RelationId, collections: Sequence[object], *,
                         actor: str) -> graph_curate.Change:
        return graph_curate.restore_relation(self.driver, rid, collections, actor=actor)

    def edit_relation(self, rid: RelationId, collections: Sequence[object], *, actor: str, new_type: str | None,
                      reverse: bool) -> graph_curate.Change:
        return graph_curate.edit_relation(self.driver, rid, collections, actor=actor, new_type=new_type,
                                          reverse=reverse)


@functools.cache
def graph_service() -> GraphService:
    from config import wiring

    return GraphService(wiring.neo4j_driver())


@dataclass(frozen=True)
class Scope:
    """What the acting admin may see and change (collections they administer) and cite (they may read)."""

    collections: tuple[int, ...]
    provenance: tuple[int, ...]
    actor: Any

    @property
    def actor_name(self) -> str:
        return str(self.actor.get_username())


def curate(scope: Scope, apply: Callable[[], graph_curate.Change], reason: str = "") -> CurationEvent:
    """Apply one curation and record it; nothing is recorded when the graph refuses or fails."""
    change = apply()
    with transaction.atomic():
        event = CurationEvent.objects.create(
            actor=scope.actor, actor_name=scope.actor_name, action=change.action, target=change.target[:500],
            summary=change.summary[:500], reason=reason, collection_ids=list(scope.collections),
            before=change.before, after=change.after)
    logger.info("graph curation %s by %s: %s", change.action, scope.actor_name, change.summary)
    return event


def console_limits() -> tuple[int, float]:
    """Row cap and timeout of the Cypher console (settings may override the defaults)."""
    return (int(getattr(settings, "GRAPH_CONSOLE_ROW_CAP", 1000)),
            float(getattr(settings, "GRAPH_CONSOLE_TIMEOUT_S", 10.0)))


def document_titles(document_ids: set[str]) -> dict[str, str]:
    from apps.documents.models import Document

    ids = [int(d) for d in document_ids if str(d).isdigit()]
    return {str(pk): title for pk, title in Document.objects.filter(pk__in=ids).values_list("pk", "title")}


def recent_ingestion_runs(collections: Sequence[int], limit: int = 10) -> list[Any]:
    from apps.documents.models import DocumentVersion

    return list(DocumentVersion.objects.filter(document__collection_id__in=list(collections))
                .select_related("document", "document__collection").order_by("-created_at")[:limit])
