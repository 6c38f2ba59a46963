"""An in-memory stand-in for apps.graphbrowser.services.GraphService (same methods, same return types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph import browse
from graph.browse import (
    EntityDetail,
    EntityHit,
    GraphEdge,
    GraphNode,
    GraphStats,
    RelationId,
    RelationView,
    Subgraph,
)
from graph.console import ConsoleResult, check_query
from graph.curate import Change, CurationError, EntityNotFound, MergePreview, OutsideScope
from graph.facts import Citation


@dataclass
class FakeEntity:
    key: str
    label: str
    name: str
    collections: set[str]
    aliases: list[str] = field(default_factory=list)
    deleted: bool = False


class FakeGraphService:
    def __init__(self) -> None:
        self.entities: dict[str, FakeEntity] = {}
        self.relations: dict[RelationId, set[str]] = {}  # relation -> supporting collections
        self.retracted: dict[RelationId, set[str]] = {}
        self.console_calls: list[str] = []

    # -- set-up helpers
    def add(self, label: str, name: str, collection: object, *aliases: str) -> str:
        key = f"{label}:{name.lower()}"
        self.entities[key] = FakeEntity(key, label, name, {str(collection)}, [name, *aliases])
        return key

    def relate(self, head: str, rel: str, tail: str, collection: object) -> RelationId:
        rid = RelationId(head, rel, tail)
        self.relations.setdefault(rid, set()).add(str(collection))
        return rid

    # -- scope
    def _visible(self, key: str, collections: Any) -> FakeEntity | None:
        e = self.entities.get(key)
        cols = {str(c) for c in collections}
        return e if e and not e.deleted and e.collections & cols else None

    def _owned(self, key: str, collections: Any) -> FakeEntity:
        e = self._visible(key, collections)
        if e is None:
            raise EntityNotFound(f"no entity {key!r} in your collections")
        if e.collections - {str(c) for c in collections}:
            raise OutsideScope("also supported by collections you do not administer")
        return e

    # -- read
    def search(self, text, collections, labels=None, limit=25):  # type: ignore[no-untyped-def]
        hits = [e for e in self.entities.values() if self._visible(e.key, collections)
                and any(text.lower() in a.lower() for a in e.aliases) and (not labels or e.label in labels)]
        return [EntityHit(e.key, e.label, e.name, tuple(e.aliases), 1.0) for e in hits][:limit]

    def entity(self, key, collections, provenance):  # type: ignore[no-untyped-def]
        e = self._visible(key, collections)
        if e is None:
            return None
        prov = {str(c) for c in provenance}
        rels = []
        for rid, cols in self.relations.items():
            if key in (rid.head, rid.tail) and cols & {str(c) for c in collections}:
                other = self.entities[rid.tail if rid.head == key else rid.head]
                cites = tuple(Citation(f"chunk-{c}", "1", "1", c, 2) for c in sorted(cols & prov))
                rels.append(RelationView(rid, rid.type, rid.head == key, other.key, other.label, other.name, {},
                                         cites))
        counts: dict[str, int] = {}
        for r in rels:
            counts[r.type] = counts.get(r.type, 0) + 1
        mentions = tuple(Citation(f"chunk-{c}", "1", "1", c, 1) for c in sorted(e.collections & prov))
        return EntityDetail(e.key, e.label, e.name, tuple(e.aliases), {"note": e.name}, mentions, tuple(rels),
                            counts, tuple(sorted(e.collections)))

    def neighbourhood(self, key, collections, *, depth, rel_types, cap, offset):  # type: ignore[no-untyped-def]
        e = self._visible(key, collections)
        if e is None:
            return None
        depth, cap, offset = browse.clamp_neighbourhood(depth, cap, offset)
        cols = {str(c) for c in collections}
        others = sorted({rid.tail if rid.head == key else rid.head for rid, c in self.relations.items()
                         if key in (rid.head, rid.tail) and c & cols and (not rel_types or rid.type in rel_types)})
        page = others[offset:offset + cap]
        nodes = tuple(GraphNode(k, self.entities[k].label, self.entities[k].name) for k in page)
        edges = tuple(GraphEdge(rid.encode(), rid.head, rid.tail, rid.type) for rid in self.relations
                      if {rid.head, rid.tail} <= {key, *page})
        return Subgraph(GraphNode(e.key, e.label, e.name), nodes, edges, len(others), offset)

    def stats(self, collections):  # type: ignore[no-untyped-def]
        visible = [e for e in self.entities.values() if self._visible(e.key, collections)]
        labels: dict[str, int] = {}
        for e in visible:
            labels[e.label] = labels.get(e.label, 0) + 1
        rels: dict[str, int] = {}
        for rid in self.relations:
            rels[rid.type] = rels.get(rid.type, 0) + 1
        return GraphStats(labels, rels, tuple(GraphNode(e.key, e.label, e.name, 1) for e in visible[:10]), 3, 1)

    def deleted_entities(self, collections):  # type: ignore[no-untyped-def]
        cols = {str(c) for c in collections}
        return [{"key": e.key, "label": e.label, "name": e.name, "deleted_by": "x", "deleted_at": "", "reason": ""}
                for e in self.entities.values() if e.deleted and e.collections & cols]

    def console(self, text, *, row_cap, timeout_s):  # type: ignore[no-untyped-def]
        check_query(text)
        self.console_calls.append(text)
        node = {"id": "4:x:1", "labels": ["Entity", "Part"], "properties": {"name": "<img src=x onerror=alert(1)>"}}
        return ConsoleResult(("n",), ((node,),), (node,), (), False, 1.0)

    # -- curation
    def merge_preview(self, keep, others, collections):  # type: ignore[no-untyped-def]
        k = self._owned(keep, collections)
        absorbed = [self._owned(o, collections) for o in others]
        if any(a.label != k.label for a in absorbed):
            raise CurationError("entities of different types are never merged")
        aliases = list(dict.fromkeys([*k.aliases, *(x for a in absorbed for x in a.aliases)]))
        snap = [{"key": a.key, "label": a.label, "name": a.name, "mentions": 1, "relations": 0} for a in absorbed]
        return MergePreview({"key": k.key, "label": k.label, "name": k.name}, tuple(snap), tuple(aliases), len(snap),
                            0, 0, 0)

    def merge(self, keep, others, collections, *, actor):  # type: ignore[no-untyped-def]
        preview = self.merge_preview(keep, others, collections)
        k = self.entities[keep]
        for o in others:
            self.entities[o].deleted = True
        k.aliases = list(preview.aliases_after)
        return Change("merge", keep, {"keep": preview.keep}, {"aliases": k.aliases}, f"merged into {k.name!r}")

    def split(self, key, aliases, new_name, collections, *, actor):  # type: ignore[no-untyped-def]
        e = self._owned(key, collections)
        new_key = self.add(e.label, new_name, next(iter(e.collections)), *aliases)
        e.aliases = [a for a in e.aliases if a not in aliases]
        return Change("split", key, {"aliases": e.aliases}, {"new": new_key}, f"split {new_name!r} off {e.name!r}")

    def edit_entity(self, key, collections, *, actor, name, aliases):  # type: ignore[no-untyped-def]
        e = self._owned(key, collections)
        before = {"name": e.name}
        e.name = name or e.name
        e.aliases = list(aliases or e.aliases)
        return Change("edit_entity", key, before, {"name": e.name}, f"edited {before['name']!r}")

    def delete_entity(self, key, collections, *, actor, reason):  # type: ignore[no-untyped-def]
        e = self._owned(key, collections)
        e.deleted = True
        return Change("delete_entity", key, {"name": e.name}, {"deleted": True}, f"deleted {e.name!r}")

    def restore_entity(self, key, collections, *, actor):  # type: ignore[no-untyped-def]
        e = self.entities.get(key)
        if e is None or not e.deleted or not e.collections & {str(c) for c in collections}:
            raise EntityNotFound("no deleted entity")
        e.deleted = False
        return Change("restore_entity", key, {"deleted": True}, {"name": e.name}, f"restored {e.name!r}")

    def _owned_relation(self, rid, collections):  # type: ignore[no-untyped-def]
        cols = self.relations.get(rid)
        allowed = {str(c) for c in collections}
        if not cols or not cols & allowed:
            raise EntityNotFound("no such relation in your collections")
        if cols - allowed:
            raise OutsideScope("also supported elsewhere")
        return cols

    def delete_relation(self, rid, collections, *, actor, reason):  # type: ignore[no-untyped-def]
        self.retracted[rid] = self._owned_relation(rid, collections)
        del self.relations[rid]
        return Change("delete_relation", rid.encode(), {"type": rid.type}, {"deleted": True}, "retracted")

    def restore_relation(self, rid, collections, *, actor):  # type: ignore[no-untyped-def]
        if rid not in self.retracted:
            raise EntityNotFound("no retracted relation")
        self.relations[rid] = self.retracted.pop(rid)
        return Change("restore_relation", rid.encode(), {"deleted": True}, {"type": rid.type}, "restored")

    def edit_relation(self, rid, collections, *, actor, new_type, reverse):  # type: ignore[no-untyped-def]
        cols = self._owned_relation(rid, collections)
        del self.relations[rid]
        head, tail = (rid.tail, rid.head) if reverse else (rid.head, rid.tail)
        new = RelationId(head, new_type or rid.type, tail)
        self.relations[new] = cols
        return Change("edit_relation", rid.encode(), {"type": rid.type}, {"type": new.type}, "changed")
