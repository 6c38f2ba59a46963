"""The one place where exceptions become HTTP responses (HTML pages, JSON API and SSE alike).

Domain packages raise their own typed errors (graph.errors, retrieval.errors, model.errors); each
base class carries `is_transient` (a retry may succeed) and most carry a user-facing message. Views
never build error responses by hand: they raise, and this module renders.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

_DOMAIN_PACKAGES = ("graph.", "retrieval.", "model.")


class UserError(Exception):
    """Bad input from the user; shown as-is with a 400 (or the given status)."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


@dataclass(frozen=True)
class Problem:
    status: int
    message: str
    retry_after_s: int | None = None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.message, "status": self.status}
        if self.retry_after_s is not None:
            body["retry_after_s"] = self.retry_after_s
        return body


# What users are told when a component fails (whole sentences, so each translates as one); the
# exception text (addresses, driver messages) goes to the log only.
_UNAVAILABLE = {
    "graph.": gettext_lazy("The knowledge graph is unavailable right now; try again in %(seconds)s s."),
    "retrieval.": gettext_lazy(
        "The document search index is unavailable right now; try again in %(seconds)s s."
    ),
    "model.": gettext_lazy("The answer model is unavailable right now; try again in %(seconds)s s."),
}
_BUSY = {
    "graph.": gettext_lazy(
        "The knowledge graph is busy answering other questions; try again in %(seconds)s s."
    ),
    "retrieval.": gettext_lazy(
        "The document search index is busy answering other questions; try again in %(seconds)s s."
    ),
    "model.": gettext_lazy("The answer model is busy answering other questions; try again in %(seconds)s s."),
}
_ADDRESS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://[^\s'\")]+"  # URLs: http://host:port/path, bolt://user:pw@host
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"  # IPv4 addresses with an optional port
    r"|\blocalhost:\d+\b",
    re.IGNORECASE,
)


def without_addresses(message: str) -> str:
    """A domain error's text with every URL and host:port replaced: users never see internals."""
    return _ADDRESS.sub("[internal address]", message)


def problem_for(exc: BaseException) -> Problem | None:
    """Maps a known exception to a status and a short message; None for unknown ones (-> 500)."""
    if isinstance(exc, UserError):
        # A 5xx UserError may quote the service error behind it; its address stays in the log.
        message = without_addresses(str(exc)) if exc.status >= 500 else str(exc)
        return Problem(exc.status, message)
    module = type(exc).__module__ + "."
    if not module.startswith(_DOMAIN_PACKAGES):
        return None
    retry_after_s = getattr(exc, "retry_after_s", None)
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return Problem(status, without_addresses(str(exc)), retry_after_s)
    # retrieval/ calls the flag `transient`, graph/ and model/ `is_transient`.
    if getattr(exc, "is_transient", False):
        logger.warning("%s unavailable: %s", type(exc).__name__, exc)
        prefix = next(p for p in _UNAVAILABLE if module.startswith(p))
        retry_after_s = retry_after_s or 5
        messages = _BUSY if type(exc).__name__ == "QueueFull" else _UNAVAILABLE
        return Problem(503, str(messages[prefix]) % {"seconds": retry_after_s}, retry_after_s)
    return Problem(400, without_addresses(str(exc)))


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or "application/json" in accept


_HEADINGS = {
    400: gettext_lazy("That did not work"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    413: gettext_lazy("Too large"),
    429: gettext_lazy("Too many requests"),
    503: gettext_lazy("Temporarily unavailable"),
}


def render_problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse(problem.as_dict(), status=problem.status)
    else:
        heading = _HEADINGS.get(problem.status) or _("Something went wrong")
        context = {"problem": problem, "heading": heading}
        response = render(request, "error.html", context, status=problem.status)
    if problem.retry_after_s is not None:
        response["Retry-After"] = str(problem.retry_after_s)
    return response


class ErrorMiddleware:
    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        problem = problem_for(exc)
        if problem is None:
            return None
        if problem.status >= 500:
            logger.warning("%s %s failed: %s", request.method, request.path, exc)
        return render_problem(request, problem)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:  # type: ignore[type-arg]
    response = exception_handler(exc, context)
    if response is not None:
        return response
    problem = problem_for(exc)
    if problem is None:
        return None
    headers = {"Retry-After": str(problem.retry_after_s)} if problem.retry_after_s else None
    return Response(problem.as_dict(), status=problem.status, headers=headers)


# Django's error handlers (config/urls.py: handler400/403/404): the same page and JSON as above.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400s Django raises outside a view, e.g. a body refused while the CSRF check reads it."""
    problem = problem_for(exception) if exception is not None else None
    return render_problem(request, problem or Problem(400, _("The request could not be read.")))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Kenning's own PermissionDenied messages are written for users ("Readers cannot change ...").
    message = str(exception) if exception is not None and str(exception) else ""
    return render_problem(request, Problem(403, message or _("You do not have permission to do that.")))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception may list the URL patterns tried; only say that nothing is here for this user.
    return render_problem(request, Problem(404, _("There is no such page, or you may not see it.")))
