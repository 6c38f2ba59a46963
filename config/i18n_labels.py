"""Labels that reach templates as values and are translated there with ``{% translate var %}``.

The document models declare their choice labels as plain strings (a lazy label would change
their migrations); listing them here puts them in the message catalogue for ``makemessages``.
Keep in step with ``apps/documents/models.py``; the graph's entity types and relation types (shown as
``{% translate label context "entity type" %}``) and the diagnosis score's parts in step with
``graph/schema.py`` and ``graph/diagnose_rank.py`` (a unit test compares them).
"""

from django.utils.translation import gettext_noop, pgettext_lazy

VERSION_STATUSES = (
    gettext_noop("Queued"),
    gettext_noop("Ingesting"),
    gettext_noop("Ready"),
    gettext_noop("Failed"),
    gettext_noop("Superseded"),
)
STAGES = (
    gettext_noop("Stored"),
    gettext_noop("Parsed"),
    gettext_noop("Chunked"),
    gettext_noop("Embedded"),
    gettext_noop("Indexed"),
    gettext_noop("Graph"),
    # the next stage, as the progress line names it
    gettext_noop("stored"),
    gettext_noop("parsed"),
    gettext_noop("chunked"),
    gettext_noop("embedded"),
    gettext_noop("indexed"),
    gettext_noop("graph"),
)
STAGE_STATES = (
    pgettext_lazy("stage state", "done"),
    pgettext_lazy("stage state", "running"),
    pgettext_lazy("stage state", "failed"),
    pgettext_lazy("stage state", "pending"),
)
MAPPING_STATUSES = (
    gettext_noop("Waiting for review"),
    gettext_noop("Confirmed; graph stage to run"),
    gettext_noop("Applied to the graph"),
    gettext_noop("Could not be applied"),
)
# graph.schema.Label: the entity types the graph browser and the Diagnose page show
ENTITY_TYPES = {
    "Equipment": pgettext_lazy("entity type", "Equipment"),
    "Model": pgettext_lazy("entity type", "Model"),
    "Component": pgettext_lazy("entity type", "Component"),
    "Part": pgettext_lazy("entity type", "Part"),
    "Symptom": pgettext_lazy("entity type", "Symptom"),
    "ErrorCode": pgettext_lazy("entity type", "ErrorCode"),
    "FailureMode": pgettext_lazy("entity type", "FailureMode"),
    "Cause": pgettext_lazy("entity type", "Cause"),
    "Action": pgettext_lazy("entity type", "Action"),
    "Procedure": pgettext_lazy("entity type", "Procedure"),
    "Site": pgettext_lazy("entity type", "Site"),
    "Person": pgettext_lazy("entity type", "Person"),
    "Organization": pgettext_lazy("entity type", "Organization"),
    "WorkOrder": pgettext_lazy("entity type", "WorkOrder"),
    "Standard": pgettext_lazy("entity type", "Standard"),
    "FirmwareVersion": pgettext_lazy("entity type", "FirmwareVersion"),
    "SerialNumber": pgettext_lazy("entity type", "SerialNumber"),
    "Passage": pgettext_lazy("entity type", "Passage"),  # a Diagnose candidate found by passage search
}
# graph.diagnose_rank.RankedCause.score_parts: the Diagnose page writes a score as its parts
SCORE_PARTS = (
    pgettext_lazy("score part", "manual"),
    pgettext_lazy("score part", "history"),
    pgettext_lazy("score part", "similar"),
    pgettext_lazy("score part", "nearest"),
    pgettext_lazy("score part", "passage"),  # a passage candidate (the page shows its search place)
)
# graph.schema.Rel: the relation types a Diagnose chain step names
RELATION_TYPES = {
    "HAS_COMPONENT": pgettext_lazy("relation type", "HAS_COMPONENT"),
    "USES_PART": pgettext_lazy("relation type", "USES_PART"),
    "IS_MODEL": pgettext_lazy("relation type", "IS_MODEL"),
    "SHOWS": pgettext_lazy("relation type", "SHOWS"),
    "INDICATES": pgettext_lazy("relation type", "INDICATES"),
    "CAUSED_BY": pgettext_lazy("relation type", "CAUSED_BY"),
    "REMEDIED_BY": pgettext_lazy("relation type", "REMEDIED_BY"),
    "HAS_STEP": pgettext_lazy("relation type", "HAS_STEP"),
    "ACTS_ON": pgettext_lazy("relation type", "ACTS_ON"),
    "PERFORMED_ON": pgettext_lazy("relation type", "PERFORMED_ON"),
    "ADDRESSES": pgettext_lazy("relation type", "ADDRESSES"),
    "HAS_ACTION": pgettext_lazy("relation type", "HAS_ACTION"),
    "REPORTS": pgettext_lazy("relation type", "REPORTS"),
    "PERFORMED_BY": pgettext_lazy("relation type", "PERFORMED_BY"),
    "LOCATED_AT": pgettext_lazy("relation type", "LOCATED_AT"),
    "MADE_BY": pgettext_lazy("relation type", "MADE_BY"),
    "COMPLIES_WITH": pgettext_lazy("relation type", "COMPLIES_WITH"),
    "HAD": pgettext_lazy("relation type", "HAD"),
    "RESOLVED_BY": pgettext_lazy("relation type", "RESOLVED_BY"),
}
