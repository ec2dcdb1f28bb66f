"""The Celery app. Tasks live in channels/tasks.py; the beat schedules are database rows
(django-celery-beat) whose defaults channels/services/schedules.py creates."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdiscount_integration.settings")

app = Celery("cdiscount_integration")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
