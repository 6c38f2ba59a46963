"""Kenning knowledge graph: maintenance ontology, extraction, entity resolution, provenance writes
and collection-restricted queries over Neo4j. Plain Python: no Django, no environment reads, no I/O
at import time; callers inject a ``neo4j.Driver`` and frozen config objects."""

from graph.config import ExtractionConfig, QueryConfig, ResolverConfig, WriteConfig
from graph.errors import (
    ExtractionError,
    GraphError,
    GraphQueryError,
    GraphUnavailable,
    GraphWriteError,
    MappingError,
    SchemaError,
)
from graph.extract import Extractor
from graph.facts import ChunkFacts, ChunkInput, Citation, Mention, RelationFact, Value, VersionFacts
from graph.lexicon import Lexicon
from graph.normalize import entity_key, normalize_name
from graph.queries import (
    EntityRef,
    Fact,
    LinkedEntity,
    RankedValue,
    TroubleshootingPath,
    WorkOrderCount,
    count_work_orders,
    link_entities,
    neighbourhood,
    top_values,
    troubleshooting_paths,
)
from graph.records import ColumnMapping, MappingPreview, RecordMapping, preview_mapping, record_facts
from graph.resolve import (
    Candidate,
    Embedder,
    InMemoryCandidates,
    Neo4jCandidates,
    ResolutionDecision,
    Resolver,
    sentence_transformer_embedder,
)
from graph.schema import ENTITY_LABELS, RELATION_TYPES, Label, Rel, ensure_schema
from graph.write import WriteSummary, delete_document, delete_version, replace_version

__all__ = [
    "ENTITY_LABELS",
    "RELATION_TYPES",
    "Candidate",
    "ChunkFacts",
    "ChunkInput",
    "Citation",
    "ColumnMapping",
    "Embedder",
    "EntityRef",
    "ExtractionConfig",
    "ExtractionError",
    "Extractor",
    "Fact",
    "GraphError",
    "GraphQueryError",
    "GraphUnavailable",
    "GraphWriteError",
    "InMemoryCandidates",
    "Label",
    "Lexicon",
    "LinkedEntity",
    "MappingError",
    "MappingPreview",
    "Mention",
    "Neo4jCandidates",
    "QueryConfig",
    "RankedValue",
    "RecordMapping",
    "Rel",
    "RelationFact",
    "ResolutionDecision",
    "Resolver",
    "ResolverConfig",
    "SchemaError",
    "TroubleshootingPath",
    "Value",
    "VersionFacts",
    "WorkOrderCount",
    "WriteConfig",
    "WriteSummary",
    "count_work_orders",
    "delete_document",
    "delete_version",
    "ensure_schema",
    "entity_key",
    "link_entities",
    "neighbourhood",
    "normalize_name",
    "preview_mapping",
    "record_facts",
    "replace_version",
    "sentence_transformer_embedder",
    "top_values",
    "troubleshooting_paths",
]
