"""The sentence-picking graph pass (graph.llm_items) against the real server and the packaged Qwen 0.5B.

Slow (the 0.5 GB model is read): ``scripts/test -m slow``. The chat the pass gets is the real
``ModelClient.chat`` with the settings' options (config/wiring.py), so the grammar, the budget and the
parsing are checked end to end: every answer ends by itself, and what is built from it are relations
from the heading's symptom to names taken from the answer's sentences.
"""

import pytest

from graph import ExtractionConfig, Extractor
from graph.facts import MAX_FACT_NAME_WORDS, ChunkInput
from graph.llm_items import ItemPicker, item_of
from graph.normalize import normalize_text
from model.client import ModelClient
from model.registry import QWEN_SMALL_NAME

from .conftest import live_server, qwen_small_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Two items of the dev text sample_data/dev/sudo-troubleshooting.md and a how-to question.
CHUNKS = [
    ChunkInput(
        "c1",
        "col",
        "doc",
        "v1",
        "If you previously ran configure on a different host you will probably need to remove the "
        "config.cache file, as the results of configure on the other host will be wrong on this one. "
        "Then run configure again.",
        heading_path=('The configure scripts says "config.cache exists from another platform!"',),
    ),
    ChunkInput(
        "c2",
        "col",
        "doc",
        "v1",
        "Your sudoers file is locked because someone else is currently editing it with visudo. "
        "Wait until they are done, or remove the lock file if the other visudo has died.",
        heading_path=("When I run 'visudo' it says \"sudoers file busy, try again later.\"",),
    ),
    ChunkInput(
        "c3",
        "col",
        "doc",
        "v1",
        "You can specify the editor to use in visudo in the sudoers file.",
        heading_path=("How can I make visudo use a different editor?",),
    ),
]


@pytest.fixture(scope="module")
def live_url():
    with live_server([qwen_small_config(2048)], wait_s=120, n_parallel=1) as url:
        yield url


def test_the_pass_over_the_real_model_ends_every_answer_and_builds_relations_from_the_text(live_url):
    client = ModelClient(live_url, timeout_s=120)
    finished = []

    def chat(messages, **options):  # what config/wiring.py injects
        answer = client.chat(messages, model=QWEN_SMALL_NAME, temperature=0.0, **options)
        finished.append(answer.finish_reason)
        return answer

    config = ExtractionConfig(use_ner=False, use_llm=True)
    picker = ItemPicker(chat, config, combine="union")
    facts = [picker.extract(c) for c in CHUNKS]
    assert finished == ["stop", "stop"]  # the how-to question is never sent; no answer hits the budget
    assert facts[2].relations == []
    for chunk, found in zip(CHUNKS, facts, strict=True):
        item = item_of(chunk)
        names = {m.key: m for m in found.mentions}
        for relation in found.relations:
            head, tail = names[relation.head], names[relation.tail]
            assert relation.type in ("CAUSED_BY", "REMEDIED_BY") and relation.source == "llm"
            assert len(tail.name.split()) <= MAX_FACT_NAME_WORDS
            assert normalize_text(tail.name) in normalize_text(chunk.text)  # a clause of the answer
            assert head.key == item.symptom.key or head.label == "Cause"
    # And through the extractor, as GRAPH_LLM_EXTRACTION wires it: the rules' facts are kept.
    rules = Extractor(ExtractionConfig(use_ner=False)).extract_many(CHUNKS)
    joined = Extractor(config, llm=ItemPicker(chat, config, combine="union")).extract_many(CHUNKS)
    for before, after in zip(rules, joined, strict=True):
        assert {(r.type, r.head, r.tail) for r in before.relations} <= {
            (r.type, r.head, r.tail) for r in after.relations
        }
