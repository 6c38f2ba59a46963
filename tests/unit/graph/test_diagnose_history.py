"""Work-order history with an asset asked: this asset's records first, other machines' only for
the same problem (not for a shared component noun), each labelled with its scope."""

from __future__ import annotations

from graph.diagnose_rank import Cite, PastOrder, rank, relevant_orders, terms

BUCKET = [[("Component:bucket", "bucket")]]
SEEDS = {"Component:bucket": 1.0}


def order(
    key: str, date: str, scope: str, action: str, text: str, problems=("Component:bucket",)
) -> PastOrder:
    return PastOrder(
        key, key, date, text, scope, tuple(problems), ((f"Action:{action}", action),), (), (Cite(key, "9"),)
    )


# Excavator A was asked about; B's records are the fleet's.
OWN = order("WO1", "2006-05-05", "asset", "repair bucket cylinder", "BUCKET WON'T OPEN")
TOOTH = order("WO2", "2008-10-02", "fleet", "replace bucket tooth", "REPLACE BUCKET TOOTH")
SAME = order("WO3", "2007-01-01", "fleet", "repair bucket cylinder", "bucket will not open")


def test_on_an_asset_a_fleet_record_sharing_only_the_component_is_no_history_of_the_problem():
    ranked = rank("bucket won't open", SEEDS, [], [OWN, TOOTH, SAME], things=BUCKET, asset_asked=True)
    assert [c.name for c in ranked] == ["repair bucket cylinder"]
    history = ranked[0].history
    # The same problem on another machine counts, as the fleet's; the asset's own record first.
    assert (history.asset, history.class_, history.fleet) == (1, 0, 1)
    assert {s.key: s.scope for s in ranked[0].similar} == {"WO1": "asset", "WO3": "fleet"}


def test_a_record_of_another_machine_must_name_the_complaints_component_not_only_its_failure():
    pump = order("WO4", "2020-01-10", "fleet", "replace pump seal", "pump leaking", ["FailureMode:leak"])
    hose = order("WO5", "2020-02-10", "class", "replace hose", "hose leaking", ["FailureMode:leak"])
    mine = order("WO6", "2020-03-10", "asset", "tighten clamp", "pump leaking", ["FailureMode:leak"])
    seeds = {"FailureMode:leak": 1.0, "Component:hose": 1.0}
    found = relevant_orders(
        [terms("hose leaking")], seeds, [pump, hose, mine], [[("Component:hose", "hose")]]
    )
    # The asset's own records stay its history by the linked failure, as before.
    assert [o.key for o, _ in found] == ["WO5", "WO6"]


def test_the_last_occurrence_and_mean_days_between_are_this_assets_and_say_so():
    ranked = rank("bucket won't open", SEEDS, [], [OWN, SAME], things=BUCKET, asset_asked=True)
    history = ranked[0].history
    # The fleet's record is newer, but the technician asked when it last happened on this machine.
    assert (history.last_date, history.mean_days_between, history.dates_scope) == (
        "2006-05-05",
        None,
        "asset",
    )
    fleet_only = rank("bucket won't open", SEEDS, [], [SAME], things=BUCKET, asset_asked=True)[0].history
    assert (fleet_only.last_date, fleet_only.dates_scope) == ("2007-01-01", "fleet")


def test_on_an_asset_the_fleets_nearest_records_still_vote_shown_as_the_fleets():
    nearest = [(TOOTH, 3.0), (OWN, 1.0)]
    ranked = rank("bucket won't open", SEEDS, [], [], nearest=nearest, things=BUCKET, asset_asked=True)
    voted = {s.key: s.scope for c in ranked for s in c.similar}
    assert voted == {"WO2": "fleet", "WO1": "asset"}
    assert all(c.history.total == 0 for c in ranked)  # a vote is no count of history


def _row(key: str, asset: str, date: str, text: str, action: str, problems=("Component:bucket",)) -> dict:
    return {
        "key": key,
        "name": key,
        "date": date,
        "text": text,
        "equipment": [asset],
        "problems": list(problems),
        "actions": [[f"Action:{action}", action]],
    }


def test_diagnose_on_an_asset_counts_the_fleets_records_only_for_the_same_problem(
    monkeypatch, rules_extractor
):
    """The engine's wiring, its two graph reads answered with rows as Neo4j gives them: asked on
    excavator A, B's "REPLACE BUCKET TOOTH" (it reports the bucket) was counted as the history of
    "bucket won't open" (session 13)."""
    from graph import diagnose as engine
    from graph import diagnose_cypher as q

    links = {
        "assets": [{"key": "Equipment:A", "label": "Equipment", "name": "A", "siblings": [], "members": []}],
        "by_key": [{"key": "Component:bucket", "label": "Component", "name": "bucket"}],
        "linked": [],
        "fulltext": [],
        "nearest": [],
    }
    evidence = dict.fromkeys(("paths", "cause_paths", "history", "fixes_asset", "fixes_class"), [])
    evidence["naming"] = [
        _row("WO2", "Equipment:B", "2008-10-02", "REPLACE BUCKET TOOTH", "replace bucket tooth"),
        _row("WO3", "Equipment:C", "2007-01-01", "bucket will not open", "repair bucket cylinder"),
    ]
    evidence["on_asset"] = [
        _row("WO1", "Equipment:A", "2006-05-05", "BUCKET WON'T OPEN", "repair bucket cylinder")
    ]
    answers = {q.DIAGNOSIS_LINKS: [links], q.DIAGNOSIS_EVIDENCE: [evidence], q.ORDER_CITATIONS: []}
    reads = []

    def read(driver, query, cfg, database, **params):
        reads.append(params)
        return answers[query]

    monkeypatch.setattr(engine, "_run", read)
    result = engine.diagnose(None, "bucket won't open", ["plant"], rules_extractor, asset="Equipment:A")
    assert [c.name for c in result.causes] == ["repair bucket cylinder"]
    assert (result.causes[0].history.asset, result.causes[0].history.fleet) == (1, 1)
    # The model's last fixes are asked on the complaint's components too.
    assert reads[1]["q"]["fix_things"] == [["Component:bucket"]]


def test_diagnose_leaves_out_passages_naming_none_of_the_complaints_things(monkeypatch, rules_extractor):
    """Demo, excavator A, "bucket won't open": the UPS and LinuxCNC manuals' passages were listed
    by the word "open" alone."""
    from graph import diagnose as engine
    from graph import diagnose_cypher as q
    from graph.diagnose_rank import PassageHit

    links = {"assets": [], "by_key": [], "linked": [], "fulltext": [], "nearest": []}
    answers = {q.DIAGNOSIS_LINKS: [links], q.ORDER_CITATIONS: []}
    monkeypatch.setattr(engine, "_run", lambda driver, query, cfg, database, **params: answers[query])
    passages = [
        PassageHit("r1", "7", None, "Asset: A; OriginalShorttext: BUCKET WON'T OPEN", "", "record"),
        PassageHit("u1", "8", None, "Pin 7 goes high when the relay contacts open.", "Cables > Voltage Signalling"),
    ]
    result = engine.diagnose(None, "bucket won't open", ["plant"], rules_extractor, passages=passages)
    assert [c.key for c in result.causes] == ["Passage:r1"] and result.passages_set_aside == 1
