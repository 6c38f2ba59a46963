"""Questions for a measured value that no source states are recognised, and only those."""

import pytest

from retrieval.answerability import asked_quantity, states_quantity, unanswerable_quantity


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What torque should the battery terminal screws be tightened to?", "torque"),
        ("What is the longest USB cable NUT supports?", "length"),
        ("How often should the hydraulic oil be changed?", "interval"),
        ("What MTBF does Gecko quote for the G201?", "mtbf"),
        ("How many engine hours were on the left engine?", "hours"),
        ("What pressure should the main relief valve be set to?", "pressure"),
        ("What supply voltage should I pick?", "voltage"),
        ("How much oil goes into the gearbox?", "volume"),
        ("地脚螺栓要拧到多大力矩？", "torque"),
        ("轴承箱用什么润滑油，多久换一次？", "interval"),
        ("滤芯的更换周期是多少？", "interval"),
        # tried in the portal: answered with two oil-leak work orders instead of "not found"
        ("What is the boiling point of the hydraulic oil in the excavator cooling tower?", "temperature"),
        ("What flash point does the gear oil have?", "temperature"),
        ("液压油的闪点是多少？", "temperature"),
    ],
)
def test_questions_asking_for_a_value_name_its_kind(question, kind):
    assert asked_quantity(question).name == kind


@pytest.mark.parametrize(
    "question",
    [
        "The stepper suddenly loses torque and stalls at one speed, what is going on?",  # a symptom
        "How often does apcupsd poll the UPS by default?",  # a bare number answers it
        "How many disks do I need to get twice the capacity of one disk with RAID5?",  # a count
        "电池需要更换时 UPS 发送哪个单字符告警，多久重复一次？",  # 更换 is not what 多久 asks about
        "质保期多长？",  # a duration, not a length
        "Replace the seal kit: which part number?",
        "At what point should the filter be replaced?",  # "point" alone is no temperature
    ],
)
def test_other_questions_are_left_to_the_model(question):
    assert asked_quantity(question) is None


@pytest.mark.parametrize(
    ("kind_question", "text"),
    [
        ("What torque for the nut?", "Tighten the impeller nut to 95 N·m."),
        ("What torque for the nut?", "torque 40-45 ft-lbs"),
        ("What torque for the nut?", "叶轮螺母为左旋螺纹，拧紧力矩为 95 N·m"),
        ("How often should the oil be changed?", "Change the oil every 2000 operating hours."),
        ("How often should the oil be changed?", "Inspect the filter monthly."),
        ("轴承箱多久换一次油？", "每 2000 小时更换一次"),
        ("What is the longest cable allowed?", "Keep the cable under 5 m."),
        ("What pressure should the relief valve be set to?", "Set the relief valve to 210 bar."),
    ],
)
def test_a_number_with_a_unit_of_the_kind_states_it(kind_question, text):
    assert states_quantity([text], asked_quantity(kind_question))


def test_no_source_with_such_a_value_makes_the_question_unanswerable():
    sources = [
        "Replace the battery cartridge and tighten the terminal screws.",
        "See page 12 for 24 V models.",
    ]
    missing = unanswerable_quantity("What torque should the terminal screws be tightened to?", sources)
    assert missing is not None and missing.name == "torque"
    assert unanswerable_quantity("What torque for the screws?", [*sources, "Torque: 2.5 Nm"]) is None
    assert unanswerable_quantity("Why does the UPS beep?", sources) is None


def test_the_refusal_is_recognised_in_each_language():
    from retrieval.grounding import is_refusal
    from retrieval.prompt import NOT_FOUND, not_found_text

    assert not_found_text("What torque for the screws?") == NOT_FOUND
    chinese = not_found_text("螺丝要拧到多大力矩？")
    assert chinese != NOT_FOUND and is_refusal(chinese) and is_refusal(NOT_FOUND)
    assert not is_refusal("Replace the battery [1].")


def test_the_missing_sentence_takes_the_right_article():
    from retrieval.answerability import QUANTITIES

    by_name = {q.name: q for q in QUANTITIES}
    assert by_name["interval"].missing_sentence("en").endswith("states an interval value.")
    assert by_name["torque"].missing_sentence("en").endswith("states a torque value.")
