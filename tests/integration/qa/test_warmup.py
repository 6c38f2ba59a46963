"""The web server's warm-up runs retrieval end to end against the real services, reading nothing."""

import logging
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def real_stack(settings, index_url, neo4j_url):
    from config import wiring

    settings.QDRANT_URL, settings.NEO4J_URL = index_url, neo4j_url
    settings.QDRANT_COLLECTION = f"kenning_warmup_it_{uuid.uuid4().hex[:8]}"
    factories = (wiring.vector_index, wiring.searcher, wiring.neo4j_answer_driver, wiring.graph_extractor)
    for f in factories:
        f.cache_clear()
    yield wiring
    for f in factories:
        f.cache_clear()


@pytest.mark.parametrize("collection_exists", [True, False])
def test_warm_up_loads_every_retrieval_stage_without_errors(real_stack, caplog, collection_exists):
    from apps.qa.warmup import warm_up

    wiring = real_stack
    if collection_exists:  # as after the first upload; before it, the search has nothing to ask
        ml = wiring.multilingual_embedder()
        wiring.vector_index().ensure_collection(wiring.embedder().dim, ml_dim=ml.dim if ml else None)
    with caplog.at_level(logging.INFO, logger="apps.qa.warmup"):
        seconds = warm_up()
    assert seconds > 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    for factory in (wiring.searcher, wiring.vector_index, wiring.embedder, wiring.graph_extractor):
        assert factory.cache_info().currsize == 1, factory.__name__
