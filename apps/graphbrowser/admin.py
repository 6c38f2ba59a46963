from django.contrib import admin

from apps.graphbrowser.models import CurationEvent


@admin.register(CurationEvent)
class CurationEventAdmin(admin.ModelAdmin):
    """The audit log is evidence: readable and searchable, never edited by hand."""

    list_display = ("created_at", "actor_name", "action", "summary")
    list_filter = ("action", "created_at")
    search_fields = ("target", "summary", "actor_name", "reason")
    readonly_fields = ("actor", "actor_name", "action", "target", "summary", "reason", "collection_ids", "before",
                       "after", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
