"""The beat schedules, kept as database rows (django-celery-beat) so admins edit them live."""

import json
from datetime import datetime

from celery import current_app
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.utils import make_aware as beat_aware

from channels.models import CdiscountAccount, Job

from .jobs import CONTROL

TASK = "channels.tasks.dispatch_scheduled"

# Default schedules (docs/architecture.md, Schedules): kind -> (name, minutes between runs). Rows in
# the database that admins edit without a deploy; created when missing, never overwritten.
DEFAULT_SCHEDULES = {
    "token_refresh": ("Cdiscount: token refresh", 60),
    "order_download": ("Cdiscount: order download", 10),
    "inventory_upload": ("Cdiscount: inventory upload", 15),
    "fulfillment_upload": ("Cdiscount: fulfillment upload", 10),
    "order_resweep": ("Cdiscount: order re-sweep (daily)", 24 * 60),
    "offer_reconciliation": ("Cdiscount: offer reconciliation (daily)", 24 * 60),
}
# Every minute: a job whose heartbeat stopped is failed soon after (services/runs.py).
MAINTENANCE = ("Cdiscount: stalled jobs", "channels.tasks.reap_stalled_jobs", 1)
DIGEST = ("Notifications: daily digest", "channels.tasks.send_notification_digests", 24 * 60)


def schedules_ensure_defaults() -> None:
    """Creates the default beat schedules that are missing (after every migrate)."""
    rows = [
        (name, TASK, json.dumps({"kind": kind}), minutes)
        for kind, (name, minutes) in DEFAULT_SCHEDULES.items()
    ]
    for name, task, minutes in (MAINTENANCE, DIGEST):
        rows.append((name, task, "{}", minutes))
    for name, task, kwargs, minutes in rows:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "kwargs": kwargs}
        )


def periodic_tasks_by_kind() -> dict[str, PeriodicTask]:
    """The enabled dispatch schedules, by the job kind each runs."""
    tasks = {}
    for task in PeriodicTask.objects.filter(task=TASK, enabled=True).select_related("interval"):
        try:
            kind = json.loads(task.kwargs or "{}").get("kind")
        except (ValueError, AttributeError):
            continue  # an admin's malformed edit: that row schedules nothing we know
        tasks.setdefault(kind, task)
    return tasks


def next_run_at(
    account: CdiscountAccount,
    kind: str,
    tasks: dict[str, PeriodicTask] | None = None,
    *,
    now: datetime | None = None,
) -> datetime | None:
    """When beat next starts this kind for the account; None if it would not run for it.

    Earlier than `now` when beat is overdue (stopped, or about to tick).
    """
    control = CONTROL.get(kind)
    if control is None or not account.enabled or not getattr(account, control):
        return None
    if account.sync_paused_at:  # beat skips a paused account (services/jobs.py accounts_due)
        return None
    task = (tasks if tasks is not None else periodic_tasks_by_kind()).get(kind)
    if task is None or task.scheduler is None:
        return None
    return schedule_due_at(task, now=now or timezone.now())


def schedule_due_at(task: PeriodicTask, *, now: datetime) -> datetime:
    """The instant beat's database scheduler finds the row due, computed as it does (its
    ModelEntry): from the last run, or for a row never run from its start time or its last
    change; then the schedule's own `remaining_estimate`. A fixed instant: it does not move
    with the clock, only when beat runs the task (see docs/architecture.md, Schedules)."""
    schedule = task.schedule
    # The schedule reads the clock through nowfun: pinned, now + remaining is the due instant.
    schedule.nowfun = lambda: beat_aware(now)
    if task.last_run_at is None and task.start_time is not None:
        return task.due_start_time(now.tzinfo)
    last = task.last_run_at or task.date_changed
    due = now + schedule.remaining_estimate(last.astimezone(current_app.timezone))
    if task.start_time is not None and due < task.start_time:
        return task.start_time  # beat holds every run back until the start time
    return due


def job_status_strip(account) -> list[dict]:
    """Per job kind: the last run (a manual Get Token counts as a token refresh) and when beat
    next starts it: the schedule's due time, which stays put until beat runs it; `overdue` when
    that time has passed (docs/architecture.md, Schedules)."""
    now = timezone.now()
    tasks = periodic_tasks_by_kind()  # read once for every kind
    strip = []
    for kind, label in Job.Kind.choices:
        if kind in Job.IMPORT_KINDS:
            continue  # started by hand only: no schedule to show
        next_run = next_run_at(account, kind, tasks, now=now)
        strip.append(
            {
                "kind": kind,
                "label": label,
                "last": Job.objects.filter(account=account, kind=kind).first(),
                "next_run": next_run,
                # 0 today, 1 tomorrow: the strip names the day only when it is not today.
                "next_in_days": None
                if next_run is None
                else (timezone.localdate(next_run) - timezone.localdate(now)).days,
                "overdue": next_run is not None and next_run <= now,
            }
        )
    return strip
