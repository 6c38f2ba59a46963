from dataclasses import dataclass

import numpy as np
import pytest

from model.config import KVCacheConfig
from model.kv_cache import PrefixKVCache, SeqState, state_nbytes


@dataclass
class FakeLlamaState:
    """Same attributes as llama_cpp.LlamaState: a state blob plus logits and token arrays."""

    input_ids: np.ndarray
    scores: np.ndarray
    n_tokens: int
    llama_state: bytes
    llama_state_size: int
    seed: int = 0


def fake_llama_state(n_tokens=10, n_vocab=100, blob=1000):
    return FakeLlamaState(
        np.arange(n_tokens, dtype=np.intc),
        np.zeros((n_tokens, n_vocab), dtype=np.single),
        n_tokens,
        b"x" * blob,
        blob,
    )


def cache(**overrides):
    return PrefixKVCache(KVCacheConfig(**({"ram_bytes": 10_000, "min_prefix_tokens": 2} | overrides)))


def test_it_counts_logits_and_tokens_of_a_llama_state():
    state = fake_llama_state(n_tokens=10, n_vocab=100, blob=1000)
    assert state_nbytes(state) == 1000 + 10 * 100 * 4 + 10 * 4


def test_it_holds_bytes_within_the_budget_evicting_least_recently_used():
    c = cache(ram_bytes=10_000)
    for i in range(5):
        c.put("m", [i, 1, 2, 3], fake_llama_state(blob=0))  # 4040 bytes each
    stats = c.stats()
    assert stats.ram_bytes == 2 * 4040 and stats.ram_entries == 2 and stats.evictions == 3
    assert c.lookup("m", [0, 1, 2, 3]) is None
    assert c.lookup("m", [4, 1, 2, 3]) is not None


def test_it_returns_the_longest_shared_prefix():
    c = cache()
    c.put("m", [1, 2, 3], SeqState(b"short"))
    c.put("m", [1, 2, 3, 4, 5, 6], SeqState(b"long"))
    c.put("m", [9, 9, 9, 9, 9, 9, 9], SeqState(b"other"))
    hit = c.lookup("m", [1, 2, 3, 4, 5, 7, 8])
    assert (hit.state.data, hit.n_reused, hit.tier) == (b"long", 5, "ram")


def test_it_never_mixes_namespaces():
    c = cache()
    c.put("dense", [1, 2, 3, 4], SeqState(b"a"))
    assert c.lookup("moe@k2", [1, 2, 3, 4]) is None


def test_it_ignores_prefixes_below_the_minimum():
    c = cache(min_prefix_tokens=4)
    c.put("m", [1, 2, 3, 4, 5], SeqState(b"a"))
    assert c.lookup("m", [1, 2, 3, 9]) is None
    assert c.lookup("m", [1, 2, 3, 4, 9]).n_reused == 4


def test_it_counts_hits_misses_and_tokens_reused():
    c = cache()
    c.put("m", [1, 2, 3, 4], SeqState(b"abc"))
    c.lookup("m", [1, 2, 3, 4, 5])
    c.lookup("m", [7, 8])
    stats = c.stats()
    assert (stats.hits, stats.misses, stats.tokens_reused, stats.ram_bytes) == (1, 1, 4, 3)
    assert stats.hit_rate == 0.5


def test_it_replaces_an_entry_with_the_same_tokens_without_double_counting():
    c = cache()
    c.put("m", [1, 2, 3], SeqState(b"aaaa"))
    c.put("m", [1, 2, 3], SeqState(b"bb"))
    assert c.stats().ram_bytes == 2 and c.lookup("m", [1, 2, 3]).state.data == b"bb"


def test_it_demotes_evicted_entries_to_disk_and_promotes_them_on_a_hit(tmp_path):
    c = cache(ram_bytes=10, disk_dir=tmp_path, disk_bytes=100)
    c.put("m", [1, 2, 3], SeqState(b"0123456789"))
    c.put("m", [4, 5, 6], SeqState(b"abcdefghij"))
    stats = c.stats()
    assert (stats.ram_entries, stats.disk_entries, stats.disk_bytes) == (1, 1, 10)
    assert len(list(tmp_path.glob("*.kvstate"))) == 1
    hit = c.lookup("m", [1, 2, 3, 7])
    assert (hit.state.data, hit.tier) == (b"0123456789", "disk")
    # The hit came back to RAM and pushed the other entry down; nothing was lost.
    assert c.lookup("m", [4, 5, 6]).state.data == b"abcdefghij"
    assert c.lookup("m", [1, 2, 3]).state.data == b"0123456789"


def test_it_keeps_disk_entries_after_repeated_lookups(tmp_path):
    """llama-cpp-python's LlamaDiskCache pops entries on lookup; this tier must not."""
    c = cache(ram_bytes=0, disk_dir=tmp_path, disk_bytes=100)
    c.put("m", [1, 2, 3], SeqState(b"abc"))
    for _ in range(3):
        assert c.lookup("m", [1, 2, 3]).state.data == b"abc"


def test_it_bounds_the_disk_tier(tmp_path):
    c = cache(ram_bytes=0, disk_dir=tmp_path, disk_bytes=25)
    for i in range(5):
        c.put("m", [i, 0, 0], SeqState(b"x" * 10))
    assert c.stats().disk_bytes == 20 and len(list(tmp_path.glob("*.kvstate"))) == 2


def test_it_removes_stale_disk_files_at_start(tmp_path):
    (tmp_path / "old.kvstate").write_bytes(b"zz")
    cache(disk_dir=tmp_path)
    assert not list(tmp_path.glob("*.kvstate"))


def test_it_refuses_a_state_bigger_than_the_budget_without_disk():
    c = cache(ram_bytes=3)
    assert c.put("m", [1, 2, 3], SeqState(b"abcd")) is False
    assert c.stats().ram_bytes == 0


@pytest.mark.parametrize("n", [0, 1])
def test_it_handles_short_queries(n):
    c = cache(min_prefix_tokens=1)
    c.put("m", [1, 2], SeqState(b"a"))
    assert (c.lookup("m", [1][:n]) is None) == (n == 0)
