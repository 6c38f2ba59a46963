"""The audit log of graph curation: who changed which fact, when, and what it looked like before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CurationAction(models.TextChoices):
    MERGE = "merge", "Merge entities"
    SPLIT = "split", "Split entity"
    EDIT_ENTITY = "edit_entity", "Edit entity"
    DELETE_ENTITY = "delete_entity", "Delete entity"
    RESTORE_ENTITY = "restore_entity", "Restore entity"
    EDIT_RELATION = "edit_relation", "Edit relation"
    DELETE_RELATION = "delete_relation", "Delete relation"
    RESTORE_RELATION = "restore_relation", "Restore relation"


class CurationEvent(models.Model):
    """One applied change to the knowledge graph (written in the same request that made the change)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)  # kept when the user is deleted
    action = models.CharField(max_length=20, choices=CurationAction.choices, db_index=True)
    target = models.CharField(max_length=500, db_index=True)  # entity key or encoded relation id
    summary = models.CharField(max_length=500)
    reason = models.TextField(blank=True)
    collection_ids = models.JSONField(default=list)  # the admin's scope when acting
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"
