"""Load what the first question needs before anyone asks it.

The first question after a start paid for every lazy load on its own (the MiniLM and
multilingual embedders, spaCy for entity linking, jieba, the index and Neo4j connections): 16.7 s
of retrieval against 0.4 s for the next one. The web server runs :func:`warm_up` in a background
thread once it has started (``config/gunicorn.py``), so the port opens at once and an early asker
at worst waits for loads already under way.
"""

from __future__ import annotations

import logging
import threading
import time

from apps.qa import evidence
from retrieval.errors import CollectionMissing
from retrieval.question import classify

logger = logging.getLogger(__name__)

# Runs every stage of retrieval over every collection (nothing is shown or kept): routing, entity
# linking, the diagnosis and graph lookups, both embedders, the keyword encoder and the index
# search. Over no collection the graph stages stopped at linking (nothing linked), and the first
# troubleshooting question after a start still paid 5.6 s of retrieval for Neo4j's first plans.
_QUESTION = "The pump whines and error H-302 shows. What is the cause and which part do I order?"
# A Chinese question loads jieba and the multilingual embedder. It is searched directly: through
# gather() it would be sent to the model for translation, which a warm-up must not cost.
_CHINESE = "液压泵报警 H-302，是什么原因？"
_NO_COLLECTION = -1


def warm_up() -> float:
    """Run retrieval once in English and search once in Chinese; returns the seconds it took.

    A stage that fails (Neo4j still starting) is logged and left to load on first use.
    """
    from config import wiring
    from retrieval.language import detect_language

    started = time.perf_counter()
    from apps.accounts.models import Collection

    collections = list(Collection.objects.values_list("pk", flat=True)) or [_NO_COLLECTION]
    steps = (
        lambda: evidence.gather(_QUESTION, classify(_QUESTION), collections, []),
        lambda: detect_language(_CHINESE),
        lambda: wiring.searcher().search(_CHINESE, [str(_NO_COLLECTION)], 1, "hybrid"),
    )
    for step in steps:
        try:
            step()
        except CollectionMissing:  # nothing uploaded yet: the models are loaded all the same
            logger.info("warm-up: the index has no collection yet")
        except Exception:  # warming is best effort; the question that needs it will report it
            logger.warning("warm-up of retrieval failed; it loads on the first question", exc_info=True)
    seconds = time.perf_counter() - started
    logger.info("retrieval warmed up in %.1f s", seconds)
    return seconds


def warm_up_in_background() -> threading.Thread:
    thread = threading.Thread(target=warm_up, name="kenning-warm-up", daemon=True)
    thread.start()
    return thread
