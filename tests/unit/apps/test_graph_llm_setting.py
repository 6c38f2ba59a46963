"""GRAPH_LLM_EXTRACTION puts the LLM pass behind the ingest's extractor; off by default."""

from config import wiring


def test_the_llm_pass_is_off_by_default_and_on_by_the_setting(settings):
    wiring.graph_extractor.cache_clear()
    try:
        assert settings.GRAPH_LLM_EXTRACTION is False
        assert wiring.graph_extractor().llm is None
        wiring.graph_extractor.cache_clear()
        settings.GRAPH_LLM_EXTRACTION = True
        extractor = wiring.graph_extractor()
        assert extractor.config.use_llm and extractor.llm is not None
    finally:
        wiring.graph_extractor.cache_clear()
