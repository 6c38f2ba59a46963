"""Admin curation survives re-ingesting, against the real Neo4j.

An admin's decisions stick when the same version is written again, when a new version supersedes
it and when another document states the same facts: a deleted entity stays deleted (its new support
is recorded on the tombstone, so it can still be restored), a retracted relation stays retracted,
and a merged-away name resolves to the kept entity (as an alias) instead of coming back as a
duplicate. Tombstones nothing states any more are pruned with the documents.

Tests write under unique collection/document ids and clean up what they wrote (the test Neo4j is
shared with other suites).
"""

from __future__ import annotations

import uuid

import pytest

from graph import ExtractionConfig, Extractor, browse, curate, ensure_schema, queries
from graph.browse import RelationId
from graph.facts import ChunkFacts, ChunkInput, RelationFact, VersionFacts
from graph.resolve import Neo4jCandidates, Resolver
from graph.write import delete_document, replace_version
from tests.integration.graph.test_browse import key, mention

pytestmark = pytest.mark.integration


class Docs:
    """Writes documents through the ingestion path (resolver against the graph, then replace_version)."""

    def __init__(self, driver) -> None:  # type: ignore[no-untyped-def]
        self.driver = driver
        self.tag = uuid.uuid4().hex[:8]
        self.col = f"A-{self.tag}"
        self.documents: set[str] = set()

    def name(self, text: str) -> str:
        return f"{text} {self.tag}"

    def write(self, doc: str, version: str, chunks, supersedes=(), resolve: bool = True):  # type: ignore[no-untyped-def]
        document_id, version_id = f"{doc}-{self.tag}", f"{version}-{doc}-{self.tag}"
        facts = VersionFacts(self.col, document_id, version_id)
        for i, (chunk_id, mentions, relations) in enumerate(chunks):
            chunk = ChunkInput(chunk_id, self.col, document_id, version_id, "text", page=i + 1)
            facts.chunks.append(
                ChunkFacts(
                    chunk,
                    [mention(*m, chunk_id) for m in mentions],
                    [RelationFact(t, h, tl, chunk_id) for h, t, tl in relations],
                )
            )
        decisions = []
        if resolve:
            facts, decisions = Resolver(candidates=Neo4jCandidates(self.driver)).resolve(facts)
        summary = replace_version(
            self.driver, facts, supersedes=[f"{v}-{doc}-{self.tag}" for v in supersedes]
        )
        self.documents.add(document_id)
        return summary, {d.mention_key: d for d in decisions}

    def nodes(self, node_key: str) -> list[tuple[list[str], dict]]:
        rows, _, _ = self.driver.execute_query(
            "MATCH (n {key: $key}) RETURN labels(n) AS labels, properties(n) AS props", key=node_key
        )
        return [(sorted(r["labels"]), r["props"]) for r in rows]

    def tombstones(self, head: str, tail: str) -> list[dict]:
        rows, _, _ = self.driver.execute_query(
            "MATCH (h {key: $head})-[x:RETRACTED]->(t {key: $tail}) RETURN properties(x) AS p",
            head=head,
            tail=tail,
        )
        return [r["p"] for r in rows]

    def live_relations(self, head: str, tail: str) -> list[str]:
        rows, _, _ = self.driver.execute_query(
            "MATCH (h:Entity {key: $head})-[r]->(t:Entity {key: $tail}) WHERE type(r) <> 'RETRACTED' "
            "RETURN type(r) AS t",
            head=head,
            tail=tail,
        )
        return sorted(r["t"] for r in rows)

    def cleanup(self) -> None:
        for document_id in sorted(self.documents):
            delete_document(self.driver, document_id)
        with self.driver.session() as session:
            session.run(
                "MATCH (n) WHERE toLower(n.key) CONTAINS $tag DETACH DELETE n", tag=self.tag
            ).consume()


@pytest.fixture
def docs(neo4j_driver):  # type: ignore[no-untyped-def]
    ensure_schema(neo4j_driver)
    d = Docs(neo4j_driver)
    yield d
    d.cleanup()


@pytest.fixture(scope="module")
def rules_extractor() -> Extractor:
    return Extractor(ExtractionConfig(use_ner=False))


def pump_doc(d: Docs) -> tuple[dict[str, str], list]:  # type: ignore[type-arg]
    """c1: oil pump SHOWS leak; c2: oil pump USES_PART seal."""
    pump, leak, seal = d.name("oil pump"), d.name("leak"), d.name("seal")
    k = {"pump": key("Component", pump), "leak": key("Symptom", leak), "seal": key("Part", seal)}
    chunks = [
        ("c1", [("Component", pump), ("Symptom", leak)], [(k["pump"], "SHOWS", k["leak"])]),
        ("c2", [("Component", pump), ("Part", seal)], [(k["pump"], "USES_PART", k["seal"])]),
    ]
    return k, chunks


def test_deleted_entity_stays_deleted_when_reingested(docs, neo4j_driver, rules_extractor):
    k, chunks = pump_doc(docs)
    docs.write("manual", "v1", chunks)
    curate.delete_entity(neo4j_driver, k["seal"], [docs.col], actor="owner", reason="not a part")

    # 1. The same version again, through the resolver.
    summary, decisions = docs.write("manual", "v1", chunks)
    assert decisions[k["seal"]].method == "deleted" and decisions[k["seal"]].resolved_key == k["seal"]
    assert summary.deleted_entities_stated == 1 and summary.retracted_relations_stated == 1
    ((labels, props),) = docs.nodes(k["seal"])
    assert labels == ["DeletedEntity"] and props["chunk_refs"] == [f"v1-manual-{docs.tag}/c2"]
    assert browse.search_entities(neo4j_driver, docs.name("seal"), [docs.col]) == []
    facts = queries.neighbourhood(neo4j_driver, [k["pump"]], [docs.col], hops=1)
    assert {(f.rel, f.tail.key) for f in facts} == {("SHOWS", k["leak"])}
    linked = queries.link_entities(
        neo4j_driver,
        f"which {docs.name('seal')} fits the {docs.name('oil pump')}",
        [docs.col],
        rules_extractor,
    )
    assert k["pump"] in {le.entity.key for le in linked} and k["seal"] not in {le.entity.key for le in linked}
    # The admin still sees it (and that it is still stated).
    assert [e["key"] for e in curate.deleted_entities(neo4j_driver, [docs.col])] == [k["seal"]]
    (tomb,) = docs.tombstones(k["pump"], k["seal"])
    assert tomb["rel_type"] == "USES_PART" and tomb["retracted_chunk_refs"] == [f"v1-manual-{docs.tag}/c2"]

    # 2. A new version superseding it, and another document stating it (with a new relation),
    #    written without the resolver: the writer alone keeps the decision.
    motor = docs.name("motor")
    k["motor"] = key("Component", motor)
    docs.write("manual", "v2", chunks, supersedes=["v1"], resolve=False)
    docs.write(
        "catalogue",
        "v1",
        [("x1", [("Component", motor), ("Part", docs.name("seal"))], [(k["motor"], "USES_PART", k["seal"])])],
        resolve=False,
    )
    ((labels, props),) = docs.nodes(k["seal"])
    assert labels == ["DeletedEntity"]
    assert sorted(props["chunk_refs"]) == sorted([f"v2-manual-{docs.tag}/c2", f"v1-catalogue-{docs.tag}/x1"])
    assert queries.neighbourhood(neo4j_driver, [k["motor"]], [docs.col], hops=1) == []
    assert (
        docs.live_relations(k["motor"], k["seal"]) == [] and len(docs.tombstones(k["motor"], k["seal"])) == 1
    )
    assert [t["retracted_chunk_refs"] for t in docs.tombstones(k["pump"], k["seal"])] == [
        [f"v2-manual-{docs.tag}/c2"]
    ]

    # 3. Restoring brings it back with the support recorded meanwhile.
    curate.restore_entity(neo4j_driver, k["seal"], [docs.col], actor="owner")
    tails = {
        (f.head.key, f.rel, f.tail.key)
        for f in queries.neighbourhood(neo4j_driver, [k["seal"]], [docs.col], hops=1)
    }
    assert tails == {(k["pump"], "USES_PART", k["seal"]), (k["motor"], "USES_PART", k["seal"])}


def test_retracted_relation_stays_retracted_when_reingested(docs, neo4j_driver):
    k, chunks = pump_doc(docs)
    docs.write("manual", "v1", chunks)
    rid = RelationId(k["pump"], "SHOWS", k["leak"])
    curate.delete_relation(neo4j_driver, rid, [docs.col], actor="owner", reason="wrong")

    summary, _ = docs.write("manual", "v1", chunks)
    assert summary.retracted_relations_stated == 1
    # Another document states the same relation.
    other = [
        (
            "o1",
            [("Component", docs.name("oil pump")), ("Symptom", docs.name("leak"))],
            [(k["pump"], "SHOWS", k["leak"])],
        )
    ]
    docs.write("other", "v1", other)
    assert docs.live_relations(k["pump"], k["leak"]) == []
    facts = queries.neighbourhood(neo4j_driver, [k["pump"]], [docs.col], hops=1)
    assert {(f.rel, f.tail.key) for f in facts} == {("USES_PART", k["seal"])}
    assert queries.troubleshooting_paths(neo4j_driver, [k["leak"]], [docs.col]) == []
    (tomb,) = docs.tombstones(k["pump"], k["leak"])
    assert sorted(tomb["retracted_chunk_refs"]) == [f"v1-manual-{docs.tag}/c1", f"v1-other-{docs.tag}/o1"]
    # Both ends stay live entities: only the relation was curated.
    assert docs.nodes(k["leak"])[0][0] == ["Entity", "Symptom"]

    # Re-ingesting is idempotent, and the restore brings the current support back.
    docs.write("other", "v1", other)
    assert len(docs.tombstones(k["pump"], k["leak"])) == 1
    curate.restore_relation(neo4j_driver, rid, [docs.col], actor="owner")
    (fact,) = [
        f for f in queries.neighbourhood(neo4j_driver, [k["pump"]], [docs.col], hops=1) if f.rel == "SHOWS"
    ]
    assert {c.chunk_id for c in fact.citations} == {"c1", "o1"}


def test_merged_name_resolves_to_the_kept_entity_when_reingested(docs, neo4j_driver, rules_extractor):
    pump, pumps, leak, seal = (docs.name(n) for n in ("oil pump", "oil pumps", "leak", "seal"))
    k = {
        "pump": key("Component", pump),
        "dup": key("Component", pumps),
        "leak": key("Symptom", leak),
        "seal": key("Part", seal),
    }
    chunks = [
        ("c1", [("Component", pump), ("Symptom", leak)], [(k["pump"], "SHOWS", k["leak"])]),
        (
            "c2",
            [("Component", pumps), ("Part", seal), ("Symptom", leak), ("Component", pump)],
            [
                (k["dup"], "USES_PART", k["seal"]),
                (k["dup"], "SHOWS", k["leak"]),
                (k["dup"], "HAS_COMPONENT", k["pump"]),
            ],
        ),
    ]
    docs.write("manual", "v1", chunks, resolve=False)  # the duplicate that resolution did not catch
    curate.merge_entities(neo4j_driver, k["pump"], [k["dup"]], [docs.col], actor="owner")

    summary, decisions = docs.write("manual", "v1", chunks)
    assert decisions[k["dup"]].method == "merged" and decisions[k["dup"]].resolved_key == k["pump"]
    assert [labels for labels, _ in docs.nodes(k["dup"])] == [["MergedEntity"]]  # no new duplicate
    detail = browse.entity_detail(neo4j_driver, k["pump"], [docs.col])
    assert pumps in detail.aliases and {c.chunk_id for c in detail.mentions} == {"c1", "c2"}
    facts = queries.neighbourhood(neo4j_driver, [k["pump"]], [docs.col], hops=1)
    assert {(f.head.key, f.rel, f.tail.key) for f in facts} == {
        (k["pump"], "SHOWS", k["leak"]),
        (k["pump"], "USES_PART", k["seal"]),
    }  # the self-loop is dropped
    (shows,) = [f for f in facts if f.rel == "SHOWS"]
    assert {c.chunk_id for c in shows.citations} == {"c1", "c2"}
    linked = queries.link_entities(neo4j_driver, f"is the {pumps} leaking", [docs.col], rules_extractor)
    assert k["pump"] in {le.entity.key for le in linked} and k["dup"] not in {le.entity.key for le in linked}

    # The writer alone (no resolver) redirects too, also for a new version and another document.
    summary, _ = docs.write("manual", "v2", chunks, supersedes=["v1"], resolve=False)
    assert summary.redirected_entities == 1
    docs.write(
        "catalogue",
        "v1",
        [("x1", [("Component", pumps), ("Part", seal)], [(k["dup"], "USES_PART", k["seal"])])],
        resolve=False,
    )
    assert [labels for labels, _ in docs.nodes(k["dup"])] == [["MergedEntity"]]
    (uses,) = [
        f
        for f in queries.neighbourhood(neo4j_driver, [k["pump"]], [docs.col], hops=1)
        if f.rel == "USES_PART"
    ]
    assert {c.chunk_id for c in uses.citations} == {"c2", "x1"}

    # The redirected mentions remember their origin: a split still moves them back.
    curate.split_entity(neo4j_driver, k["pump"], [pumps], pumps, [docs.col], actor="owner")
    dup = browse.entity_detail(neo4j_driver, k["dup"], [docs.col])
    assert {c.chunk_id for c in dup.mentions} == {"c2", "x1"}


def test_tombstones_nothing_states_any_more_are_pruned(docs, neo4j_driver):
    k, chunks = pump_doc(docs)
    docs.write("manual", "v1", chunks)
    curate.delete_entity(neo4j_driver, k["seal"], [docs.col], actor="owner")
    curate.delete_relation(neo4j_driver, RelationId(k["pump"], "SHOWS", k["leak"]), [docs.col], actor="owner")
    docs.write("manual", "v1", chunks)
    assert docs.nodes(k["seal"]) and docs.tombstones(k["pump"], k["leak"])

    # A new version that no longer states the leak or the seal drops their tombstones ...
    summary, _ = docs.write(
        "manual", "v2", [("c1", [("Component", docs.name("oil pump"))], [])], supersedes=["v1"]
    )
    assert summary.removed_tombstones == 3  # two retracted relations, the seal
    assert docs.nodes(k["seal"]) == [] and docs.tombstones(k["pump"], k["leak"]) == []
    # ... and deleting the document removes what is left.
    delete_document(neo4j_driver, f"manual-{docs.tag}")
    assert docs.nodes(k["pump"]) == []


def edit(driver, docs, head, rel, tail, **change):  # type: ignore[no-untyped-def]
    return curate.edit_relation(driver, RelationId(head, rel, tail), [docs.col], actor="owner", **change)


def test_an_edited_relation_keeps_its_new_type_and_direction_through_a_new_version(docs, neo4j_driver):
    k, chunks = pump_doc(docs)
    docs.write("manual", "v1", chunks)
    # The admin corrects the extractor: the pump HAS_COMPONENT seal (not USES_PART), and the
    # SHOWS relation between pump and leak points the other way.
    edit(neo4j_driver, docs, k["pump"], "USES_PART", k["seal"], new_type="HAS_COMPONENT")
    edit(neo4j_driver, docs, k["pump"], "SHOWS", k["leak"], reverse=True)

    docs.write("manual", "v2", [(f"{c}b", m, r) for c, m, r in chunks], supersedes=["v1"])

    assert docs.live_relations(k["pump"], k["seal"]) == ["HAS_COMPONENT"]
    assert docs.live_relations(k["pump"], k["leak"]) == []
    assert docs.live_relations(k["leak"], k["pump"]) == ["SHOWS"]
    # The edited relations now cite the new version's chunks (the old ones are gone with v1).
    facts = {
        (f.head.key, f.rel, f.tail.key): f
        for f in queries.neighbourhood(neo4j_driver, [k["pump"]], [docs.col], hops=1)
    }
    assert {c.chunk_id for c in facts[(k["pump"], "HAS_COMPONENT", k["seal"])].citations} == {"c2b"}
    (tomb,) = docs.tombstones(k["pump"], k["seal"])
    assert tomb["rel_type"] == "USES_PART" and tomb["edited_type"] == "HAS_COMPONENT"
    assert tomb["retracted_chunk_refs"] == [f"v2-manual-{docs.tag}/c2b"]


def test_editing_a_relation_back_undoes_the_first_edit(docs, neo4j_driver):
    k, chunks = pump_doc(docs)
    docs.write("manual", "v1", chunks)
    edit(neo4j_driver, docs, k["pump"], "USES_PART", k["seal"], new_type="HAS_COMPONENT")
    edit(neo4j_driver, docs, k["pump"], "HAS_COMPONENT", k["seal"], new_type="USES_PART")
    assert docs.live_relations(k["pump"], k["seal"]) == ["USES_PART"]
    docs.write("manual", "v2", [(f"{c}b", m, r) for c, m, r in chunks], supersedes=["v1"])
    assert docs.live_relations(k["pump"], k["seal"]) == ["USES_PART"]
    # No document states HAS_COMPONENT, so its tombstone went with v1's support.
    assert docs.tombstones(k["pump"], k["seal"]) == []


def test_an_alias_the_admin_removed_stays_removed_when_reingested(docs, neo4j_driver):
    pump = docs.name("oil pump")
    shouted = pump.upper()  # another spelling of the same key becomes an alias
    k = key("Component", pump)
    chunk = ("c1", [("Component", pump), ("Component", shouted)], [])
    docs.write("manual", "v1", [chunk])
    aliases = browse.entity_detail(neo4j_driver, k, [docs.col]).aliases
    assert shouted in aliases
    curate.edit_entity(
        neo4j_driver, k, [docs.col], actor="owner", aliases=[a for a in aliases if a != shouted]
    )

    docs.write("manual", "v2", [("c1b", *chunk[1:])], supersedes=["v1"])
    assert shouted not in browse.entity_detail(neo4j_driver, k, [docs.col]).aliases

    # Putting it back by hand is remembered too.
    curate.edit_entity(neo4j_driver, k, [docs.col], actor="owner", aliases=[*aliases])
    docs.write("manual", "v3", [("c1c", *chunk[1:])], supersedes=["v2"])
    assert shouted in browse.entity_detail(neo4j_driver, k, [docs.col]).aliases
