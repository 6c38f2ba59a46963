"""A Snowball stemmer holds the word it is stemming: threads must not share one.

Sharing one across the web process's answer threads raised IndexError inside snowballstemmer
(a 500 in the 50-user load test, docs/LOAD.md).
"""

import threading

import pytest

from retrieval import sparse, terms


@pytest.mark.parametrize("module", [terms, sparse])
def test_each_thread_stems_with_its_own_stemmer(module):  # type: ignore[no-untyped-def]
    mine = module._stemmer()
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(module._stemmer()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine and module._stemmer() is mine
    assert mine.stemWord("replacing") == theirs[0].stemWord("replacing") == "replac"
