"""BM25 encoding for the sparse index."""

import pytest

from retrieval.config import SparseConfig
from retrieval.sparse import Bm25Encoder, tokenize


def test_tokenizer_keeps_codes_whole_joined_and_split():
    terms = tokenize("Pump P-101 shows E-47; part 2906-0565-00.")
    assert {"p-101", "p101", "e-47", "e47", "2906-0565-00", "2906056500"} <= set(terms)
    assert "pump" in terms


def test_tokenizer_drops_stopwords_and_stems_english_words():
    assert tokenize("The pumps and the valves") == tokenize("pump valve") == ["pump", "valv"]
    assert set(tokenize("Removing")) == set(tokenize("remove")) == set(tokenize("removed"))
    assert tokenize("configured configuration") == ["configur", "configur"]


def test_tokenizer_keeps_short_words_numbers_and_codes_as_written():
    assert tokenize("UPS ups 3551 RAID10") == ["ups", "ups", "3551", "raid10"]


def test_chinese_text_is_segmented_into_words_and_latin_codes_stay_whole():
    terms = tokenize("泵P-101报警E-47后如何更换密封圈")
    assert {"报警", "更换", "密封圈"} <= set(terms)
    assert {"p-101", "p101", "e-47", "e47"} <= set(terms)
    assert "的" not in tokenize("泵的密封圈")


def test_term_ids_are_scoped_per_collection():
    enc = Bm25Encoder()
    plant, lab = enc.encode_document("pump seal", "plant"), enc.encode_document("pump seal", "lab")
    assert not set(plant.indices) & set(lab.indices)
    assert set(enc.encode_query("pump", ["plant"]).indices) <= set(plant.indices)
    both = enc.encode_query("pump", ["plant", "lab"])
    assert len(both.indices) == 2


def test_keyword_ranking_in_one_collection_ignores_what_another_collection_holds():
    from retrieval.index.base import IndexPoint, SearchFilter
    from retrieval.index.memory import MemoryIndex

    enc = Bm25Encoder()
    texts = {"a": "pump seal leaks at the pump shaft", "b": "seal kit part list"}

    def ranking(noise: int) -> list[str]:
        index = MemoryIndex()
        index.ensure_collection(2)
        points = [
            IndexPoint(cid, [1.0, 0.0], "plant", "d", "v", t, sparse=enc.encode_document(t, "plant"))
            for cid, t in texts.items()
        ]
        points += [
            IndexPoint(
                f"n{i}",
                [1.0, 0.0],
                "lab",
                "d2",
                "v2",
                "seal seal seal",
                sparse=enc.encode_document("seal seal seal", "lab"),
            )
            for i in range(noise)
        ]
        index.upsert(points)
        hits = index.search_sparse(enc.encode_query("pump seal", ["plant"]), SearchFilter.build(["plant"]), 5)
        return [h.chunk_id for h in hits]

    assert ranking(0) == ranking(50) == ["a", "b"]


def test_query_vector_has_unit_weights_per_distinct_term():
    q = Bm25Encoder().encode_query("pump pump valve")
    assert len(q.indices) == 2 and set(q.values) == {1.0}
    assert list(q.indices) == sorted(q.indices)


def test_document_weights_saturate_and_normalise_by_length():
    enc = Bm25Encoder(SparseConfig(k1=1.2, b=0.75, avg_len=4))
    once = enc.encode_document("pump seal gasket valve")
    twice = enc.encode_document("pump pump seal gasket")
    w1 = dict(zip(once.indices, once.values, strict=True))
    w2 = dict(zip(twice.indices, twice.values, strict=True))
    pump = Bm25Encoder().encode_query("pump").indices[0]
    assert w1[pump] == pytest.approx(1.0)  # tf=1 at average length: (k1+1)/(1+k1)
    assert 1.0 < w2[pump] < 2.2


def test_empty_text_gives_empty_vectors():
    assert not Bm25Encoder().encode_document("")
    assert not Bm25Encoder().encode_query("the and of")


def test_a_questions_negated_auxiliaries_are_no_terms():
    enc = Bm25Encoder()
    plain = enc.encode_query("bucket open")
    assert enc.encode_query("bucket won't open") == plain
    assert enc.encode_query("Bucket WON’T open") == plain
    assert enc.encode_query("bucket dont open, isn't stuck") == enc.encode_query("bucket open stuck")
    # A possessive keeps its "s" (it met the answer's possessives).
    assert enc.encode_query("the pump's seal") != enc.encode_query("pump seal")
    # A Han word written against the auxiliary stays a term.
    assert enc.encode_query("泵won't转") == enc.encode_query("泵 转")
    # Passages keep them: the stored vectors do not change.
    assert len(enc.encode_document("won't start").indices) == 3


def test_a_shared_wont_does_not_rank_another_machines_record_first():
    from retrieval.index.base import IndexPoint, SearchFilter
    from retrieval.index.memory import MemoryIndex

    enc = Bm25Encoder()
    texts = {
        "engine": "Engine won't start. Starter won't crank, battery flat.",
        "bucket": "Bucket cylinder: the bucket does not open when the pilot valve sticks.",
    }
    index = MemoryIndex()
    index.ensure_collection(2)
    index.upsert(
        [
            IndexPoint(c, [1.0, 0.0], "plant", "d", "v", t, sparse=enc.encode_document(t, "plant"))
            for c, t in texts.items()
        ]
    )
    hits = index.search_sparse(
        enc.encode_query("bucket won't open", ["plant"]), SearchFilter.build(["plant"]), 5
    )
    assert [h.chunk_id for h in hits] == ["bucket"]
