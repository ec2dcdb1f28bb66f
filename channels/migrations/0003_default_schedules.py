"""The default schedules (PRODUCT.md §3), as database rows that admins can edit without a deploy."""

import json

from django.db import migrations

# kind -> minutes between runs
DEFAULT_SCHEDULES = {
    "token_refresh": ("Cdiscount: token refresh", 60),
    "order_download": ("Cdiscount: order download", 10),
    "inventory_upload": ("Cdiscount: inventory upload", 15),
    "fulfillment_upload": ("Cdiscount: fulfillment upload", 10),
    "order_resweep": ("Cdiscount: order re-sweep (daily)", 24 * 60),
    "offer_reconciliation": ("Cdiscount: offer reconciliation (daily)", 24 * 60),
}


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for kind, (name, minutes) in DEFAULT_SCHEDULES.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": "channels.tasks.dispatch_scheduled",
                "interval": interval,
                "kwargs": json.dumps({"kind": kind}),
            },
        )


MAINTENANCE = ("Cdiscount: stalled jobs", "channels.tasks.reap_stalled_jobs", 5)


def create_maintenance(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task, minutes = MAINTENANCE
    interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
    PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    names = [name for name, _ in DEFAULT_SCHEDULES.values()] + [MAINTENANCE[0]]
    PeriodicTask.objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0002_orders_jobs_products"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_schedules, remove_schedules),
        migrations.RunPython(create_maintenance, migrations.RunPython.noop),
    ]
