"""BM25 encoding for the sparse index."""

import pytest

from retrieval.config import SparseConfig
from retrieval.sparse import Bm25Encoder, tokenize


def test_tokenizer_keeps_codes_whole_joined_and_split():
    terms = tokenize("Pump P-101 shows E-47; part 2906-0565-00.")
    assert {"p-101", "p101", "e-47", "e47", "2906-0565-00", "2906056500"} <= set(terms)
    assert "pump" in terms


def test_tokenizer_drops_stopwords_and_plurals():
    assert tokenize("The pumps and the valves") == ["pump", "valve"]


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
