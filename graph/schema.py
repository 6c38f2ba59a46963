"""The maintenance ontology: node labels, relation types and the Neo4j schema that backs them.

Every domain node carries the shared label ``Entity`` plus exactly one type label from
:data:`ENTITY_LABELS`; its ``key`` is ``"<Label>:<normalized name>"``, so two nodes of different
types can never share a key (resolution never merges across types). Provenance nodes are
``Document`` and ``Chunk``. docs/GRAPH.md documents the whole model.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from graph._neo4j_errors import open_session, translate_errors
from graph.errors import SchemaError

logger = logging.getLogger(__name__)


class Label(StrEnum):
    """Entity type labels."""

    EQUIPMENT = "Equipment"
    MODEL = "Model"
    COMPONENT = "Component"
    PART = "Part"
    SYMPTOM = "Symptom"
    ERROR_CODE = "ErrorCode"
    FAILURE_MODE = "FailureMode"
    CAUSE = "Cause"
    ACTION = "Action"
    PROCEDURE = "Procedure"
    SITE = "Site"
    PERSON = "Person"
    ORGANIZATION = "Organization"
    WORK_ORDER = "WorkOrder"
    STANDARD = "Standard"
    FIRMWARE = "FirmwareVersion"
    SERIAL_NUMBER = "SerialNumber"


class Rel(StrEnum):
    """Relation types between entities (provenance edges are MENTIONED_IN and PART_OF)."""

    HAS_COMPONENT = "HAS_COMPONENT"  # Equipment|Model|Component -> Component
    USES_PART = "USES_PART"  # Component|Action|WorkOrder -> Part
    IS_MODEL = "IS_MODEL"  # Equipment -> Model
    SHOWS = "SHOWS"  # Equipment|Component -> Symptom
    INDICATES = "INDICATES"  # ErrorCode -> FailureMode|Symptom|Cause
    CAUSED_BY = "CAUSED_BY"  # Symptom|FailureMode -> Cause
    REMEDIED_BY = "REMEDIED_BY"  # Cause|Symptom|FailureMode|ErrorCode -> Action|Procedure
    HAS_STEP = "HAS_STEP"  # Procedure -> Action {order}
    ACTS_ON = "ACTS_ON"  # Action -> Component|Part|Equipment
    PERFORMED_ON = "PERFORMED_ON"  # WorkOrder -> Equipment
    ADDRESSES = "ADDRESSES"  # WorkOrder -> Component
    HAS_ACTION = "HAS_ACTION"  # WorkOrder -> Action
    REPORTS = "REPORTS"  # WorkOrder -> FailureMode|Symptom
    PERFORMED_BY = "PERFORMED_BY"  # WorkOrder -> Person|Organization
    LOCATED_AT = "LOCATED_AT"  # Equipment|WorkOrder -> Site
    MADE_BY = "MADE_BY"  # Model|Part -> Organization
    COMPLIES_WITH = "COMPLIES_WITH"  # Model|Equipment -> Standard
    HAD = "HAD"  # Equipment|Model -> FailureMode|Symptom|ErrorCode {date}, one per record date
    RESOLVED_BY = "RESOLVED_BY"  # WorkOrder (that reports a problem) -> Action {date}


ENTITY_LABELS: frozenset[str] = frozenset(label.value for label in Label)
RELATION_TYPES: frozenset[str] = frozenset(rel.value for rel in Rel)

#: Labels whose names are identifiers: normalized by dropping punctuation/space and upper-casing.
IDENTIFIER_LABELS: frozenset[str] = frozenset(
    {"Equipment", "Model", "Part", "ErrorCode", "WorkOrder", "Standard", "FirmwareVersion", "SerialNumber"}
)

FULLTEXT_INDEX = "entity_names"
#: BM25 over the work orders' problem texts (English stemming): the diagnosis's nearest records.
WORK_ORDER_TEXT_INDEX = "work_order_text"

_STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (e:Entity) REQUIRE e.key IS UNIQUE",
    "CREATE CONSTRAINT chunk_ref IF NOT EXISTS FOR (c:Chunk) REQUIRE c.ref IS UNIQUE",
    "CREATE CONSTRAINT document_id IF NOT EXISTS FOR (d:Document) REQUIRE d.document_id IS UNIQUE",
    "CREATE INDEX entity_type IF NOT EXISTS FOR (e:Entity) ON (e.type)",
    "CREATE INDEX entity_norm IF NOT EXISTS FOR (e:Entity) ON (e.norm)",
    "CREATE INDEX chunk_version IF NOT EXISTS FOR (c:Chunk) ON (c.version_id)",
    "CREATE INDEX chunk_document IF NOT EXISTS FOR (c:Chunk) ON (c.document_id)",
    "CREATE INDEX chunk_collection IF NOT EXISTS FOR (c:Chunk) ON (c.collection_id)",
    "CREATE INDEX mention_norm IF NOT EXISTS FOR ()-[m:MENTIONED_IN]-() ON (m.norm)",
    "CREATE INDEX work_order_date IF NOT EXISTS FOR (w:WorkOrder) ON (w.date)",
    f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (e:Entity) "
    "ON EACH [e.name, e.aliases_text, e.norm]",
    f"CREATE FULLTEXT INDEX {WORK_ORDER_TEXT_INDEX} IF NOT EXISTS FOR (w:WorkOrder) ON EACH [w.text] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}",
)


def schema_statements() -> tuple[str, ...]:
    """Return the DDL statements that :func:`ensure_schema` runs, in order.

    Returns:
        Cypher statements, each idempotent (``IF NOT EXISTS``).
    """
    return _STATEMENTS


def ensure_schema(driver: Any, database: str | None = None) -> None:
    """Create the constraints and indexes the graph needs; safe to call at every start-up.

    Args:
        driver: a ``neo4j.Driver``.
        database: database name; None uses the server default.

    Raises:
        GraphUnavailable: Neo4j could not be reached (transient).
        SchemaError: Neo4j rejected a statement.
    """
    with translate_errors(SchemaError, "ensure_schema"), open_session(driver, database) as session:
        for statement in _STATEMENTS:
            session.run(statement).consume()
        session.run("CALL db.awaitIndexes(60)").consume()
    logger.info("graph schema ensured (%d statements)", len(_STATEMENTS))
