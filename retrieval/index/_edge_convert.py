"""Translate Qdrant REST JSON (as qdrant-client sends it) to qdrant-edge objects and back.

Only the subset Kenning uses is supported; anything else raises :class:`Unsupported`, which the
server answers with 400 and a message naming the field.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "Unsupported",
    "edge_config",
    "field_schema",
    "filter_",
    "point",
    "point_id_in",
    "point_id_out",
    "query_request",
    "record_out",
    "scored_out",
    "with_payload",
    "with_vector",
]


class Unsupported(ValueError):
    """The request uses a part of the Qdrant API the index server does not implement."""


def _qe() -> Any:
    import qdrant_edge

    return qdrant_edge


_DISTANCES = {"cosine": "Cosine", "euclid": "Euclid", "dot": "Dot", "manhattan": "Manhattan"}
_HNSW_DEFAULTS = {"m": 16, "ef_construct": 100, "full_scan_threshold": 10_000}


def _hnsw(cfg: dict[str, Any] | None, base: dict[str, Any] | None = None) -> Any:
    if not cfg and not base:
        return None
    merged = {**_HNSW_DEFAULTS, **(base or {}), **{k: v for k, v in (cfg or {}).items() if v is not None}}
    return _qe().HnswIndexConfig(
        m=int(merged["m"]),
        ef_construct=int(merged["ef_construct"]),
        full_scan_threshold=int(merged["full_scan_threshold"]),
    )


def _dense_params(spec: dict[str, Any], hnsw_base: dict[str, Any] | None) -> Any:
    qe = _qe()
    distance = _DISTANCES.get(str(spec.get("distance", "")).lower())
    if distance is None:
        raise Unsupported(f"vectors.distance {spec.get('distance')!r}")
    return qe.EdgeVectorParams(
        size=int(spec["size"]),
        distance=getattr(qe.Distance, distance),
        hnsw_config=_hnsw(spec.get("hnsw_config"), hnsw_base),
    )


def edge_config(body: dict[str, Any], optimizers: Any = None) -> Any:
    """Build an ``EdgeConfig`` from a CreateCollection body."""
    qe = _qe()
    hnsw_base = body.get("hnsw_config") or None
    vectors = body.get("vectors")
    dense: Any = None
    if isinstance(vectors, dict) and "size" in vectors:
        dense = _dense_params(vectors, hnsw_base)
    elif isinstance(vectors, dict):
        dense = {name: _dense_params(spec, hnsw_base) for name, spec in vectors.items()}
    sparse = {}
    for name, spec in (body.get("sparse_vectors") or {}).items():
        modifier = (spec or {}).get("modifier")
        if modifier not in (None, "none", "idf"):
            raise Unsupported(f"sparse_vectors.{name}.modifier {modifier!r}")
        sparse[name] = qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf if modifier == "idf" else None)
    return qe.EdgeConfig(
        vectors=dense, sparse_vectors=sparse or None, hnsw_config=_hnsw(hnsw_base), optimizers=optimizers
    )


_SCHEMA_TYPES = {
    "keyword": "Keyword",
    "integer": "Integer",
    "float": "Float",
    "geo": "Geo",
    "text": "Text",
    "bool": "Bool",
    "datetime": "Datetime",
    "uuid": "Uuid",
}


def field_schema(schema: Any) -> Any:
    """Build a payload index schema from ``field_schema`` (a type name or a params object)."""
    qe = _qe()
    if isinstance(schema, str):
        if schema not in _SCHEMA_TYPES:
            raise Unsupported(f"field_schema {schema!r}")
        return getattr(qe.PayloadSchemaType, _SCHEMA_TYPES[schema])
    if not isinstance(schema, dict) or "type" not in schema:
        raise Unsupported(f"field_schema {schema!r}")
    kind = schema["type"]
    opts = {k: v for k, v in schema.items() if k != "type" and v is not None}
    if kind == "keyword":
        return qe.KeywordIndexParams(is_tenant=opts.get("is_tenant"), on_disk=opts.get("on_disk"))
    if kind == "integer":
        return qe.IntegerIndexParams(
            lookup=opts.get("lookup"), range=opts.get("range"), is_principal=opts.get("is_principal")
        )
    if kind in _SCHEMA_TYPES and set(opts) <= {"on_disk"}:
        return getattr(qe.PayloadSchemaType, _SCHEMA_TYPES[kind])
    raise Unsupported(f"field_schema options {schema!r}")


def point_id_in(value: Any) -> Any:
    """JSON point id (unsigned int or UUID string) -> edge id."""
    if isinstance(value, bool):
        raise Unsupported(f"point id {value!r}")
    if isinstance(value, int):
        return value
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as e:
        raise Unsupported(f"point id {value!r} is neither an unsigned integer nor a UUID") from e


def point_id_out(value: Any) -> Any:
    """Edge id -> JSON."""
    return value if isinstance(value, int) else str(value)


def _vector_in(value: Any) -> Any:
    qe = _qe()
    if isinstance(value, dict) and "indices" in value:
        return qe.SparseVector(list(map(int, value["indices"])), list(map(float, value["values"])))
    if isinstance(value, list):
        return [float(x) for x in value]
    raise Unsupported(f"vector {type(value).__name__}")


def point(body: dict[str, Any]) -> Any:
    """One PointStruct JSON -> edge Point."""
    vector = body.get("vector")
    if isinstance(vector, dict) and "indices" not in vector:
        vec: Any = {name: _vector_in(v) for name, v in vector.items()}
    else:
        vec = _vector_in(vector)
    return _qe().Point(id=point_id_in(body["id"]), vector=vec, payload=body.get("payload") or {})


def _match(m: dict[str, Any]) -> Any:
    qe = _qe()
    if "value" in m:
        return qe.MatchValue(m["value"])
    if "any" in m:
        return qe.MatchAny(list(m["any"]))
    if "except" in m:
        return qe.MatchExcept(list(m["except"]))
    if "text" in m:
        return qe.MatchText(m["text"])
    if "phrase" in m:
        return qe.MatchPhrase(m["phrase"])
    raise Unsupported(f"match {m!r}")


def _condition(c: dict[str, Any]) -> Any:
    qe = _qe()
    if any(k in c for k in ("must", "should", "must_not")):
        return filter_(c)
    if "has_id" in c:
        return qe.HasIdCondition({point_id_in(i) for i in c["has_id"]})
    if "is_empty" in c:
        return qe.IsEmptyCondition(c["is_empty"]["key"])
    if "is_null" in c:
        return qe.IsNullCondition(c["is_null"]["key"])
    if "key" in c:
        if c.get("match") is not None:
            return qe.FieldCondition(key=c["key"], match=_match(c["match"]))
        if c.get("range") is not None:
            r = c["range"]
            rng = qe.RangeFloat(gte=r.get("gte"), gt=r.get("gt"), lte=r.get("lte"), lt=r.get("lt"))
            return qe.FieldCondition(key=c["key"], range=rng)
    raise Unsupported(f"filter condition {c!r}")


def _conditions(value: Any) -> list[Any] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [_condition(c) for c in items]


def filter_(f: dict[str, Any] | None) -> Any:
    """Filter JSON -> edge Filter (None stays None)."""
    if not f:
        return None
    if f.get("min_should"):
        raise Unsupported("filter.min_should")
    return _qe().Filter(
        must=_conditions(f.get("must")),
        should=_conditions(f.get("should")),
        must_not=_conditions(f.get("must_not")),
    )


def with_payload(value: Any, default: bool) -> Any:
    """``with_payload`` JSON -> edge selector."""
    if value is None:
        return default
    if isinstance(value, (bool, list)):
        return value
    if isinstance(value, dict) and "include" in value:
        return _qe().PayloadSelector.Include(list(value["include"]))
    if isinstance(value, dict) and "exclude" in value:
        return _qe().PayloadSelector.Exclude(list(value["exclude"]))
    raise Unsupported(f"with_payload {value!r}")


def with_vector(value: Any) -> Any:
    """``with_vector``/``with_vectors`` JSON -> edge flag."""
    if value is None:
        return False
    if isinstance(value, (bool, list)):
        return value
    raise Unsupported(f"with_vector {value!r}")


def _search_params(p: dict[str, Any] | None) -> Any:
    if not p:
        return None
    qe = _qe()
    acorn = p.get("acorn")
    return qe.SearchParams(
        hnsw_ef=p.get("hnsw_ef"),
        exact=bool(p.get("exact", False)),
        indexed_only=bool(p.get("indexed_only", False)),
        acorn=_acorn(acorn) if acorn else None,
    )


def _acorn(a: dict[str, Any]) -> Any:
    return _qe().AcornSearchParams(enable=bool(a.get("enable")), max_selectivity=a.get("max_selectivity"))


def _nearest(query: Any, using: str | None) -> Any:
    qe = _qe()
    if isinstance(query, dict) and "nearest" in query:
        query = query["nearest"]
    if isinstance(query, dict) and "indices" not in query:
        raise Unsupported(f"query kind {sorted(query)}")
    return qe.Query.Nearest(_vector_in(query), using=using)


def query_request(body: dict[str, Any]) -> Any:
    """QueryRequest JSON (plain nearest-vector queries only) -> edge QueryRequest."""
    if body.get("prefetch"):
        raise Unsupported("query.prefetch (fuse on the client)")
    query = body.get("query")
    if query is None:
        raise Unsupported("query without a vector")
    return _qe().QueryRequest(
        limit=int(body.get("limit") or 10),
        offset=int(body.get("offset") or 0),
        query=_nearest(query, body.get("using")),
        filter=filter_(body.get("filter")),
        score_threshold=body.get("score_threshold"),
        params=_search_params(body.get("params")),
        with_payload=with_payload(body.get("with_payload"), default=False),
        with_vector=with_vector(body.get("with_vector")),
    )


def _vector_out(vector: Any) -> Any:
    if vector is None:
        return None
    if isinstance(vector, dict):
        return {name: _vector_out(v) for name, v in vector.items()}
    if hasattr(vector, "indices"):
        return {"indices": list(vector.indices), "values": list(vector.values)}
    return list(vector)


def scored_out(p: Any) -> dict[str, Any]:
    """Edge ScoredPoint -> ScoredPoint JSON."""
    return {
        "id": point_id_out(p.id),
        "version": int(p.version),
        "score": float(p.score),
        "payload": p.payload,
        "vector": _vector_out(p.vector),
    }


def record_out(r: Any) -> dict[str, Any]:
    """Edge Record -> Record JSON."""
    return {"id": point_id_out(r.id), "payload": r.payload, "vector": _vector_out(r.vector)}
