"""Plain-text headings that wrap onto a second line (issue 13: mdadm FAQ questions 12 and 26)."""

from pathlib import Path

from retrieval.parse import parse_file
from retrieval.types import BlockKind

MDADM_FAQ = Path(__file__).resolve().parents[3] / "sample_data" / "dev" / "mdadm-faq.txt"


def _parse(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(text)
    return parse_file(path)


def _headings(doc):
    return [(b.level, b.text) for b in doc.blocks if b.kind is BlockKind.HEADING]


def _block_starting(doc, prefix):
    return next(b for b in doc.blocks if b.text.startswith(prefix))


def test_mdadm_faq_two_line_questions_are_headings_over_their_own_answers():
    doc = parse_file(MDADM_FAQ)
    q12 = (
        "12. mdadm -E / mkconf report different arrays with the same device name / minor number. What gives?"
    )
    q20 = "20. So how do I find out which other device(s) can fail without killing the array?"
    q26 = "26. Why doesn't mdadm find arrays specified in the config file and causes the boot to fail?"
    headings = _headings(doc)
    for question in (q12, q20, q26):
        assert (2, question) in headings
    assert _block_starting(doc, "In almost all cases, mdadm updates").heading_path[-1] == q12
    assert _block_starting(doc, "Did you read the previous question").heading_path[-1] == q20
    assert _block_starting(doc, "My boot process dies at an early stage").heading_path[-1] == q26
    # the one-line questions around them are unchanged, and no question turned into a list step
    assert (2, "11. mdadm warns about duplicate/similar superblocks; what gives?") in headings
    assert (2, "25. Why are my arrays marked auto-read-only in /proc/mdstat?") in headings
    assert not any(b.text.startswith("~~~") for b in doc.blocks)
    assert not any(b.kind is BlockKind.PROCEDURE and "What gives?" in b.text for b in doc.blocks)


def test_a_numbered_title_with_a_hanging_indent_is_one_heading(tmp_path):
    doc = _parse(
        tmp_path,
        "Pump FAQ\n========\n\n"
        "3. The pump reports error E-42 after a restart and the motor\n"
        "   does not spin up again\n"
        "------------------------------------------------------------\n"
        "Check the thermal fuse first.\n",
    )
    title = "3. The pump reports error E-42 after a restart and the motor does not spin up again"
    assert _headings(doc) == [(1, "Pump FAQ"), (2, title)]
    assert _block_starting(doc, "Check the thermal fuse").heading_path == ("Pump FAQ", title)


def test_an_unnumbered_question_over_three_lines_is_one_heading(tmp_path):
    doc = _parse(
        tmp_path,
        "Why does the hydraulic press lose pressure overnight\n"
        "when the accumulator was charged the evening\n"
        "before?\n"
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
        "A leaking check valve.\n",
    )
    title = (
        "Why does the hydraulic press lose pressure overnight when the accumulator was charged"
        " the evening before?"
    )
    assert _headings(doc) == [(1, title)]
    assert _block_starting(doc, "A leaking check valve").heading_path == (title,)


def test_lines_above_a_rule_join_a_heading_only_when_numbered_or_a_question_and_underlined_to_width(tmp_path):
    # (a paragraph's last line right above a rule as wide as it is still read as a one-line
    # title, as before; these check only that the lines above it never join that title)
    doc = _parse(
        tmp_path,
        # neither numbered nor a question
        "Replace the seal kit when the ram drifts down under load and\n"
        "the pressure gauge reads below the set point\n"
        "--------------------------------------------------------------\n\n"
        # a question, but the rule is far wider than its lines
        "Did you read the previous answer?\n"
        "It covers the same fault.\n"
        "Is the valve open?\n"
        f"{'-' * 72}\n\n"
        # a question on more lines than a title wraps onto
        "Does it\nhappen\nafter a\nrestart?\n--------\n\n"
        # list steps are not one wrapped title
        "1. Stop the pump.\n"
        "2. Open the bleed valve?\n"
        "------------------------\n",
    )
    headings = " | ".join(text for _, text in _headings(doc))
    for first_line in ("Replace the seal kit", "Did you read", "It covers", "Does it", "Stop the pump"):
        assert first_line not in headings
        assert any(first_line in b.text for b in doc.blocks if b.kind is not BlockKind.HEADING)
    steps = next(b for b in doc.blocks if b.kind is BlockKind.PROCEDURE)
    assert "Stop the pump." in steps.text and "Open the bleed valve?" in steps.text


def test_a_line_over_a_rule_too_short_to_underline_it_is_kept_and_the_rule_dropped(tmp_path):
    doc = _parse(
        tmp_path,
        "For installation instructions see the INSTALL file.\n"
        "----------------------\n"
        "Pump controller firmware, version 2.\n",
    )
    assert [b.text for b in doc.blocks] == [
        "For installation instructions see the INSTALL file.",
        "Pump controller firmware, version 2.",
    ]


def test_a_wrapped_q_colon_question_heads_its_item_stays_in_its_text_and_is_never_the_title(tmp_path):
    doc = _parse(
        tmp_path,
        "   screen: frequently asked questions\n=-=-=-=-=-=-=-=-=-=-=-=-=-=\n\n"
        "Q:   Why is it  impossible to download  a file with Kermit  when\n"
        "     screen is running? Do I need to set some special variables?\n \n"
        "A:   Screen  always   interprets   control-sequences.  Simply detach\n"
        "     your screen session for each file transfer.\n\n"
        'Q: I get a message saying "Serial line is looped back".  Why?\n'
        "A: Your modem is in command mode.\n",
    )
    first = (
        "Why is it impossible to download a file with Kermit when screen is running? "
        "Do I need to set some special variables?"
    )
    second = 'I get a message saying "Serial line is looped back". Why?'
    assert _headings(doc) == [(1, first), (1, second)]
    # The question stays in the item's text (search matches its words), and a justified answer
    # (runs of spaces) is prose, not a preformatted block.
    asked = _block_starting(doc, "Q: Why is it")
    answer = _block_starting(doc, "A: Screen always")
    assert asked.kind is answer.kind is BlockKind.PARAGRAPH
    assert asked.heading_path == answer.heading_path == (first,)
    assert _block_starting(doc, 'Q: I get a message saying "Serial line').heading_path == (second,)
    assert doc.metadata.title == "notes"  # a question is no title


def test_a_long_q_colon_paragraph_is_no_heading(tmp_path):
    doc = _parse(tmp_path, "Q: " + "\n".join(["a line of a long question that goes on"] * 6) + "?\n")
    assert _headings(doc) == []


CHRONY_LIKE = """Frequently Asked Questions

3. Computer is not synchronising

This is the most common problem.

3.1. Behind a firewall?

Check that the firewall allows UDP port 123.

3.2. Must I specify servers by IP address if DNS is not available on
chronyd start?

No.

MS Name/IP address         Stratum Poll Reach LastRx Last sample
===============================================================================
^* foo.example.net               2   6   377    34   +484us[ -157us] +/-   30ms
"""


def test_numbered_sections_and_questions_without_underlines_are_headings(tmp_path):
    doc = _parse(tmp_path, CHRONY_LIKE)
    assert _headings(doc) == [
        (1, "3. Computer is not synchronising"),
        (2, "3.1. Behind a firewall?"),
        (2, "3.2. Must I specify servers by IP address if DNS is not available on chronyd start?"),
    ]
    assert _block_starting(doc, "Check that the firewall").heading_path == (
        "3. Computer is not synchronising",
        "3.1. Behind a firewall?",
    )
    # the question stays in the text too: keyword search matches a complaint against its words
    assert [b.kind for b in doc.blocks if b.text == "3.1. Behind a firewall?"] == [
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
    ]
    # neither a numbered section nor a table's header row over its "=====" names the document
    assert doc.metadata.title == "notes"


def test_a_numbered_question_over_its_answer_heads_it(tmp_path):
    doc = _parse(tmp_path, "1.1. How do you pronounce it?\nThe Val as in value.\n")
    assert _headings(doc) == [(2, "1.1. How do you pronounce it?")]
    assert _block_starting(doc, "The Val").heading_path == ("1.1. How do you pronounce it?",)


def test_a_one_step_list_and_a_sentence_over_a_rule_stay_text(tmp_path):
    doc = _parse(
        tmp_path,
        "3. Restart the daemon\n\nDon't feel bad: almost everyone gets it wrong.\n" + "-" * 72 + "\n",
    )
    assert _headings(doc) == []
    assert _block_starting(doc, "Don't feel bad").kind is BlockKind.PARAGRAPH
    # a version number inside a paragraph ("1.1.3 and before") makes no section of "1."
    doc = _parse(tmp_path, "1. Check the version\n\n    Versions\n    1.1.3 and before were not.\n")
    assert _headings(doc) == []


def test_numbers_that_open_ordinary_text_make_no_heading(tmp_path):
    text = (
        "127.0.0.1 localhost\n\n"
        "1.2.3 and before were affected; upgrade to\n1.2.4 or later.\n\n"
        "3.5 mm jack on the front panel.\n\n"
        "    1.0.2 foo\n\n"
        "1.5 litres of oil are needed.\n\n"
        "1. Open the lid.\n\n"
        "2. Close it again.\n"
    )
    assert _headings(_parse(tmp_path, text)) == []


def test_a_numbered_title_keeps_its_underline_and_its_body_line(tmp_path):
    doc = _parse(tmp_path, "2.1 Installation\n----------------\n\n3.1 Pump does not start\nCheck the fuse.\n")
    # the underline sets the first level; a numbered title nests below every underlined level
    assert _headings(doc) == [(1, "2.1 Installation"), (3, "3.1 Pump does not start")]
    assert _block_starting(doc, "Check the fuse.").heading_path[-1] == "3.1 Pump does not start"


def test_a_title_with_wide_spaces_over_prose_is_still_a_title(tmp_path):
    doc = _parse(tmp_path, "Chapter 3   Troubleshooting\n===========================\n\nCheck the fuse.\n")
    assert _headings(doc) == [(1, "Chapter 3 Troubleshooting")]


def test_numbered_questions_head_their_indented_answers_which_are_prose(tmp_path):
    text = (
        "2. I installed it, but how am I supposed to\n   use it?  It simply does nothing.\n\n"
        "\tYou're not supposed to start it from the command line.\n"
        "\tIt expects exactly one mail message on its stdin.\n\n"
        '\tmail -F "|/usr/bin/procmail"\n\n'
        "3. Close the lid.\n\n"
        "4. The functions jed_mem??? have been renamed to SLmem???.\n\n"
        "5. BASIC SED\n   5.1. What is sed?\n   5.2. Where can I get it?\n"
    )
    doc = _parse(tmp_path, text)
    question = "2. I installed it, but how am I supposed to use it? It simply does nothing."
    assert _headings(doc) == [(1, question)]
    answer = _block_starting(doc, "You're not supposed")
    assert answer.kind is BlockKind.PARAGRAPH and answer.heading_path == (question,)
    assert _block_starting(doc, "\tmail -F").kind is BlockKind.CODE  # a command stays code


def test_a_numbered_item_that_states_its_problem_continues_the_run_of_questions(tmp_path):
    # procmail's FAQ: after question 12, items 13-16 state their problem over an indented answer;
    # read as list steps they and their answers fell under question 12
    text = (
        "12. How do I view the man pages?\n\n"
        "\tMake sure the installation directory is included in your MANPATH.\n\n"
        "13. The leading From_ line on all my arriving mail shows the wrong time.\n"
        "    Before putting procmail in the .forward file everything was OK.\n\n"
        "\tThis is a known bug in sendmail-5.65c+IDA.  The real fix would be\n"
        "\tto upgrade to sendmail 6.x or later.\n\n"
        "15. Open the lid of the unit.\n\n"
        "\tThe lid is held by four screws on the left side of the unit.\n"
    )
    doc = _parse(tmp_path, text)
    item = (
        "13. The leading From_ line on all my arriving mail shows the wrong time. "
        "Before putting procmail in the .forward file everything was OK."
    )
    assert _headings(doc) == [(1, "12. How do I view the man pages?"), (1, item)]
    assert _block_starting(doc, "This is a known bug").heading_path == (item,)
    # the item stays in its text, as a question does; a number out of the run is no item
    assert [b.kind for b in doc.blocks if b.text == item] == [BlockKind.HEADING, BlockKind.PARAGRAPH]
    assert next(b for b in doc.blocks if "Open the lid" in b.text).kind is BlockKind.PROCEDURE


def test_a_numbered_step_over_an_indented_command_is_no_item_of_the_run(tmp_path):
    # A run of questions continues only over an indented *answer*: a step over its command stays a step.
    text = (
        "1. Do I need root to install it?\n\n"
        "\tNo. Any user can build it in a home directory and run it from there.\n\n"
        "2. Download the tarball from the project page.\n\n"
        "\twget https://example.org/pumpd-1.2.tar.gz\n\n"
        "3. Unpack it next to the old version.\n"
    )
    doc = _parse(tmp_path, text)
    assert _headings(doc) == [(1, "1. Do I need root to install it?")]
    assert next(b for b in doc.blocks if "Download the tarball" in b.text).kind is BlockKind.PROCEDURE
