"""The sentence-picking LLM pass (graph.llm_items) with a fake chat behind the same callable interface."""

import pytest

from graph.config import ExtractionConfig
from graph.facts import MAX_FACT_NAME_WORDS, ChunkFacts, ChunkInput, RelationFact
from graph.llm_extract import SERVER_MAX_TOKENS
from graph.llm_items import (
    MAX_CAUSES,
    MAX_FIXES,
    MAX_SENTENCES,
    ItemPicker,
    answer_token_bound,
    cause_name,
    fix_name,
    item_of,
    item_schema,
)
from graph.sentences import sentences as answer_sentences

from .fake_chat import FakeChat

HEADING = "When I run configure, it says \"sudo requires the 'ar' utility to build\"."
ANSWER = (
    "As part of the build process, sudo creates a temporary library. "
    "This error indicates that 'ar' is missing on your system. "
    "On Solaris systems, you may need to install the SUNWbtool package. "
    "The default log facility is authpriv."
)
CHUNK = ChunkInput("c1", "col", "doc", "v1", ANSWER, heading_path=(HEADING,))
HOW_TO = ChunkInput(
    "c2", "col", "doc", "v1", "Use the --sysconfdir option.", heading_path=("How can I move sudoers?",)
)


def relations(facts):
    names = {m.key: m.name for m in facts.mentions}
    return sorted((r.type, names[r.head], names[r.tail]) for r in facts.relations)


def picked(answer, chunk=CHUNK, **options):
    chat = FakeChat(answer)
    return ItemPicker(chat, ExtractionConfig(use_ner=False, use_llm=True), **options).extract(chunk), chat


def test_the_schema_allows_only_sentence_numbers_in_bounded_lists():
    schema = item_schema(4)
    assert schema["properties"]["causes"]["items"] == {"enum": [1, 2, 3, 4]}
    assert schema["properties"]["causes"]["maxItems"] == MAX_CAUSES
    fix = schema["properties"]["fixes"]["items"]["properties"]
    assert fix["sentence"] == {"enum": [1, 2, 3, 4]} and fix["cause"] == {"enum": [0, 1, 2, 3, 4]}
    assert schema["properties"]["fixes"]["maxItems"] == MAX_FIXES


def test_the_token_budget_covers_the_longest_answer_the_grammar_allows():
    # Every list full, the widest numbers, every optional space taken: nothing longer parses, each
    # token is at least one byte, so the budget can never cut an answer (no loop can run on).
    n = MAX_SENTENCES
    fix = f'{{ "sentence" : {n} , "cause" : {n} }} '
    longest = (
        '{ "causes" : [ '
        + " , ".join([str(n)] * MAX_CAUSES)
        + ' ] , "fixes" : [ '
        + " , ".join([fix] * MAX_FIXES)
        + " ] } "
    )
    assert len(longest.encode()) <= answer_token_bound(n) <= SERVER_MAX_TOKENS
    _, chat = picked({"causes": [], "fixes": []})
    options = chat.calls[0][1]
    assert options["max_tokens"] == answer_token_bound(4)
    assert options["response_format"]["json_schema"]["schema"] == item_schema(4)


def test_the_model_sees_the_question_and_the_numbered_sentences():
    _, chat = picked({"causes": [], "fixes": []})
    prompt = chat.calls[0][0][-1]["content"]
    assert HEADING in prompt and "2. This error indicates that 'ar' is missing" in prompt


def test_how_to_questions_are_not_sent():
    facts, chat = picked({"causes": [1], "fixes": []}, chunk=HOW_TO)
    assert chat.calls == [] and facts.relations == []


def test_a_cause_and_the_fix_the_model_attaches_to_it():
    facts, _ = picked({"causes": [2], "fixes": [{"sentence": 3, "cause": 2}]})
    assert relations(facts) == [
        ("CAUSED_BY", "sudo requires the 'ar' utility to build", "'ar' is missing on your system"),
        ("REMEDIED_BY", "'ar' is missing on your system", "install the SUNWbtool package"),
    ]
    assert {r.source for r in facts.relations} == {"llm"}


def test_a_fix_without_a_named_cause_remedies_the_symptom():
    facts, _ = picked({"causes": [], "fixes": [{"sentence": 3, "cause": 1}]})  # 1 was not picked as a cause
    assert relations(facts) == [
        ("REMEDIED_BY", "sudo requires the 'ar' utility to build", "install the SUNWbtool package")
    ]


def test_sentences_that_give_no_instruction_are_no_fixes_and_bad_numbers_drop():
    facts, _ = picked(
        {"causes": [9, True], "fixes": [{"sentence": 4, "cause": 0}, {"sentence": 0, "cause": 0}]}
    )
    assert facts.relations == []
    lenient, _ = picked({"causes": [], "fixes": [{"sentence": 4, "cause": 0}]}, strict=False)
    assert [r.type for r in lenient.relations] == ["REMEDIED_BY"]


def test_an_answer_cut_short_yields_no_facts():
    facts, _ = picked('{"causes": [2')
    assert facts.relations == [] and facts.mentions == []


def test_names_are_the_clause_that_states_the_cause_or_the_instruction():
    assert cause_name("This usually means you either don't have a working compiler.") == (
        "you don't have a working compiler"
    )
    assert cause_name("The most likely cause for this is running sudo within a container.") == (
        "running sudo within a container"
    )
    assert fix_name("Don't forget to send a SIGHUP to your syslogd so that it re-reads its conf file.") == (
        "send a SIGHUP to your syslogd so that it re-reads its conf file"
    )
    assert fix_name("The solution in this case is to explicitly tell mdadm to update the superblock.") == (
        "tell mdadm to update the superblock"
    )
    assert fix_name("chown root /usr/local/bin/sudo; chmod 4755 /usr/local/bin/sudo") is not None
    assert fix_name("ARRAY /dev/md0 level=raid0 num-devices=2") is None


def test_no_sentence_length_entity():
    long = (
        "The owner and permissions on the sudo binary appear to be correct in every respect that we could "
        "think of and check when sudo ran on the system of the user who reported it to us"
    )
    chunk = ChunkInput("c3", "col", "doc", "v1", long + ".", heading_path=("Sudo fails to run",))
    facts, _ = picked({"causes": [1], "fixes": []}, chunk=chunk)
    assert all(len(m.name.split()) <= MAX_FACT_NAME_WORDS for m in facts.mentions)


def test_hard_wrapped_lines_join_and_list_lines_stay_apart():
    text = (
        "It is perfectly normal for mdadm to report the array with the root filesystem to\n"
        "be busy on shutdown. See e.g. the manual.\n\n"
        "Common causes are:\n"
        "The array contains a mounted filesystem\n"
        "The array is used as a swap backend\n"
    )
    assert answer_sentences(text) == [
        "It is perfectly normal for mdadm to report the array with the root filesystem to be busy on "
        "shutdown.",
        "See e.g. the manual.",
        "Common causes are:",
        "The array contains a mounted filesystem",
        "The array is used as a swap backend",
    ]


def test_a_message_announced_by_the_heading_belongs_to_the_question():
    chunk = ChunkInput(
        "c4",
        "col",
        "doc",
        "v1",
        "sudo: a terminal is required to read the password\n\nUse the -t option to ssh.",
        heading_path=("When I try to run sudo via ssh, I get an error:",),
    )
    item = item_of(chunk)
    assert item is not None and item.sentences == ("Use the -t option to ssh.",)
    assert "a terminal is required" in item.question and item.symptom.name.startswith("sudo: a terminal")


def test_fill_asks_only_where_the_rules_stated_nothing_and_union_always():
    answer = {"causes": [2], "fixes": []}
    ruled = ChunkFacts(CHUNK, relations=[RelationFact("REMEDIED_BY", "Symptom:x", "Action:y", "c1", "prose")])
    chat = FakeChat(answer)
    fill = ItemPicker(chat, ExtractionConfig(use_llm=True), combine="fill")
    assert fill.augment(ruled) is ruled and len(ruled.relations) == 1 and chat.calls == []
    assert len(fill.augment(ChunkFacts(CHUNK)).relations) == 1 and len(chat.calls) == 1
    union = ItemPicker(FakeChat(answer), ExtractionConfig(use_llm=True), combine="union")
    assert len(union.augment(ruled).relations) == 2
    off = ItemPicker(FakeChat(answer), ExtractionConfig(use_llm=False))
    assert off.augment(ChunkFacts(CHUNK)).relations == []


def test_unknown_prompts_and_modes_are_refused():
    with pytest.raises(ValueError):
        ItemPicker(FakeChat(""), prompt="chatty")
    with pytest.raises(ValueError):
        ItemPicker(FakeChat(""), combine="replace")


def test_the_extractor_joins_the_pass_its_way_and_keeps_the_rules_when_the_server_is_down(rules_extractor):
    from graph import Extractor

    on = ExtractionConfig(use_ner=False, use_llm=True)
    chat = FakeChat({"causes": [2], "fixes": []})
    facts = Extractor(on, llm=ItemPicker(chat, on, combine="union")).extract(CHUNK)
    assert ("CAUSED_BY", "sudo requires the 'ar' utility to build", "'ar' is missing on your system") in (
        relations(facts)
    )

    def down(messages, **options):
        raise ConnectionError("model server down")

    rules_only = Extractor(on).extract(CHUNK)
    kept = Extractor(on, llm=ItemPicker(down, on, combine="union")).extract(CHUNK)
    assert relations(kept) == relations(rules_only)


def test_a_picked_cause_must_read_as_a_fault_and_a_picked_instruction_is_a_fix():
    # Sentence 4 ("The default log facility is authpriv.") states no fault: no cause unless asked for any.
    facts, _ = picked({"causes": [4], "fixes": []})
    assert facts.relations == []
    anything, _ = picked({"causes": [4], "fixes": []}, faulty_causes=False)
    assert relations(anything) == [
        ("CAUSED_BY", "sudo requires the 'ar' utility to build", "The default log facility is authpriv")
    ]
    # Sentence 3 tells the user what to do: picked as a cause, it is taken as a fix of the symptom.
    rerouted, _ = picked({"causes": [3], "fixes": []})
    assert relations(rerouted) == [
        ("REMEDIED_BY", "sudo requires the 'ar' utility to build", "install the SUNWbtool package")
    ]


def test_fixes_attach_as_told():
    answer = {"causes": [2], "fixes": [{"sentence": 3, "cause": 0}]}
    by_model, _ = picked(answer)
    nearest, _ = picked(answer, attach="nearest")
    assert ("REMEDIED_BY", "sudo requires the 'ar' utility to build", "install the SUNWbtool package") in (
        relations(by_model)
    )
    assert ("REMEDIED_BY", "'ar' is missing on your system", "install the SUNWbtool package") in relations(
        nearest
    )


def test_the_label_prompt_asks_one_label_per_sentence():
    from graph.llm_items import label_schema, label_token_bound

    answer = {"1": "other", "2": "cause", "3": "fix", "4": "other"}
    facts, chat = picked(answer, prompt="label", attach="nearest")
    options = chat.calls[0][1]
    keys = ["1", "2", "3", "4"]
    assert options["response_format"]["json_schema"]["schema"] == label_schema(keys)
    assert options["max_tokens"] == label_token_bound(keys) <= SERVER_MAX_TOKENS
    longest = "{ " + " , ".join(f'"{k}" : "other"' for k in keys) + " } "
    assert len(longest) <= label_token_bound(keys)
    assert relations(facts) == [
        ("CAUSED_BY", "sudo requires the 'ar' utility to build", "'ar' is missing on your system"),
        ("REMEDIED_BY", "'ar' is missing on your system", "install the SUNWbtool package"),
    ]


def test_quoted_label_keys_carry_each_sentences_opening_words_in_plain_ascii():
    from graph.llm_items import MAX_KEY_CHARS, MAX_SENTENCES, label_keys, label_token_bound

    keys = label_keys(CHUNK.text.split(". "), quoted=True)
    assert keys[1] == "2 This error indicates that ar is"
    assert all(len(k) <= MAX_KEY_CHARS and '"' not in k and "\\" not in k for k in keys)
    answer = dict.fromkeys(label_keys(["x"] * 4, quoted=True), "other")
    _, chat = picked(answer, prompt="labelq")
    schema = chat.calls[0][1]["response_format"]["json_schema"]["schema"]
    assert schema["required"][1] == "2 This error indicates that ar is"
    assert label_token_bound(["x" * MAX_KEY_CHARS] * MAX_SENTENCES) <= SERVER_MAX_TOKENS
