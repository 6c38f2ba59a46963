import time

from graph import ChunkInput


def chunk(text="", **kw):
    defaults = dict(chunk_id="c1", collection_id="col", document_id="doc", version_id="v1")
    return ChunkInput(text=text, **{**defaults, **kw})


def rels(facts):
    names = {m.key: m.name for m in facts.mentions}
    return {(names.get(r.head, r.head), r.type, names.get(r.tail, r.tail)) for r in facts.relations}


TABLE = [
    ["Problem", "Possible Cause", "Corrective Action"],
    ["UPS does not turn on", "Battery not connected", "Connect the battery"],
    ["", "Input fuse blown\nCircuit breaker tripped", "Replace fuse P/N 2906-0565-00"],
    ["Alarm beeps continuously", "Overload", "Reduce the load"],
]


def test_it_turns_troubleshooting_tables_into_symptom_cause_action(rules_extractor):
    facts = rules_extractor.extract(chunk(kind="table", table_rows=TABLE))
    found = rels(facts)
    assert ("UPS does not turn on", "CAUSED_BY", "Battery not connected") in found
    assert ("Battery not connected", "REMEDIED_BY", "Connect the battery") in found
    assert ("UPS does not turn on", "CAUSED_BY", "Circuit breaker tripped") in found  # merged symptom cell
    assert ("Circuit breaker tripped", "REMEDIED_BY", "Replace fuse P/N 2906-0565-00") in found
    assert ("Replace fuse P/N 2906-0565-00", "USES_PART", "2906-0565-00") in found
    assert ("Alarm beeps continuously", "CAUSED_BY", "Overload") in found


def test_it_links_error_code_columns_to_the_symptom(rules_extractor):
    table = [["Error code", "Meaning", "Remedy"], ["E-47", "Motor overtemperature", "Clean the fan filter"]]
    # "Meaning" is not a role; the code then indicates nothing but is remedied directly.
    found = rels(rules_extractor.extract(chunk(kind="table", table_rows=table)))
    assert ("E-47", "REMEDIED_BY", "Clean the fan filter") in found
    table = [["Code", "Fault", "Cause", "Action"], ["F03", "Pump trips", "Dry running", "Prime the pump"]]
    found = rels(rules_extractor.extract(chunk(kind="table", table_rows=table)))
    assert ("F03", "INDICATES", "Pump trips") in found
    assert ("Pump trips", "CAUSED_BY", "Dry running") in found


def test_it_ignores_tables_that_are_not_troubleshooting_tables(rules_extractor):
    table = [["Parameter", "Value"], ["Voltage", "230 V"]]
    assert rules_extractor.extract(chunk(kind="table", table_rows=table)).relations == []


def test_it_turns_numbered_steps_into_ordered_procedure_steps(rules_extractor):
    text = (
        "Replacing the battery\n1. Remove the front panel.\n"
        "2. Disconnect the battery.\n3. Install the new battery."
    )
    facts = rules_extractor.extract(
        chunk(text, kind="procedure", heading_path=("Maintenance", "Replacing the battery"))
    )
    steps = sorted((r.properties["order"], r.tail) for r in facts.relations if r.type == "HAS_STEP")
    assert [key for _, key in steps] == [
        "Action:remove the front panel",
        "Action:disconnect the battery",
        "Action:install the new battery",
    ]
    procedure = next(m for m in facts.mentions if m.label == "Procedure")
    assert procedure.name == "Replacing the battery"
    assert procedure.norm.endswith("@doc")  # scoped to its document


def test_prose_rules_find_condition_cause_and_code_relations(rules_extractor):
    text = (
        "If the UPS does not start, check the battery fuse. "
        "Overheating is usually caused by a blocked air filter. "
        "Error code F03 indicates a leak in the hydraulic hose."
    )
    found = rels(rules_extractor.extract(chunk(text)))
    assert ("the UPS does not start", "REMEDIED_BY", "check the battery fuse") in found
    assert ("Overheating", "CAUSED_BY", "a blocked air filter") in found
    assert ("Error code F03", "INDICATES", "leak") in found


def test_a_pronoun_subject_takes_the_section_heading(rules_extractor):
    facts = rules_extractor.extract(
        chunk(
            "This is often caused by a loose USB cable.", heading_path=("Troubleshooting", "UPS not detected")
        )
    )
    assert ("UPS not detected", "CAUSED_BY", "a loose USB cable") in rels(facts)


def test_short_work_descriptions_link_action_component_and_failure(rules_extractor):
    found = rels(rules_extractor.extract(chunk("REPLACE BLOWN HYD HOSE ON BOOM")))
    assert ("replace", "ACTS_ON", "hydraulic hose") in found
    assert ("hydraulic hose", "SHOWS", "structural damage") in found


def test_patterns_override_the_statistical_model(ner_extractor):
    facts = ner_extractor.extract(
        chunk("Replace seal kit 2906-0565-00 per WO-2025-00417. Contact John Smith.")
    )
    labels = {(m.label, m.surface) for m in facts.mentions}
    assert ("Part", "2906-0565-00") in labels
    assert ("WorkOrder", "WO-2025-00417") in labels
    assert ("Person", "John Smith") in labels
    assert not any(v.text == "2906-0565-00" for v in facts.values)  # spaCy alone calls it a DATE


def test_ner_values_carry_dates(ner_extractor):
    facts = ner_extractor.extract(chunk("The pump was serviced on 12 March 2024 by Atlas Copco engineers."))
    assert ("date", "12 March 2024") in {(v.kind, v.text) for v in facts.values}


def test_pathological_text_finishes_in_bounded_time(rules_extractor):
    junk = "\x00\x01\ufffd" * 1000 + ("P-1234 E-12 " * 50000) + "a" * 300000
    started = time.perf_counter()
    facts = rules_extractor.extract(chunk(junk))
    assert time.perf_counter() - started < 20
    assert len(facts.mentions) <= rules_extractor.config.max_mentions_per_chunk * 3


def test_problem_workaround_blocks_become_symptom_cause_action(rules_extractor):
    text = (
        "Problem\nUSB driver fails to compile. This is due to a defect in the hiddev.h header file.\n"
        "Workaround\nUpgrade to apcupsd-3.10.14 or higher.\n"
        "Problem\nNo USB devices will show up.\nSolution\nMount usbdevfs in rc.local."
    )
    found = rels(rules_extractor.extract(chunk(text)))
    assert ("USB driver fails to compile", "CAUSED_BY", "a defect in the hiddev.h header file") in found
    assert (
        "a defect in the hiddev.h header file",
        "REMEDIED_BY",
        "Upgrade to apcupsd-3.10.14 or higher",
    ) in found
    assert ("No USB devices will show up", "REMEDIED_BY", "Mount usbdevfs in rc.local") in found


def test_negative_outcomes_of_conditions_become_causes(rules_extractor):
    text = (
        "Obviously if your halt script is not properly modified, "
        "apcupsd will not be able to shut off the power. "
        "Name resolution does not work if no DNS server is configured. "
        "To circumvent this problem, simply enter the address as an IP address."
    )
    found = rels(rules_extractor.extract(chunk(text)))
    assert (
        "apcupsd will not be able to shut off the power",
        "CAUSED_BY",
        "your halt script is not properly modified",
    ) in found
    assert ("Name resolution does not work", "CAUSED_BY", "no DNS server is configured") in found
    assert ("Name resolution does not work", "REMEDIED_BY", "enter the address as an IP address") in found


def test_a_problem_heading_is_the_symptom_its_imperatives_remedy(rules_extractor):
    facts = rules_extractor.extract(
        chunk(
            "This means that upsd can't connect to the driver. Check your syslog. The driver may be old.",
            heading_path=("FAQ", "14. Why do the clients say Driver not connected?"),
        )
    )
    found = rels(facts)
    # The question words go: the symptom is what the question reports.
    assert ("the clients say Driver not connected", "CAUSED_BY", "upsd can't connect to the driver") in found
    assert ("the clients say Driver not connected", "REMEDIED_BY", "Check your syslog") in found
    assert len(found) == 2


def test_a_part_number_column_gives_the_remedy_its_part(rules_extractor):
    table = [
        ["Error code", "Symptom", "Cause", "Remedy", "Part number"],
        ["H-301", "ram drifts down under load", "worn piston seal", "replace seal kit", "HS-4410"],
        ["H-302", "pump whines", "air in the suction line", "bleed the suction line", "-"],
    ]
    found = rels(rules_extractor.extract(chunk(kind="table", table_rows=table)))
    assert ("H-301", "INDICATES", "ram drifts down under load") in found
    assert ("worn piston seal", "REMEDIED_BY", "replace seal kit") in found
    assert ("replace seal kit", "USES_PART", "HS-4410") in found
    assert not any(r == "USES_PART" and h == "bleed the suction line" for h, r, _ in found)
