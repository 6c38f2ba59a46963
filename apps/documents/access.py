"""Document and version look-ups for views and the API, through the one collection access check.

A deleted document (``is_deleted``: its clean-up may still be running or waiting for a service) is
gone for readers: its page, versions and original file answer 404. Writers still reach it, so a
deletion that failed half-way can be asked for again.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from apps.accounts.access import get_collection_for_user
from apps.documents.models import Document, DocumentVersion


def document_for_user(request: HttpRequest, document_id: int, *, write: bool = False) -> Document:
    document = Document.objects.filter(pk=document_id).select_related("collection").first()
    if document is None or (document.is_deleted and not write):
        raise Http404("No such document")
    get_collection_for_user(request, document.collection_id, write=write)
    return document


def version_for_user(request: HttpRequest, version_id: int, *, write: bool = False) -> DocumentVersion:
    version = DocumentVersion.objects.filter(pk=version_id).select_related("document").first()
    if version is None or (version.document.is_deleted and not write):
        raise Http404("No such version")
    get_collection_for_user(request, version.document.collection_id, write=write)
    return version
