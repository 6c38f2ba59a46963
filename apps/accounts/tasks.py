from celery import shared_task

from apps.accounts.models import Collection


@shared_task
def ping() -> dict[str, object]:
    """Round trip through the broker and the worker's database connection (used by health tests)."""
    from django.db import connection

    return {"pong": True, "db_vendor": connection.vendor, "collections": Collection.objects.count()}
