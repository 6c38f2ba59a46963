"""A symptom stated on its label's line, then the problem behind it and its solution under labels
of their own ("SYMPTOM: …" / "PROBLEM:" / "SOLUTION:", the SANE Plustek FAQ's layout): the
problem is the symptom's cause, and one block is one item for the Diagnose page and the rules."""

from functools import partial

from graph.labelled import labelled_items
from graph.structure import labelled_sections

from .relations_under import relations_under

relations = partial(relations_under, "Manual")

BLOCKS = (
    "SYMPTOM: The pump hums but does not turn\nPROBLEM:\nThe impeller is jammed.\n"
    "SOLUTION:\nReplace the impeller.\n"
    "SYMPTOM: The display stays dark\nPROBLEM:\nThe display cable is loose.\nSOLUTION:\n"
    "Reseat the display cable.\n"
    "PROBLEM:\nThe pump leaks oil.\nSOLUTION:\nReplace the seal.\n"
)


def test_a_symptoms_problem_is_its_cause_in_the_labelled_items():
    items = [(i.problem, [(p.role, p.text.strip()) for p in i.parts]) for i in labelled_items(BLOCKS)]
    assert items == [
        (
            "The pump hums but does not turn",
            [("cause", "The impeller is jammed."), ("remedy", "Replace the impeller.")],
        ),
        (
            "The display stays dark",
            [("cause", "The display cable is loose."), ("remedy", "Reseat the display cable.")],
        ),
    ]
    # the lone "PROBLEM:" after a solution is the next problem, not more of that solution
    assert "leaks" not in labelled_items(BLOCKS)[-1].parts[-1].text


def test_a_problem_on_its_labels_line_after_a_symptom_is_its_cause_too():
    text = "Symptom: no output\nProblem: the fuse is blown.\nSolution: replace the fuse.\n"
    (item,) = labelled_items(text)
    assert item.problem == "no output"
    assert [(p.role, p.text) for p in item.parts] == [
        ("cause", "the fuse is blown."),
        ("remedy", "replace the fuse."),
    ]


def test_a_symptoms_problem_is_its_cause_in_the_labelled_sections():
    assert labelled_sections(BLOCKS) == [
        {
            "symptom": "The pump hums but does not turn",
            "cause": "The impeller is jammed.",
            "action": "Replace the impeller.",
        },
        {
            "symptom": "The display stays dark",
            "cause": "The display cable is loose.",
            "action": "Reseat the display cable.",
        },
        {"symptom": "The pump leaks oil.", "action": "Replace the seal."},
    ]
    # a chunk of one-line items stays graph.labelled's: no lone label, no section
    assert labelled_sections("Symptom: no output\nCause: the fuse is blown.\n") == []


def test_relations_of_symptom_problem_solution_blocks(rules_extractor):
    found = relations(rules_extractor, BLOCKS, "Troubleshooting")
    assert ("The pump hums but does not turn", "CAUSED_BY", "The impeller is jammed") in found
    assert ("The impeller is jammed", "REMEDIED_BY", "Replace the impeller") in found
    assert ("The display stays dark", "CAUSED_BY", "The display cable is loose") in found
    assert ("The pump leaks oil", "REMEDIED_BY", "Replace the seal") in found
    assert not {r for r in found if r[0].startswith("The impeller") and r[1] == "CAUSED_BY"}


def test_a_problem_listing_its_causes_gives_each_as_a_cause(rules_extractor):
    text = (
        "SYMPTOM: no devices found\n"
        "While testing nothing happens.\n"
        "PROBLEM:\n"
        "The frontend cannot find any device, this might have several causes:\n"
        "the driver is not loaded\n"
        "the backend is not enabled\n"
        "SOLUTION:\n"
        "Load the driver.\n"
    )
    (group,) = labelled_sections(text)
    assert group["symptom"] == "no devices found"  # the lines below describe it
    found = relations(rules_extractor, text, "Troubleshooting")
    assert ("no devices found", "CAUSED_BY", "the driver is not loaded") in found
    assert ("no devices found", "CAUSED_BY", "the backend is not enabled") in found
    assert ("no devices found", "REMEDIED_BY", "Load the driver") in found
    assert not {r for r in found if r[2].startswith("The frontend")}
