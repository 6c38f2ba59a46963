from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import Collection
from apps.accounts.throttles import asking_too_fast
from apps.qa import passages, services
from apps.qa.forms import AskForm, FeedbackForm
from apps.qa.models import Answer, Conversation, Feedback
from config.errors import UserError


@login_required
@require_GET
def portal(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, user=request.user)
    context = {
        "collections": Collection.objects.readable_by(request.user),
        "conversations": Conversation.objects.filter(user=request.user)[:30],
        "conversation": conversation,
        "answers": conversation.answers.all() if conversation else [],
    }
    return render(request, "qa/portal.html", context)


class _EventStream:
    """Events as SSE text; close() reaches the events (and the answer slot they hold) even when
    the response is closed before the stream was read.

    Each event is made in the request's language: the stream is read after the view returned,
    when the server thread's active language is no longer the request's to rely on.
    """

    def __init__(self, events) -> None:  # type: ignore[no-untyped-def]
        self._events = events
        self._language = translation.get_language()

    def __iter__(self):  # type: ignore[no-untyped-def]
        events = iter(self._events)
        while True:
            with translation.override(self._language):
                event = next(events, None)
                if event is None:
                    return
                text = f"event: {event['event']}\ndata: {json.dumps(event, default=str)}\n\n"
            yield text

    def close(self) -> None:
        if close := getattr(self._events, "close", None):
            close()


def _sse(events) -> StreamingHttpResponse:  # type: ignore[no-untyped-def]
    response = StreamingHttpResponse(_EventStream(events), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
@require_POST
def ask(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Streams one answer as server-sent events: route, sources, delta..., done | error."""
    if too_fast := asking_too_fast(request):
        return too_fast
    form = AskForm(_json_or_post(request))
    if not form.is_valid():
        raise UserError(form.first_error())
    started = services.start_in_slot(
        request.user, form.cleaned_data["question"], form.cleaned_data.get("conversation_id")
    )
    if isinstance(started, HttpResponse):
        return started  # busy
    return _sse(started[1])


@login_required
@require_POST
def feedback(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = get_object_or_404(Answer, pk=answer_id, conversation__user=request.user)
    form = FeedbackForm(_json_or_post(request))
    if not form.is_valid():
        raise UserError(form.first_error())
    Feedback.objects.update_or_create(answer=answer, user=request.user, defaults=form.cleaned_data)
    return HttpResponse(status=204)


@login_required
@require_GET
def passage(request: HttpRequest, chunk_id: str) -> HttpResponse:
    """The passage viewer: the cited passage highlighted in its page or record."""
    context = passages.view_context(request.user, chunk_id)
    return render(request, "qa/passage.html", context)


def _json_or_post(request: HttpRequest) -> dict:  # type: ignore[type-arg]
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except json.JSONDecodeError:
            raise UserError(_("The request body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise UserError(_("The request body must be a JSON object."))
        return body
    return request.POST.dict()
