"""Applying a confirmed record mapping: the graph stage alone on a ready version, under a claim.

Saving a mapping (apps.documents.mapping.save_mapping) queues this; the version stays searchable
throughout and its facts are replaced in one transaction (apps.documents.graphrun).
"""

from __future__ import annotations

import logging

from apps.documents import graphrun
from apps.documents.models import DocumentVersion, MappingStatus, Status
from apps.documents.runs import TransientIngestError, is_transient

logger = logging.getLogger(__name__)

#: Rounds one task runs when the mapping is saved again while it applies the previous save.
APPLY_ROUNDS = 3


def apply_mapping(version_id: int, *, worker: str) -> bool:
    """Run the graph stage alone for a ready version with a confirmed mapping; False if not free.

    Raises TransientIngestError when Neo4j is unavailable (the task retries it).
    """
    from graph.errors import GraphError

    def failed(e: BaseException, token: str) -> None:
        if isinstance(e, GraphError) and is_transient(e):
            graphrun.release(
                version_id, token, mapping_error=f"The knowledge graph is unavailable; retrying soon ({e})"
            )
            raise TransientIngestError(str(e)) from e
        if not isinstance(e, GraphError):
            logger.exception("version %s: applying the mapping failed unexpectedly", version_id)
            e = Exception(f"internal error ({type(e).__name__}: {e})")
        graphrun.release(version_id, token, mapping_status=MappingStatus.FAILED, mapping_error=str(e))

    def saved_again() -> bool:  # a save during the run is applied by the next round
        return DocumentVersion.objects.filter(pk=version_id, mapping_status=MappingStatus.CONFIRMED).exists()

    return graphrun.run_alone(
        version_id,
        worker,
        due={"mapping_status": MappingStatus.CONFIRMED},
        on_failure=failed,
        again=saved_again,
        rounds=APPLY_ROUNDS,
    )


def pending_apply_ids() -> list[int]:
    """Ready versions whose confirmed mapping is not applied yet: what a starting worker queues."""
    return list(
        DocumentVersion.objects.filter(
            status=Status.READY, mapping_status=MappingStatus.CONFIRMED, document__is_deleted=False
        ).values_list("pk", flat=True)
    )


def give_up(version_id: int, error: str) -> None:
    """The apply task ran out of retries: the mapping stays confirmed but unapplied, with the reason."""
    DocumentVersion.objects.filter(pk=version_id, mapping_status=MappingStatus.CONFIRMED).update(
        mapping_status=MappingStatus.FAILED, mapping_error=error
    )
