"""JSON API of fault localisation (OpenAPI schema at /api/schema/)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.diagnose import services
from apps.diagnose.forms import DiagnoseForm, SuggestForm
from config.errors import UserError


class CiteSerializer(serializers.Serializer):
    chunk_id = serializers.CharField()
    document_id = serializers.CharField()
    page = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    url = serializers.CharField(help_text="The passage viewer for this passage or record.")


class FixSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(help_text="The name cut to its first clause (at most 12 words).")
    parts = serializers.ListField(child=serializers.CharField())
    cites = CiteSerializer(many=True)


class StepSerializer(serializers.Serializer):
    head = serializers.CharField()
    rel = serializers.CharField()
    tail = serializers.CharField()
    cites = CiteSerializer(many=True)


class ChainSerializer(serializers.Serializer):
    symptom = serializers.CharField()
    steps = StepSerializer(many=True)


#: Whose work orders: the asked asset's, another machine's of its model, the fleet's ("" none);
#: one choice set, named once in the schema (config.settings ENUM_NAME_OVERRIDES).
HISTORY_SCOPES = ["asset", "class", "fleet", ""]


class HistorySerializer(serializers.Serializer):
    asset = serializers.IntegerField(
        help_text="Work orders on the asked asset where a fix of this cause followed."
    )
    # "class" is a Python keyword: declared through the field name mapping below.
    fleet = serializers.IntegerField()
    total = serializers.IntegerField()
    last_date = serializers.CharField(allow_null=True)
    mean_days_between = serializers.FloatField(allow_null=True)
    dates_scope = serializers.ChoiceField(
        choices=HISTORY_SCOPES,
        help_text="Whose records last_date and mean_days_between are of: the asked asset's when it has "
        "dated ones, else its model's, else the fleet's ('' without dated records).",
    )
    orders = serializers.ListField(child=serializers.CharField())

    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()
        fields["class"] = serializers.IntegerField(
            help_text="Work orders on other machines of the same model."
        )
        return fields


class SimilarSerializer(serializers.Serializer):
    key = serializers.CharField()
    date = serializers.CharField(allow_null=True)
    text = serializers.CharField(allow_blank=True)
    similarity = serializers.FloatField()
    bm25 = serializers.FloatField(
        allow_null=True, help_text="Its BM25 score when it is one of the nearest records that voted."
    )
    scope = serializers.ChoiceField(
        choices=HISTORY_SCOPES,
        help_text="Where it was done: the asked asset, another machine of its model, or the fleet.",
    )
    resolved_by = serializers.ListField(child=serializers.CharField())
    cites = CiteSerializer(many=True)


class CauseSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(help_text="The name cut to its first clause (at most 12 words).")
    label = serializers.CharField(
        help_text="Cause; Symptom/ErrorCode when the manual names no cause; Action for a "
        "fix known only from the work orders; Passage for a passage search found, listed after "
        "the graph's candidates when they are fewer than asked for."
    )
    score = serializers.FloatField(
        help_text="manual (0-1) + history (0-0.8) + similar (0-0.4) + nearest (0-1: how the 10 "
        "work orders most like the symptom were resolved), or passage (0.3 / rank); "
        "see graph/diagnose_rank.py"
    )
    score_parts = serializers.DictField(child=serializers.FloatField())
    fixes = FixSerializer(many=True)
    parts = serializers.ListField(child=serializers.CharField())
    chains = ChainSerializer(many=True)
    history = HistorySerializer()
    similar = SimilarSerializer(many=True)
    excerpt = serializers.CharField(
        allow_blank=True, help_text="Passage candidates: the sentences that match the symptom."
    )
    cites = CiteSerializer(many=True, help_text="Passage candidates: the passage.")
    from_record = serializers.BooleanField(
        help_text="Passage candidates: the passage is a work-order record, not a manual's text."
    )
    done_as = serializers.CharField(
        allow_blank=True,
        required=False,
        help_text="Action candidates: the text of the work order most like the symptom that this "
        "fix resolved (the fix's name is often a verb alone: 'replace').",
    )
    search_place = serializers.IntegerField(
        allow_null=True,
        help_text="Passage candidates: the passage's place among the passages the search found (1 = "
        "its best); null for the graph's candidates.",
    )


class LastFixSerializer(serializers.Serializer):
    action_key = serializers.CharField()
    action = serializers.CharField()
    short_action = serializers.CharField(help_text="The action cut to its first clause (at most 12 words).")
    date = serializers.CharField(allow_null=True)
    work_order = serializers.CharField()
    asset = serializers.CharField(allow_blank=True)
    problems = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField(allow_blank=True)
    cites = CiteSerializer(many=True)


class ProblemHistorySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    name = serializers.CharField()
    occurrences = serializers.IntegerField(help_text="Visible records of this asset naming it.")
    last_date = serializers.CharField(allow_null=True)
    mean_days_between = serializers.FloatField(allow_null=True)


class DiagnosisSerializer(serializers.Serializer):
    symptom = serializers.CharField()
    translation = serializers.CharField(
        allow_blank=True,
        required=False,
        help_text="The symptom in English, read beside it when it was typed in another language "
        "(empty when it was English or the model server was down).",
    )
    asset_asked = serializers.CharField(allow_blank=True)
    asset = inline_serializer(
        "DiagnosedAsset",
        {
            "key": serializers.CharField(),
            "label": serializers.CharField(),
            "name": serializers.CharField(),
            "class_size": serializers.IntegerField(),
        },
        allow_null=True,
    )
    seeds = inline_serializer(
        "DiagnosisSeed",
        {
            "key": serializers.CharField(),
            "label": serializers.CharField(),
            "name": serializers.CharField(),
            "match": serializers.FloatField(),
        },
        many=True,
    )
    causes = CauseSerializer(many=True)
    last_fixes = LastFixSerializer(
        many=True, help_text="What fixed the matched problems last time on this asset, newest first."
    )
    last_fixes_scope = serializers.CharField(
        allow_blank=True, help_text="asset, or class (the same model's machines) when the asset has none."
    )
    asset_history = ProblemHistorySerializer(many=True, help_text="The problems this asset had most often.")
    orders_read = serializers.IntegerField(required=False)
    passages_set_aside = serializers.IntegerField(
        required=False,
        help_text="Passages the search found that name none of the things (components) the symptom "
        "names, left out of the causes.",
    )
    elapsed_ms = serializers.FloatField(required=False)


class SuggestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    name = serializers.CharField()


class DiagnoseView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("symptom", str, required=True, description="Symptom, error code or complaint."),
            OpenApiParameter("asset", str, required=False, description="Equipment or model: key or name."),
        ],
        responses={200: DiagnosisSerializer},
        summary="Rank the likely causes of a symptom on an asset, with fixes, parts, citations and history",
    )
    def get(self, request: Request) -> Response:
        form = DiagnoseForm(request.query_params)
        if not form.is_valid():
            raise UserError(form.first_error())
        return Response(services.run(request.user, form.cleaned_data["symptom"], form.cleaned_data["asset"]))


class SuggestView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="What was typed so far."),
            OpenApiParameter("kind", str, enum=["asset", "symptom"], required=True),
        ],
        responses={200: SuggestionSerializer(many=True)},
        summary="Autocomplete for the Diagnose form: visible assets or symptoms/codes starting with q",
    )
    def get(self, request: Request) -> Response:
        form = SuggestForm(request.query_params)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise UserError(f"{field}: {errors[0]}")
        return Response(services.suggestions(request.user, form.cleaned_data["q"], form.cleaned_data["kind"]))
