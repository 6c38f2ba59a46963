"""Admin curation of the graph: merge duplicates, split a wrong merge, edit, soft-delete and restore.

Soft deletes take effect for answers at once without any query filter, because every answering
query matches ``:Entity`` nodes and whitelisted relation types:

* a deleted entity loses its ``Entity`` and type labels and becomes ``:DeletedEntity`` (its
  properties and MENTIONED_IN provenance stay, so it can be restored); its relations are retracted;
* a merged-away entity becomes ``:MergedEntity {merged_into}``; its mentions and relations move to
  the kept entity, and each moved mention records ``origin`` so a split can move it back;
* a retracted relation becomes ``-[:RETRACTED {rel_type, retracted_chunk_refs, ...}]->`` between
  the same nodes (the supporting chunk refs are kept under another name so ingestion's pruning,
  which looks at ``chunk_refs``, leaves the tombstone alone).

Scope: every function takes ``collections``, the collections the acting admin administers. The
target must be visible through them (else :class:`EntityNotFound`, shown as 404) and every chunk
supporting what changes must belong to them (else :class:`OutsideScope`, 403): an admin never
changes a fact another collection's documents also state.

Each change returns a :class:`Change` with JSON-ready ``before``/``after`` snapshots for the audit log.
"""

from ._base import SNAPSHOT_LIST_CAP, Change, CurationError, EntityNotFound, MergePreview, OutsideScope
from .entities import delete_entity, deleted_entities, edit_entity, restore_entity
from .merge import merge_entities, merge_preview
from .relations import delete_relation, edit_relation, restore_relation
from .split import split_entity

__all__ = [
    "SNAPSHOT_LIST_CAP",
    "Change",
    "CurationError",
    "EntityNotFound",
    "MergePreview",
    "OutsideScope",
    "delete_entity",
    "delete_relation",
    "deleted_entities",
    "edit_entity",
    "edit_relation",
    "merge_entities",
    "merge_preview",
    "restore_entity",
    "restore_relation",
    "split_entity",
]
