"""Fixtures for graph integration tests against the real Neo4j of tests/integration/conftest.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph import (
    ChunkInput,
    ExtractionConfig,
    Extractor,
    Resolver,
    VersionFacts,
    ensure_schema,
    replace_version,
)
from graph.resolve import Neo4jCandidates

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def extractor():
    return Extractor(ExtractionConfig())


@pytest.fixture
def graph_db(neo4j_driver):
    """An emptied Neo4j with the graph schema in place.

    Clears through session.run (an implicit transaction): ``CALL ... IN TRANSACTIONS`` is refused
    inside the explicit transaction that ``execute_query`` opens.
    """
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS").consume()
    ensure_schema(neo4j_driver)
    return neo4j_driver


@pytest.fixture
def ingest(graph_db, extractor):
    """Extract, resolve against the graph, and replace one version: the ingestion path in small."""

    def run(collection_id, document_id, version_id, chunks, supersedes=(), **kw):
        inputs = [
            ChunkInput(
                chunk_id=cid,
                collection_id=collection_id,
                document_id=document_id,
                version_id=version_id,
                **fields,
            )
            for cid, fields in chunks
        ]
        facts = VersionFacts(collection_id, document_id, version_id, extractor.extract_many(inputs))
        resolved, decisions = Resolver(candidates=Neo4jCandidates(graph_db)).resolve(facts)
        replace_version(graph_db, resolved, supersedes=supersedes, **kw)
        return resolved, decisions

    return run


@pytest.fixture(scope="session")
def excavator_rows():
    with open(DATA / "excavators_slice.csv", newline="") as f:
        return list(csv.DictReader(f))


def file_chunks(path, collection: str, document_id: str, version_id: str):
    """A file through the project's parser and chunker, as the graph stage gets its chunks."""
    from graph import ChunkInput
    from retrieval.chunk import chunk_document, whitespace_token_count
    from retrieval.parse import parse_file

    document = parse_file(path)
    return [
        ChunkInput(
            c.chunk_id,
            collection,
            document_id,
            version_id,
            c.text,
            c.kind,
            tuple(c.heading_path),
            c.page_start,
            [list(r) for r in c.rows] if c.rows else None,
        )
        for c in chunk_document(document, document_version=version_id, count_tokens=whitespace_token_count)
    ]
