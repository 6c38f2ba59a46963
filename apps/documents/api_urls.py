"""Included by config/urls.py as path("api/", include("apps.documents.api_urls"))."""

from django.urls import path

from apps.documents import api

urlpatterns = [
    path(
        "collections/<int:collection_id>/documents/",
        api.CollectionDocumentsView.as_view(),
        name="api-documents",
    ),
    path(
        "collections/<int:collection_id>/versions/",
        api.CollectionVersionsView.as_view(),
        name="api-collection-versions",
    ),
    path("documents/<int:document_id>/", api.DocumentView.as_view(), name="api-document"),
    path(
        "documents/<int:document_id>/versions/",
        api.DocumentVersionsView.as_view(),
        name="api-document-versions",
    ),
    path("versions/<int:version_id>/", api.VersionView.as_view(), name="api-version"),
    path("versions/<int:version_id>/retry/", api.VersionRetryView.as_view(), name="api-version-retry"),
    path("versions/<int:version_id>/mapping/", api.VersionMappingView.as_view(), name="api-version-mapping"),
    path(
        "versions/<int:version_id>/mapping/preview/",
        api.VersionMappingPreviewView.as_view(),
        name="api-version-mapping-preview",
    ),
]
