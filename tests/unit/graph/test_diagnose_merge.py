"""How the graph's candidates and retrieval's passages share one list (graph.diagnose_rank.merge)."""

from __future__ import annotations

from graph.diagnose_rank import (
    STRONG_MATCH,
    ChainStep,
    Cite,
    Fix,
    ManualChain,
    PassageHit,
    RankedCause,
    merge,
    passage_causes,
)


def passage(n: int, text: str = "", heading: str = "") -> PassageHit:
    return PassageHit(
        f"p{n}", "9", n, text or f"The pump hums because of cause {n}. Replace part {n}.", heading
    )


def candidate(name: str, score: float, cites: str, label: str = "Cause", fix: bool = True) -> RankedCause:
    cite = (Cite(cites, "9", None),)
    step = ChainStep("pump hums", "CAUSED_BY", name, cite)
    chain = ManualChain("Symptom:pump hums", "pump hums", f"{label}:{name}", name, label, "", "", (), (step,))
    fixes = [Fix(f"Action:fix {name}", f"fix {name}", (), cite)] if fix else []
    return RankedCause(f"{label}:{name}", name, label, score, {"manual": score}, fixes, [chain])


PASSAGES = [passage(n) for n in range(5)]
COMPLAINT = "the pump hums"


def names(causes: list[RankedCause]) -> list[str]:
    return [c.key.removeprefix("Passage:") if c.label == "Passage" else c.name for c in causes]


def test_weak_candidates_citing_no_retrieved_passage_leave_the_first_places_to_the_passages():
    # Five entities linked by a shared word, from documents retrieval did not rank: before, they
    # took all five places and the passages that answer came sixth and later.
    weak = [candidate(f"weak {i}", 0.5, f"elsewhere-{i}") for i in range(5)]
    assert names(merge(COMPLAINT, weak, PASSAGES, limit=5)) == ["p0", "p1", "p2", "p3", "p4"]
    assert names(merge(COMPLAINT, weak, PASSAGES, limit=10))[5:] == [f"weak {i}" for i in range(5)]


def test_a_candidate_about_this_complaint_stays_first_whatever_retrieval_ranked():
    named = candidate("worn piston seal", STRONG_MATCH, "elsewhere")
    fuzzy = candidate("air in the line", STRONG_MATCH - 0.01, "elsewhere-2")
    merged = merge(COMPLAINT, [named, fuzzy], PASSAGES, limit=7)
    assert names(merged) == ["worn piston seal", "p0", "p1", "p2", "p3", "p4", "air in the line"]


def test_work_orders_about_this_problem_keep_a_weakly_matched_candidate_first():
    done = candidate("replace bearing", 0.2, "record-7")
    done.score_parts = {"manual": 0.1, "history": 0.1}
    assert names(merge(COMPLAINT, [done], PASSAGES, limit=2)) == ["replace bearing", "p0"]


def test_a_fix_only_the_bm25_nearest_records_voted_for_leaves_the_first_places_to_the_passages():
    voted = candidate("repair", 0.41, "record-3", label="Action")
    voted.score_parts = {"nearest": 0.41}
    assert names(merge(COMPLAINT, [voted], PASSAGES, limit=6)) == ["p0", "p1", "p2", "p3", "p4", "repair"]


def test_a_weak_cause_with_no_fix_citing_a_shown_passage_comes_after_the_passages():
    # The passage shows what the candidate read in it; before, the candidate took the passage's
    # place and pushed the fifth passage out (Podman: a "registries.conf" cause with no fix ahead of
    # the passage holding its three fixes).
    weak = candidate("clogged cooler", 0.4, "p2", fix=False)
    merged = merge(COMPLAINT, [weak], PASSAGES, limit=6)
    assert names(merged) == ["p0", "p1", "p2", "p3", "p4", "clogged cooler"]


def test_a_weak_cause_with_its_fix_comes_right_after_the_shown_passage_it_was_read_in():
    # Demo, "KP-50 泵 出口压力低 流量不足": the manual's E-12 cause (worn wear ring, its fix and part)
    # came 10th of 10, under 8 passages of safety notes and scope, though read in the 2nd.
    weak = candidate("worn wear ring", 0.38, "p1")
    merged = merge(COMPLAINT, [weak], PASSAGES, limit=6)
    assert names(merged) == ["p0", "p1", "worn wear ring", "p2", "p3", "p4"]


def test_a_weak_candidate_takes_the_place_of_a_cited_passage_the_list_does_not_show():
    # The passage shares no word with the complaint, so it shows no excerpt: retrieval still ranked
    # the candidate's evidence there.
    unmatched = [*PASSAGES[:2], passage(2, "Bearings wear out over time."), *PASSAGES[3:]]
    weak = candidate("clogged cooler", 0.4, "p2")
    merged = merge(COMPLAINT, [weak], unmatched, limit=5)
    assert names(merged) == ["p0", "p1", "clogged cooler", "p3", "p4"]


def test_a_candidate_about_this_complaint_shows_its_passage_once():
    named = candidate("worn piston seal", STRONG_MATCH, "p2")
    assert names(merge(COMPLAINT, [named], PASSAGES, limit=5)) == ["worn piston seal", "p0", "p1", "p3", "p4"]


def test_one_weak_candidate_per_passage_takes_its_place_the_others_come_after_the_passages():
    # sudo: two entities read in the ssh passage ('a terminal is not allocated', 'a terminal is
    # required') pushed the passage that answers the complaint to the sixth place.
    first = candidate("terminal not allocated", 0.34, "p0", fix=False)
    second = candidate("terminal required", 0.33, "p0")
    unmatched = [passage(0, "Bearings wear out over time."), *PASSAGES[1:]]
    merged = merge(COMPLAINT, [first, second], unmatched, limit=7)
    assert names(merged) == ["terminal not allocated", "p1", "p2", "p3", "p4", "terminal required"]
    # Where the list shows that passage, the one with a fix comes right after it, the other after
    # the passages.
    merged = merge(COMPLAINT, [first, second], PASSAGES, limit=7)
    assert names(merged) == ["p0", "terminal required", "p1", "p2", "p3", "p4", "terminal not allocated"]


def test_a_passage_stays_after_a_candidate_that_shows_no_fix_or_no_cause_from_it():
    no_fix = candidate("clogged cooler", STRONG_MATCH, "p2", fix=False)
    assert names(merge(COMPLAINT, [no_fix], PASSAGES, limit=6)) == [
        "clogged cooler",
        "p0",
        "p1",
        "p2",
        "p3",
        "p4",
    ]
    # The manual tells what to do about the symptom itself and names no cause: its text may.
    symptom = candidate("pump hums at start", 1.0, "p3", label="Symptom")
    merged = merge(COMPLAINT, [symptom], PASSAGES, limit=6)
    assert names(merged) == ["pump hums at start", "p0", "p1", "p2", "p3", "p4"]


def test_without_passages_the_graph_order_is_kept():
    causes = [candidate("a", 0.3, "x"), candidate("b", 1.0, "y"), candidate("c", 0.2, "z")]
    assert merge(COMPLAINT, causes, [], limit=2) == causes[:2]


def test_a_faq_question_heading_shows_its_answer_from_the_start():
    hit = passage(
        1,
        "First run configure with the --disable-pie option. "
        "If that helps, your system does not support position independent executables. "
        "Send a message with your Linux details.",
        "FAQ > Sudo builds but when I run it I get a Segmentation fault.",
    )
    [shown] = passage_causes("sudo crashes with a segmentation fault on Linux", [hit])
    assert shown.excerpt.startswith("First run configure with the --disable-pie option.")
    # Without the question heading the answer's last sentence, naming Linux, matches best: the
    # excerpt starts there, its opening shown before it and, as all of it fits, what lies between.
    [plain] = passage_causes("sudo crashes with a segmentation fault on Linux", [passage(1, hit.text)])
    assert plain.excerpt == hit.text


def test_passages_naming_none_of_the_complaints_things_are_set_aside():
    # Demo, excavator A, "bucket won't open": the UPS manual's "Voltage Signalling" and LinuxCNC's
    # "Open and Closed Loop" were listed by "open" alone.
    from graph.diagnose_rank import about_complaint

    things = [[("Component:bucket", "bucket")]]
    record = PassageHit("r1", "7", None, "Asset: A; OriginalShorttext: BUCKET WON'T OPEN", "", "record")
    ups = PassageHit("u1", "8", None, "Pin 7 goes high when the relay contacts open.", "Cables > Voltage Signalling")
    cnc = PassageHit("c1", "9", 3, "The loop is open: no feedback reaches the driver.", "1.5 Open and Closed Loop")
    kept, aside = about_complaint([record, ups, cnc], things)
    assert [p.chunk_id for p in kept] == ["r1"] and [p.chunk_id for p in aside] == ["u1", "c1"]
    # A heading naming the thing counts; so does a plural; a complaint naming no thing keeps all.
    teeth = PassageHit("b2", "9", 4, "Check the hinge pins.", "Buckets > Will not open")
    assert about_complaint([teeth], things) == ([teeth], [])
    assert about_complaint([ups, cnc], []) == ([ups, cnc], [])


def test_a_solution_chunk_of_an_item_whose_symptom_names_the_thing_stays():
    from graph.diagnose_rank import about_complaint

    things = [[("Component:fan", "fan")]]
    symptom = PassageHit("s", "9", 1, "The fan is noisy.", "3) Noisy fan > Symptom")
    solution = PassageHit("t", "9", 1, "Tighten the four screws of the shroud.", "3) Noisy fan > Solution")
    other = PassageHit("o", "9", 2, "Tighten the four screws of the lid.", "4) Loose lid > Solution")
    kept, aside = about_complaint([symptom, other, solution], things)
    assert [p.chunk_id for p in kept] == ["s", "t"] and [p.chunk_id for p in aside] == ["o"]


def test_a_han_thing_is_named_by_a_passage_holding_it():
    from graph.diagnose_rank import about_complaint

    pump = PassageHit("k", "9", 1, "E-12 流量和扬程明显不足 叶轮口环磨损", "KP-50 型离心泵维护手册 > 第四章 故障排除")
    ups = PassageHit("u", "8", 1, "The UPS pressure switch opens.", "Cables")
    assert about_complaint([pump, ups], [[("Component:泵", "泵")]]) == ([pump], [ups])


def test_the_same_text_from_two_copies_of_a_manual_is_shown_once_though_one_chunk_ends_later():
    # The demo's apcupsd manual, as HTML and as DOCX: "Manual" Runtime Calibration twice.
    text = (
        "The pump hums when the runtime calibration is due. Perform a runtime calibration on the "
        "pump, which the pump controller reads, after the batteries were replaced or the load changed."
    )
    html = PassageHit("h", "8", None, text, "Manual > Runtime Calibration")
    docx = PassageHit("d", "9", None, text + " Do it twice a year.", "Runtime Calibration")
    assert [c.key for c in passage_causes(COMPLAINT, [html, docx])] == ["Passage:h"]


def test_a_passage_naming_no_thing_but_sharing_two_words_of_the_complaint_stays():
    # Seen FAQs: "UPS traps stopped showing up in the snmptrapd log" is answered by a passage on
    # snmptrapd's authorisation that names no UPS.
    from graph.diagnose_rank import about_complaint

    complaint = "UPS traps stopped showing up in the snmptrapd log"
    answer = PassageHit("a", "9", 1, "snmptrapd will no longer accept all incoming traps.", "Traps")
    one_word = PassageHit("b", "9", 2, "Rotate the log daily.", "Logging")
    kept, aside = about_complaint([answer, one_word], [[("Component:ups", "UPS")]], complaint)
    assert [p.chunk_id for p in kept] == ["a"] and [p.chunk_id for p in aside] == ["b"]


def test_a_passage_naming_the_thing_but_nothing_wrong_with_it_is_set_aside():
    # Demo, excavator D, "bearing overheating": LinuxCNC's "Resonance" passage was listed for its
    # "bearing mounts".
    from graph.diagnose_rank import about_complaint

    things = [[("Component:bearing", "bearing")]]
    mounts = PassageHit("m", "9", 6, "Elastomeric motor mounts or bearing mounts damp resonance.", "1.3 Resonance")
    hot = PassageHit("h", "9", 7, "A dry bearing is overheating soon.", "Lubrication")
    kept, aside = about_complaint([mounts, hot], things, "bearing overheating")
    assert [p.chunk_id for p in kept] == ["h"] and [p.chunk_id for p in aside] == ["m"]
    # A complaint naming only the thing keeps every passage naming it.
    assert about_complaint([mounts], things, "bearing") == ([mounts], [])
