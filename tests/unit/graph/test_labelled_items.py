"""Troubleshooting items written as labelled parts ("Problem: … Solution: …", "故障现象：… 原因：…"),
found by graph.labelled in list items and plain paragraphs, and read by the relation rules as FAQ
items whose question is the problem (graph.extract). Made-up texts in several layouts."""

from functools import partial

from graph.faq import chunk_item
from graph.labelled import labelled_items, named_fixes

from .relations_under import relations_under

relations = partial(relations_under, "Manual")

# An HTML list whose items sit under one heading: the parser gives one line per item.
HTML_LIST = (
    "Problem: The pump does not start. Solution: Replace the fuse. Check the wiring.\n"
    "Problem: The pump hums but delivers no oil. Solution (short): purge-valve open "
    "Solution (long): Air in the suction line stops the flow.\n"
)
MARKDOWN = (
    "- **Symptom:** The motor overheats after a few minutes.\n"
    "  **Cause:** The cooling fan is broken.\n"
    "  **Remedy:** Replace the fan.\n"
    "- **Symptom:** The display stays dark.\n"
    "  **Cause:** The display cable is loose.\n"
    "  **Remedy:** Reseat the display cable.\n"
)
CHINESE = (
    "故障现象：泵不出油。原因：吸油管堵塞。处理方法：清洗吸油管；更换滤芯。\n"
    "故障现象：电机过热。原因：风扇损坏。处理方法：更换风扇。"
)


def test_labelled_problems_and_their_parts_in_several_layouts():
    html = labelled_items(HTML_LIST)
    assert [i.problem for i in html] == ["The pump does not start.", "The pump hums but delivers no oil."]
    assert [(p.role, p.text) for p in html[1].parts] == [
        ("remedy", "purge-valve open"),
        ("remedy", "Air in the suction line stops the flow."),
    ]
    markdown = labelled_items(MARKDOWN)
    assert [i.problem for i in markdown] == [
        "The motor overheats after a few minutes.",
        "The display stays dark.",
    ]
    assert [(p.role, p.text.strip()) for p in markdown[0].parts] == [
        ("cause", "The cooling fan is broken."),
        ("remedy", "Replace the fan."),
    ]
    chinese = labelled_items(CHINESE)
    assert [i.problem for i in chinese] == ["泵不出油。", "电机过热。"]
    assert [(p.role, p.text) for p in chinese[0].parts] == [
        ("cause", "吸油管堵塞。"),
        ("remedy", "清洗吸油管；更换滤芯。"),
    ]
    text = "Error: Cannot connect to the server.\nFix: Restart the daemon.\n"
    assert [(i.problem, [p.text for p in i.parts]) for i in labelled_items(text)] == [
        ("Cannot connect to the server.", ["Restart the daemon."])
    ]


def test_what_is_no_labelled_item():
    # a console's error line with no cause or fix after it; a lower-case "error:" inside a sentence;
    # a label alone on its line (graph.structure's definition-list layout)
    assert labelled_items("$ pumpctl start\nError: file not found\n") == []
    assert labelled_items("Problem: I get the following error: avrdude: can't open. It fails.") == []
    assert labelled_items("Problem\nThe pump does not start.\nSolution\nReplace the fuse.\n") == []
    assert labelled_items("The solution: none. Problem: the error: x") == []


def test_a_remedy_names_a_fix_by_itself_only_when_short_and_stating_nothing():
    assert named_fixes("setserial port low_latency") == ["setserial port low_latency"]
    assert named_fixes("None at this time.") == []
    assert named_fixes("This problem seems to appear with certain versions of Cygwin") == []
    assert named_fixes("清洗吸油管；更换滤芯。") == ["清洗吸油管", "更换滤芯"]


def test_fixes_of_labelled_list_items_are_filed_under_their_problem_not_the_heading(rules_extractor):
    found = relations(rules_extractor, HTML_LIST, "Troubleshooting")
    assert ("The pump does not start", "REMEDIED_BY", "Replace the fuse") in found
    assert ("The pump does not start", "REMEDIED_BY", "Check the wiring") in found
    assert ("The pump hums but delivers no oil", "REMEDIED_BY", "purge-valve open") in found
    assert not {r for r in found if r[0] == "Troubleshooting"}


def test_labelled_causes_and_the_fixes_that_repair_them(rules_extractor):
    assert relations(rules_extractor, MARKDOWN, "Troubleshooting") == {
        ("The motor overheats after a few minutes", "CAUSED_BY", "The cooling fan is broken"),
        ("The cooling fan is broken", "REMEDIED_BY", "Replace the fan"),
        ("The display stays dark", "CAUSED_BY", "The display cable is loose"),
        ("The display cable is loose", "REMEDIED_BY", "Reseat the display cable"),
    }
    assert relations(rules_extractor, CHINESE, "故障排除") == {
        ("泵不出油", "CAUSED_BY", "吸油管堵塞"),
        ("吸油管堵塞", "REMEDIED_BY", "清洗吸油管"),
        ("吸油管堵塞", "REMEDIED_BY", "更换滤芯"),
        ("电机过热", "CAUSED_BY", "风扇损坏"),
        ("风扇损坏", "REMEDIED_BY", "更换风扇"),
    }


def test_a_plain_text_paragraph_with_an_error_and_its_fix(rules_extractor):
    text = (
        "Error: Disk full.\nFix: Remove old logs.\n\n"
        "Error: Cannot connect to the server.\nFix: restart the daemon\n"
    )
    assert relations(rules_extractor, text, "Common errors") == {
        ("Disk full", "REMEDIED_BY", "Remove old logs"),
        ("Cannot connect to the server", "REMEDIED_BY", "restart the daemon"),
    }


def test_a_chunk_of_labelled_problems_is_an_item_of_its_own():
    path = ("Manual", "Troubleshooting")
    first = chunk_item("d", "v", path, HTML_LIST)
    second = chunk_item("d", "v", path, MARKDOWN)
    assert first.key != second.key and first.title == "The pump does not start."
    # chunks with no labelled problem keep their heading's item
    solution = chunk_item("d", "v", (*path, "Solution"), "Replace it.")
    assert solution.key == chunk_item("d", "v", path, "x").key
    assert (
        chunk_item("d", "v", path, "", "record", "r1").key
        != chunk_item("d", "v", path, "", "record", "r2").key
    )


def test_a_solution_saying_there_is_none_gives_its_reason_as_the_cause(rules_extractor):
    text = (
        "Problem: Updating the firmware from the console does not work. Solution: None at this time. "
        "Currently, the console code cannot write to the flash one byte at a time.\n"
        "Problem: The pump does not start. Solution: None of the fuses is blown? Replace the relay.\n"
    )
    found = relations(rules_extractor, text, "Troubleshooting")
    assert (
        "Updating the firmware from the console does not work",
        "CAUSED_BY",
        "the console code cannot write to the flash one byte at a time",
    ) in found
    assert not {r for r in found if r[0] == "The pump does not start" and r[1] == "CAUSED_BY"}


# "?:" questions answered by "!:" paragraphs, the parser joining each pair onto one line.
ASKED = (
    "?: The pump can't deliver oil. !: Most likely the valve setting is wrong, check the valve.\n"
    "?: The display stays dark !: Why not? The backlight fuse is blown.\n"
)


def test_question_and_answer_marks_make_an_item_whose_answer_the_faq_rules_read(rules_extractor):
    items = labelled_items(ASKED)
    assert [i.problem for i in items] == ["The pump can't deliver oil.", "The display stays dark"]
    assert [(p.role, p.text) for p in items[1].parts] == [("answer", "Why not? The backlight fuse is blown.")]
    found = relations(rules_extractor, ASKED, "Common problems")
    assert ("The pump can't deliver oil", "CAUSED_BY", "the valve setting is wrong, check the valve") in found
    assert not {r for r in found if r[0] == "Common problems"}
    assert chunk_item("d", "v", ("Manual", "Common problems"), ASKED).title == items[0].problem
