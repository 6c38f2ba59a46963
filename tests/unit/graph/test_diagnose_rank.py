"""The diagnosis score: manual chains, work-order history and similar records, each explained."""

from __future__ import annotations

import pytest

from graph.diagnose_rank import (
    HISTORY_WEIGHT,
    MAX_EXCERPT_CHARS,
    MAX_PASSAGE_NAME_CHARS,
    NEAREST_RECORDS,
    NEAREST_SCOPE_WEIGHTS,
    NEAREST_WEIGHT,
    ChainStep,
    Cite,
    ManualChain,
    PassageHit,
    PastOrder,
    about_things,
    history_score,
    names_things,
    passage_causes,
    rank,
    similarity,
    terms,
)

PAGE = Cite("c1", "7", 3)


def chain(seed: str, cause: str, action: str, parts: tuple[str, ...] = ()) -> ManualChain:
    steps = (
        ChainStep("ram drifts down", "CAUSED_BY", cause, (PAGE,)),
        ChainStep(cause, "REMEDIED_BY", action, (PAGE,)),
    )
    return ManualChain(
        seed, "ram drifts down", f"Cause:{cause}", cause, "Cause", f"Action:{action}", action, parts, steps
    )


def order(key: str, date: str, scope: str, action: str, text: str = "", problems=()) -> PastOrder:
    return PastOrder(
        key, key, date, text, scope, tuple(problems), ((f"Action:{action}", action),), (), (Cite(key, "9"),)
    )


def test_terms_drop_stopwords_and_stem():
    assert terms("The pump is leaking oil") == {"pump", "leak", "oil"}


def test_similarity_is_a_set_cosine():
    assert similarity({"a", "b"}, {"a", "b"}) == pytest.approx(1.0)
    assert similarity({"a", "b"}, {"a", "c", "d", "e"}) == pytest.approx(1 / (2**0.5 * 2))
    assert similarity(set(), {"a"}) == 0.0


def test_a_better_matched_chain_ranks_first_and_keeps_its_part_and_page():
    chains = [
        chain("Symptom:a", "worn piston seal", "replace seal kit", ("HS-4410",)),
        chain("Symptom:b", "x", "y"),
    ]
    ranked = rank("ram drifts down", {"Symptom:a": 1.0, "Symptom:b": 0.4}, chains, [])
    assert [c.name for c in ranked] == ["worn piston seal", "x"]
    top = ranked[0]
    assert top.score_parts == {"manual": 1.0}
    assert top.fixes[0].name == "replace seal kit"
    assert top.parts == ["HS-4410"]
    assert top.fixes[0].cites == (PAGE,)


def test_history_on_the_asset_reorders_equally_matched_causes():
    chains = [chain("Symptom:a", "worn seal", "replace seal"), chain("Symptom:a", "low oil", "top up oil")]
    orders = [
        order("WO1", "2020-01-10", "asset", "top up oil", problems=["Symptom:a"]),
        order("WO2", "2020-03-10", "asset", "top up oil", problems=["Symptom:a"]),
        order("WO3", "2019-01-01", "fleet", "replace seal", problems=["Symptom:a"]),
    ]
    ranked = rank("ram drifts down", {"Symptom:a": 1.0}, chains, orders)
    assert ranked[0].name == "low oil"
    history = ranked[0].history
    assert (history.asset, history.class_, history.fleet) == (2, 0, 0)
    assert history.last_date == "2020-03-10"
    assert history.mean_days_between == 60.0
    assert history.orders == ("WO2", "WO1")
    assert ranked[0].score_parts["history"] == pytest.approx(HISTORY_WEIGHT * 2 / 4)
    assert ranked[1].history.fleet == 1


def test_history_saturates_below_a_perfect_manual_match():
    many = [order(f"WO{i}", "2020-01-01", "asset", "swap", problems=["Symptom:a"]) for i in range(50)]
    ranked = rank("ram drifts", {"Symptom:a": 1.0}, [chain("Symptom:a", "seal", "replace seal")], many)
    assert ranked[0].name == "seal"  # manual 1.0 beats 50 repairs (< 0.8 + 0.4)
    assert ranked[1].label == "Action" and ranked[1].history.asset == 50


def test_the_nearest_records_vote_for_how_they_were_resolved_by_bm25_score_and_scope():
    # Both actions followed the linked symptom once on this asset: history alone cannot tell them
    # apart (the name breaks the tie). The records most like the complaint can.
    orders = [
        order("WO1", "2020-01-10", "asset", "adjust track", problems=["Component:track"]),
        order("WO2", "2020-02-10", "asset", "replace track pin", problems=["Component:track"]),
    ]
    assert [c.name for c in rank("track pin cracked", {"Component:track": 0.5}, [], orders)][:2] == [
        "adjust track",
        "replace track pin",
    ]
    nearest = [
        (order("WO5", "2020-03-01", "fleet", "replace track pin", text="cracked pin on track"), 6.0),
        (order("WO6", "2020-04-01", "asset", "adjust track", text="track loose"), 1.0),
    ]
    ranked = rank("track pin cracked", {"Component:track": 0.5}, [], orders, nearest=nearest)
    assert [c.name for c in ranked][:2] == ["replace track pin", "adjust track"]
    weights = [6.0 * NEAREST_SCOPE_WEIGHTS["fleet"], 1.0 * NEAREST_SCOPE_WEIGHTS["asset"]]
    share = weights[0] / sum(weights)
    assert ranked[0].score_parts["nearest"] == pytest.approx(round(NEAREST_WEIGHT * share, 4))
    # The record that voted is shown first, with its BM25 score and its citation.
    assert (ranked[0].similar[0].key, ranked[0].similar[0].bm25) == ("WO5", 6.0)
    assert ranked[0].similar[0].cites == (Cite("WO5", "9"),)
    # A record both counted (it names the problem) and among the nearest is shown once, as a voter.
    counted = order(
        "WO5", "2020-03-01", "fleet", "replace track pin", "cracked pin on track", ["Component:track"]
    )
    again = rank("track pin cracked", {"Component:track": 0.5}, [], [*orders, counted], nearest=nearest)
    pin = next(c for c in again if c.name == "replace track pin")
    assert [(s.key, s.bm25) for s in pin.similar] == [("WO5", 6.0), ("WO2", None)]


def test_only_the_first_nearest_records_with_an_action_vote():
    silent = PastOrder("WO0", "WO0", None, "pin", "fleet", (), (), (), ())
    same = [order(f"WO{i}", "2020-01-01", "fleet", "replace pin", text="pin") for i in range(NEAREST_RECORDS)]
    nearest = [(silent, 9.0)] + [(o, 5.0) for o in same]
    nearest.append((order("WOX", "2020-01-01", "fleet", "weld bucket", text="pin"), 5.0))
    ranked = rank("pin", {}, [], [], nearest=nearest)
    assert [c.name for c in ranked] == ["replace pin"]  # the eleventh record does not vote
    assert ranked[0].score_parts["nearest"] == NEAREST_WEIGHT


def test_a_similar_past_order_without_linked_entities_still_counts_and_is_shown():
    orders = [
        order("WO7", "2021-05-01", "asset", "replace hose", text="boom hose leaking oil"),
        order("WO8", "2021-06-01", "asset", "replace bulb", text="cab light out"),
    ]
    ranked = rank("hose leaking on boom", {}, [], orders)
    assert [c.name for c in ranked] == ["replace hose"]
    assert ranked[0].similar[0].key == "WO7"
    assert ranked[0].similar[0].resolved_by == ("replace hose",)
    assert ranked[0].score_parts["similar"] > 0


UPS_BATTERY = [[("Component:battery", "battery"), ("Component:ups", "UPS")]]


def test_with_no_asset_a_record_counts_only_when_it_names_every_component_the_complaint_names():
    # The demo: excavators' battery work orders are no history of "UPS battery does not charge".
    excavator = order(
        "WO1", "2020-01-10", "fleet", "replace battery", "replace battery", ["Component:battery"]
    )
    ups = order("WO2", "2020-02-10", "fleet", "replace battery pack", "UPS battery will not charge")
    seeds = {"Component:battery": 0.5, "Component:ups": 0.5}
    before = rank("UPS battery does not charge", seeds, [], [excavator, ups])
    assert {c.name for c in before} == {"replace battery", "replace battery pack"}
    ranked = rank("UPS battery does not charge", seeds, [], [excavator, ups], things=UPS_BATTERY)
    assert [c.name for c in ranked] == ["replace battery pack"]
    # Nor does the excavator's record vote as one of the nearest by BM25.
    voted = rank(
        "UPS battery does not charge",
        seeds,
        [],
        [],
        nearest=[(excavator, 9.0), (ups, 1.0)],
        things=UPS_BATTERY,
    )
    assert [c.name for c in voted] == ["replace battery pack"]
    assert voted[0].score_parts["nearest"] == NEAREST_WEIGHT


def test_a_record_names_a_component_by_its_entity_its_words_or_the_equipment_it_was_done_on():
    on_ups = PastOrder(
        "WO3",
        "WO3",
        "2021-01-01",
        "battery will not hold charge",
        "fleet",
        (),
        (("Action:swap", "swap"),),
        (),
        (),
        equipment=("Equipment:UPS3",),
    )
    reported = order(
        "WO4", "2021-02-01", "fleet", "swap", "no charge", ["Component:battery", "Component:ups"]
    )
    assert names_things(on_ups, UPS_BATTERY[0])
    assert names_things(reported, UPS_BATTERY[0])
    assert not names_things(order("WO5", "2021-03-01", "fleet", "swap", "battery flat"), UPS_BATTERY[0])
    # One line of the complaint is enough (a Chinese complaint with its translation below it).
    readings = [
        [("Component:泵", "泵"), ("Component:pump", "Pump")],
        [("Component:泵", "泵")],
        [("Component:pump", "Pump")],
    ]
    assert about_things(order("WO6", "2021-04-01", "fleet", "x", "hydraulic pump leaking"), readings)
    assert about_things(order("WO7", "2021-04-01", "fleet", "x", "anything"), [])


def test_with_no_asset_a_nearest_record_sharing_only_the_components_words_does_not_vote():
    # Seen in Chromium on the demo: "REPLACE GREASE PUMP" voted "replace" for "泵 过热 报警" by "pump".
    grease = order("WO1", "2007-09-04", "fleet", "replace", "REPLACE GREASE PUMP")
    hot = order("WO2", "2007-10-04", "fleet", "clean cooler", "pump overheating")
    things = [[("Component:pump", "pump")]]
    nearest = [(grease, 1.5), (hot, 1.0)]
    assert {c.name for c in rank("pump overheating alarm", {}, [], [], nearest=nearest)} == {
        "replace",
        "clean cooler",
    }
    voted = rank("pump overheating alarm", {}, [], [], nearest=nearest, things=things)
    assert [c.name for c in voted] == ["clean cooler"]


def test_with_no_asset_a_nearest_record_sharing_the_component_and_one_word_does_not_vote():
    # Demo, no asset: "KP-50 泵 出口压力低 流量不足" (its translation on a line of its own) got an
    # excavator's "REPLACE PUMP DRIVE PRESSURE SWITCHES" by "pump" and "pressure".
    switch = order("WO1", "2007-09-04", "fleet", "replace", "REPLACE PUMP DRIVE PRESSURE SWITCHES")
    ring = order("WO2", "2007-10-04", "fleet", "replace wear ring", "pump outlet pressure low, flow low")
    complaint = "KP-50 泵 出口压力低 流量不足\nKP-50 pump low outlet pressure, insufficient flow"
    things = [[("Component:pump", "泵")], [("Component:pump", "pump")]]
    nearest = [(switch, 3.0), (ring, 2.0)]
    voted = rank(complaint, {}, [], [], nearest=nearest, things=things)
    assert [c.name for c in voted] == ["replace wear ring"]


def test_a_component_is_named_in_the_singular_or_plural_by_its_key_or_inside_a_han_compound():
    def wo(text: str) -> PastOrder:
        return order("WO1", "2021-01-01", "fleet", "x", text)

    assert names_things(wo("bearings overheating, grease dry"), [("Component:bearing", "bearing")])
    assert names_things(wo("belt slipping"), [("Component:v-belt", "V-belt")])
    assert names_things(wo("seal leaking at the rod"), [("Component:seal", "O-ring")])
    assert names_things(wo("油泵过热，停机检查"), [("Component:泵", "泵")])
    assert not names_things(wo("hose leaking"), [("Component:bearing", "bearing")])
    assert not names_things(wo("泵体正常"), [("Component:轴承", "轴承")])


def test_with_no_asset_naming_a_component_alone_is_no_evidence_of_the_problem():
    pump = order("WO1", "2020-01-10", "fleet", "replace pump seal", "pump leaking", ["Component:pump"])
    hot = order(
        "WO2",
        "2020-01-11",
        "fleet",
        "clean cooler",
        "pump overheating",
        ["Component:pump", "FailureMode:overheating"],
    )
    seeds = {"Component:pump": 0.5, "FailureMode:overheating": 1.0}
    things = [[("Component:pump", "pump")]]
    assert {c.name for c in rank("pump overheating alarm", seeds, [], [pump, hot])} == {
        "replace pump seal",
        "clean cooler",
    }
    assert [c.name for c in rank("pump overheating alarm", seeds, [], [pump, hot], things=things)] == [
        "clean cooler"
    ]


def test_ranking_is_deterministic_on_ties():
    chains = [chain("Symptom:a", "b cause", "fix b"), chain("Symptom:a", "a cause", "fix a")]
    first = [c.name for c in rank("x", {"Symptom:a": 1.0}, chains, [])]
    assert (
        first == ["a cause", "b cause"] == [c.name for c in rank("x", {"Symptom:a": 1.0}, chains[::-1], [])]
    )


def test_history_score_weights_scopes():
    from graph.diagnose_rank import History

    assert history_score(History()) == 0.0
    assert (
        history_score(History(asset=2)) > history_score(History(class_=2)) > history_score(History(fleet=2))
    )


def test_a_cause_the_manual_names_without_a_remedy_is_ranked_without_a_fix():
    from graph.diagnose import to_chain
    from graph.queries import EntityRef, Fact, TroubleshootingPath

    symptom = EntityRef("Symptom:no power off", "Symptom", "apcupsd will not shut off the power")
    cause = EntityRef("Cause:halt", "Cause", "the halt script is not modified")
    path = TroubleshootingPath((Fact(symptom, "CAUSED_BY", cause, {}, ()),), ())
    chain = to_chain(path)
    assert (chain.cause, chain.action_key, chain.symptom) == (cause.name, "", symptom.name)
    ranked = rank("apcupsd will not shut off the power", {symptom.key: 1.0}, [chain], [])
    assert ranked[0].name == cause.name and ranked[0].fixes == [] and ranked[0].score_parts == {"manual": 1.0}


CHRONY = PassageHit(
    "faq-3",
    "9",
    None,
    "Why is chronyd not synchronising? Usually the NTP servers cannot be reached. "
    "Check that a firewall does not block UDP port 123. The ntp servers may also be unreachable.",
    "FAQ > Why is chronyd not synchronising?",
)
UNRELATED = PassageHit("faq-9", "9", 4, "How do I install chrony on Debian? Use apt.", "FAQ > Install")


def test_passages_name_their_heading_and_show_the_sentences_that_match_with_their_citation():
    [cause] = passage_causes("chronyd not synchronising servers unreachable", [CHRONY, UNRELATED])
    assert (cause.key, cause.label, cause.name) == ("Passage:faq-3", "Passage", CHRONY.heading)
    assert cause.excerpt.startswith("Why is chronyd not synchronising?")
    assert "firewall does not block UDP port 123" in cause.excerpt
    assert cause.cites == (Cite("faq-3", "9", None),) and cause.fixes == []
    assert cause.score_parts == {"passage": 0.3} and cause.score == 0.3


def test_passages_already_cited_by_the_graph_are_not_repeated_and_the_excerpt_is_bounded():
    assert passage_causes("chronyd not synchronising", [CHRONY], cited={"faq-3"}) == []
    # A period ends a sentence before a capital (graph.sentences): the name is the first sentence.
    long = PassageHit("p", "1", 1, "pump cavitation noise. " + "X " * 2000, "")
    [cause] = passage_causes("pump cavitation", [long])
    assert len(cause.excerpt) <= MAX_EXCERPT_CHARS and cause.name == "pump cavitation noise."
    # Before lower case it ends none: the one long sentence names it, cut at a word to the name's bound.
    long = PassageHit("p", "1", 1, "pump cavitation noise. " + "x " * 2000, "")
    [cause] = passage_causes("pump cavitation", [long])
    assert len(cause.excerpt) <= MAX_EXCERPT_CHARS
    assert cause.name == "pump cavitation noise." + " x" * 48 + "…"
    assert len(cause.name) <= MAX_PASSAGE_NAME_CHARS
    ranked = passage_causes("chrony install synchronising", [CHRONY, UNRELATED], limit=2)
    assert [c.score for c in ranked] == [0.3, 0.15]


def test_the_excerpt_keeps_the_fix_stated_after_the_matching_sentence_when_the_rest_does_not_fit():
    # The two middle sentences together exceed the excerpt's budget, either alone fits.
    repeat = MAX_EXCERPT_CHARS // 130
    text = (
        "On some systems the domain resolution does not seem to work without a DNS server. "
        + "This problem should be apparent only in a slave configuration, " * repeat
        + "with a master named in the configuration file. "
        + "Then the name of the master cannot be resolved to a valid address, " * repeat
        + "and the slave never connects. "
        + "To circumvent this problem, simply enter the address as an IP address."
    )
    [cause] = passage_causes("domain resolution does not work", [PassageHit("p", "1", 2, text, "Problems")])
    assert cause.excerpt.startswith("On some systems the domain resolution")
    assert cause.excerpt.endswith("… To circumvent this problem, simply enter the address as an IP address.")
    assert len(cause.excerpt) <= MAX_EXCERPT_CHARS


def test_a_passage_retrieval_found_is_kept_when_any_sentence_shares_a_word_with_the_complaint():
    # One shared word in long sentences: a set cosine under 0.1, still what retrieval ranked.
    long = "the compressor motor hums loudly in the plant room during the weekly maintenance window and stops"
    hit = PassageHit("p", "1", 2, f"{long}. Replace the start capacitor.", "Compressor")
    [cause] = passage_causes(
        "after a power cut yesterday evening the air dryer alarm light blinks red and the unit hums", [hit]
    )
    assert "Replace the start capacitor." in cause.excerpt


def test_a_passage_whose_excerpt_an_earlier_one_shows_word_for_word_is_not_repeated():
    # One manual shipped twice (HTML and DOCX): the second copy's note would take a place.
    text = "If the battery does not fit, the UPS may not be able to charge it."
    html = PassageHit("html-1", "1", None, text, "Manual > Battery Replacement")
    docx = PassageHit("docx-1", "2", None, text.replace(" the UPS", "  the UPS"), "Battery Replacement")
    other = PassageHit("nut-1", "3", None, "The UPS battery charge falls below battery.charge.low.", "Notes")
    found = passage_causes("UPS battery does not charge", [html, docx, other])
    assert [c.cites[0].chunk_id for c in found] == ["html-1", "nut-1"]
