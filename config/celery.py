"""The Celery app; tasks live in apps/*/tasks.py and stay thin adapters over services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kenning")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
