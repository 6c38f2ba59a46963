from retrieval.grounding import check_answer, check_sentence, settle
from retrieval.table_rows import table_rows, wrong_row

TABLE = """HP-200 hydraulic press: fault code table
Before any repair, lower the ram onto blocks, switch off the pump motor and release the accumulator pressure.
Error code | Symptom | Cause | Remedy | Part number
H-301 | ram drifts down under load | worn piston seal | replace seal kit | HS-4410
H-302 | pump whines and pressure gauge needle flutters | low oil level with air drawn into the pump \
| top up ISO VG 46 oil and bleed the suction line | HF-2210
H-305 | oil temperature above 60 °C after an hour of cycling | clogged return-line cooler \
| clean the cooler core | HC-7730"""
SOURCES = {1: TABLE}


def test_rows_skip_the_header_and_markdown_rules():
    md = "| Code | Cause | Fix |\n| --- | --- | --- |\n| E1 | fuse | replace fuse |\n| E2 | fan | clean fan |"
    assert [r.key for r in table_rows(md)] == ["E1", "E2"]
    assert [r.key for r in table_rows(TABLE)] == ["H-301", "H-302", "H-305"]


def test_another_rows_remedy_is_unsupported():
    check = check_sentence(
        0, "Replace the seal kit HS-4410 [1].", SOURCES, question="What do I do about error H-302?"
    )
    assert not check.supported
    assert check.reason == "from the row of 'H-301'; the question is about 'H-302'"


def test_the_asked_rows_remedy_passes():
    check = check_sentence(
        0,
        "Top up ISO VG 46 oil and bleed the suction line, part HF-2210 [1].",
        SOURCES,
        question="What do I do about error H-302?",
    )
    assert check.supported, check.reason


def test_the_row_is_found_by_symptom_when_no_code_is_asked():
    question = "The pump whines and the gauge needle flutters. What should I do?"
    assert wrong_row("Replace the seal kit HS-4410.", question, TABLE)
    assert wrong_row("Top up the oil and bleed the suction line.", question, TABLE) is None


def test_prose_around_the_table_and_unfocused_questions_are_left_alone():
    assert (
        wrong_row(
            "Lower the ram onto blocks and release the accumulator pressure.", "What about H-301?", TABLE
        )
        is None
    )
    # A comparison names two rows: the question singles out none.
    assert wrong_row("Replace the seal kit HS-4410.", "Compare H-301 and H-302", TABLE) is None
    assert check_sentence(
        0, "Replace the seal kit HS-4410 [1].", SOURCES
    ).supported  # no question, no row check


def test_settle_checks_the_evidence_answer_against_the_question_too():
    checks = check_answer("Replace the seal kit HS-4410 [1].", SOURCES, question="H-302?")
    assert [c.supported for c in checks] == [False]
    settled = settle(
        "Replace the seal kit HS-4410 [1].",
        checks,
        "H-302: top up ISO VG 46 oil [1].",
        SOURCES,
        question="H-302?",
    )
    assert settled.fell_back and all(c.supported for c in settled.sentences)


ALERTS = """Alert messages
Character | Meaning | Description
! | Line Fail | Sent when the UPS goes on-battery, repeated every 30 seconds.
$ | Return from line fail | UPS back on line power. Only sent if a ! has been sent previously.
? | Abnormal condition | Sent for conditions such as shutdown due to overload.
# | Replace battery | Sent to indicate that the battery needs to be replaced."""


def test_a_row_keyed_by_a_lone_symbol_is_named_by_that_symbol_in_the_question():
    from retrieval.table_rows import symbol_keys

    question = "What does the UPS alert character ? mean?"
    assert symbol_keys(question) == {"?"}  # the closing question mark is not a key
    assert symbol_keys("Is the pump - the small one - leaking?") == frozenset()
    assert wrong_row(
        "Meaning: Replace battery; Description: Sent to indicate that the battery needs to be replaced.",
        question,
        ALERTS,
    )
    assert (
        wrong_row(
            "Meaning: Abnormal condition; Description: Sent for conditions such as shutdown due to overload.",
            question,
            ALERTS,
        )
        is None
    )
