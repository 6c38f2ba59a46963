"""Plain-text list items hard-wrapped without indenting their next lines (issue 13: ppp-5)."""

from retrieval.parse import parse_file
from retrieval.types import BlockKind


def _blocks(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(text)
    return [(b.kind, b.text) for b in parse_file(path).blocks if b.kind is not BlockKind.HEADING]


def test_an_item_cut_mid_sentence_keeps_its_unindented_lines(tmp_path):
    text = (
        "For the pump to stop:\n"
        "\n"
        "- The float switch has to be wired to the relay so that it opens and\n"
        "closes with the level.  Usually the factory wiring does this.\n"
        '- Some controllers have a "manual hold" setting, which\n'
        "must be *disabled*.  The way to do this varies between models.\n"
        "On the X2, hold the reset key.  On the X3, edit the settings\n"
        "menu and clear the hold flag.\n"
    )
    items = [t for k, t in _blocks(tmp_path, text) if k is BlockKind.LIST_ITEM]
    assert items == [
        "The float switch has to be wired to the relay so that it opens and closes with the level.  "
        "Usually the factory wiring does this.",
        'Some controllers have a "manual hold" setting, which must be *disabled*.  The way to do '
        "this varies between models. On the X2, hold the reset key.  On the X3, edit the settings "
        "menu and clear the hold flag.",
    ]
    paragraphs = [t for k, t in _blocks(tmp_path, text) if k is BlockKind.PARAGRAPH]
    assert not any(t.startswith(("closes", "must", "On the")) for t in paragraphs)


def test_numbered_steps_cut_mid_sentence_keep_their_lines(tmp_path):
    text = (
        "1. Open the cover and remove the two screws that hold\nthe filter in place.\n2. Rinse the filter.\n"
    )
    procedures = [t for k, t in _blocks(tmp_path, text) if k is BlockKind.PROCEDURE]
    assert len(procedures) == 1
    assert "remove the two screws that hold the filter in place." in procedures[0]


def test_a_line_after_a_finished_item_stays_a_paragraph(tmp_path):
    text = "- Check the fuse.\n- Check the cable.\nThen call the service desk if the pump still fails.\n"
    blocks = _blocks(tmp_path, text)
    assert (BlockKind.LIST_ITEM, "Check the cable.") in blocks
    assert (BlockKind.PARAGRAPH, "Then call the service desk if the pump still fails.") in blocks


def test_a_question_or_a_title_after_an_unfinished_item_is_not_its_text(tmp_path):
    text = "- Replace the seal with part number\nQ: Where do I order parts?\n"
    blocks = _blocks(tmp_path, text)
    assert (BlockKind.LIST_ITEM, "Replace the seal with part number") in blocks
    text = "- Replace the seal with part number\nSpare parts\n===========\n\nOrder them online.\n"
    blocks = _blocks(tmp_path, text)
    assert (BlockKind.LIST_ITEM, "Replace the seal with part number") in blocks
    assert not any("Spare parts" in t for _, t in blocks)  # a heading, left out here
