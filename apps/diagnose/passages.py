"""What the Diagnose page searches for a complaint and hands the engine.

No Django here: the page (:mod:`apps.diagnose.services`) and ``bench/diagnosis.py --retrieval
hybrid`` call the same function with the same searcher (``config.wiring.searcher()``), so the
benchmark measures the passages the page hands in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graph.diagnose_rank import PassageHit
from graph.faq import chunk_item
from retrieval.search import HybridSearcher, Passage
from retrieval.translate import QuestionTranslator, search_with_translation

#: Passages searched for the symptom; they fill the list when the graph has too few causes, in the
#: search's order (hybrid search reads each chunk's heading path with its text; the engine's own
#: re-sort by excerpt words lost fixes: docs/GRAPH.md §8, session 11). With the page's chunking, 8
#: held the most gold causes and remedies in the first 5 on the dev and seen manuals (5 and 10 fewer).
PASSAGES = 8
#: Chunks of the same item (a FAQ answer split over chunks; a troubleshooting entry whose
#: "Symptom" and "Solution" are chunks of their own) that follow a passage, at most: the complaint
#: shares words with the chunk that names the problem, the fix sits in a sibling that shares none
#: (Podman's guide). Two keep an item to 3 of the list's first 5 places, so the search's next
#: guess still shows (docs/GRAPH.md §8).
ITEM_SIBLINGS = 2
#: Siblings are looked for among this many times ``top_k`` of the search's best passages.
SIBLING_DEPTH = 3


def search_passages(
    searcher: HybridSearcher,
    translator: QuestionTranslator | None,
    symptom: str,
    collections: Iterable[str | int],
    top_k: int = PASSAGES,
    **filters: Any,
) -> list[PassageHit]:
    """The passages hybrid search finds for the symptom (and its translation, when a translator is
    given), best first, as the engine takes them.

    Args:
        searcher: ``retrieval.search.HybridSearcher``.
        translator: ``retrieval.translate.QuestionTranslator`` or None.
        symptom: the complaint as typed.
        collections: the collections the user may read.
        top_k: passages returned.
        **filters: ``version_ids`` etc., as ``HybridSearcher.search``.

    Raises:
        RetrievalError: the index is down.
    """
    found = search_with_translation(
        searcher, translator, symptom, list(collections), top_k * SIBLING_DEPTH, "hybrid", **filters
    )
    return [
        PassageHit(p.chunk_id, p.document_id, p.page, p.text, " > ".join(p.heading_path), p.kind)
        for p in with_item_siblings(found.passages, top_k)
    ]


def with_item_siblings(
    passages: Sequence[Passage], top_k: int, siblings: int = ITEM_SIBLINGS
) -> list[Passage]:
    """The first ``top_k`` passages, each followed by up to ``siblings`` more chunks of its item
    found further down (in the search's order): small to big, as the engine shows each passage
    on its own.

    A chunk's item is :func:`graph.faq.chunk_item`'s: its document version and its heading path
    down to the heading that names the item ("Symptom" / "Solution" name none), so an entry's
    intro, symptom and solution chunks are one item, and two questions of one section are two; a
    record, and a chunk of labelled problems ("Problem: … Solution: …"), is an item of its own.

    A section's own text (a chunk whose item is named by its innermost heading) that leaves
    sibling places free fills them with its subsections (items one heading level down) found
    further down, the first chunk of each, in document order (the index payload's ``ordinal``;
    the search's order without one): a complaint worded as a section's title ("3. Computer is
    not synchronising") matches that title, which every subsection repeats in its heading path,
    while the causes are the subsections' own ("3.1. Behind a firewall?", chrony's FAQ), and the
    search ranks those by what else they share with the complaint.
    """
    items = [_item(p) for p in passages]
    out: list[Passage] = []
    taken: set[str] = set()
    for index, passage in enumerate(passages):
        if len(out) >= top_k:
            break
        if passage.chunk_id in taken:
            continue
        out.append(passage)
        taken.add(passage.chunk_id)
        pulled = [
            p
            for p, item in zip(passages, items, strict=True)
            if p.chunk_id not in taken and item == items[index]
        ][:siblings]
        if len(pulled) < siblings:
            pulled += _subsections(passage, items[index], passages, items, taken)[: siblings - len(pulled)]
        for sibling in pulled[: top_k - len(out)]:
            out.append(sibling)
            taken.add(sibling.chunk_id)
    return out


def _subsections(
    section: Passage,
    section_item: tuple[object, ...],
    passages: Sequence[Passage],
    items: Sequence[tuple[object, ...]],
    taken: set[str],
) -> list[Passage]:
    """The first found chunk of each subsection directly under ``section``'s heading, in document
    order; none unless ``section`` is its section's own text (its item ``section_item`` is not a
    record, a labelled problem, or a "Solution" chunk under an item's heading)."""
    path = tuple(section.heading_path)
    if not path or section_item != (section.document_id, section.version_id, path):
        return []
    first: dict[tuple[object, ...], Passage] = {}
    for p, item in zip(passages, items, strict=True):
        inside = (p.document_id, p.version_id) == (section.document_id, section.version_id)
        # Items one heading level down only: under a document's one top heading (Podman's
        # "Troubleshooting") every item is deeper, and its first issues are no subsections of it.
        named = item[2] if len(item) > 2 else ()
        child = isinstance(named, tuple) and len(named) == len(path) + 1 and named[:-1] == path
        if inside and child and p.chunk_id not in taken:
            first.setdefault(item, p)
    found = list(first.values())
    if all(p.payload.get("ordinal") is not None for p in found):
        found.sort(key=lambda p: int(p.payload["ordinal"]))
    return found


def _item(passage: Passage) -> tuple[object, ...]:
    return chunk_item(
        passage.document_id,
        passage.version_id,
        passage.heading_path,
        passage.text,
        passage.kind,
        passage.chunk_id,
    ).key
