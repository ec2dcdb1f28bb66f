"""The beat schedules, kept as database rows (django-celery-beat) so admins edit them live."""

import json
from datetime import datetime

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from channels.models import CdiscountAccount

from .jobs import CONTROL

TASK = "channels.tasks.dispatch_scheduled"


def _periodic_task(kind: str) -> PeriodicTask | None:
    for task in PeriodicTask.objects.filter(task=TASK, enabled=True).select_related("interval"):
        try:
            if json.loads(task.kwargs or "{}").get("kind") == kind:
                return task
        except (ValueError, AttributeError):
            continue  # an admin's malformed edit: that row schedules nothing we know
    return None


def next_run_at(account: CdiscountAccount, kind: str) -> datetime | None:
    """When beat next runs this kind for the account; None if it would not run for it."""
    control = CONTROL.get(kind)
    if control is None or not account.enabled or not getattr(account, control):
        return None
    task = _periodic_task(kind)
    if task is None or task.interval is None:
        return None
    every = task.interval.schedule.run_every
    last = task.last_run_at or timezone.now()
    upcoming = last + every
    return max(upcoming, timezone.now())
