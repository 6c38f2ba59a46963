"""FAQ question/answer rules (graph.faq, graph.prose), on sentences of the Debian mdadm FAQ and the
apcupsd manual (the development texts of bench/graph_eval.py)."""

from functools import partial

import pytest

from graph.faq import question_problem
from graph.prose import concise_name, split_remedies

from .relations_under import relations_under

relations = partial(relations_under, "Frequently asked questions -- Debian mdadm")


@pytest.mark.parametrize(
    "heading",
    [
        "5. How to convert RAID5 to RAID10?",
        "4. Which RAID level should I use?",
        "4b. Can a 4-device RAID10 survive two device failures?",
        "18. How many failed devics can a RAID10 handle?",
        "9b. Why not?",
        "Warning",
    ],
)
def test_how_to_and_knowledge_questions_report_no_problem(heading):
    assert question_problem(heading) is None


@pytest.mark.parametrize(
    ("heading", "symptom", "why"),
    [
        ("19. What should I do if a device fails?", "a device fails", False),
        (
            "8. (One of) my RAID arrays is busy and cannot be stopped. What gives?",
            "my RAID arrays is busy and cannot be stopped",
            False,
        ),
        (
            "11. mdadm warns about duplicate/similar superblocks; what gives?",
            "mdadm warns about duplicate/similar superblocks",
            False,
        ),
        (
            "25. Why are my arrays marked auto-read-only in /proc/mdstat?",
            "my arrays marked auto-read-only in /proc/mdstat",
            True,
        ),
        ("Shutdown Problems", "Shutdown Problems", False),
    ],
)
def test_problem_questions_keep_the_problem_without_the_question_words(heading, symptom, why):
    question = question_problem(heading)
    assert question is not None
    assert (question.symptom, question.why) == (symptom, why)


def test_the_answer_to_a_why_question_opens_with_the_cause(rules_extractor):
    text = (
        "Arrays are kept read-only until the first write occurs. This allows md to skip lengthy "
        "resynchronisation for arrays that have not been properly shut down, but which also not have changed."
    )
    found = relations(rules_extractor, text, "25. Why are my arrays marked auto-read-only in /proc/mdstat?")
    assert found == {
        (
            "my arrays marked auto-read-only in /proc/mdstat",
            "CAUSED_BY",
            "Arrays are kept read-only until the first write occurs",
        )
    }


def test_a_why_answer_that_points_elsewhere_states_no_cause(rules_extractor):
    text = "Please see README.checkarray and http://thread.gmane.org/gmane.linux.raid/11864 ."
    assert (
        relations(rules_extractor, text, "21. Why does the kernel speak of 'resync' when using checkarray?")
        == set()
    )


def test_the_reason_for_this_explains_the_sentence_before(rules_extractor):
    text = (
        "It is perfectly normal for mdadm to report the array with the root filesystem to be busy on "
        "shutdown. The reason for this is that the root filesystem must be mounted to be able to stop the "
        "array (or otherwise /sbin/mdadm does not exist), but to stop the array, the root filesystem cannot "
        "be mounted."
    )
    found = relations(
        rules_extractor, text, "8. (One of) my RAID arrays is busy and cannot be stopped. What gives?"
    )
    assert found == {
        (
            "mdadm to report the array with the root filesystem to be busy on shutdown",
            "CAUSED_BY",
            "the root filesystem must be mounted to be able to stop the array",
        )
    }


def test_a_list_of_common_causes_with_their_checks(rules_extractor):
    text = (
        "If mdadm cannot stop other arrays on your system, check that these arrays aren't used anymore. "
        "Common causes for busy/locked arrays are:\n"
        "The array contains a mounted filesystem (check the `mount' output)\n"
        "The array is used as a swap backend (check /proc/swaps)\n"
        "The array is used by the device-mapper (check with `dmsetup')\n"
        "LVM\n"
        "dm-crypt\n"
        "The array is used by a process (check with `lsof')"
    )
    found = relations(
        rules_extractor, text, "8. (One of) my RAID arrays is busy and cannot be stopped. What gives?"
    )
    assert found == {
        (
            "mdadm cannot stop other arrays on your system",
            "REMEDIED_BY",
            "check that these arrays aren't used anymore",
        ),
        ("busy/locked arrays", "CAUSED_BY", "The array contains a mounted filesystem"),
        ("busy/locked arrays", "CAUSED_BY", "The array is used as a swap backend"),
        ("busy/locked arrays", "CAUSED_BY", "The array is used by the device-mapper"),
        ("busy/locked arrays", "CAUSED_BY", "The array is used by a process"),
        ("The array contains a mounted filesystem", "REMEDIED_BY", "check the mount output"),
        ("The array is used as a swap backend", "REMEDIED_BY", "check /proc/swaps"),
        ("The array is used by the device-mapper", "REMEDIED_BY", "check with dmsetup"),
        ("The array is used by a process", "REMEDIED_BY", "check with lsof"),
    }


def test_lettered_ways_to_solve_the_problem_remedy_the_question(rules_extractor):
    text = (
        "There are two ways to solve this:\n"
        "(a) recreate the arrays with version-1 superblocks, which is not always an option -- you cannot yet "
        "upgrade version-0 to version-1 superblocks for existing arrays.\n"
        "(b) instead of 'DEVICE partitions', list exactly those devices that are components of MD arrays on "
        "your system. So istead of:\n"
        "        DEVICE partitions\n"
        "      for example:\n"
        "        DEVICE /dev/sd[ab]* /dev/sdc[123]"
    )
    found = relations(
        rules_extractor, text, "11. mdadm warns about duplicate/similar superblocks; what gives?"
    )
    symptom = "mdadm warns about duplicate/similar superblocks"
    assert (symptom, "REMEDIED_BY", "recreate the arrays with version-1 superblocks") in found
    assert (
        symptom,
        "REMEDIED_BY",
        "list exactly those devices that are components of MD arrays on your system",
    ) in found


def test_a_heading_that_says_because_states_its_cause(rules_extractor):
    text = "This does not happen anymore, if no arrays present in config file, no arrays will be started."
    found = relations(
        rules_extractor, text, "23. mdadm's init script fails because it cannot find any arrays. What gives?"
    )
    assert found == {("mdadm's init script fails", "CAUSED_BY", "it cannot find any arrays")}


def test_since_gives_the_cause_and_therefore_the_fix(rules_extractor):
    text = (
        "WARNING: Depending on which superblock version you use, it won't work to just overwrite the first "
        "few MiBs of the block device with 0x0 (e.g. via dd), since the superblock may be at other locations "
        "(especially the end of the device). Therefore always use mdadm --zero-superblock ."
    )
    symptom = "overwrite the first few MiBs of the block device with 0x0 won't work"
    assert relations(rules_extractor, text, '1. How do I overwrite ("zero") the superblock?') == {
        (symptom, "CAUSED_BY", "the superblock may be at other locations"),
        (symptom, "REMEDIED_BY", "use mdadm --zero-superblock"),
    }


def test_it_turned_out_names_the_cause_of_the_reported_problem(rules_extractor):
    text = (
        "In one case, a user reported that he received random incorrect values from the UPS in the status "
        "output. It turned out that gpm, the mouse control program for command windows, was using the serial "
        "port without using the standard Unix locking mechanism."
    )
    assert relations(rules_extractor, text) == {
        (
            "he received random incorrect values from the UPS in the status output",
            "CAUSED_BY",
            "gpm was using the serial port without using the standard Unix locking mechanism",
        )
    }


def test_you_can_after_a_problem_condition_is_a_remedy(rules_extractor):
    text = (
        "If you do not know what cable you have, you can use the apctest program to determine the type of "
        "the cable."
    )
    assert relations(rules_extractor, text) == {
        (
            "you do not know what cable you have",
            "REMEDIED_BY",
            "use the apctest program to determine the type of the cable",
        )
    }


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        # a fragment after "and" is no symptom
        (
            "If you use multiple arrays on a single device, and that device fails, but it only failed on "
            "one array, then you now need to manually fail that device from the other arrays before "
            "shutting down.",
            "14. When would I partition an array?",
        ),
        # "you cannot ..." states a limit of the setup, not a fault
        (
            "Thus, if you only have one copy (the original), you cannot handle any failures.",
            "18. How many failed devics can a RAID10 handle?",
        ),
        # the imperative of a how-to answer is an instruction, not a remedy
        ("Please don't count on it.", "18. How many failed devics can a RAID10 handle?"),
        # a condition that states no fault: an instruction for a setup
        (
            "If you want/must used LVM or RAID0, stripe it across RAID1 arrays (RAID10/RAID1+0, or LVM on "
            "RAID1), and keep backups!",
            "9b. Why not?",
        ),
    ],
)
def test_how_to_answers_and_fragments_give_no_relation(rules_extractor, text, heading):
    assert relations(rules_extractor, text, heading) == set()


def test_names_are_concise():
    assert (
        concise_name("please remove one from the DEVICE list in mdadm.conf.")
        == "remove one from the DEVICE list in mdadm.conf"
    )
    assert concise_name("and that device fails") is None
    assert concise_name("this problem") is None
    # over 15 words: the aside goes, then the appositive
    assert (
        concise_name(
            "gpm, the mouse control program for command windows, was using the serial port without using the "
            "standard Unix locking mechanism"
        )
        == "gpm was using the serial port without using the standard Unix locking mechanism"
    )


def test_one_instruction_with_two_imperatives_is_two_remedies():
    text = (
        "please ensure that you have a valid /etc/mdadm/mdadm.conf file (run /usr/share/mdadm/mkconf "
        "--generate to get one), and run mdadm --assemble --scan --auto=yes instead of mdrun"
    )
    parts = split_remedies(text)
    assert len(parts) == 2
    assert parts[1] == "run mdadm --assemble --scan --auto=yes instead of mdrun"
