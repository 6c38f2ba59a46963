"""REST API of the upload workflow (mounted under /api/ by api_urls.py; schema at /api/schema/).

Access is decided by apps.accounts.access like the HTML views: outsiders get 404, readers 403 on
writes. Errors are rendered by config.errors.api_exception_handler.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.access import get_collection_for_user
from apps.documents import mapping, services
from apps.documents.access import document_for_user, version_for_user
from apps.documents.models import Document, DocumentVersion
from apps.documents.paging import DocumentPagination
from apps.documents.serializers import (
    DocumentDetailSerializer,
    DocumentSerializer,
    MappingPreviewSerializer,
    MappingSerializer,
    MappingUpdateSerializer,
    UploadResultSerializer,
    UploadSerializer,
    VersionSerializer,
)
from config.errors import UserError

_MULTIPART = {"multipart/form-data": UploadSerializer}


def _upload(request: Request) -> tuple[object, bool]:
    """The uploaded file and whether a record file's suggested mapping is applied at once."""
    serializer = UploadSerializer(data=request.data)
    if not serializer.is_valid():
        if "mapping" in serializer.errors:
            raise UserError("The field 'mapping' takes 'review' (the default) or 'auto'.")
        raise UserError("Send the file as multipart/form-data in the field 'file'.")
    return serializer.validated_data["file"], serializer.validated_data["mapping"] == "auto"


def _upload_response(version: DocumentVersion, created: bool) -> Response:
    body = {
        "created": created,
        "document": DocumentSerializer(version.document).data,
        "version": VersionSerializer(version).data,
    }
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CollectionDocumentsView(GenericAPIView):  # type: ignore[type-arg]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = DocumentSerializer
    pagination_class = DocumentPagination

    @extend_schema(
        operation_id="documents_list",
        responses=DocumentSerializer(many=True),
        summary="One page of a collection's documents, with their current and latest versions",
        description="Sorted by title. `page` (from 1) and `page_size` (default 50, at most 200) pick "
        "the page; the body is `{count, next, previous, results}` with the links to the "
        "neighbouring pages (null at the ends). A page past the last answers 404.",
    )
    def get(self, request: Request, collection_id: int) -> Response:
        collection = get_collection_for_user(request, collection_id)
        documents = (
            Document.objects.filter(collection=collection, is_deleted=False)
            .select_related("current_version__document")
            .prefetch_related("versions")
            .order_by("title", "pk")
        )
        page = self.paginate_queryset(documents)
        return self.get_paginated_response(DocumentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="documents_upload",
        request=_MULTIPART,
        responses={201: UploadResultSerializer, 200: UploadResultSerializer},
        summary="Upload a file as a new document (editors and admins)",
        description="Stores the file, detects its real type and queues its ingest. The same "
        "bytes uploaded again return the existing version (200). An unsupported file "
        "becomes a failed version whose `error` says why.",
    )
    def post(self, request: Request, collection_id: int) -> Response:
        collection = get_collection_for_user(request, collection_id, write=True)
        uploaded, auto = _upload(request)
        version, created = services.accept_upload(request.user, collection, uploaded, mapping_auto=auto)
        return _upload_response(version, created)


class DocumentView(APIView):
    @extend_schema(
        operation_id="documents_retrieve",
        responses=DocumentDetailSerializer,
        summary="A document with its version history",
    )
    def get(self, request: Request, document_id: int) -> Response:
        return Response(DocumentDetailSerializer(document_for_user(request, document_id)).data)

    @extend_schema(
        operation_id="documents_delete",
        responses={204: None},
        summary="Delete a document: its passages, its graph facts, then its records",
        description="Answers 503 when the index or the graph is unavailable; the document "
        "then stays hidden and the delete can be sent again.",
    )
    def delete(self, request: Request, document_id: int) -> Response:
        services.delete_document(document_for_user(request, document_id, write=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentVersionsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="documents_replace",
        request=_MULTIPART,
        responses={201: UploadResultSerializer, 200: UploadResultSerializer},
        summary="Replace a document with a new version",
        description="The current version stays searchable until the new one is ready; then "
        "the old version's passages and facts are removed.",
    )
    def post(self, request: Request, document_id: int) -> Response:
        document = document_for_user(request, document_id, write=True)
        uploaded, auto = _upload(request)
        version, created = services.replace_document(request.user, document, uploaded, mapping_auto=auto)
        return _upload_response(version, created)


class VersionView(APIView):
    @extend_schema(
        operation_id="versions_status",
        responses=VersionSerializer,
        summary="Ingest status of one version: stage, progress, error",
    )
    def get(self, request: Request, version_id: int) -> Response:
        return Response(VersionSerializer(version_for_user(request, version_id)).data)


class VersionRetryView(APIView):
    @extend_schema(
        operation_id="versions_retry",
        request=None,
        responses={202: VersionSerializer},
        summary="Queue a failed version again (it resumes after its last completed stage)",
    )
    def post(self, request: Request, version_id: int) -> Response:
        version = services.retry_version(version_for_user(request, version_id, write=True))
        return Response(VersionSerializer(version).data, status=status.HTTP_202_ACCEPTED)


class CollectionVersionsView(APIView):
    @extend_schema(
        operation_id="versions_status_many",
        responses=VersionSerializer(many=True),
        summary="Status of several versions of a collection at once (what the upload page polls)",
        parameters=[
            OpenApiParameter(
                "ids",
                str,
                description="Comma-separated version ids; without it, "
                "the collection's queued and ingesting versions.",
            )
        ],
    )
    def get(self, request: Request, collection_id: int) -> Response:
        collection = get_collection_for_user(request, collection_id)
        versions = DocumentVersion.objects.filter(document__collection=collection).select_related("document")
        raw_ids = request.query_params.get("ids")
        if raw_ids:
            try:
                ids = [int(i) for i in raw_ids.split(",") if i.strip()][:500]
            except ValueError as e:
                raise UserError("ids must be comma-separated integers") from e
            versions = versions.filter(pk__in=ids)
        else:
            versions = versions.filter(status__in=["queued", "ingesting"])
        return Response(VersionSerializer(versions.order_by("pk"), many=True).data)


def _record_version(request: Request, version_id: int, *, write: bool = False) -> DocumentVersion:
    version = version_for_user(request, version_id, write=write)
    if not version.is_records:
        raise Http404("This version is not a record file")
    return version


def _changes(request: Request) -> list[dict[str, object]]:
    serializer = MappingUpdateSerializer(data=request.data)
    if not serializer.is_valid():
        raise UserError('Send {"columns": [{"column": ..., "role": ..., "split": ...}]}.')
    return [dict(c) for c in serializer.validated_data["columns"]]


def _preview_rows(request: Request) -> int:
    try:
        return int(request.query_params.get("rows", mapping.PREVIEW_ROWS))
    except ValueError as e:
        raise UserError("rows must be an integer") from e


def _mapping_body(version: DocumentVersion, roles: list, columns: list[str], rows: int) -> dict[str, object]:  # type: ignore[type-arg]
    from graph.record_suggest import ROLE_LABELS, mapping_warnings

    samples = mapping.column_samples(version, columns)
    return {
        "version_id": version.pk,
        "status": version.mapping_status,
        "revision": version.mapping_revision,
        "error": version.mapping_error,
        "columns": [{**r.as_dict(), "samples": samples.get(r.column, [])} for r in roles],
        "roles": ROLE_LABELS,
        "warnings": mapping_warnings(roles),
        "preview": mapping.preview(version, roles, rows),
    }


class VersionMappingView(APIView):
    @extend_schema(
        operation_id="versions_mapping",
        responses=MappingSerializer,
        parameters=[OpenApiParameter("rows", int, description="Rows previewed (default 10, at most 50).")],
        summary="A record file's column mapping with a preview of the facts its first rows produce",
        description="Answers 404 for files that are not records and 409 while the records are being read.",
    )
    def get(self, request: Request, version_id: int) -> Response:
        version = _record_version(request, version_id)
        roles, columns = mapping.current_roles(version)
        return Response(_mapping_body(version, roles, columns, _preview_rows(request)))

    @extend_schema(
        operation_id="versions_mapping_update",
        request=MappingUpdateSerializer,
        responses={202: MappingSerializer},
        summary="Confirm or change a record file's column mapping (editors and admins)",
        description="Saves the roles and runs only the graph stage of this version again; its "
        "passages stay searchable and its graph facts are replaced in one transaction.",
    )
    def put(self, request: Request, version_id: int) -> Response:
        version = _record_version(request, version_id, write=True)
        roles, columns = mapping.current_roles(version)
        roles = mapping.merge_roles(roles, _changes(request), columns)
        version = mapping.save_mapping(version, roles, request.user)
        return Response(
            _mapping_body(version, roles, columns, _preview_rows(request)), status=status.HTTP_202_ACCEPTED
        )


class VersionMappingPreviewView(APIView):
    @extend_schema(
        operation_id="versions_mapping_preview",
        request=MappingUpdateSerializer,
        responses=MappingPreviewSerializer,
        summary="Preview changed roles on the first rows without saving them (editors and admins)",
    )
    def post(self, request: Request, version_id: int) -> Response:
        version = _record_version(request, version_id, write=True)
        roles, columns = mapping.current_roles(version)
        roles = mapping.merge_roles(roles, _changes(request), columns)
        return Response(mapping.preview(version, roles, _preview_rows(request)))
