""" "Problem / Workaround" blocks (graph.structure.labelled_relations) and defects named as causes
(graph.faq), on blocks of the apcupsd manual and answers of the mdadm FAQ (dev texts)."""

from functools import partial

import pytest

from graph.faq import defect_cause, reason_cause
from graph.structure import block_fix

from .relations_under import relations_under

relations = partial(relations_under, "Manual")


def test_the_fix_is_the_blocks_first_instruction_not_its_first_sentence():
    cause, fix = block_fix(
        "Recent versions of Apcupsd have addressed this issue.\nPlease upgrade to apcupsd-3.10.18 or higher."
    )
    assert (cause, fix) == (None, "Please upgrade to apcupsd-3.10.18 or higher")


def test_a_defect_and_a_worked_around_fix_in_one_sentence():
    cause, fix = block_fix(
        "This is a kernel bug and is most easily worked around by\nnot hot-unplugging the UPS while "
        "apcupsd is running. This issue may be fixed in recent FreeBSD kernels."
    )
    assert cause == "a kernel bug"
    assert fix == "not hot-unplugging the UPS while apcupsd is running"


def test_a_block_stating_no_fix_gives_none():
    assert block_fix("Recent versions of Apcupsd have addressed this issue.") == (None, None)


def test_workaround_blocks_relate_the_instruction_and_the_named_defect(rules_extractor):
    text = (
        "Problem\nFreeBSD lockups: Some users have experienced lockups\n(apcupsd stops responding) on "
        "FreeBSD systems.\nSolution\nRecent versions of Apcupsd have addressed this issue.\n"
        "Please upgrade to apcupsd-3.10.18 or higher.\n"
        "Problem\nFreeBSD kernel panics if USB cable is unplugged while\napcupsd is running.\nSolution\n"
        "This is a kernel bug and is most easily worked around by\nnot hot-unplugging the UPS while "
        "apcupsd is running. This issue\nmay be fixed in recent FreeBSD kernels."
    )
    assert relations(rules_extractor, text, "Known BSD USB Issues") == {
        (
            "FreeBSD lockups: Some users have experienced lockups (apcupsd stops responding) on "
            "FreeBSD systems",
            "REMEDIED_BY",
            "Please upgrade to apcupsd-3.10.18 or higher",
        ),
        (
            "FreeBSD kernel panics if USB cable is unplugged while apcupsd is running",
            "CAUSED_BY",
            "a kernel bug",
        ),
        ("a kernel bug", "REMEDIED_BY", "not hot-unplugging the UPS while apcupsd is running"),
    }


def test_sentence_length_block_names_are_cut_to_their_first_clause_or_dropped(rules_extractor):
    text = (
        "Problem\nMandrake 10.0 and 10.1 systems with high security mode enabled use static device nodes "
        "but still assign USB minor numbers dynamically at every boot of the machine.\n"
        "Workaround\nBoot standard kernel instead of kernel-secure.\n"
    )
    found = relations(rules_extractor, text, "Known Linux USB Issues")
    assert found == {
        (
            "Mandrake 10.0 and 10.1 systems with high security mode enabled use static device nodes",
            "REMEDIED_BY",
            "Boot standard kernel instead of kernel-secure",
        )
    }
    assert all(len(name.split()) <= 15 for rel in found for name in (rel[0], rel[2]))


@pytest.mark.parametrize(
    ("sentence", "cause"),
    [
        ("In short: it's a bug.", "a bug"),
        ("In short: it\u2019s a bug.", "a bug"),
        ("This is a known limitation of the driver.", "a known limitation of the driver"),
        ("It's a problem.", None),
        ("That was a mistake.", None),
        ("It is a good idea to check the cable.", None),
    ],
)
def test_a_named_defect_is_a_cause(sentence, cause):
    assert defect_cause(sentence) == cause
    assert reason_cause(sentence) == cause


def test_a_why_answer_naming_a_defect_names_the_cause_unless_it_is_just_a_bug(rules_extractor):
    heading = "21. Why does the kernel speak of 'resync' when using checkarray?"
    text = "Please see README.checkarray for details.\nIn short: this is a known limitation of the kernel."
    found = relations(rules_extractor, text, heading)
    assert (
        "the kernel speak of 'resync' when using checkarray",
        "CAUSED_BY",
        "a known limitation of the kernel",
    ) in found
    # "a bug" names nothing of its own: as an entity it would be every document's bug, one node linking
    # all their symptoms (session 12; the mdadm dev set loses this one right relation)
    text = (
        "Please see README.checkarray for details.\nIn short: it's a bug. checkarray is actually not a "
        "resync, but the kernel does not distinguish between them."
    )
    assert not any(tail == "a bug" for _, _, tail in relations(rules_extractor, text, heading))
