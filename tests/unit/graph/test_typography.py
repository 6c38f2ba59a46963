"""Typographic punctuation ("won’t", “quotes”, dashes) reads like ASCII in the rules, and names keep
the text as written (graph.typography; sentences of the dev texts re-typeset)."""

from functools import partial

import pytest

from graph.faq import PROBLEM_WORDS, first_word, question_problem
from graph.names import concise_name
from graph.typography import fold

from .relations_under import relations_under

relations = partial(relations_under, "FAQ")


def test_fold_maps_one_character_for_one():
    text = "It won\u2019t start \u2014 see \u201cmdadm\u201d\u00a0now \u2013 or \u2018x\u2019"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "It won't start - see \"mdadm\" now - or 'x'"


@pytest.mark.parametrize("word", ["won\u2019t", "doesn\u2019t", "can\u2019t", "isn\u2019t", "won\u02bct"])
def test_problem_words_accept_typeset_apostrophes(word):
    assert PROBLEM_WORDS.search(f"My UPS driver {word} start")


def test_a_typeset_problem_heading_is_a_problem_like_its_ascii_form():
    ascii_form = question_problem("8. (One of) my RAID arrays is busy and can't be stopped. What gives?")
    typeset = question_problem(
        "8. (One of) my RAID arrays is busy and can\u2019t be stopped. What\u2019s wrong?"
    )
    assert ascii_form is not None and typeset is not None
    assert typeset.symptom == "my RAID arrays is busy and can\u2019t be stopped"  # as written


def test_a_title_with_a_typeset_fault_word_is_a_problem():
    assert question_problem("The driver won\u2019t start") is not None


def test_imperatives_with_typeset_apostrophes_are_instructions():
    assert first_word("Don\u2019t hot-unplug the UPS while apcupsd is running.") == "don't"


def test_condition_and_outcome_keep_the_typeset_names(rules_extractor):
    ascii_text = "If your halt script is not properly modified, apcupsd won't be able to shut off the power."
    typeset = ascii_text.replace("won't", "won\u2019t")
    assert relations(rules_extractor, ascii_text) == {
        (
            "apcupsd won't be able to shut off the power",
            "CAUSED_BY",
            "your halt script is not properly modified",
        )
    }
    assert relations(rules_extractor, typeset) == {
        (
            "apcupsd won\u2019t be able to shut off the power",
            "CAUSED_BY",
            "your halt script is not properly modified",
        )
    }


def test_a_typeset_problem_heading_gets_its_answers_instruction(rules_extractor):
    heading = "The array won\u2019t assemble after a reboot"
    found = relations(rules_extractor, "Check that the devices are listed in mdadm.conf.", heading)
    assert found == {(heading, "REMEDIED_BY", "Check that the devices are listed in mdadm.conf")}


def test_expletive_and_clause_breaks_read_typeset_marks():
    assert concise_name("it won\u2019t work to overwrite the first few MiBs of the block device") == (
        "overwrite the first few MiBs of the block device won\u2019t work"
    )
    long = (
        "the superblock may be at other locations on the device \u2014 especially the end of the device "
        "where the kernel looks for it first"
    )
    assert concise_name(long) == "the superblock may be at other locations on the device"
