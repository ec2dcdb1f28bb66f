from django.db import migrations, models


def sweep_every_minute(apps, schema_editor):
    """The stalled-job sweep runs every minute so a job whose worker died is failed soon after
    its heartbeat stops; an admin's own interval (not the old default of 5) is kept."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.filter(
        task="channels.tasks.reap_stalled_jobs", interval__every=5, interval__period="minutes"
    ).update(interval=every_minute)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0012_rejected_offer_values"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="detail",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="job",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="next_try_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="job",
            name="status",
            field=models.CharField(
                choices=[
                    ("submitted", "Submitted"),
                    ("retrying", "Retrying"),
                    ("processing", "Processing"),
                    ("completed", "Completed"),
                    ("partial_success", "Partial Success"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                    ("skipped", "Skipped"),
                ],
                default="submitted",
                max_length=20,
            ),
        ),
        migrations.RunPython(sweep_every_minute, migrations.RunPython.noop),
    ]
