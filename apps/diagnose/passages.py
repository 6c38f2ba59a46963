"""What the Diagnose page searches for a complaint and hands the engine.

No Django here: the page (:mod:`apps.diagnose.services`) and ``bench/diagnosis.py --retrieval
hybrid`` call the same function with the same searcher (``config.wiring.searcher()``), so the
benchmark measures the passages the page hands in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.diagnose_rank import PassageHit
from retrieval.search import HybridSearcher
from retrieval.translate import QuestionTranslator, search_with_translation

#: Passages searched for the symptom; they fill the list when the graph has too few causes, in the
#: search's order (hybrid search reads each chunk's heading path with its text; the engine's own
#: re-sort by excerpt words lost fixes: docs/GRAPH.md §8, session 11). With the page's chunking, 8
#: held the most gold causes and remedies in the first 5 on the dev and seen manuals (5 and 10 fewer).
PASSAGES = 8


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
        searcher, translator, symptom, list(collections), top_k, "hybrid", **filters
    )
    return [PassageHit(p.chunk_id, p.document_id, p.page, p.text, " > ".join(p.heading_path)) for p in found]
