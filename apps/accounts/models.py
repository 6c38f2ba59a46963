from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import slugify


class Role(models.TextChoices):
    READER = "reader", "Reader"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"


WRITE_ROLES = (Role.EDITOR, Role.ADMIN)


class CollectionQuerySet(models.QuerySet["Collection"]):
    def readable_by(self, user) -> CollectionQuerySet:  # type: ignore[no-untyped-def]
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user).distinct()

    def administered_by(self, user) -> CollectionQuerySet:  # type: ignore[no-untyped-def]
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user, memberships__role=Role.ADMIN).distinct()


class Collection(models.Model):
    """A set of documents with its own access list; every passage and graph fact belongs to one."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self.slug:
            self.slug = slugify(self.name)[:120] or "collection"
        super().save(*args, **kwargs)

    def role_of(self, user) -> str | None:  # type: ignore[no-untyped-def]
        if not user.is_authenticated:
            return None
        if user.is_superuser:
            return Role.ADMIN
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.READER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "collection"], name="one_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.collection}"
