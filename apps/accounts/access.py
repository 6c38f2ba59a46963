"""The only place views ask "may this user read/write this collection?".

A user who is not a member gets 404 (the collection's existence is not revealed); a member
without a write role gets 403 on a write; superusers may do everything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from apps.accounts.models import WRITE_ROLES, Collection, Role


def get_collection_for_user(
    request: HttpRequest, collection_id: int, *, write: bool = False, admin: bool = False
) -> Collection:
    collection = Collection.objects.filter(pk=collection_id).first()
    role = collection.role_of(request.user) if collection else None
    if collection is None or role is None:
        raise Http404("No such collection")
    if admin and role != Role.ADMIN:
        raise PermissionDenied("Only admins of this collection may do that")
    if write and role not in WRITE_ROLES:
        raise PermissionDenied("Readers cannot change this collection")
    return collection


def readable_collection_ids(user) -> list[int]:  # type: ignore[no-untyped-def]
    """Ids every retrieval filter (Qdrant payload filter, Cypher WHERE) is restricted to."""
    return list(Collection.objects.readable_by(user).values_list("pk", flat=True))


def administered_collection_ids(user) -> list[int]:  # type: ignore[no-untyped-def]
    return list(Collection.objects.administered_by(user).values_list("pk", flat=True))


def may_write(user, collection: Collection) -> bool:  # type: ignore[no-untyped-def]
    return collection.role_of(user) in WRITE_ROLES
