"""Graph benchmarks (numbers for the closing note, not a timed test).

1. extraction throughput: words/s of ``Extractor.extract_many`` vs the same spaCy pipeline alone
   (``nlp.pipe``) over the chunks of the sample manuals;
2. write throughput: facts/s (entities + mentions + relations) of ``replace_version`` on a
   synthetic corpus, one transaction per document;
3. query latency at scale: p50/p95 of ``neighbourhood`` (2 hops), ``troubleshooting_paths`` and
   ``link_entities`` on that corpus (default 1,500 documents: ~210k nodes, ~1.05M relationships),
   restricted to 3 of 10 collections.

Usage (Neo4j must be running; the database is CLEARED first)::

    .venv/bin/python bench/graph_bench.py --neo4j bolt://127.0.0.1:7699 --docs 1500
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph import (  # noqa: E402
    ChunkFacts,
    ChunkInput,
    ExtractionConfig,
    Extractor,
    RelationFact,
    VersionFacts,
    ensure_schema,
    link_entities,
    neighbourhood,
    replace_version,
    troubleshooting_paths,
)
from graph.facts import make_mention  # noqa: E402


def extraction_speed(extractor: Extractor) -> dict[str, float]:
    from retrieval.chunk import chunk_document, whitespace_token_count
    from retrieval.parse import parse_file

    texts = []
    for path in sorted((ROOT / "sample_data/manuals").glob("*")):
        document = parse_file(path)
        texts += [
            c.text
            for c in chunk_document(document, document_version="b", count_tokens=whitespace_token_count)
        ]
    words = sum(len(t.split()) for t in texts)
    nlp = extractor.nlp
    list(nlp.pipe(texts[:20]))  # warm-up
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    spacy_s = time.perf_counter() - started
    chunks = [ChunkInput(f"c{i}", "b", "b", "b", t) for i, t in enumerate(texts)]
    started = time.perf_counter()
    facts = extractor.extract_many(chunks)
    extract_s = time.perf_counter() - started
    return {
        "chunks": len(texts),
        "words": words,
        "spacy_words_per_s": round(words / spacy_s),
        "extractor_words_per_s": round(words / extract_s),
        "mentions": sum(len(f.mentions) for f in facts),
        "relations": sum(len(f.relations) for f in facts),
    }


def synthetic_document(doc: int, rng: random.Random, chunks_per_doc: int) -> VersionFacts:
    collection = f"col{doc % 10}"
    facts = VersionFacts(collection, f"doc{doc}", f"v{doc}")
    for c in range(chunks_per_doc):
        chunk_id = f"c{c}"
        pick = {
            "Equipment": f"EQ-{rng.randrange(5000):04d}",
            "Component": f"component {rng.randrange(20000)}",
            "Symptom": f"symptom {rng.randrange(30000)}",
            "Cause": f"cause {rng.randrange(30000)}",
            "Action": f"action {rng.randrange(30000)}",
            "ErrorCode": f"E-{rng.randrange(5000)}",
            "Part": f"{rng.randrange(100000, 120000)}-00",
        }
        m = {label: make_mention(label, name, chunk_id, source="bench") for label, name in pick.items()}
        rels = [
            ("SHOWS", "Equipment", "Symptom"),
            ("INDICATES", "ErrorCode", "Symptom"),
            ("CAUSED_BY", "Symptom", "Cause"),
            ("REMEDIED_BY", "Cause", "Action"),
            ("USES_PART", "Action", "Part"),
            ("HAS_COMPONENT", "Equipment", "Component"),
        ]
        chunk = ChunkInput(chunk_id, collection, facts.document_id, facts.version_id, "", page=c + 1)
        facts.chunks.append(
            ChunkFacts(
                chunk,
                list(m.values()),
                [RelationFact(t, m[h].key, m[tl].key, chunk_id, "bench") for t, h, tl in rels],
            )
        )
    return facts


def write_speed(driver, docs: int, chunks_per_doc: int) -> dict[str, float]:
    rng = random.Random(7)
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS").consume()
    ensure_schema(driver)
    facts_written = 0
    started = time.perf_counter()
    for doc in range(docs):
        summary = replace_version(driver, synthetic_document(doc, rng, chunks_per_doc))
        facts_written += summary.entities + summary.mentions + summary.relations
    seconds = time.perf_counter() - started
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0]["n"]
    return {
        "documents": docs,
        "facts": facts_written,
        "seconds": round(seconds, 1),
        "facts_per_s": round(facts_written / seconds),
        "nodes": nodes,
        "relationships": rels,
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "n": len(ordered),
    }


def query_latency(driver, extractor: Extractor, runs: int) -> dict[str, object]:
    rng = random.Random(11)
    allowed = ["col1", "col4", "col7"]
    seeds = [
        r["name"]
        for r in driver.execute_query(
            "MATCH (e:Equipment)-[:MENTIONED_IN]->(c:Chunk) WHERE c.collection_id IN $allowed "
            "RETURN DISTINCT e.name AS name LIMIT 2000",
            allowed=allowed,
        ).records
    ]
    codes = [
        r["name"]
        for r in driver.execute_query("MATCH (e:ErrorCode) RETURN e.name AS name LIMIT 2000").records
    ]
    timings: dict[str, list[float]] = {
        "neighbourhood_2hops": [],
        "troubleshooting_paths": [],
        "link_entities": [],
    }
    sizes: dict[str, list[int]] = {k: [] for k in timings}
    for _ in range(runs):
        tag = rng.choice(seeds)
        key = f"Equipment:{tag.replace('-', '')}"
        question = f"{tag} shows {rng.choice(codes)}, what now?"
        calls = (
            ("neighbourhood_2hops", lambda k=key: neighbourhood(driver, [k], allowed, hops=2)),
            ("troubleshooting_paths", lambda k=key: troubleshooting_paths(driver, [k], allowed)),
            ("link_entities", lambda q=question: link_entities(driver, q, allowed, extractor)),
        )
        for name, call in calls:
            started = time.perf_counter()
            result = call()
            timings[name].append(time.perf_counter() - started)
            sizes[name].append(len(result))
    return {
        name: {**_percentiles(t), "mean_results": round(statistics.mean(sizes[name]), 1)}
        for name, t in timings.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neo4j", default="bolt://127.0.0.1:7699")
    parser.add_argument("--docs", type=int, default=1500)
    parser.add_argument("--chunks-per-doc", type=int, default=50)
    parser.add_argument("--query-runs", type=int, default=200)
    parser.add_argument("--skip-extraction", action="store_true")
    args = parser.parse_args(argv)
    from neo4j import GraphDatabase

    extractor = Extractor(ExtractionConfig())
    results: dict[str, object] = {}
    if not args.skip_extraction:
        results["extraction"] = extraction_speed(extractor)
        print(json.dumps(results["extraction"]), flush=True)
    with GraphDatabase.driver(args.neo4j, auth=None) as driver:
        results["write"] = write_speed(driver, args.docs, args.chunks_per_doc)
        print(json.dumps(results["write"]), flush=True)
        results["queries"] = query_latency(driver, extractor, args.query_runs)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
