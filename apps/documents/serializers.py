from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.documents.models import Document, DocumentVersion


class ProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class StageStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stage = serializers.CharField()
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=["done", "running", "failed", "pending"])


class VersionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    next_stage = serializers.CharField(allow_null=True, read_only=True)
    progress = serializers.SerializerMethodField()
    stages = StageStateSerializer(many=True, source="stage_states", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "document_id",
            "number",
            "original_name",
            "size_bytes",
            "content_hash",
            "kind",
            "status",
            "stage",
            "next_stage",
            "progress",
            "stages",
            "error",
            "graph_status",
            "page_count",
            "chunk_count",
            "entity_count",
            "attempts",
            "timings",
            "is_current",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, version: DocumentVersion) -> dict[str, int]:
        return {"done": version.progress_done, "total": version.progress_total}

    def get_is_current(self, version: DocumentVersion) -> bool:
        return bool(version.document.current_version_id == version.pk)


class DocumentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    current_version = VersionSerializer(read_only=True, allow_null=True)
    # A declared field, built once per list: a VersionSerializer made per document rebuilt its
    # fields every time (~1.5 ms each, 60% of a 50-document page).
    latest_version = VersionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "collection_id",
            "title",
            "created_at",
            "is_deleted",
            "delete_error",
            "current_version",
            "latest_version",
        ]
        read_only_fields = fields


class DocumentDetailSerializer(DocumentSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="The file (PDF, DOCX, HTML, Markdown, "
        "text, CSV or XLSX); its real type is detected from its content.",
    )
    mapping = serializers.ChoiceField(
        choices=["review", "auto"],
        default="review",
        required=False,
        help_text="Record files (CSV/XLSX): 'review' waits for the column mapping to be confirmed "
        "(PUT /api/versions/{id}/mapping/); 'auto' applies the suggested mapping at once, as "
        "`manage.py ingest` does. Ignored for other files.",
    )


class UploadResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    created = serializers.BooleanField(
        help_text="False when the same bytes were already uploaded: "
        "the existing version is returned and no work is done."
    )
    document = DocumentSerializer()
    version = VersionSerializer()


class MappingColumnSerializer(serializers.Serializer):  # type: ignore[type-arg]
    column = serializers.CharField(max_length=255)
    role = serializers.CharField(max_length=32, help_text="One of the roles listed in `roles`.")
    split = serializers.CharField(
        max_length=1,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Separator of several values in one cell (; | _ , /); empty keeps the cell whole.",
    )


class MappingUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    columns = MappingColumnSerializer(
        many=True, help_text="Roles to change; columns left out keep their current role."
    )


class MappingColumnStateSerializer(MappingColumnSerializer):
    confidence = serializers.FloatField()
    reason = serializers.CharField()
    samples = serializers.ListField(child=serializers.CharField())


class MappingPreviewSerializer(serializers.Serializer):  # type: ignore[type-arg]
    missing_columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per record: `work_order` properties, `entities` (label, name) "
        "and `relations` (type, head, tail).",
    )


class MappingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version_id = serializers.IntegerField()
    status = serializers.CharField(
        help_text="'' (suggested, not saved), review, confirmed, applied or failed."
    )
    revision = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    columns = MappingColumnStateSerializer(many=True)
    roles = serializers.DictField(child=serializers.CharField(), help_text="Role -> label.")
    warnings = serializers.ListField(child=serializers.CharField())
    preview = MappingPreviewSerializer()
