"""Question translation before search (retrieval.translate): bounds on the model's output, the
fallback when the model fails, and the translated ranking fused beside the original one.

The generation callable here is a function behind the same interface the model server client is
adapted to in config/wiring.py; the real model is exercised by bench/bilingual.py --translate and
tests/integration/qa/test_translate_route.py.
"""

import logging

import pytest

from retrieval.config import SearchConfig
from retrieval.embed import FakeEmbedder
from retrieval.index import IndexPoint, MemoryIndex
from retrieval.search import HybridSearcher
from retrieval.sparse import Bm25Encoder
from retrieval.translate import (
    TRANSLATED,
    QuestionTranslator,
    TranslateConfig,
    clean_translation,
    search_with_translation,
)

PASSAGES = {
    "seal": "Replace the mechanical seal when it leaks more than three drops per minute.",
    "port": "The network information server listens on TCP port 3551; open it on the firewall.",
    "battery": "Most UPS batteries last three to five years before they need replacing.",
}
QUESTION = "防火墙上要开放哪个端口？"
TRANSLATION = "Which port must be opened on the firewall?"


class Recorder:
    """A generation callable that answers from a table and records what it was asked."""

    def __init__(self, replies):
        self.replies = replies
        self.calls = []

    def __call__(self, messages, max_tokens, stop):
        self.calls.append((messages, max_tokens, stop))
        reply = self.replies[messages[-1]["content"]]
        if isinstance(reply, Exception):
            raise reply
        return reply


def test_an_english_question_is_never_sent_to_the_model():
    generate = Recorder({})
    translator = QuestionTranslator(generate)
    assert translator.translate("Which port must be opened on the firewall?") is None
    assert translator.translate("   ") is None
    assert generate.calls == []


def test_the_model_is_asked_for_one_bounded_line_and_the_answer_is_cached():
    generate = Recorder({QUESTION: TRANSLATION})
    translator = QuestionTranslator(generate, TranslateConfig(max_tokens=48))
    assert translator.translate(QUESTION) == TRANSLATION
    assert translator.translate(f"  {QUESTION} ") == TRANSLATION
    assert len(generate.calls) == 1
    messages, max_tokens, stop = generate.calls[0]
    assert max_tokens == 48 and stop == ["\n"]
    assert messages[0]["role"] == "system" and messages[-1] == {"role": "user", "content": QUESTION}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('Translation: "Which port must be opened?"\nThe port is 3551.', "Which port must be opened?"),
        ("", None),
        ("防火墙上要开放哪个端口？", None),  # echoed, not translated
        ("The port is 3551. " * 20, None),  # an answer or a loop, not a translation
    ],
)
def test_only_a_short_line_in_the_target_language_counts_as_a_translation(raw, expected):
    assert clean_translation(QUESTION, raw, TranslateConfig()) == expected


def test_codes_the_translation_lost_are_kept_for_keyword_search():
    question = "更换密封件 SK-2201 时 E-23 报警怎么清除？"
    raw = "How do I clear the alarm when replacing the seal?"
    assert clean_translation(question, raw, TranslateConfig()) == f"{raw} SK-2201 E-23"
    kept = "How do I clear alarm E-23 when replacing seal SK-2201?"
    assert clean_translation(question, kept, TranslateConfig()) == kept


def test_a_failing_model_gives_no_translation_and_says_so(caplog):
    translator = QuestionTranslator(Recorder({QUESTION: ConnectionError("model server down")}))
    with caplog.at_level(logging.WARNING, logger="retrieval.translate"):
        assert translator.translate(QUESTION) is None
    assert "searching the untranslated question" in caplog.text and "model server down" in caplog.text


def _searcher():
    embedder = FakeEmbedder(dim=64)
    encoder = Bm25Encoder()
    index = MemoryIndex()
    index.ensure_collection(64)
    index.upsert(
        [
            IndexPoint(
                cid, embedder.embed_query(t), "c1", "d1", "v1", t, sparse=encoder.encode_document(t, "c1")
            )
            for cid, t in PASSAGES.items()
        ]
    )
    return HybridSearcher(index, embedder, encoder)


def test_the_translation_ranking_is_fused_beside_the_original():
    searcher = _searcher()
    plain = searcher.search(QUESTION, ["c1"], 3)
    translator = QuestionTranslator(Recorder({QUESTION: TRANSLATION}))
    result = search_with_translation(searcher, translator, QUESTION, ["c1"], 3)
    top = result.passages[0]
    assert top.chunk_id == "port" and TRANSLATED in top.scores
    # The translated source carries MiniLM's (here the fake embedder's) cosine, not a fused score.
    assert plain.passages[0].scores["dense"] < top.scores[TRANSLATED] <= 1.0
    assert {"translate", "translated_search"} <= set(result.timings_ms)


def test_the_translation_can_weigh_as_its_two_sources():
    searcher = _searcher()
    config = TranslateConfig(split_sources=True)
    translator = QuestionTranslator(Recorder({QUESTION: TRANSLATION}), config)
    top = search_with_translation(searcher, translator, QUESTION, ["c1"], 3).passages[0]
    assert top.chunk_id == "port" and {TRANSLATED, f"{TRANSLATED}_sparse"} <= set(top.scores)
    assert top.scores[TRANSLATED] <= 1.0 < top.scores[f"{TRANSLATED}_sparse"]  # cosine, BM25


def test_search_goes_on_untranslated_when_the_model_fails():
    searcher = _searcher()
    translator = QuestionTranslator(Recorder({QUESTION: ConnectionError("refused")}))
    result = search_with_translation(searcher, translator, QUESTION, ["c1"], 3)
    plain = searcher.search(QUESTION, ["c1"], 3)
    assert [p.chunk_id for p in result] == [p.chunk_id for p in plain]
    assert "translated_search" not in result.timings_ms


def test_the_translated_search_keeps_the_callers_filters():
    searcher = _searcher()
    translator = QuestionTranslator(Recorder({QUESTION: TRANSLATION}))
    assert len(search_with_translation(searcher, translator, QUESTION, ["other"], 3)) == 0
    result = search_with_translation(searcher, translator, QUESTION, ["c1"], 3, version_ids=["v2"])
    assert len(result) == 0


def _points(embedder, encoder, texts, langs, vectors_ml=None):
    """Index points of one collection and version, each passage's language in its payload."""
    return [
        IndexPoint(
            cid,
            embedder.embed_query(t),
            "c1",
            "d1",
            "v1",
            t,
            sparse=encoder.encode_document(t, "c1"),
            vector_ml=(vectors_ml or {}).get(cid),
            extra={"lang": langs[cid]},
        )
        for cid, t in texts.items()
    ]


def test_a_question_its_own_language_answers_is_not_translated():
    embedder, encoder, index = FakeEmbedder(dim=64), Bm25Encoder(), MemoryIndex()
    index.ensure_collection(64)
    texts = {"zh1": "防火墙上要开放哪个端口？开放 3551 端口。", "zh2": "防火墙上要开放哪个端口：见第三章。"}
    texts["en"] = PASSAGES["port"]
    index.upsert(_points(embedder, encoder, texts, {cid: cid[:2] for cid in texts}))
    searcher = HybridSearcher(index, embedder, encoder)
    generate = Recorder({QUESTION: TRANSLATION})
    skipping = QuestionTranslator(generate, TranslateConfig(skip_when_top_in_language=2))
    result = search_with_translation(searcher, skipping, QUESTION, ["c1"], 3)
    assert [p.payload["lang"] for p in result][:2] == ["zh", "zh"] and generate.calls == []
    assert "translate" not in result.timings_ms
    # Three in its language are asked for, only two exist: translated as before.
    strict = QuestionTranslator(generate, TranslateConfig(skip_when_top_in_language=3))
    assert "translate" in search_with_translation(searcher, strict, QUESTION, ["c1"], 3).timings_ms
    assert len(generate.calls) == 1


def _multilingual_searcher(english_first: bool):
    """One candidate per source: the Chinese question's keyword ranking finds the Chinese passage
    (shared characters); the multilingual vector finds the English passage when
    ``english_first``, else the Chinese one. Keywords weigh a little more, so the keyword
    ranking's passage comes first in the fused ranking either way."""
    embedder, multilingual, encoder, index = FakeEmbedder(64), FakeEmbedder(64), Bm25Encoder(), MemoryIndex()
    index.ensure_collection(64, ml_dim=64)
    texts = {"zh": "防火墙上的泵要开放哪个阀门？", "en": PASSAGES["port"]}
    ml = {"zh": multilingual.embed_query("泵"), "en": multilingual.embed_query("pump")}
    ml["en" if english_first else "zh"] = multilingual.embed_query(QUESTION)
    index.upsert(_points(embedder, encoder, texts, {cid: cid for cid in texts}, ml))
    config = SearchConfig(candidates_per_source=1, sparse_weight=1.5)
    return HybridSearcher(index, embedder, encoder, config, multilingual=multilingual)


def test_a_first_passage_only_the_keywords_found_does_not_stop_the_translation():
    # A Chinese question's keywords match Chinese passages only, so their first passage is no sign
    # the collections answer in Chinese unless the multilingual vector, which compares across
    # languages, found it too (dev: 3 of 30 Chinese questions about English manuals went
    # untranslated behind an unrelated Chinese manual's passage).
    searcher = _multilingual_searcher(english_first=True)
    untranslated = searcher.search(QUESTION, ["c1"], 3)
    assert untranslated.passages[0].chunk_id == "zh" and "dense_ml" not in untranslated.passages[0].ranks
    generate = Recorder({QUESTION: TRANSLATION})
    unconfirmed = QuestionTranslator(generate, TranslateConfig(gate_confirmed_by=""))
    assert "translate" not in search_with_translation(searcher, unconfirmed, QUESTION, ["c1"], 3).timings_ms
    result = search_with_translation(searcher, QuestionTranslator(generate), QUESTION, ["c1"], 3)
    assert "translate" in result.timings_ms and len(generate.calls) == 1
    assert result.passages[0].chunk_id == "en"


def test_a_first_passage_both_rankings_found_in_the_questions_language_skips_the_translation():
    searcher = _multilingual_searcher(english_first=False)
    generate = Recorder({QUESTION: TRANSLATION})
    result = search_with_translation(searcher, QuestionTranslator(generate), QUESTION, ["c1"], 3)
    assert "translate" not in result.timings_ms and generate.calls == []
    assert result.passages[0].chunk_id == "zh" and {"dense_ml", "sparse"} <= set(result.passages[0].ranks)


@pytest.mark.parametrize(
    "bad",
    [
        {"max_tokens": 0},
        {"max_length_ratio": 0.5},
        {"cache_size": -1},
        {"skip_when_top_in_language": -1},
        {"gate_confirmed_by": "sparse"},
    ],
)
def test_bad_config_is_refused(bad):
    with pytest.raises(ValueError):
        TranslateConfig(**bad)


def test_a_quoted_message_the_translation_paraphrased_is_kept_whole():
    question = "apcaccess 报错 'tcp_open: cannot connect to server localhost on port 3551'，漏了什么？"
    text = clean_translation(question, "I missed the configuration for TCP_OPEN.", TranslateConfig())
    message = "tcp_open: cannot connect to server localhost on port 3551"
    assert text == f'I missed the configuration for TCP_OPEN. "{message}"'  # 3551 not appended twice
    kept = clean_translation(
        question, "Why 'tcp_open: cannot connect to server localhost on port 3551'?", TranslateConfig()
    )
    assert kept == "Why 'tcp_open: cannot connect to server localhost on port 3551'?"


def test_the_worked_examples_carry_no_subject_a_question_could_borrow():
    # A printer example put "printer" into translations of questions about UPSes.
    generate = Recorder({QUESTION: TRANSLATION})
    translator = QuestionTranslator(generate)
    translator.translate(QUESTION)
    messages = generate.calls[0][0]
    assert messages[0]["role"] == "system" and messages[-1] == {"role": "user", "content": QUESTION}
    examples = " ".join(m["content"] for m in messages[1:-1]).lower()
    assert examples and "printer" not in examples and "打印机" not in examples
    assert [m["role"] for m in messages[1:-1]] == ["user", "assistant"] * ((len(messages) - 2) // 2)


def test_a_prompt_without_examples_sends_the_question_alone():
    from retrieval.translate import PROMPTS

    generate = Recorder({QUESTION: TRANSLATION})
    QuestionTranslator(generate, prompt=PROMPTS["plain"]).translate(QUESTION)
    assert [m["role"] for m in generate.calls[0][0]] == ["system", "user"]
