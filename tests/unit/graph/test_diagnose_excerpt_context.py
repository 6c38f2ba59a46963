"""What an excerpt shows around the sentence the complaint matches (graph.diagnose_rank), the
layouts of a troubleshooting checklist written as flowed text (HPLIP's help page)."""

from __future__ import annotations

from graph.diagnose_rank import MAX_EXCERPT_CHARS, PassageHit, answer_excerpt, passage_causes, terms

# A long opening (a configuration dump, over MAX_OPENING_CHARS) so the opening rule does not show it.
CONFIG = "[configure] " + " ".join(f"option{i}-build=yes" for i in range(16)) + " internal-tag=2.8.5.23."
FLOWED = PassageHit(
    "p1",
    "guide",
    None,
    CONFIG + " Is the pump relay energised? Look for the output of the relay test for the following: "
    "Checking relay coil: pump relay drive circuit.... OK, found. If the coil is open you can try "
    "running: relay-reset now.",
    "Guide > Water supply",
)


def test_the_room_left_shows_the_question_asked_before_the_matched_sentence():
    # The complaint's words are in the check after the question; the question names the cause.
    name, excerpt = answer_excerpt(terms("the pump relay drive circuit is missing"), FLOWED)
    assert excerpt.index("Is the pump relay energised?") < excerpt.index("Checking relay coil")
    assert "relay-reset" in excerpt and len(excerpt) <= MAX_EXCERPT_CHARS


def test_the_text_before_the_start_never_takes_the_room_of_the_text_after_it():
    long_after = " ".join(f"Then step {i} of the relay test is run on the bench." for i in range(40))
    passage = PassageHit(
        "p2",
        "guide",
        None,
        CONFIG + " Is the pump relay energised when the controller calls for water and the float switch "
        "is closed at the low level mark of the tank? The relay drive circuit fails. " + long_after,
        "Guide > Water supply",
    )
    _, excerpt = answer_excerpt(terms("relay drive circuit fails"), passage)
    assert excerpt.startswith("The relay drive circuit fails.")
    assert "energised" not in excerpt and len(excerpt) <= MAX_EXCERPT_CHARS


# A checklist whose first check sits under a label ("Print"), so only the second reads as a question
# line: the complaint's words pick the second check's item.
LABELLED_CHECKLIST = PassageHit(
    "p3",
    "guide",
    None,
    "Pumping\n"
    "Is the pump switched on and not in an alarm state?\n"
    "If you run pump-test -t, are there any faults reported?\n"
    "In the pump-test output, verify that the flow sensor is configured:\n"
    "Verify in the section SENSORS that the flow sensor is listed.",
    "Guide > Functional problems",
)


def test_the_questions_ending_the_item_before_are_shown_before_the_question_whose_answer_is_shown():
    complaint = "the flow sensor is configured but nothing is pumped"
    name, excerpt = answer_excerpt(terms(complaint), LABELLED_CHECKLIST)
    assert name == "If you run pump-test -t, are there any faults reported?"
    assert excerpt.startswith(
        "Is the pump switched on and not in an alarm state? "
        "If you run pump-test -t, are there any faults reported? In the pump-test output"
    )
    assert "section SENSORS" in excerpt


def test_an_answered_item_before_lends_no_question():
    passage = PassageHit(
        "p4",
        "guide",
        None,
        "Why does the pump hum?\nThe capacitor has failed. Replace it.\n"
        "Why is no flow sensor listed?\nThe sensor cable is loose; reseat it.",
        "Guide > Functional problems",
    )
    _, excerpt = answer_excerpt(terms("no flow sensor listed"), passage)
    assert excerpt == "The sensor cable is loose; reseat it."


def test_a_passage_sharing_a_complaints_word_only_in_another_form_is_shown():
    # terms() keeps "faxed" whole (too short for its suffix rule): no word shared, passage skipped.
    passage = PassageHit(
        "p5",
        "guide",
        None,
        "Is the phone line connected? Can you fax a different document? If so, the document is at fault.",
        "Guide > Telephony",
    )
    shown = passage_causes("one particular PDF never gets faxed", [passage])
    assert [c.cites[0].chunk_id for c in shown] == ["p5"]
    assert "fax a different document" in shown[0].excerpt


def test_a_hyphenated_word_names_its_parts_when_nothing_else_is_shared():
    passage = PassageHit(
        "p6",
        "faq",
        None,
        "The frontend cannot find any sane-device, this might have several causes:\n"
        "the driver is not loaded\nyou have no access to the driver",
        "PROBLEM:",
    )
    shown = passage_causes("no SANE devices found on the box", [passage])
    assert shown and "the driver is not loaded" in shown[0].excerpt


def test_a_chunk_holding_only_an_unmarked_question_is_the_text_under_its_heading():
    # The chunker cut a checklist: its last check stands alone, read as an item with no answer.
    passage = PassageHit(
        "p7",
        "guide",
        None,
        "(i.e. ensure that this is not a pipe-specific problem) "
        "Is the receiving tank on-line and able to accept water?",
        "Guide > Functional problems (pump, valve, tank)",
    )
    shown = passage_causes("water never reaches the tank", [passage])
    assert shown and "pipe-specific problem" in shown[0].excerpt
    assert shown[0].name == "Guide > Functional problems (pump, valve, tank)"


def test_a_marked_question_alone_in_its_chunk_waits_for_its_answer():
    for text in ("Q: Why does water never reach the tank?", "**Why does water never reach the tank?**"):
        passage = PassageHit("p8", "faq", None, text, "Why does water never reach the tank?")
        assert passage_causes("water never reaches the tank", [passage]) == []
