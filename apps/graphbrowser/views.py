"""Admin knowledge-graph browser: search, entity pages, neighbourhoods, curation, stats, console.

Access: every view needs a collection admin (403 otherwise). Facts are restricted to the
collections the user administers — or to one of them with ``?collection=<id>`` (404 for a
collection the user cannot see, 403 for one they only read). Provenance lists only chunks of
collections the user may read. The Cypher console is for superusers: raw Cypher cannot be
restricted to some collections.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import administered_collection_ids, get_collection_for_user, readable_collection_ids
from apps.accounts.models import Collection
from apps.graphbrowser import forms, services
from apps.graphbrowser.models import CurationEvent
from apps.graphbrowser.services import Scope
from config.errors import UserError
from graph.browse import MAX_NODE_CAP, RelationId
from graph.console import ConsoleRefused
from graph.errors import GraphQueryError
from graph.schema import RELATION_TYPES


def _scope(request: HttpRequest) -> Scope:
    administered = administered_collection_ids(request.user)
    if not administered:
        raise PermissionDenied(_("The graph browser is for collection admins"))
    requested = request.GET.get("collection") or request.POST.get("collection")
    if requested:
        if not requested.isdigit():
            raise Http404(_("No such collection"))
        administered = [get_collection_for_user(request, int(requested), admin=True).pk]
    return Scope(tuple(administered), tuple(readable_collection_ids(request.user)), request.user)


def _key(request: HttpRequest) -> str:
    key = (request.GET.get("key") or request.POST.get("key") or "").strip()
    if not key or len(key) > 500:
        raise UserError(_("Which entity? The request has no valid entity key."))
    return key


def _rid(value: str) -> RelationId:
    try:
        return RelationId.decode(value)
    except ValueError:
        raise UserError(_("That relation id is not valid.")) from None


def _entity_url(key: str, scope_param: str | None = None) -> str:
    params = {"key": key}
    if scope_param:
        params["collection"] = scope_param
    return f"{reverse('graphbrowser:entity')}?{urlencode(params)}"


def _scope_param(request: HttpRequest) -> str | None:
    return request.GET.get("collection") or request.POST.get("collection") or None


def _base_context(request: HttpRequest, scope: Scope, **extra: Any) -> dict[str, Any]:
    return {"scope_collections": Collection.objects.filter(pk__in=scope.collections),
            "scope_param": _scope_param(request), "is_console_allowed": request.user.is_superuser, **extra}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Entity search (full-text over names, aliases, identifiers) with type filters."""
    scope = _scope(request)
    form = forms.SearchForm(request.GET or None)
    hits = []
    if form.is_valid() and form.cleaned_data["q"]:
        hits = services.graph_service().search(form.cleaned_data["q"], scope.collections,
                                               labels=form.cleaned_data["type"] or None, limit=50)
    return render(request, "graphbrowser/index.html", _base_context(
        request, scope, form=form, hits=hits, collections=Collection.objects.filter(pk__in=scope.collections),
        searched=bool(form.is_valid() and form.cleaned_data["q"])))


def _entity_or_404(request: HttpRequest, scope: Scope, key: str) -> Any:
    detail = services.graph_service().entity(key, scope.collections, scope.provenance)
    if detail is None:
        raise Http404(_("No such entity in your collections"))
    return detail


@login_required
@require_GET
def entity(request: HttpRequest) -> HttpResponse:
    """Properties, aliases, relations grouped by type, and the passages behind each fact."""
    scope = _scope(request)
    detail = _entity_or_404(request, scope, _key(request))
    document_ids = {c.document_id for c in detail.mentions} | {c.document_id for r in detail.relations
                                                               for c in r.citations}
    # An entity shared by collections also carries what admins of the others did to it: only
    # changes made in collections this admin administers are theirs to see.
    events = _visible_events(scope, CurationEvent.objects.filter(target=detail.key)[:200])[:20]
    return render(request, "graphbrowser/entity.html", _base_context(
        request, scope, entity=detail, titles=services.document_titles(document_ids), events=events,
        relation_form=forms.RelationEditForm()))


@login_required
@require_GET
def neighbourhood(request: HttpRequest) -> HttpResponse:
    """The interactive (Cytoscape.js) neighbourhood page; data comes from :func:`neighbourhood_json`."""
    scope = _scope(request)
    detail = _entity_or_404(request, scope, _key(request))
    return render(request, "graphbrowser/neighbourhood.html", _base_context(
        request, scope, entity=detail, relation_types=sorted(RELATION_TYPES), max_cap=MAX_NODE_CAP))


@login_required
@require_GET
def neighbourhood_json(request: HttpRequest) -> JsonResponse:
    scope = _scope(request)
    form = forms.NeighbourhoodForm(request.GET)
    if not form.is_valid():
        raise UserError(_("Bad neighbourhood request:") + " " + "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
    data = form.cleaned_data
    subgraph = services.graph_service().neighbourhood(
        data["key"], scope.collections, depth=data["depth"] or 1, rel_types=data["rel"] or None,
        cap=data["cap"] or 150, offset=data["offset"] or 0)
    if subgraph is None:
        raise Http404(_("No such entity in your collections"))
    body = subgraph.as_dict()
    for node in (body["center"], *body["nodes"]):  # the entity type as the page's language names it
        if node:
            node["label_name"] = pgettext("entity type", node["label"])
    return JsonResponse(body)


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest) -> HttpResponse:
    """GET: preview merging ``other`` entities into ``keep``; POST: apply it."""
    scope = _scope(request)
    source = request.POST if request.method == "POST" else request.GET
    keep = (source.get("keep") or "").strip()
    others = [k for k in source.getlist("other") if k.strip() and k != keep][:50]
    if not keep or not others:
        raise UserError(_("Pick the entity to keep and at least one duplicate to merge into it."))
    svc = services.graph_service()
    if request.method == "POST":
        event = services.curate(scope, lambda: svc.merge(keep, others, scope.collections,
                                                         actor=scope.actor_name))
        messages.success(request, event.summary)
        return redirect(_entity_url(keep, _scope_param(request)))
    preview = svc.merge_preview(keep, others, scope.collections)
    return render(request, "graphbrowser/merge_preview.html", _base_context(
        request, scope, preview=preview, keep=keep, others=others))


@login_required
@require_http_methods(["GET", "POST"])
def split(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    detail = _entity_or_404(request, scope, _key(request))
    form = forms.SplitForm(request.POST or None, alias_choices=list(detail.aliases))
    if request.method == "POST" and form.is_valid():
        svc = services.graph_service()
        event = services.curate(scope, lambda: svc.split(detail.key, form.cleaned_data["aliases"],
                                                         form.cleaned_data["new_name"], scope.collections,
                                                         actor=scope.actor_name))
        messages.success(request, event.summary)
        return redirect(_entity_url(detail.key, _scope_param(request)))
    return render(request, "graphbrowser/split.html", _base_context(request, scope, entity=detail, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def edit_entity(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    detail = _entity_or_404(request, scope, _key(request))
    initial = {"name": detail.name, "aliases": "\n".join(detail.aliases)}
    form = forms.EditEntityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        svc = services.graph_service()
        event = services.curate(scope, lambda: svc.edit_entity(detail.key, scope.collections,
                                                               actor=scope.actor_name,
                                                               name=form.cleaned_data["name"],
                                                               aliases=form.alias_list()))
        messages.success(request, event.summary)
        return redirect(_entity_url(detail.key, _scope_param(request)))
    return render(request, "graphbrowser/edit_entity.html", _base_context(request, scope, entity=detail, form=form))


@login_required
@require_POST
def delete_entity(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    key = _key(request)
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    svc = services.graph_service()
    event = services.curate(scope, lambda: svc.delete_entity(key, scope.collections, actor=scope.actor_name,
                                                             reason=reason), reason)
    messages.success(request, _("%(summary)s. Answers no longer use it; restore it from Deleted.")
                     % {"summary": event.summary})
    return redirect("graphbrowser:deleted")


@login_required
@require_POST
def restore_entity(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    key = _key(request)
    svc = services.graph_service()
    event = services.curate(scope, lambda: svc.restore_entity(key, scope.collections, actor=scope.actor_name))
    messages.success(request, event.summary)
    return redirect(_entity_url(key, _scope_param(request)))


@login_required
@require_POST
def relation_edit(request: HttpRequest) -> HttpResponse:
    """Delete (``action=delete``), restore (``action=restore``) or retype/reverse a relation."""
    scope = _scope(request)
    form = forms.RelationEditForm(request.POST)
    if not form.is_valid():
        raise UserError(_("Bad relation change:") + " " + "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
    rid = _rid(form.cleaned_data["rid"])
    reason = form.cleaned_data["reason"]
    action = request.POST.get("action", "edit")
    svc = services.graph_service()
    if action == "delete":
        event = services.curate(scope, lambda: svc.delete_relation(rid, scope.collections, actor=scope.actor_name,
                                                                   reason=reason), reason)
    elif action == "restore":
        event = services.curate(scope, lambda: svc.restore_relation(rid, scope.collections,
                                                                    actor=scope.actor_name), reason)
    elif action == "edit":
        event = services.curate(scope, lambda: svc.edit_relation(
            rid, scope.collections, actor=scope.actor_name, new_type=form.cleaned_data["new_type"] or None,
            reverse=form.cleaned_data["reverse"]), reason)
    else:
        raise UserError(_("Unknown relation action."))
    messages.success(request, event.summary)
    back = request.POST.get("back_key") or rid.head
    return redirect(_entity_url(back, _scope_param(request)))


@login_required
@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    entities = services.graph_service().deleted_entities(scope.collections)
    relations = [e for e in _visible_events(scope, CurationEvent.objects.filter(action="delete_relation")[:200])]
    return render(request, "graphbrowser/deleted.html", _base_context(
        request, scope, entities=entities, relations=relations[:50]))


def _visible_events(scope: Scope, events: Any) -> list[CurationEvent]:
    allowed = set(scope.collections)
    return [e for e in events if set(e.collection_ids) & allowed]


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    events = _visible_events(scope, CurationEvent.objects.all()[:500])
    return render(request, "graphbrowser/audit.html", _base_context(request, scope, events=events[:200]))


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    """Counts by entity type and relation type, top entities and recent ingestion runs, with bar charts."""
    scope = _scope(request)
    data = services.graph_service().stats(scope.collections)
    return render(request, "graphbrowser/stats.html", _base_context(
        request, scope, stats=data, label_bars=_bars(data.entities_by_label),
        relation_bars=_bars(data.relations_by_type), runs=services.recent_ingestion_runs(scope.collections)))


def _bars(counts: dict[str, int], width: int = 360) -> list[dict[str, Any]]:
    """Rows of an inline SVG bar chart: label, count and bar width in px (scaled to the largest)."""
    largest = max(counts.values(), default=0) or 1
    return [{"label": label, "count": count, "width": max(1, round(width * count / largest)), "y": i * 22}
            for i, (label, count) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))]


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """Read-only Cypher console (superusers): results as a table and as a graph."""
    scope = _scope(request)
    if not request.user.is_superuser:
        raise PermissionDenied(_("The Cypher console sees the whole graph, across all collections; only "
                                 "superusers may use it."))
    form = forms.ConsoleForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        row_cap, timeout_s = services.console_limits()
        try:
            result = services.graph_service().console(form.cleaned_data["query"], row_cap=row_cap,
                                                      timeout_s=timeout_s)
        except (ConsoleRefused, GraphQueryError) as e:
            # Shown next to the query, so the admin can fix it; logged nowhere (it is the user's input).
            if "application/json" in request.headers.get("Accept", ""):
                raise
            form.add_error("query", str(e))
            status = 400
    context = _base_context(request, scope, form=form, result=result,
                            graph={"nodes": list(result.nodes), "edges": list(result.edges)} if result else None)
    if result is not None and "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(result.as_dict())
    return render(request, "graphbrowser/console.html", context, status=status)
