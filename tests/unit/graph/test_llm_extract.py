"""LlmExtractor with a fake chat callable: only facts the chunk text supports survive."""

import re

from graph.config import ExtractionConfig
from graph.facts import ChunkFacts, ChunkInput
from graph.llm_extract import (
    LLM_LABELS,
    LLM_RELATIONS,
    MAX_SPAN_CHARS,
    SERVER_MAX_TOKENS,
    LlmExtractor,
    answer_token_bound,
    extraction_schema,
    merge_facts,
)
from graph.schema import ENTITY_LABELS, RELATION_TYPES

from .fake_chat import FakeChat

TEXT = "Replaced hyd hose on bucket cylinder; seal leaking"
CHUNK = ChunkInput("c1", "col", "doc", "v1", TEXT)


def extract(answer, **config):
    chat = FakeChat(answer)
    return LlmExtractor(chat, ExtractionConfig(**config)).extract(CHUNK), chat


def test_it_asks_for_json_under_the_graph_schema():
    _, chat = extract({"entities": [], "relations": []})
    messages, options = chat.calls[0]
    assert messages[-1]["content"] == TEXT
    schema = options["response_format"]["json_schema"]["schema"]
    assert schema == extraction_schema()
    entity_labels = schema["properties"]["entities"]["items"]["properties"]["label"]["enum"]
    assert set(entity_labels) == set(LLM_LABELS) and set(LLM_LABELS) < ENTITY_LABELS
    relation_types = schema["properties"]["relations"]["items"]["properties"]["type"]["enum"]
    assert set(relation_types) == set(LLM_RELATIONS) and set(LLM_RELATIONS) < RELATION_TYPES


def test_the_token_budget_covers_the_longest_answer_the_schema_allows():
    # Every list full, every span at its longest, every optional space taken: the grammar allows
    # nothing longer, and each token is at least one byte, so the budget can never cut an answer.
    span = "x" * MAX_SPAN_CHARS
    label, rel = max(LLM_LABELS, key=len), max(LLM_RELATIONS, key=len)
    schema = extraction_schema()
    entity = f'{{ "text" : "{span}" , "label" : "{label}" }} '
    relation = f'{{ "head" : "{span}" , "type" : "{rel}" , "tail" : "{span}" }} '
    n_entities = schema["properties"]["entities"]["maxItems"]
    n_relations = schema["properties"]["relations"]["maxItems"]
    longest = (
        '{ "entities" : [ '
        + ", ".join([entity] * n_entities)
        + '] , "relations" : [ '
        + ", ".join([relation] * n_relations)
        + "] } "
    )
    assert len(longest.encode()) <= answer_token_bound() <= SERVER_MAX_TOKENS
    _, chat = extract({"entities": [], "relations": []})
    assert chat.calls[0][1]["max_tokens"] >= answer_token_bound()
    assert LlmExtractor(FakeChat(""), max_tokens=10).max_tokens == answer_token_bound()


def test_spans_are_printable_ascii_without_quotes_or_escapes():
    pattern = re.compile(
        extraction_schema()["properties"]["entities"]["items"]["properties"]["text"]["pattern"]
    )
    assert pattern.match("worn piston seal (P/N HS-4410)")
    assert not pattern.match('say "x"') and not pattern.match("a\\b") and not pattern.match("é")
    assert not pattern.match("x" * (MAX_SPAN_CHARS + 1))


def test_verbatim_mentions_become_llm_mentions_with_offsets():
    facts, _ = extract({"entities": [{"text": "hyd hose", "label": "Part"}], "relations": []})
    [mention] = facts.mentions
    assert (mention.label, mention.surface, mention.source) == ("Part", "hyd hose", "llm")
    assert TEXT[mention.start : mention.end] == "hyd hose"


def test_mentions_not_in_the_text_or_with_unknown_labels_are_dropped():
    facts, _ = extract(
        {
            "entities": [
                {"text": "hydraulic hose", "label": "Part"},  # paraphrase, not verbatim
                {"text": "seal", "label": "Gadget"},
                {"text": "", "label": "Part"},
                {"text": "seal", "label": "Part"},
            ],
            "relations": [],
        }
    )
    assert [m.surface for m in facts.mentions] == ["seal"]


def test_relations_need_both_ends_among_kept_mentions_and_a_known_type():
    facts, _ = extract(
        {
            "entities": [
                {"text": "bucket cylinder", "label": "Component"},
                {"text": "seal leaking", "label": "Symptom"},
            ],
            "relations": [
                {"head": "bucket cylinder", "type": "SHOWS", "tail": "seal leaking"},
                {"head": "bucket cylinder", "type": "LIKES", "tail": "seal leaking"},
                {"head": "bucket cylinder", "type": "SHOWS", "tail": "engine"},
                {"head": "bucket cylinder", "type": "SHOWS", "tail": "seal leaking"},
            ],
        }
    )
    assert [(r.type, r.head, r.tail, r.source) for r in facts.relations] == [
        ("SHOWS", facts.mentions[0].key, facts.mentions[1].key, "llm")
    ]


def test_an_answer_cut_short_yields_no_facts():
    facts, _ = extract('{"entities": [{"text": "hyd')
    assert facts.mentions == [] and facts.relations == []


def test_the_pass_is_off_by_default_and_merges_new_facts_when_on():
    assert ExtractionConfig().use_llm is False
    answer = {"entities": [{"text": "seal", "label": "Part"}], "relations": []}
    rule_based = ChunkFacts(CHUNK)
    off = LlmExtractor(FakeChat(answer)).augment(rule_based)
    assert off.mentions == []
    chat = FakeChat(answer)
    on = LlmExtractor(chat, ExtractionConfig(use_llm=True)).augment(ChunkFacts(CHUNK))
    assert [m.surface for m in on.mentions] == ["seal"]


def test_merge_keeps_rule_based_facts_on_equal_keys():
    llm, _ = extract({"entities": [{"text": "seal", "label": "Part"}], "relations": []})
    rule, _ = extract(
        {
            "entities": [{"text": "seal", "label": "Part"}, {"text": "hyd hose", "label": "Part"}],
            "relations": [],
        }
    )
    merged = merge_facts(rule, llm)
    assert [m.surface for m in merged.mentions] == ["seal", "hyd hose"]


def test_the_extractor_adds_the_llm_pass_to_prose_only_when_the_setting_is_on(rules_extractor):
    from graph import Extractor

    answer = {"entities": [{"text": "seal leaking", "label": "Symptom"}], "relations": []}
    on = ExtractionConfig(use_ner=False, use_llm=True)
    chat = FakeChat(answer)
    facts = Extractor(on, llm=LlmExtractor(chat, on)).extract(CHUNK)
    assert "Symptom:seal leaking" in {m.key for m in facts.mentions} and len(chat.calls) == 1
    record = ChunkInput("r1", "col", "doc", "v1", "", kind="record", record={"Asset": "A"})
    Extractor(on, llm=LlmExtractor(chat, on)).extract(record)
    assert len(chat.calls) == 1  # records come from their mapping alone
    off = ExtractionConfig(use_ner=False)
    silent = FakeChat(answer)
    assert "Symptom:seal leaking" not in {
        m.key for m in Extractor(off, llm=LlmExtractor(silent, off)).extract(CHUNK).mentions
    }
    assert silent.calls == []


def test_a_failing_model_server_keeps_the_rules_facts():
    from graph import Extractor

    def down(messages, **options):
        raise ConnectionError("model server down")

    on = ExtractionConfig(use_ner=False, use_llm=True)
    facts = Extractor(on, llm=LlmExtractor(down, on)).extract(CHUNK)
    assert "Component:bucket cylinder" in {m.key for m in facts.mentions}


def test_the_budget_is_one_the_model_server_accepts():
    from model.config import ServerConfig

    assert ServerConfig.model_fields["max_tokens_limit"].default == SERVER_MAX_TOKENS
