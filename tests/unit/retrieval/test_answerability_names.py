"""A question about a thing no source names is not answerable from those sources."""

import pytest

from retrieval.answerability import missing_names, named_things


@pytest.mark.parametrize(
    ("question", "names"),
    [
        (
            "How do I wire the E-stop so LinuxCNC stops the machine when the emergency stop is pressed?",
            ["E-stop", "LinuxCNC"],
        ),
        ("What does fault code E-22 on the KP-50 pump mean?", ["E-22", "KP-50"]),
        ("KP-50 泵报 E-22 是什么意思", ["KP-50", "E-22"]),
        ("How do I recalibrate the battery runtime on an APC Smart-UPS?", ["Smart-UPS"]),
        # acronyms, plain numbers, values and words re-hyphenated at the start are no names
        ("Re-install apcupsd on a 12V UPS after 30 minutes?", []),
        ("挖掘机 D 的液压软管多久坏一次？", []),
        # a plain word joined to a name is no part of it (dev a038, a100: the documents say "NUT")
        ("The NUT-protected server has PTP-related support on x86-based boxes", ["x86"]),
    ],
)
def test_names_are_told_by_their_form(question, names):
    assert named_things(question) == names


def test_a_name_no_source_mentions_makes_the_question_unanswerable():
    # the portal's case: the LinuxCNC manual has no E-stop text, the passages matched other words
    sources = [
        "Very few mechanical switches (eg, an axis limit switch) will close perfectly in LinuxCNC.",
        "Normally, once the shutdown process has begun, we cannot stop it.",
    ]
    question = "How do I wire the E-stop so LinuxCNC stops the machine when the emergency stop is pressed?"
    missing = missing_names(question, sources)
    assert missing is not None and missing.names == ("E-stop",)
    assert "E-stop" in missing.missing_sentence("en")
    assert "E-stop" in missing.missing_sentence("zh")


@pytest.mark.parametrize(
    "source",
    [
        "Connect the emergency stop chain to the estop input.",
        "The E-Stop loop must be closed.",
        "estop-latch component",
    ],
)
def test_a_name_spelled_another_way_is_found(source):
    assert missing_names("How do I wire the E-stop in LinuxCNC?", [source, "LinuxCNC"]) is None


def test_codes_match_across_hyphens_and_case():
    assert missing_names("What does E22 on the kp50 mean?", ["E-22: coupling misaligned (KP-50)"]) is None
    assert missing_names("What does E-99 mean?", ["E-22: coupling misaligned"]).names == ("E-99",)
