"""JSON API of the Q&A portal (OpenAPI schema at /api/schema/).

``POST /api/qa/ask`` answers in the form the client asks for: ``Accept: text/event-stream`` streams
the answer as server-sent events (what the portal shows as it comes); anything else gets the
finished answer as one JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttles import asking_too_fast
from apps.qa import services
from apps.qa.models import Answer, Conversation
from apps.qa.views import _sse
from config.errors import Problem, UserError


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True, trim_whitespace=True)
    conversation_id = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class AnswerSerializer(serializers.ModelSerializer):
    conversation_id = serializers.IntegerField(read_only=True)
    notices = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = [
            "id",
            "question",
            "text",
            "status",
            "error",
            "is_not_found",
            "route",
            "profile",
            "sources",
            "citations",
            "facts",
            "model_name",
            "retrieval_ms",
            "ttft_ms",
            "tokens_per_s",
            "kv_cache_hit",
            "created_at",
            "conversation_id",
            "evidence_answer",
            "sentences",
            "notices",
        ]

    def get_notices(self, answer: Answer) -> list[str]:
        """What was left out of the answer, e.g. the graph's part while Neo4j was down."""
        return services.notices(answer)


class EventStreamRenderer(BaseRenderer):
    """Lets content negotiation accept ``text/event-stream``.

    The answer itself streams from a StreamingHttpResponse; this renders only what DRF answers
    before the stream starts (bad input, no login) as a single ``error`` event.
    """

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        body = dict(data) if isinstance(data, Mapping) else {"detail": data}
        message = body.get("error") or body.get("detail") or _("request refused")
        return _event({"event": "error", "message": str(message), **body}).encode()


def _event(event: Mapping[str, Any]) -> str:
    return f"event: {event['event']}\ndata: {json.dumps(event, default=str)}\n\n"


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = ["id", "title", "created_at", "updated_at"]


class ConversationDetailSerializer(ConversationSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "answers"]


class AskView(APIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]  # the first is what */* gets

    @extend_schema(
        request=AskSerializer,
        responses={
            (200, "application/json"): OpenApiResponse(
                AnswerSerializer, description="The finished answer (sent once it is complete)."
            ),
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "Sent for Accept: text/event-stream. Events: route, sources, delta (text), done "
                    "(answer_id, text, citations, timings, model, profile) or error (message)"
                ),
            ),
        },
        summary="Ask a question: server-sent events with Accept: text/event-stream, else one JSON answer",
    )
    def post(self, request: Request) -> HttpResponseBase:
        if too_fast := asking_too_fast(request):
            return too_fast
        data = AskSerializer(data=request.data)
        if not data.is_valid():
            field, errors = next(iter(data.errors.items()))
            raise UserError(f"{field}: {errors[0]}")
        started = services.start_in_slot(
            request.user, data.validated_data["question"], data.validated_data.get("conversation_id")
        )
        if isinstance(started, HttpResponseBase):
            return started  # busy
        answer, events = started
        if isinstance(request.accepted_renderer, EventStreamRenderer):
            return _sse(events)
        try:
            return _finished(answer, events)
        finally:
            events.close()


def _finished(answer: Answer, events: Iterable[Mapping[str, Any]]) -> Response:
    """Run the answer to its end and send it whole; an in-band error becomes an error response."""
    failure = None
    for event in events:
        if event["event"] == "error":
            failure = event
    if failure is not None:
        retry_after_s = failure.get("retry_after_s")
        problem = Problem(503 if retry_after_s else 500, str(failure["message"]), retry_after_s)
        headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
        return Response({**problem.as_dict(), "answer_id": answer.pk}, status=problem.status, headers=headers)
    answer.refresh_from_db()
    return Response(AnswerSerializer(answer).data)


class ConversationListView(generics.ListAPIView):
    serializer_class = ConversationSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Conversation.objects.filter(user=self.request.user)


class ConversationDetailView(generics.RetrieveAPIView):
    serializer_class = ConversationDetailSerializer
    lookup_url_kwarg = "conversation_id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Conversation.objects.filter(user=self.request.user).prefetch_related("answers")
