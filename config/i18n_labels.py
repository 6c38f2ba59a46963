"""Labels that reach templates as values and are translated there with ``{% translate var %}``.

The document models declare their choice labels as plain strings (a lazy label would change
their migrations); listing them here puts them in the message catalogue for ``makemessages``.
Keep in step with ``apps/documents/models.py``.
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
