"""graph.browse against the real Neo4j: search, entity page provenance, the 50k-node neighbourhood.

Tests write under unique collection/document ids and remove what they wrote, so they neither need
nor disturb an empty database (other suites share the test Neo4j).
"""

from __future__ import annotations

import time
import uuid

import pytest

from graph import browse, ensure_schema
from graph.facts import ChunkFacts, ChunkInput, Mention, RelationFact, VersionFacts
from graph.normalize import normalize_name
from graph.write import delete_document, replace_version

pytestmark = pytest.mark.integration


def key(label: str, name: str) -> str:
    return f"{label}:{normalize_name(label, name)}"


def mention(label: str, name: str, chunk_id: str, surface: str | None = None) -> Mention:
    return Mention(label, name, normalize_name(label, name), surface or name, chunk_id)


class GraphFixture:
    """Writes small documents through graph.write (the real ingestion path) and cleans up after."""

    def __init__(self, driver) -> None:  # type: ignore[no-untyped-def]
        self.driver = driver
        self.tag = uuid.uuid4().hex[:8]
        self.documents: list[str] = []

    def collection(self, name: str) -> str:
        return f"{name}-{self.tag}"

    def name(self, text: str) -> str:
        return f"{text} {self.tag}"

    def document(self, collection: str, chunks: list[tuple[str, list[Mention], list[tuple[str, str, str]]]],
                 doc: str = "doc") -> VersionFacts:
        document_id = f"{doc}-{self.tag}-{len(self.documents)}"
        facts = VersionFacts(collection, document_id, f"v-{document_id}")
        for i, (chunk_id, mentions, relations) in enumerate(chunks):
            chunk = ChunkInput(chunk_id, collection, document_id, facts.version_id, "text", page=i + 1)
            facts.chunks.append(ChunkFacts(chunk, mentions, [RelationFact(t, h, tl, chunk_id) for h, t, tl in relations]))
        replace_version(self.driver, facts)
        self.documents.append(document_id)
        return facts

    def cleanup(self) -> None:
        # First the bulk nodes and curation tombstones of this test (keys carry the tag), in an
        # implicit transaction so IN TRANSACTIONS keeps batches small; then the documents.
        with self.driver.session() as session:
            session.run("MATCH (n) WHERE toLower(n.key) CONTAINS $tag "
                        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS", tag=self.tag).consume()
        for document_id in self.documents:
            delete_document(self.driver, document_id)


@pytest.fixture
def g(neo4j_driver):  # type: ignore[no-untyped-def]
    ensure_schema(neo4j_driver)
    fixture = GraphFixture(neo4j_driver)
    yield fixture
    fixture.cleanup()


def pump_graph(g: GraphFixture) -> dict[str, str]:
    """Collection A: oil pump SHOWS leak (chunk a1). Collection B states the same fact (chunk b1)."""
    a, b = g.collection("A"), g.collection("B")
    pump, leak, seal = g.name("oil pump"), g.name("leak"), g.name("seal")
    k = {"a": a, "b": b, "pump": key("Component", pump), "leak": key("Symptom", leak), "seal": key("Part", seal)}
    g.document(a, [("a1", [mention("Component", pump, "a1", "Oil Pump"), mention("Symptom", leak, "a1")],
                    [(k["pump"], "SHOWS", k["leak"])]),
                   ("a2", [mention("Component", pump, "a2"), mention("Part", seal, "a2")],
                    [(k["pump"], "USES_PART", k["seal"])])])
    g.document(b, [("b1", [mention("Component", pump, "b1"), mention("Symptom", leak, "b1")],
                    [(k["pump"], "SHOWS", k["leak"])])], doc="other")
    return k


def test_search_finds_names_and_aliases_with_type_filter(g, neo4j_driver):
    k = pump_graph(g)
    hits = browse.search_entities(neo4j_driver, g.name("oil pump"), [k["a"]])
    assert hits[0].key == k["pump"]
    assert "Oil Pump" in hits[0].aliases
    assert browse.search_entities(neo4j_driver, g.name("oil pump"), [k["a"]], labels=["Symptom"]) == []
    assert browse.search_entities(neo4j_driver, g.tag, [k["a"]], labels=["Part"])[0].key == k["seal"]


def test_search_hides_entities_of_other_collections(g, neo4j_driver):
    k = pump_graph(g)
    assert [h.key for h in browse.search_entities(neo4j_driver, g.name("seal"), [k["b"]])] == []
    assert browse.search_entities(neo4j_driver, 'x" OR *:* AND "', [k["a"]]) == []  # escaped, no syntax error


def test_entity_page_shows_only_provenance_the_viewer_may_read(g, neo4j_driver):
    k = pump_graph(g)
    only_a = browse.entity_detail(neo4j_driver, k["pump"], [k["a"]])
    assert only_a is not None
    assert {c.collection_id for c in only_a.mentions} == {k["a"]}
    shows = only_a.relations_by_type["SHOWS"][0]
    assert {c.chunk_id for c in shows.citations} == {"a1"}
    assert only_a.relation_counts == {"SHOWS": 1, "USES_PART": 1}
    assert set(only_a.supporting_collections) == {k["a"], k["b"]}
    both = browse.entity_detail(neo4j_driver, k["pump"], [k["a"]], provenance=[k["a"], k["b"]])
    assert {c.chunk_id for c in both.relations_by_type["SHOWS"][0].citations} == {"a1", "b1"}
    # Collection B sees the pump and SHOWS, but not the part only A's documents state.
    only_b = browse.entity_detail(neo4j_driver, k["pump"], [k["b"]])
    assert set(only_b.relation_counts) == {"SHOWS"}
    assert browse.entity_detail(neo4j_driver, k["seal"], [k["b"]]) is None


def test_neighbourhood_respects_depth_and_relation_filter(g, neo4j_driver):
    k = pump_graph(g)
    sub = browse.neighbourhood_graph(neo4j_driver, k["leak"], [k["a"]], depth=1)
    assert [n.key for n in sub.nodes] == [k["pump"]]
    sub = browse.neighbourhood_graph(neo4j_driver, k["leak"], [k["a"]], depth=2)
    assert {n.key for n in sub.nodes} == {k["pump"], k["seal"]}
    assert {(e.source, e.type, e.target) for e in sub.edges} == {(k["pump"], "SHOWS", k["leak"]),
                                                                 (k["pump"], "USES_PART", k["seal"])}
    sub = browse.neighbourhood_graph(neo4j_driver, k["leak"], [k["a"]], depth=2, rel_types=["SHOWS"])
    assert {n.key for n in sub.nodes} == {k["pump"]}
    assert browse.neighbourhood_graph(neo4j_driver, k["leak"], [g.collection("nobody")]) is None


def test_stats_count_within_the_collections(g, neo4j_driver):
    k = pump_graph(g)
    stats = browse.graph_stats(neo4j_driver, [k["a"]])
    assert stats.entities_by_label == {"Component": 1, "Symptom": 1, "Part": 1}
    assert stats.relations_by_type == {"SHOWS": 1, "USES_PART": 1}
    assert stats.top_entities[0].key == k["pump"] and stats.top_entities[0].degree == 2
    assert (stats.chunk_count, stats.document_count) == (2, 1)


HUB_SIZE = 50_000


def test_a_50k_node_neighbourhood_is_capped_and_stays_responsive(g, neo4j_driver):
    """A hub with 50,000 neighbours answers with a capped page and "showing N of M" in bounded time."""
    col = g.collection("big")
    hub = key("Equipment", g.name("HUB"))
    document_id = f"big-{g.tag}"
    g.documents.append(document_id)
    # One chunk supports the hub; each neighbour relation is supported by that chunk (as write.py
    # would store it), created with UNWIND in batches.
    neo4j_driver.execute_query("""
        MERGE (d:Document {document_id: $doc}) SET d.collection_id = $col
        CREATE (c:Chunk {ref: $ref, chunk_id: 'c0', collection_id: $col, document_id: $doc, version_id: $ver})
        CREATE (c)-[:PART_OF]->(d)
        CREATE (h:Entity:Equipment {key: $hub, type: 'Equipment', name: 'hub', norm: 'HUB', aliases: ['hub'],
                                    chunk_refs: [$ref]})
        CREATE (h)-[:MENTIONED_IN {norm: 'HUB'}]->(c)""",
                               doc=document_id, col=col, ref=f"v-{document_id}/c0", ver=f"v-{document_id}", hub=hub)
    started = time.perf_counter()
    for start in range(0, HUB_SIZE, 10_000):
        neo4j_driver.execute_query("""
            MATCH (h:Entity {key: $hub}) MATCH (c:Chunk {ref: $ref})
            UNWIND range($start, $end - 1) AS i
            CREATE (p:Entity:Part {key: $prefix + toString(i), type: 'Part', name: 'part ' + toString(i),
                                   norm: toString(i), aliases: [], chunk_refs: [$ref]})
            CREATE (p)-[:MENTIONED_IN {norm: toString(i)}]->(c)
            CREATE (h)-[:USES_PART {qualifier: '', chunk_refs: [$ref]}]->(p)""",
                                   hub=hub, ref=f"v-{document_id}/c0", start=start, end=start + 10_000,
                                   prefix=f"Part:{g.tag}-")
    print(f"created {HUB_SIZE} neighbours in {time.perf_counter() - started:.1f}s")
    browse.neighbourhood_graph(neo4j_driver, hub, [col], cap=10)  # warm the plan cache

    started = time.perf_counter()
    sub = browse.neighbourhood_graph(neo4j_driver, hub, [col], cap=150)
    first_page_s = time.perf_counter() - started
    assert (sub.shown, sub.total, sub.has_more) == (150, HUB_SIZE, True)
    assert len(sub.edges) == 150
    started = time.perf_counter()
    page = browse.neighbourhood_graph(neo4j_driver, hub, [col], cap=150, offset=49_900)
    last_page_s = time.perf_counter() - started
    assert (page.shown, page.has_more) == (100, False)
    assert not {n.key for n in page.nodes} & {n.key for n in sub.nodes}
    # Expanding a leaf next to the hub is cheap as well.
    started = time.perf_counter()
    leaf = browse.neighbourhood_graph(neo4j_driver, sub.nodes[0].key, [col], cap=150)
    leaf_s = time.perf_counter() - started
    assert leaf.total == 1
    print(f"50k neighbourhood: first page {first_page_s:.2f}s, last page {last_page_s:.2f}s, leaf {leaf_s:.2f}s")
    assert first_page_s < 5.0 and last_page_s < 5.0 and leaf_s < 1.0
    # The entity page of the hub stays bounded too (relations listed per type are capped).
    started = time.perf_counter()
    detail = browse.entity_detail(neo4j_driver, hub, [col], per_type=100)
    assert detail.relation_counts == {"USES_PART": HUB_SIZE} and len(detail.relations) == 100
    print(f"hub entity page {time.perf_counter() - started:.2f}s")
