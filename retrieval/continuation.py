"""A passage cut right after its lead-in gets the start of the chunk that follows it.

The chunker cuts at its token budget, and sometimes the cut falls between "Some of the possible
sources of the problem are:" and the list it introduces (in the session-7 answer runs, 18 of 76
dev questions had such a source). The lead-in matches the question; the list is the answer. The
next chunk of the same section is fetched by id (chunk ids derive from the version and the
ordinal) and its first lines are appended, within a small token allowance, so the sources the
model and the evidence card read hold the list.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from .index.base import VectorIndex
from .types import neighbour_chunk_id

LEAD_IN_ENDS = (":", "：")
SELF_CONTAINED = ("record", "table")
# Enough for the first items of a list; a whole second chunk would crowd other sources out of the
# prompt's budget (a source that does not fit is left out, not cut).
CONTINUATION_TOKENS = 120
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def with_continuations(
    passages: Sequence[Any],
    index: VectorIndex,
    allowed: Sequence[str],
    count_tokens: Callable[[str], int],
    max_tokens: int = CONTINUATION_TOKENS,
) -> list[Any]:
    """The passages, each one that ends in a lead-in extended by the start of its next chunk.

    Args:
        passages: ranked search passages (``retrieval.search.Passage``), best first.
        index: the index they came from (fetches the next chunk by id).
        allowed: collections the asker may read; a next chunk outside them is not used.
        count_tokens: token estimate for the allowance.
        max_tokens: the most tokens appended to one passage.

    Returns:
        The passages in the same order; extended ones carry ``continued_from`` in their payload
        (the appended chunk's id).
    """
    wanted: dict[str, str] = {}
    for p in passages:
        # A record whose last field is empty ("Cost:") is whole; the next one is another record.
        if p.payload.get("kind") in SELF_CONTAINED or not p.text.rstrip().endswith(LEAD_IN_ENDS):
            continue
        following = neighbour_chunk_id(p.payload, 1)
        if following:
            wanted[p.chunk_id] = following
    if not wanted:
        return list(passages)
    readable = set(allowed)
    found = {h.chunk_id: h for h in index.retrieve(list(wanted.values())) if h.collection_id in readable}
    out = []
    for p in passages:
        nxt = found.get(wanted.get(p.chunk_id, ""))
        if nxt is not None and nxt.heading_path == p.heading_path:  # same version: the id says so
            head = _first_lines(nxt.text, count_tokens, max_tokens)
            if head:
                payload = {**p.payload, "text": f"{p.text.rstrip()}\n{head}", "continued_from": nxt.chunk_id}
                p = dataclasses.replace(p, payload=payload)
        out.append(p)
    return out


def _first_lines(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> str:
    # Whole lines (list items, table rows), then whole sentences of the line that does not fit:
    # a unit cut in half would misquote the manual.
    kept: list[str] = []
    used = 0
    for line in text.strip().splitlines():
        cost = count_tokens(line)
        if used + cost <= max_tokens:
            kept.append(line)
            used += cost
            continue
        part = []
        for sentence in _SENTENCE_END.split(line):
            cost = count_tokens(sentence)
            if used + cost > max_tokens:
                break
            part.append(sentence)
            used += cost
        if part:
            kept.append(" ".join(part))
        break
    return "\n".join(kept).strip()
