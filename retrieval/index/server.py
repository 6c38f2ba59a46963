"""Kenning's index server: one process owns the embedded engine, everyone else uses qdrant-client.

The embedded engines lock their storage to one process, so a Django web process and a Celery
worker cannot both open it. This server owns it and speaks the subset of Qdrant's REST API that
``retrieval.index.qdrant.QdrantIndex`` uses, so the very same client code runs against a real
Qdrant server in production::

    python -m retrieval.index.server --path var/index --port 6333

Engine choice (``bench/index_engines.py``, 2 cores, 384-d MiniLM vectors, numbers in the closing
note of the retrieval issue): qdrant-edge-py upserts ~30k points/s and answers in < 1 ms at
100k points with HNSW recall@10 >= 0.95 at ef=128; qdrant-client's local mode upserts ~280
points/s and searches exactly in ~6 ms unfiltered / ~150-290 ms filtered already at 10k points.
So the server runs qdrant-edge.

Endpoints (JSON bodies and ``{"result", "status", "time"}`` envelopes as in Qdrant's OpenAPI):
``GET /``, ``GET /healthz``, ``GET /collections``, ``GET|PUT|DELETE /collections/{name}``,
``GET /collections/{name}/exists``, ``PUT /collections/{name}/index``,
``PUT /collections/{name}/points``, ``POST /collections/{name}/points`` (retrieve),
``POST .../points/delete``, ``.../points/query``, ``.../points/query/batch``,
``.../points/scroll``, ``.../points/count``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import ipaddress
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import _edge_convert as conv
from ._edge_store import CollectionExists, CollectionNotFound, EdgeCollection, EdgeStore

logger = logging.getLogger(__name__)

# The REST dialect implemented; qdrant-client warns when major/minor differ by more than one.
API_VERSION = "1.16.0"

Handler = Callable[[Request], Awaitable[Any]]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _envelope(result: Any, started: float) -> JSONResponse:
    return JSONResponse({"result": result, "status": "ok", "time": time.perf_counter() - started})


def _error(status: int, message: str, started: float) -> JSONResponse:
    return JSONResponse({"status": {"error": message}, "time": time.perf_counter() - started}, status)


def _endpoint(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def wrapper(request: Request) -> Response:
        started = time.perf_counter()
        expected = request.app.state.api_key
        given = request.headers.get("api-key", "")
        # Constant time: a plain comparison leaks how many leading characters were right.
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            return _error(403, "Forbidden: invalid api-key", started)
        try:
            result = await fn(request)
        except ApiError as e:
            return _error(e.status, str(e), started)
        except CollectionNotFound as e:
            return _error(404, f"Not found: Collection `{e.args[0]}` doesn't exist!", started)
        except CollectionExists as e:
            return _error(409, f"Wrong input: Collection `{e.args[0]}` already exists!", started)
        except (conv.Unsupported, KeyError, TypeError, ValueError, json.JSONDecodeError) as e:
            return _error(400, f"Bad request: {type(e).__name__}: {e}", started)
        except Exception as e:
            logger.exception("index server failed on %s %s", request.method, request.url.path)
            return _error(500, f"Service internal error: {e}", started)
        if isinstance(result, Response):
            return result
        return _envelope(result, started)

    return wrapper


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return json.loads(raw) if raw else {}


def _store(request: Request) -> EdgeStore:
    return request.app.state.store


def _coll(request: Request) -> EdgeCollection:
    return _store(request).get(request.path_params["name"])


def _qe() -> Any:
    import qdrant_edge

    return qdrant_edge


_op_ids = itertools.count(1)


def _update_result() -> dict[str, Any]:
    return {"operation_id": next(_op_ids), "status": "completed"}


# --- service / collections ---------------------------------------------------------------------


async def root(request: Request) -> Response:
    return JSONResponse(
        {"title": "kenning index server (qdrant REST subset over qdrant-edge)", "version": API_VERSION}
    )


async def healthz(request: Request) -> Response:
    return Response("healthz check passed", media_type="text/plain")


async def list_collections(request: Request) -> Any:
    return {"collections": [{"name": n} for n in _store(request).names()]}


async def collection_exists(request: Request) -> Any:
    return {"exists": request.path_params["name"] in _store(request).names()}


async def create_collection(request: Request) -> Any:
    body = await _body(request)
    await run_in_threadpool(_store(request).create, request.path_params["name"], body)
    return True


async def delete_collection(request: Request) -> Any:
    return await run_in_threadpool(_store(request).delete, request.path_params["name"])


async def get_collection(request: Request) -> Any:
    coll = _coll(request)
    return await run_in_threadpool(_collection_info, coll)


def _collection_info(coll: EdgeCollection) -> dict[str, Any]:
    info = coll.shard.info()
    schema = {
        key: {"data_type": _enum_name(v.data_type).lower(), "points": int(v.points)}
        for key, v in info.payload_schema.items()
    }
    hnsw = {"m": 16, "ef_construct": 100, "full_scan_threshold": 10000}
    hnsw.update(coll.body.get("hnsw_config") or {})
    return {
        "status": "green" if coll.dirty_points == 0 else "yellow",
        "optimizer_status": "ok",
        "segments_count": int(info.segments_count),
        "points_count": int(info.points_count),
        "indexed_vectors_count": int(info.indexed_vectors_count),
        "config": {
            "params": {
                "vectors": coll.body.get("vectors", {}),
                "sparse_vectors": coll.body.get("sparse_vectors"),
                "shard_number": 1,
                "replication_factor": 1,
                "write_consistency_factor": 1,
                "on_disk_payload": True,
            },
            "hnsw_config": hnsw,
            "optimizer_config": {
                "default_segment_number": 0,
                "flush_interval_sec": 5,
                "deleted_threshold": 0.2,
                "vacuum_min_vector_number": 1000,
            },
            "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
        },
        "payload_schema": schema,
    }


def _enum_name(value: Any) -> str:
    return str(getattr(value, "name", value)).split(".")[-1]


async def create_index(request: Request) -> Any:
    body = await _body(request)
    field_name = body["field_name"]
    schema = conv.field_schema(body.get("field_schema") or body.get("field_type"))
    coll = _coll(request)
    existing = await run_in_threadpool(lambda: coll.shard.info().payload_schema)
    if field_name not in existing:
        op = _qe().UpdateOperation.create_field_index(field_name, schema)
        await run_in_threadpool(_store(request).update, coll.name, op)
    return _update_result()


# --- points -------------------------------------------------------------------------------------


async def upsert_points(request: Request) -> Any:
    body = await _body(request)
    if "batch" in body:
        raise ApiError(400, "Bad request: batch upserts are not supported; send a list of points")
    points = [conv.point(p) for p in body.get("points", [])]
    coll = _coll(request)
    if points:
        op = _qe().UpdateOperation.upsert_points(points)
        await run_in_threadpool(_store(request).update, coll.name, op, len(points))
    return _update_result()


async def delete_points(request: Request) -> Any:
    body = await _body(request)
    qe = _qe()
    if "filter" in body:
        op = qe.UpdateOperation.delete_points_by_filter(conv.filter_(body["filter"]))
    elif "points" in body:
        op = qe.UpdateOperation.delete_points([conv.point_id_in(i) for i in body["points"]])
    else:
        raise ApiError(400, "Bad request: delete needs `filter` or `points`")
    coll = _coll(request)
    await run_in_threadpool(_store(request).update, coll.name, op, 1)
    return _update_result()


async def retrieve_points(request: Request) -> Any:
    body = await _body(request)
    coll = _coll(request)
    ids = [conv.point_id_in(i) for i in body.get("ids", [])]
    records = await run_in_threadpool(
        coll.shard.retrieve,
        ids,
        conv.with_payload(body.get("with_payload"), default=True),
        conv.with_vector(body.get("with_vector")),
    )
    return [conv.record_out(r) for r in records]


async def query_points(request: Request) -> Any:
    body = await _body(request)
    coll = _coll(request)
    req = conv.query_request(body)
    points = await run_in_threadpool(coll.shard.query, req)
    return {"points": [conv.scored_out(p) for p in points]}


async def query_batch(request: Request) -> Any:
    body = await _body(request)
    coll = _coll(request)
    reqs = [conv.query_request(q) for q in body.get("searches", [])]
    batch = _qe().QueryBatchRequest(reqs)
    results = await run_in_threadpool(coll.shard.query_batch, batch)
    return [{"points": [conv.scored_out(p) for p in pts]} for pts in results]


async def scroll_points(request: Request) -> Any:
    body = await _body(request)
    coll = _coll(request)
    offset = body.get("offset")
    req = _qe().ScrollRequest(
        offset=conv.point_id_in(offset) if offset is not None else None,
        limit=int(body.get("limit") or 10),
        filter=conv.filter_(body.get("filter")),
        with_payload=conv.with_payload(body.get("with_payload"), default=True),
        with_vector=conv.with_vector(body.get("with_vector")),
    )
    records, next_offset = await run_in_threadpool(coll.shard.scroll, req)
    return {
        "points": [conv.record_out(r) for r in records],
        "next_page_offset": conv.point_id_out(next_offset) if next_offset is not None else None,
    }


async def count_points(request: Request) -> Any:
    body = await _body(request)
    coll = _coll(request)
    req = _qe().CountRequest(exact=bool(body.get("exact", True)), filter=conv.filter_(body.get("filter")))
    return {"count": int(await run_in_threadpool(coll.shard.count, req))}


_ROUTES: list[tuple[str, Handler, list[str]]] = [
    ("/collections", list_collections, ["GET"]),
    ("/collections/{name}", get_collection, ["GET"]),
    ("/collections/{name}", create_collection, ["PUT"]),
    ("/collections/{name}", delete_collection, ["DELETE"]),
    ("/collections/{name}/exists", collection_exists, ["GET"]),
    ("/collections/{name}/index", create_index, ["PUT"]),
    ("/collections/{name}/points", upsert_points, ["PUT"]),
    ("/collections/{name}/points", retrieve_points, ["POST"]),
    ("/collections/{name}/points/delete", delete_points, ["POST"]),
    ("/collections/{name}/points/query", query_points, ["POST"]),
    ("/collections/{name}/points/query/batch", query_batch, ["POST"]),
    ("/collections/{name}/points/scroll", scroll_points, ["POST"]),
    ("/collections/{name}/points/count", count_points, ["POST"]),
]


def create_app(path: Path | str, api_key: str | None = None, optimize_idle_s: float = 1.0) -> Starlette:
    """Build the ASGI app; the store opens at startup (lifespan), not here.

    Args:
        path: root directory of the embedded store (created if missing).
        api_key: when set, requests must carry it in the ``api-key`` header (as Qdrant).
        optimize_idle_s: seconds without writes before pending HNSW builds run.

    Returns:
        The Starlette application.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = await asyncio.to_thread(EdgeStore.open, Path(path), optimize_idle_s=optimize_idle_s)
        logger.info("index server owns %s", path)
        try:
            yield
        finally:
            await asyncio.to_thread(app.state.store.close)
            logger.info("index server released %s", path)

    routes = [Route("/", root, methods=["GET"]), Route("/healthz", healthz, methods=["GET"])]
    routes += [Route(p, _endpoint(fn), methods=m) for p, fn, m in _ROUTES]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.api_key = api_key
    return app


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m retrieval.index.server --path DIR [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(description="Kenning index server (Qdrant REST subset over qdrant-edge)")
    parser.add_argument("--path", required=True, help="store directory (owned exclusively by this process)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6333)
    parser.add_argument(
        "--api-key-file", type=Path, help="file holding the key clients send in the api-key header"
    )
    parser.add_argument("--optimize-idle-s", type=float, default=1.0)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    api_key = args.api_key_file.read_text().strip() if args.api_key_file else None
    if not api_key and not is_loopback(args.host):
        parser.error(f"--host {args.host} is not loopback: serving there needs --api-key-file")
    import uvicorn

    app = create_app(args.path, api_key=api_key, optimize_idle_s=args.optimize_idle_s)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
