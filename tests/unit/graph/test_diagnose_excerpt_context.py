"""What an excerpt shows around the sentence the complaint matches (graph.diagnose_rank), the
layouts of a troubleshooting checklist written as flowed text (HPLIP's help page)."""

from __future__ import annotations

from graph.diagnose_rank import MAX_EXCERPT_CHARS, PassageHit, answer_excerpt, terms

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
