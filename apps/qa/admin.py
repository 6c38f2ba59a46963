from django.contrib import admin

from apps.qa.models import Answer, Conversation, Feedback


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "updated_at")


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = (
        "question",
        "status",
        "model_name",
        "retrieval_ms",
        "ttft_ms",
        "kv_cache_hit",
        "created_at",
    )
    list_filter = ("status", "is_not_found")
    readonly_fields = ("route", "profile", "sources", "citations", "facts")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("answer", "user", "is_helpful", "created_at")
