import pytest

from retrieval.question import classify


@pytest.mark.parametrize(("question", "intent"), [
    ("pump P-101 trips with E-47 after start-up, what do I check?", "troubleshooting"),
    ("Why does the UPS beep every 30 seconds?", "troubleshooting"),
    ("How do I replace the battery in the Smart-UPS?", "procedure"),
    ("How often was the bucket cylinder on excavator A replaced?", "aggregate"),
    ("most frequent failure modes of asset B in 2005", "aggregate"),
    ("What is the difference between apcsmart and usb drivers?", "comparison"),
    ("What is the rated output power of the SU1400?", "lookup"),
    ("hello!", "chitchat"),
])
def test_it_classifies_intents(question, intent):
    assert classify(question).intent == intent


def test_chitchat_uses_no_retrieval():
    route = classify("thanks")
    assert route.retrieval == "none" and not (route.use_dense or route.use_sparse or route.use_graph)


def test_aggregates_go_to_records_and_graph():
    route = classify("How many hydraulic hose failures were there in 2011?")
    assert route.retrieval == "records" and route.use_graph


def test_it_is_deterministic_and_names_its_rule():
    a = classify("Pump trips on start, why?")
    assert a == classify("Pump trips on start, why?") and a.rule == "pattern:troubleshooting"


def test_long_multi_clause_questions_are_complex():
    q = ("The conveyor motor overheats after an hour, and the drive shows F03, then it restarts, "
         "but only on the night shift when the ambient temperature is low, and the belt is new; what should we check first?")
    assert classify(q).complexity == "high"
    assert classify("Battery part number?").complexity == "low"


@pytest.mark.parametrize("question", ["How many years should a decent UPS battery last?",
                                      "How many volts does the battery pack supply?",
                                      "How often should I test the batteries?"])
def test_quantities_and_advice_are_not_record_aggregates(question):
    assert classify(question).intent != "aggregate"


@pytest.mark.parametrize("question", ["How many times was the hydraulic pump replaced on excavator B?",
                                      "how often were the bucket teeth changed in 2011",
                                      "number of work orders for the swing motor"])
def test_counting_over_records_is_aggregate(question):
    assert classify(question).intent == "aggregate"
