"""The Celery app. Tasks live in channels/tasks.py; the beat schedules are database rows
(django-celery-beat) whose defaults channels/services/schedules.py creates."""

import os
import sys

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdiscount_integration.settings")

app = Celery("cdiscount_integration")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_on_key_errors(**kwargs) -> None:
    """Celery runs Django's system checks but ignores their result: a key that cannot read the
    stored secrets stops the worker and beat here (an exception would only be logged)."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from channels.checks import refuse_to_start_on_key_errors

    try:
        refuse_to_start_on_key_errors()
    except ImproperlyConfigured as exc:
        # sys.__stderr__: beat has already redirected sys.stderr into its logger.
        print(f"ImproperlyConfigured: {exc}", file=sys.__stderr__)  # noqa: T201
        raise SystemExit(1) from None
