from __future__ import annotations

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def history(self, limit: int = 4) -> list[tuple[str, str]]:
        """The last completed (question, answer) pairs, oldest first, for follow-up questions."""
        answers = self.answers.filter(status=Answer.Status.DONE).order_by("-created_at")[:limit]
        return [(a.question, a.text) for a in reversed(list(answers))]


class Answer(models.Model):
    """One question and everything about how it was answered."""

    class Status(models.TextChoices):
        STREAMING = "streaming"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"  # the client went away before the answer finished

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="answers")
    question = models.TextField()
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STREAMING)
    error = models.TextField(blank=True)
    is_not_found = models.BooleanField(default=False)
    route = models.JSONField(default=dict)  # intent, complexity, retrieval mix, rule
    profile = models.JSONField(default=dict)  # the model router's compute profile
    sources = models.JSONField(default=list)  # numbered sources as shown to the model
    citations = models.JSONField(default=list)  # source numbers the answer cites (validated)
    dangling_citations = models.JSONField(default=list)
    facts = models.JSONField(default=list)  # graph facts/paths used as evidence
    # The instant evidence answer shown before the model's (retrieval.evidence_answer).
    evidence_answer = models.JSONField(default=dict)
    # One verdict per sentence of the model's answer (retrieval.grounding.SentenceCheck).
    sentences = models.JSONField(default=list)
    model_text = models.TextField(blank=True)  # what the model wrote, kept when text fell back
    fell_back = models.BooleanField(default=False)  # text is the evidence answer: model unsupported
    # After the model refused: its answer with refusal ruled out (shown only if the check passed it).
    second_look = models.TextField(blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    retrieval_ms = models.FloatField(null=True)
    evidence_ms = models.FloatField(null=True)  # question received -> evidence answer ready
    ttft_ms = models.FloatField(null=True)
    tokens_per_s = models.FloatField(null=True)
    completion_tokens = models.IntegerField(null=True)
    kv_cache_hit = models.BooleanField(null=True)
    kv_tokens_reused = models.IntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def unsupported_sentences(self) -> list[dict]:  # type: ignore[type-arg]
        return [s for s in self.sentences if not s.get("supported")]

    @property
    def model_refused(self) -> bool:
        """The model said "not found", yet the evidence answer covering the question is shown."""
        from retrieval.grounding import is_refusal

        return self.fell_back and is_refusal(self.model_text)


class Feedback(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    is_helpful = models.BooleanField()
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "user"], name="one_feedback_per_user")]
