"""Diagnose shows a labelled problem ("Problem: … Solution: …") as an item: the excerpt is that
problem's solution, named by the problem, not its chunk's other problems (graph.diagnose_rank)."""

from graph.diagnose_rank import PassageHit, answer_excerpt, passage_causes, terms

# Three problems of one list, one line each, in one chunk under the appendix's only heading.
TEXT = (
    "Problem: The programmer is really slow under Linux. Solution (short): setserial port low_latency "
    "Solution (long): The serial driver waits before it passes data on.\n"
    "Problem: The programmer is really slow on other systems. Solutions: The reasons are the same as above.\n"
    "Problem: Updating the flash ROM from terminal mode does not work. Solution: None at this time. "
    "The JTAG code cannot write to the flash ROM one byte at a time.\n"
)
PASSAGE = PassageHit("c1", "d", None, TEXT, "B. USB troubleshooting")


def test_the_excerpt_is_the_labelled_problem_the_complaint_names():
    name, excerpt = answer_excerpt(terms("flash ROM update from terminal mode fails"), PASSAGE)
    assert name == "Updating the flash ROM from terminal mode does not work."
    assert excerpt == (
        "Problem: Updating the flash ROM from terminal mode does not work. Solution: None at this time. "
        "The JTAG code cannot write to the flash ROM one byte at a time."
    )
    assert "slow" not in excerpt
    name, excerpt = answer_excerpt(terms("programmer slow under Linux"), PASSAGE)
    assert name == "The programmer is really slow under Linux."
    assert "setserial port low_latency" in excerpt and "flash" not in excerpt


def test_a_chunk_of_other_labelled_problems_is_no_further_part_of_a_shown_one():
    # Both chunks sit under one heading; the second shares no word with the complaint and is no
    # chunk of the item shown, so it is not asked by the heading's words ("USB").
    text = "Problem: The USB hub resets at power-on. Solution: Use a powered hub.\n"
    other = PassageHit("c2", "d", None, text, "B. USB troubleshooting")
    shown = passage_causes("programmer slow under Linux", [PASSAGE, other])
    assert [c.cites[0].chunk_id for c in shown] == ["c1"]
