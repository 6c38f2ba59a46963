"""Personas shared by every view test: per collection an owner (admin), an editor, a reader and an outsider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Personas:
    collection: object
    owner: object
    editor: object
    reader: object
    outsider: object


@pytest.fixture
def personas(db, django_user_model) -> Personas:
    from apps.accounts.models import Collection, Membership, Role

    collection = Collection.objects.create(name="Pumps", description="Pump manuals and work orders")
    users = {name: django_user_model.objects.create_user(name, password="pw-" + name)
             for name in ("owner", "editor", "reader", "outsider")}
    for name, role in (("owner", Role.ADMIN), ("editor", Role.EDITOR), ("reader", Role.READER)):
        Membership.objects.create(user=users[name], collection=collection, role=role)
    return Personas(collection, **users)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request) -> None:  # type: ignore[no-untyped-def]
    # Domain-package tests may run with `-p no:django`; only Django tests need this.
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request) -> None:  # type: ignore[no-untyped-def]
    # Throttle counters live in the process's cache; user ids and addresses repeat across tests.
    if request.config.pluginmanager.hasplugin("django"):
        from django.core.cache import cache

        cache.clear()
