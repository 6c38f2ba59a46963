from django.contrib import admin

from apps.documents.models import Document, DocumentVersion


class VersionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DocumentVersion
    fields = ["number", "original_name", "kind", "status", "stage", "error", "chunk_count", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "collection", "current_version", "is_deleted", "created_at"]
    list_filter = ["collection", "is_deleted"]
    search_fields = ["title"]
    inlines = [VersionInline]
    readonly_fields = ["current_version"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "original_name",
        "document",
        "number",
        "kind",
        "status",
        "stage",
        "attempts",
        "created_at",
    ]
    list_filter = ["status", "stage", "kind"]
    search_fields = ["original_name", "content_hash"]
    readonly_fields = [f.name for f in DocumentVersion._meta.fields]
