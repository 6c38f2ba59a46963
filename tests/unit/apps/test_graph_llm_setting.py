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


def test_the_setting_picks_the_sentence_picking_pass_or_the_free_one(settings):
    from graph.llm_extract import LlmExtractor
    from graph.llm_items import ItemPicker

    wiring.graph_extractor.cache_clear()
    try:
        settings.GRAPH_LLM_EXTRACTION = True
        assert settings.GRAPH_LLM_PASS == "items" and settings.GRAPH_LLM_COMBINE == "fill"
        extractor = wiring.graph_extractor()
        assert isinstance(extractor.llm, ItemPicker) and extractor.llm.combine == "fill"
        wiring.graph_extractor.cache_clear()
        settings.GRAPH_LLM_PASS = "free"
        assert isinstance(wiring.graph_extractor().llm, LlmExtractor)
    finally:
        wiring.graph_extractor.cache_clear()
