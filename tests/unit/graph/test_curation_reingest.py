"""Pure parts of "curation survives re-ingesting": following merge redirects, routing write rows
around deleted entities, and the resolver's decisions for curated keys (no Neo4j)."""

from graph import ChunkFacts, ChunkInput, RelationFact, Resolver, VersionFacts
from graph.cypher import record_relations_of_deleted, record_retracted, upsert_relations
from graph.facts import make_mention
from graph.resolve import Candidate, follow_curation
from graph.write import apply_curation, prepare_rows


def row(key, status, merged_into=None, name=None):
    return {
        "key": key,
        "status": status,
        "merged_into": merged_into,
        "label": key.split(":")[0],
        "name": name or key.split(":", 1)[1],
        "aliases": [],
        "id": f"id-{key}",
    }


def fetcher(rows):
    calls = []

    def fetch(keys):
        calls.append(sorted(keys))
        return [r for r in rows if r["key"] in keys]

    return fetch, calls


def test_merge_chains_are_followed_to_the_kept_entity():
    fetch, calls = fetcher(
        [
            row("Component:a", "merged", "Component:b"),
            row("Component:b", "merged", "Component:c"),
            row("Component:c", "live"),
        ]
    )
    found = follow_curation(["Component:a", "Component:x"], fetch)
    assert set(found) == {"Component:a"}
    assert (found["Component:a"].target, found["Component:a"].status, found["Component:a"].merged) == (
        "Component:c",
        "live",
        True,
    )
    assert len(calls) == 3  # one look-up per hop, never the same key twice


def test_live_entity_wins_over_tombstones_of_its_key_and_deleted_ends_stay_deleted():
    fetch, _ = fetcher(
        [
            row("Part:s", "deleted"),
            row("Part:s", "live"),
            row("Part:d", "deleted"),
            row("Part:m", "merged", "Part:d"),
        ]
    )
    found = follow_curation(["Part:s", "Part:d", "Part:m"], fetch)
    assert (found["Part:s"].status, found["Part:s"].merged) == ("live", False)
    assert (found["Part:d"].status, found["Part:d"].node_id) == ("deleted", "id-Part:d")
    assert (found["Part:m"].target, found["Part:m"].status) == ("Part:d", "deleted")


def test_broken_looping_and_cross_type_redirects_are_ignored():
    fetch, _ = fetcher(
        [
            row("Part:gone", "merged", "Part:nowhere"),
            row("Part:x", "merged", "Part:y"),
            row("Part:y", "merged", "Part:x"),
            row("Part:t", "merged", "Component:t"),
            row("Component:t", "live"),
        ]
    )
    assert follow_curation(["Part:gone", "Part:x", "Part:t"], fetch) == {}


def facts():
    chunk = ChunkInput("c1", "col", "doc", "v1", "")
    pump = make_mention("Component", "oil pump", "c1", source="test")
    pumps = make_mention("Component", "lube pump", "c1", source="test", surface="Lube Pump")
    seal = make_mention("Part", "seal", "c1", source="test")
    leak = make_mention("Symptom", "leak", "c1", source="test")
    rels = [
        RelationFact("SHOWS", pumps.key, leak.key, "c1"),
        RelationFact("SHOWS", pump.key, leak.key, "c1", "prose"),
        RelationFact("HAS_COMPONENT", pumps.key, pump.key, "c1"),
        RelationFact("USES_PART", pumps.key, seal.key, "c1"),
    ]
    return VersionFacts("col", "doc", "v1", [ChunkFacts(chunk, [pump, pumps, seal, leak], rels)])


def curated(**entries):
    from graph.resolve import CuratedKey

    return {
        k: CuratedKey(k, t, s, t != k, k.split(":")[0], t, (), f"id-{t}") for k, (t, s) in entries.items()
    }


def test_merged_away_rows_are_written_under_the_kept_key_as_an_alias():
    rows = prepare_rows(facts())
    live, dead = apply_curation(rows, curated(**{"Component:lube pump": ("Component:oil pump", "live")}))
    (pump,) = live.entities["Component"]
    assert pump["key"] == "Component:oil pump" and pump["norm"] == "oil pump"
    assert {"oil pump", "lube pump", "Lube Pump"} <= set(pump["aliases"])
    moved = [m for m in live.mentions if m.get("origin")]
    assert [(m["key"], m["origin"], m["norm"]) for m in moved] == [
        ("Component:oil pump", "Component:lube pump", "lube pump")
    ]  # the chunk's own spelling, for linking
    (shows,) = live.relations["SHOWS"]
    assert shows["head"] == "Component:oil pump" and sorted(shows["sources"]) == ["prose", "table"]
    assert "HAS_COMPONENT" not in live.relations  # became a self-loop
    assert live.relations["USES_PART"][0]["head"] == "Component:oil pump"
    assert dead.redirected == 1 and not dead


def test_deleted_entities_go_to_their_tombstone_with_their_relations():
    rows = prepare_rows(facts())
    live, dead = apply_curation(rows, curated(**{"Part:SEAL": ("Part:SEAL", "deleted")}))
    assert "Part" not in live.entities and all(m["key"] != "Part:SEAL" for m in live.mentions)
    assert "USES_PART" not in live.relations
    assert [(e["id"], e["chunk_refs"]) for e in dead.entities] == [("id-Part:SEAL", ["v1/c1"])]
    assert [m["id"] for m in dead.mentions] == ["id-Part:SEAL"]
    (uses,) = dead.relations["USES_PART"]
    assert (uses["head_id"], uses["tail_id"], uses["with_entity"]) == (None, "id-Part:SEAL", "Part:SEAL")


def test_no_curation_leaves_rows_untouched():
    rows = prepare_rows(facts())
    live, dead = apply_curation(rows, curated(**{"Part:SEAL": ("Part:SEAL", "live")}))
    assert live is rows and not dead


def test_relation_writes_check_and_feed_retraction_tombstones():
    assert "RETRACTED" in upsert_relations("SHOWS") and "x.rel_type = 'SHOWS'" in upsert_relations("SHOWS")
    assert "retracted_chunk_refs" in record_retracted("SHOWS")
    assert "with_entity" in record_relations_of_deleted("USES_PART")


class Curated:
    """A CandidateSource where one key was merged away and one deleted."""

    def exact(self, keys):
        table = {
            "Component:lube pump": Candidate("Component:oil pump", "Component", "oil pump"),
            "Part:SEAL": Candidate("Part:SEAL", "Part", "seal", status="deleted"),
        }
        return {k: table[k] for k in keys if k in table}

    def similar(self, label, names, limit):
        return {n: [Candidate("Part:SEALs", "Part", "seals")] for n in names} if label == "Part" else {}


def test_resolver_follows_merges_and_keeps_deleted_keys_out_of_similarity():
    chunk = ChunkInput("c1", "col", "doc", "v1", "")
    pumps = make_mention("Component", "lube pump", "c1", source="test")
    seal = make_mention("Part", "seal", "c1", source="test")
    leak = make_mention("Symptom", "leak", "c1", source="test")
    shows = RelationFact("SHOWS", pumps.key, leak.key, "c1")
    version = VersionFacts("col", "doc", "v1", [ChunkFacts(chunk, [pumps, seal, leak], [shows])])
    resolved, decisions = Resolver(candidates=Curated()).resolve(version)
    by_key = {d.mention_key: d for d in decisions}
    assert (by_key[pumps.key].method, by_key[pumps.key].resolved_key) == ("merged", "Component:oil pump")
    assert (by_key[seal.key].method, by_key[seal.key].resolved_key) == ("deleted", "Part:SEAL")
    assert resolved.chunks[0].relations[0].head == "Component:oil pump"
