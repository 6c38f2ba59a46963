"""Records as history: what a machine had, and what fixed it last time.

Reads the relations :func:`graph.records.history_relations` writes: ``(asset)-[:HAD {date}]->
(problem)`` and ``(work order)-[:RESOLVED_BY {date}]->(action)``. Every read takes the allowed
collections and applies the same visibility as the other graph queries; every line cites its
record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph import diagnose_cypher as q
from graph._neo4j_errors import run_read
from graph.config import QueryConfig
from graph.diagnose_rank import Cite
from graph.errors import GraphQueryError

#: Repairs a "what fixed this last time" read returns, and problems an asset history read returns.
LAST_FIXES_LIMIT = 5
HISTORY_LIMIT = 10


@dataclass(frozen=True)
class LastFix:
    """One past repair of the problem on the machine.

    Attributes:
        action_key / action: what resolved it.
        date: the record's date (ISO) or None.
        work_order / work_order_name: the record.
        asset: the machine's key.
        problems: the problems the record reported among those asked about.
        text: the record's problem text.
        cites: the record's chunk.
    """

    action_key: str
    action: str
    date: str | None
    work_order: str
    work_order_name: str
    asset: str
    problems: tuple[str, ...]
    text: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class ProblemHistory:
    """How often a machine had one problem: visible records, last date, mean days between."""

    key: str
    label: str
    name: str
    occurrences: int
    last_date: str | None
    mean_days_between: float | None


def _run(
    driver: Any, query: str, config: QueryConfig | None, database: str | None, **params: Any
) -> list[dict]:
    cfg = config or QueryConfig()
    return run_read(
        driver,
        query,
        params,
        timeout_s=cfg.timeout_s,
        database=database,
        permanent=GraphQueryError,
        what="history query",
    )


def last_fixes(
    driver: Any,
    assets: Sequence[str],
    problems: Sequence[str],
    collections: Sequence[str],
    *,
    limit: int = LAST_FIXES_LIMIT,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[LastFix]:
    """What fixed these problems on these machines, newest first ("what fixed this last time").

    Args:
        driver: a ``neo4j.Driver``.
        assets: equipment (or model) keys.
        problems: failure mode, symptom or error code keys.
        collections: allowed collection ids.
        limit: repairs returned.
        config: query timeout.
        database: database name.

    Returns:
        Repairs, newest first (undated ones last).
    """
    if not assets or not problems:
        return []
    rows = _run(
        driver,
        q.LAST_FIXES,
        config,
        database,
        q={"assets": list(assets), "fix_problems": list(problems)},
        collections=[str(c) for c in collections],
        fixes_limit=limit,
    )
    return [last_fix_of(r) for r in rows]


def last_fix_of(r: dict[str, Any]) -> LastFix:
    """A repair as :data:`graph.diagnose_cypher.LAST_FIXES` returns it."""
    return LastFix(
        r["action_key"],
        r["action"],
        r["date"],
        r["work_order"],
        r["work_order_name"],
        r["asset"],
        tuple(r["problems"]),
        r["text"],
        tuple(
            dict.fromkeys(
                Cite(str(c["chunk_id"]), str(c["document_id"]), c.get("page")) for c in r["citations"]
            )
        ),
    )


def asset_history(
    driver: Any,
    assets: Sequence[str],
    collections: Sequence[str],
    *,
    limit: int = HISTORY_LIMIT,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[ProblemHistory]:
    """The problems these machines had most often, from the HAD relations of their records.

    Args:
        driver: a ``neo4j.Driver``.
        assets: equipment (or model) keys.
        collections: allowed collection ids.
        limit: problems returned.
        config: query timeout.
        database: database name.

    Returns:
        Problems, most frequent first.
    """
    if not assets:
        return []
    rows = _run(
        driver,
        q.ASSET_HISTORY,
        config,
        database,
        q={"history_assets": list(assets)},
        collections=[str(c) for c in collections],
        history_limit=limit,
    )
    return history_of(rows)


def history_of(rows: Sequence[dict[str, Any]]) -> list[ProblemHistory]:
    """Problem histories as :data:`graph.diagnose_cypher.ASSET_HISTORY` returns them."""
    out = []
    for r in rows:
        dates = sorted(d for d in r["dates"] if d)
        out.append(
            ProblemHistory(
                r["key"],
                r["label"],
                r["name"],
                int(r["occurrences"]),
                dates[-1] if dates else None,
                mean_days_between(dates),
            )
        )
    return [h for h in out if h.occurrences > 0]


def mean_days_between(dates: Sequence[str]) -> float | None:
    """Mean days between distinct ISO dates (None for fewer than two)."""
    days = sorted({dt.date.fromisoformat(d[:10]) for d in dates if d})
    if len(days) < 2:
        return None
    return round((days[-1] - days[0]).days / (len(days) - 1), 1)
