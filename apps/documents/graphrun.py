"""The graph stage alone on a ready version, under a claim: one place for the graph-stage retry
(apps.documents.graphstage.run) and applying a record mapping (apps.documents.mapping_apply).

The version stays searchable throughout; its claim (the token the ingest uses too) keeps a second
worker out; the stage writes the version's facts in one transaction, so a failed attempt leaves
the graph as it was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from apps.documents import runs
from apps.documents.models import DocumentVersion, GraphStatus, Stage, Status
from config import wiring

logger = logging.getLogger(__name__)


def run_alone(
    version_id: int,
    worker: str,
    *,
    due: dict[str, Any],
    on_failure: Callable[[BaseException, str], None],
    again: Callable[[], bool] = lambda: False,
    rounds: int = 1,
) -> bool:
    """Claim a ready version matching ``due`` and run its graph stage; False if not free or failed.

    ``again`` says whether to run another round (a save during the run); ``on_failure`` records a
    failure and releases the claim, and raises runs.TransientIngestError for the task to retry.
    """
    token = claim_ready(version_id, worker, **due)
    if token is None:
        logger.info("version %s: no graph stage due (%s), or already running", version_id, due)
        return False
    try:
        for _ in range(rounds):
            version = DocumentVersion.objects.select_related("document").get(pk=version_id)
            runs.run_stage(version, token, Stage.GRAPH, None)
            if not again():
                break
    except runs.ClaimLost:
        runs.clean_up_abandoned(version_id)
        return False
    except Exception as e:
        on_failure(e, token)
        return False
    # The graph is built now: a graph failure of the version's ingest is resolved too.
    release(version_id, token, graph_status=GraphStatus.NONE, error="")
    forget_if_replaced(version_id)
    return True


def claim_ready(version_id: int, worker: str, **conditions: Any) -> str | None:
    """Take a ready version for a graph-only run (its passages stay searchable throughout)."""
    token, now = uuid.uuid4().hex, timezone.now()
    free = Q(claim_token="") | Q(heartbeat_at__lt=now - timedelta(seconds=runs.STALE_AFTER_S))
    claimed = DocumentVersion.objects.filter(
        free, pk=version_id, status=Status.READY, document__is_deleted=False, **conditions
    ).update(claim_token=token, claimed_by=worker[:200], claimed_at=now, heartbeat_at=now)
    return token if claimed == 1 else None


def release(version_id: int, token: str, **fields: Any) -> None:
    DocumentVersion.objects.filter(pk=version_id, claim_token=token).update(
        claim_token="", progress_done=0, progress_total=0, **fields
    )


def forget_if_replaced(version_id: int) -> None:
    """A newer version that became current during the run has purged this one: undo the late write."""
    is_current = DocumentVersion.objects.filter(
        pk=version_id, document__current_version=F("pk"), document__is_deleted=False
    ).exists()
    if not is_current:
        logger.warning("version %s was replaced during its graph stage; removing its facts", version_id)
        wiring.graph_sync().delete_version(str(version_id))
