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


def _relations(extractor, text, heading):
    facts = extractor.extract(_chunk(text, heading))
    names = {m.key: m.name for m in facts.mentions}
    return {(names[r.head], r.type, names[r.tail]) for r in facts.relations if r.type == "REMEDIED_BY"}


def test_an_answer_starts_where_it_does_in_the_cleaned_text(rules_extractor):
    # clean_text squeezes the heading's blank runs: the answer's offset in the raw text is too far.
    heading = "Screen messes up the    display     of my   terminal."
    found = _relations(rules_extractor, f"Q: {heading}\nA: Check your TERM setting. Restart screen.", heading)
    symptom = "Screen messes up the display of my terminal"
    assert (symptom, "REMEDIED_BY", "Check your TERM setting") in found
    assert (symptom, "REMEDIED_BY", "Restart screen") in found


def test_answer_sentences_are_found_across_wrapped_lines():
    from graph.extract import _answer_sentences

    text = "Q: Why?\nA: Check the\nsetting first. Check the\nsetting again."
    found = _answer_sentences(text, text.index("A:"))
    assert [s.text for s in found] == ["A: Check the setting first.", "Check the setting again."]
    assert [s.start for s in found] == [text.index("A:"), text.index("Check the\nsetting again")]
