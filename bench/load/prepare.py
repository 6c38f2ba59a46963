"""Creates the load test's users (admins of the Demo collection) and their API tokens.

    eval "$(.venv/bin/python -m scripts.stack env)"
    .venv/bin/python -m bench.load.prepare --users 50 --out var/load/users.json

Idempotent: existing users keep their password and token. The file holds user names, passwords
and tokens for locust (bench/load/locustfile.py); it lives under var/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--collection", default="Demo")
    parser.add_argument("--out", type=Path, default=Path("var/load/users.json"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from apps.accounts.models import Collection, Membership, Role
    from apps.documents.models import Document

    collection = Collection.objects.filter(name=args.collection).first()
    if collection is None:
        raise SystemExit(f"no collection {args.collection!r}: run scripts/up (it loads the demo) first")
    previous = {u["username"]: u for u in json.loads(args.out.read_text())} if args.out.exists() else {}
    users = []
    for i in range(1, args.users + 1):
        name = f"load-{i:03d}"
        password = previous.get(name, {}).get("password") or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username=name)
        if created or name not in previous:
            user.set_password(password)
            user.save()
        Membership.objects.update_or_create(user=user, collection=collection, defaults={"role": Role.ADMIN})
        token, _ = Token.objects.get_or_create(user=user)
        users.append({"username": name, "password": password, "token": token.key})
    documents = list(
        Document.objects.filter(collection=collection, is_deleted=False).values_list("pk", flat=True)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(users, indent=1))
    meta = {"collection_id": collection.pk, "document_ids": documents}
    args.out.with_suffix(".meta.json").write_text(json.dumps(meta))
    print(f"{len(users)} users in {args.out}; collection {collection.pk} with {len(documents)} documents")


if __name__ == "__main__":
    main()
