"""JSON API of the Q&A portal (OpenAPI schema at /api/schema/)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.qa import services
from apps.qa.models import Answer, Conversation
from apps.qa.views import _sse
from config.errors import UserError


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True, trim_whitespace=True)
    conversation_id = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class AnswerSerializer(serializers.ModelSerializer):
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
        ]


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = ["id", "title", "created_at", "updated_at"]


class ConversationDetailSerializer(ConversationSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "answers"]


class AskView(APIView):
    @extend_schema(
        request=AskSerializer,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "text/event-stream of events: route, sources, delta (text), done (answer_id, text, citations, "
                    "timings, model, profile) or error (message)"
                ),
            )
        },
        summary="Ask a question; the answer streams as server-sent events",
    )
    def post(self, request: Request) -> StreamingHttpResponse:
        data = AskSerializer(data=request.data)
        if not data.is_valid():
            field, errors = next(iter(data.errors.items()))
            raise UserError(f"{field}: {errors[0]}")
        answer = services.start_answer(
            request.user, data.validated_data["question"], data.validated_data.get("conversation_id")
        )
        return _sse(services.answer_events(answer, request.user))


class ConversationListView(generics.ListAPIView):
    serializer_class = ConversationSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Conversation.objects.filter(user=self.request.user)


class ConversationDetailView(generics.RetrieveAPIView):
    serializer_class = ConversationDetailSerializer
    lookup_url_kwarg = "conversation_id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Conversation.objects.filter(user=self.request.user).prefetch_related("answers")
