"""The passage viewer's data: a cited chunk, access-checked, with its neighbours for context."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from apps.accounts.access import readable_collection_ids
from config import wiring
from retrieval.types import neighbour_chunk_id

NEIGHBOURS = 2


def view_context(user, chunk_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    index = wiring.vector_index()
    hits = index.retrieve([chunk_id])
    allowed = {str(c) for c in readable_collection_ids(user)}
    # The same 404 for "missing" and "not yours": a passage id must not reveal that it exists.
    if not hits or hits[0].collection_id not in allowed:
        raise Http404("No such passage")
    hit = hits[0]
    payload = dict(hit.payload)
    before, after = _neighbours(index, payload, allowed)
    return {"passage": payload, "before": before, "after": after, "document": _document(payload)}


def _neighbours(index, payload: dict[str, Any], allowed: set[str]) -> tuple[list[dict], list[dict]]:  # type: ignore[no-untyped-def,type-arg]
    ids = [i for k in range(-NEIGHBOURS, NEIGHBOURS + 1) if k and (i := neighbour_chunk_id(payload, k))]
    if not ids:
        return [], []
    ordinal = payload["ordinal"]
    found = {h.chunk_id: dict(h.payload) for h in index.retrieve(ids) if h.collection_id in allowed}
    ordered = sorted(found.values(), key=lambda p: int(p.get("ordinal", 0)))
    return (
        [p for p in ordered if int(p["ordinal"]) < int(ordinal)],
        [p for p in ordered if int(p["ordinal"]) > int(ordinal)],
    )


def _document(payload: dict[str, Any]) -> Any:
    from apps.documents.models import Document

    try:
        return Document.objects.filter(pk=int(payload.get("document_id", 0))).first()
    except (TypeError, ValueError):
        return None
