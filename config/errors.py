"""The one place where exceptions become HTTP responses (HTML pages, JSON API and SSE alike).

Domain packages raise their own typed errors (graph.errors, retrieval.errors, model.errors); each
base class carries `transient` (a retry may succeed) and most carry a user-facing message. Views
never build error responses by hand: they raise, and this module renders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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


def problem_for(exc: BaseException) -> Problem | None:
    """Maps a known exception to a status and a short message; None for unknown ones (-> 500)."""
    if isinstance(exc, UserError):
        return Problem(exc.status, str(exc))
    module = type(exc).__module__ + "."
    if not module.startswith(_DOMAIN_PACKAGES):
        return None
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return Problem(status, str(exc), getattr(exc, "retry_after_s", None))
    # retrieval/ calls the flag `transient`, graph/ and model/ `is_transient`.
    if getattr(exc, "transient", False) or getattr(exc, "is_transient", False):
        retry_after_s = getattr(exc, "retry_after_s", None) or 5
        return Problem(503, f"{exc} — the service is unavailable; try again shortly.", retry_after_s)
    return Problem(400, str(exc))


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or "application/json" in accept


def render_problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse(problem.as_dict(), status=problem.status)
    else:
        response = render(request, "error.html", {"problem": problem}, status=problem.status)
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
