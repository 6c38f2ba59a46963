"""Review findings on the relation rules (issue 13, session 11 review): each case a rule got wrong."""

from graph import ChunkInput
from graph.llm_items import item_of

ANNOUNCING = "When I compile the program I get the following error:"


def _chunk(text, heading):
    return ChunkInput("c1", "col", "doc", "v1", text, "paragraph", ("faq", heading))


def test_an_items_labelled_answer_stays_the_answer_after_an_announced_message():
    item = item_of(_chunk(f"Q: {ANNOUNCING}\n\nA: Your compiler is too old. Upgrade to gcc 4.", ANNOUNCING))
    assert item is not None
    assert item.question == ANNOUNCING
    assert item.sentences == ("A: Your compiler is too old.", "Upgrade to gcc 4.")


def test_the_message_between_the_question_line_and_the_answer_joins_the_question():
    text = f"Q: {ANNOUNCING}\n\nundefined reference to foo\n\nA: Your compiler is too old."
    item = item_of(_chunk(text, ANNOUNCING))
    assert item is not None
    assert item.question == f"{ANNOUNCING} undefined reference to foo"
    assert item.sentences == ("A: Your compiler is too old.",)


def test_without_a_question_line_the_first_paragraph_is_still_the_message():
    item = item_of(_chunk("undefined reference to foo\n\nYour compiler is too old.", ANNOUNCING))
    assert item is not None
    assert item.question == f"{ANNOUNCING} undefined reference to foo"
    assert item.sentences == ("Your compiler is too old.",)
