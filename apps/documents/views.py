from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_collection_for_user, may_write
from apps.accounts.models import Collection
from apps.documents import mapping, services
from apps.documents.access import document_for_user, version_for_user
from apps.documents.forms import ReplaceForm, UploadForm
from apps.documents.models import DocumentVersion, Status
from apps.documents.paging import page_of
from config.errors import UserError


@login_required
@require_GET
def collection_list(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.readable_by(request.user)
    return render(request, "documents/collection_list.html", {"collections": collections})


@login_required
@require_GET
def collection_detail(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_collection_for_user(request, collection_id)
    documents = (
        collection.documents.select_related("current_version")  # type: ignore[attr-defined]
        .prefetch_related("versions")
        .order_by("title", "pk")
    )
    page = page_of(documents, request.GET.get("page"))
    context = {
        "collection": collection,
        "can_write": may_write(request.user, collection),
        "documents": page.object_list,
        "page": page,
        "form": UploadForm(),
    }
    return render(request, "documents/collection_detail.html", context)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def upload(request: HttpRequest, collection_id: int) -> HttpResponse:
    """Accepts one or more files; the page's script posts one file per request and reads JSON."""
    collection = get_collection_for_user(request, collection_id, write=True)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        raise UserError(gettext("Choose one or more files to upload."))
    results: list[dict[str, object]] = []
    for uploaded in form.cleaned_data["files"]:
        try:
            version, created = services.accept_upload(request.user, collection, uploaded)
        except UserError as e:
            results.append({"name": uploaded.name, "error": str(e)})
            continue
        results.append({"name": uploaded.name, "created": created, "version": version.as_status()})
    if _wants_json(request):
        return JsonResponse({"results": results})
    for result in results:
        version_status = result.get("version") or {}
        error = result.get("error") or version_status.get("error")  # type: ignore[union-attr]
        if error:
            messages.error(request, str(error))
        elif not result["created"]:
            already = gettext("%(name)s: already uploaded, nothing to do.")
            messages.info(request, already % {"name": result["name"]})
        else:
            messages.success(request, gettext("%(name)s: queued for ingest.") % {"name": result["name"]})
    return redirect("documents:collection", collection.pk)


@login_required
@require_GET
def status(request: HttpRequest, collection_id: int) -> JsonResponse:
    """What the upload page polls: ``?ids=1,2`` or, without ids, the active versions."""
    collection = get_collection_for_user(request, collection_id)
    versions = DocumentVersion.objects.filter(document__collection=collection)
    raw_ids = request.GET.get("ids", "")
    if raw_ids:
        try:
            ids = [int(i) for i in raw_ids.split(",") if i.strip()][:500]
        except ValueError as e:
            raise UserError("ids must be comma-separated integers") from e
        versions = versions.filter(pk__in=ids)
    else:
        versions = versions.filter(status__in=[Status.QUEUED, Status.INGESTING])
    return JsonResponse({"versions": [v.as_status() for v in versions.order_by("pk")]})


@login_required
@require_GET
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_user(request, document_id)
    context = {
        "document": document,
        "collection": document.collection,
        "can_write": may_write(request.user, document.collection),
        "versions": document.versions.order_by("-number"),
        "form": ReplaceForm(),
    }
    return render(request, "documents/document_detail.html", context)


@login_required
@require_POST
def replace(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_user(request, document_id, write=True)
    form = ReplaceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, gettext("Choose the file of the new version."))
        return redirect("documents:document", document.pk)
    version, _ = services.replace_document(request.user, document, form.cleaned_data["file"])
    if version.error:
        messages.error(request, version.error)
    else:
        messages.success(request, gettext("Version %(number)s (%(name)s) is %(status)s.") % {
            "number": version.number, "name": version.original_name,
            "status": gettext(version.get_status_display()).lower()})
    return redirect("documents:document", document.pk)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_user(request, document_id, write=True)
    if request.method == "GET":
        return render(
            request,
            "documents/document_confirm_delete.html",
            {"document": document, "collection": document.collection},
        )
    collection_id = document.collection_id
    services.delete_document(document)
    messages.success(request, gettext("Deleted %(title)s.") % {"title": document.title})
    return redirect("documents:collection", collection_id)


@login_required
@require_POST
def retry(request: HttpRequest, version_id: int) -> HttpResponse:
    version = version_for_user(request, version_id, write=True)
    version = services.retry_version(version)
    if _wants_json(request):
        return JsonResponse({"version": version.as_status()})
    messages.success(request, gettext("%(name)s: queued again.") % {"name": version.original_name})
    next_url = _safe_next(request)
    if next_url:
        return redirect(next_url)
    return redirect("documents:collection", version.document.collection_id)


def _safe_next(request: HttpRequest) -> str | None:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


_TEXT = "text/plain; charset=utf-8"
_CONTENT_TYPES = {"pdf": "application/pdf", "html": _TEXT, "markdown": _TEXT, "text": _TEXT, "csv": _TEXT,
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@login_required
@require_GET
def original_file(request: HttpRequest, document_id: int) -> HttpResponse:
    """The current version's original file; PDFs open in the browser (citations add #page=N).

    HTML is served as plain text so an uploaded page can never run script in Kenning's origin.
    """
    from django.http import FileResponse

    from apps.documents.storage import absolute_path

    document = document_for_user(request, document_id)
    version = document.current_version or document.latest_version()
    if version is None or not absolute_path(version.file_path).is_file():
        raise Http404(gettext("The file of this document is not available"))
    content_type = _CONTENT_TYPES.get(version.kind, "application/octet-stream")
    is_inline = version.kind in ("pdf", "html", "markdown", "text", "csv")
    response = FileResponse(absolute_path(version.file_path).open("rb"), content_type=content_type,
                            as_attachment=not is_inline, filename=version.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    if version.kind != "pdf":  # a sandboxed document cannot host the browser's PDF viewer
        response["Content-Security-Policy"] = "sandbox"
    return response


def _record_version_for_user(
    request: HttpRequest, version_id: int, *, write: bool = False
) -> DocumentVersion:
    version = version_for_user(request, version_id, write=write)
    if not version.is_records:
        raise Http404(gettext("This version is not a record file"))
    return version


def _posted_roles(request: HttpRequest, columns: list[str]) -> list[dict[str, object]]:
    return [
        {
            "column": column,
            "role": request.POST.get(f"role-{i}", ""),
            "split": request.POST.get(f"split-{i}") or None,
        }
        for i, column in enumerate(columns)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def record_mapping(request: HttpRequest, version_id: int) -> HttpResponse:
    """Review a record file's column roles: preview what they produce, save them to build the graph."""
    from graph.record_suggest import ROLE_LABELS, SPLIT_CHOICES, mapping_warnings

    version = _record_version_for_user(request, version_id, write=request.method == "POST")
    roles, columns = mapping.current_roles(version)
    status_code = 200
    if request.method == "POST":
        try:
            roles = mapping.merge_roles(roles, _posted_roles(request, columns), columns)
        except UserError as e:
            messages.error(request, str(e))
            status_code = 400
        else:
            if request.POST.get("action") == "save":
                mapping.save_mapping(version, roles, request.user)
                messages.success(request, gettext("Mapping saved; the graph stage of this version runs now."))
                return redirect("documents:mapping", version.pk)
    samples = mapping.column_samples(version, columns)
    context = {
        "version": version,
        "document": version.document,
        "collection": version.document.collection,
        "can_write": may_write(request.user, version.document.collection),
        "rows": [{"index": i, "role": r, "samples": samples.get(r.column, [])} for i, r in enumerate(roles)],
        "role_choices": list(ROLE_LABELS.items()),
        "split_choices": SPLIT_CHOICES,
        "warnings": mapping_warnings(roles),
        "preview": mapping.preview(version, roles) if status_code == 200 else None,
    }
    return render(request, "documents/mapping.html", context, status=status_code)
