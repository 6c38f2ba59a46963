"""The labelled retrieval sets of issue 12: sound labels, enough questions, dev and untouched apart."""

import json

import pytest

from bench.retrieval_recall import SETS, check_labels, mcnemar_p, parse_corpus

NEW_SETS = [s for s in SETS if s.path.name.startswith("retrieval_")]


@pytest.mark.parametrize("eval_set", NEW_SETS, ids=lambda s: s.name)
def test_every_gold_quote_is_in_the_parsed_manual(eval_set):
    questions = eval_set.questions()
    assert len(questions) >= 40
    assert check_labels(questions, parse_corpus(files=eval_set.corpus())) == []


def test_dev_and_untouched_sets_ask_about_different_manuals_and_files():
    dev = {f for s in SETS if s.split == "dev" for f in s.corpus()}
    untouched = [s for s in SETS if s.split == "untouched"]
    assert len(untouched) >= 2
    assert not dev & {f for s in untouched for f in s.corpus()}
    assert all(s.path.name.startswith("retrieval_heldout_") for s in untouched)


@pytest.mark.parametrize("eval_set", NEW_SETS, ids=lambda s: s.name)
def test_questions_do_not_copy_their_answer(eval_set):
    for line in eval_set.path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert row["answer_quote"].casefold() not in row["question"].casefold(), row["id"]


def test_mcnemar_p_is_exact_on_the_discordant_pairs():
    assert mcnemar_p([True] * 10, [True] * 10) == 1.0
    assert mcnemar_p([True] * 6, [False] * 6) == pytest.approx(2 / 2**6)
    assert mcnemar_p([True, False], [False, True]) == 1.0
