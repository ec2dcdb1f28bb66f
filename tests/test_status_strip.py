"""The General Settings status strip: the last run of each kind and beat's true next run."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from channels.models import Job
from channels.services.schedules import job_status_strip, next_run_at

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 29, 9, 0, 3, tzinfo=UTC)
ORDER_DOWNLOAD = "Cdiscount: order download"  # every 10 minutes


@pytest.fixture
def clock(monkeypatch):
    """Sets the time every caller of django.utils.timezone.now reads, beat's schedules too."""

    def set_to(instant: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return set_to


def beat_entry(name: str) -> ModelEntry:
    """Beat's own view of the schedule row, as its database scheduler loads it."""
    return ModelEntry(PeriodicTask.objects.get(name=name))


def beat_ran(name: str, at: datetime) -> None:
    PeriodicTask.objects.filter(name=name).update(last_run_at=at)


def strip_item(account, kind: str) -> dict:
    return next(item for item in job_status_strip(account) if item["kind"] == kind)


def test_next_run_stays_put_as_the_clock_moves_and_advances_only_after_a_run(
    enabled_octopia, clock
):
    beat_ran(ORDER_DOWNLOAD, T0)
    due = T0 + timedelta(minutes=10)
    for instant in (T0 + timedelta(minutes=2), T0 + timedelta(minutes=7, seconds=31)):
        clock(instant)
        assert next_run_at(enabled_octopia, Job.Kind.ORDER_DOWNLOAD) == due
        # Beat itself, at that instant, waits exactly until then.
        is_due, wait = beat_entry(ORDER_DOWNLOAD).is_due()
        assert not is_due and instant + timedelta(seconds=wait) == due
    clock(T0 + timedelta(minutes=13))  # beat is late (stopped, say): the due time stays
    item = strip_item(enabled_octopia, Job.Kind.ORDER_DOWNLOAD)
    assert item["next_run"] == due and item["overdue"]
    assert beat_entry(ORDER_DOWNLOAD).is_due()[0]
    beat_ran(ORDER_DOWNLOAD, T0 + timedelta(minutes=13))
    item = strip_item(enabled_octopia, Job.Kind.ORDER_DOWNLOAD)
    assert item["next_run"] == T0 + timedelta(minutes=23) and not item["overdue"]


def test_a_schedule_never_run_is_due_from_its_last_change_as_beat_counts_it(enabled_octopia, clock):
    PeriodicTask.objects.filter(name=ORDER_DOWNLOAD).update(last_run_at=None, date_changed=T0)
    for instant in (T0 + timedelta(minutes=1), T0 + timedelta(minutes=9)):
        clock(instant)
        assert next_run_at(enabled_octopia, Job.Kind.ORDER_DOWNLOAD) == T0 + timedelta(minutes=10)
        is_due, wait = beat_entry(ORDER_DOWNLOAD).is_due()
        assert not is_due and instant + timedelta(seconds=wait) == T0 + timedelta(minutes=10)


def test_the_page_shows_the_same_next_run_at_two_instants_and_due_now_when_late(
    alice_client, acme, enabled_octopia, clock
):
    beat_ran(ORDER_DOWNLOAD, T0)
    url = reverse("channels:general_settings", args=[acme.pk])
    pages = []
    for instant in (T0 + timedelta(minutes=1), T0 + timedelta(minutes=6)):
        clock(instant)
        pages.append(alice_client.get(url).content.decode())
    # 09:10 UTC is 10:10 in Paris, the company's time zone.
    marker = 'data-next-run="2026-11-29T10:10:03+01:00"'
    for body in pages:
        assert marker in body
        assert "next 10:10" in body
    clock(T0 + timedelta(minutes=25))
    body = alice_client.get(url).content.decode()
    assert "due now (since 10:10)" in body


def test_the_daily_re_sweep_and_reconciliation_show_their_real_next_time(
    alice_client, acme, enabled_octopia, clock
):
    enabled_octopia.enable_inventory_upload = True
    enabled_octopia.save()
    beat_ran("Cdiscount: order re-sweep (daily)", T0 - timedelta(hours=3))
    beat_ran("Cdiscount: offer reconciliation (daily)", T0 - timedelta(hours=20))
    clock(T0)
    resweep = strip_item(enabled_octopia, Job.Kind.ORDER_RESWEEP)
    assert resweep["next_run"] == T0 + timedelta(hours=21)
    reconciliation = strip_item(enabled_octopia, Job.Kind.OFFER_RECONCILIATION)
    assert reconciliation["next_run"] == T0 + timedelta(hours=4)
    body = alice_client.get(reverse("channels:general_settings", args=[acme.pk])).content.decode()
    assert "next tomorrow 07:00" in body  # 06:00 UTC tomorrow, in Paris
    assert "next 14:00" in body


def test_a_paused_account_shows_paused_instead_of_a_next_run(alice_client, acme, enabled_octopia):
    enabled_octopia.sync_paused_at = timezone.now()
    enabled_octopia.save()
    assert strip_item(enabled_octopia, Job.Kind.ORDER_DOWNLOAD)["next_run"] is None
    body = alice_client.get(reverse("channels:general_settings", args=[acme.pk])).content.decode()
    assert "paused" in body.split('id="status-strip"', 1)[1].split("</section>", 1)[0]


def test_a_manual_get_token_counts_as_the_last_token_refresh(
    simulator, alice_client, alice, acme, octopia_account
):
    url = reverse("channels:action_get_token", args=[acme.pk])
    body = alice_client.post(url, follow=True).content.decode()
    assert "Token received" in body
    job = Job.objects.get(account=octopia_account, kind=Job.Kind.TOKEN_REFRESH)
    assert (job.trigger, job.status, job.requested_by) == (
        Job.Trigger.MANUAL,
        Job.Status.COMPLETED,
        alice,
    )
    assert job.started_at and job.finished_at and job.message.startswith("Token received")
    assert strip_item(octopia_account, Job.Kind.TOKEN_REFRESH)["last"] == job
    strip = body.split('id="status-strip"', 1)[1].split("</section>", 1)[0]
    assert reverse("channels:job_detail", args=[acme.pk, job.pk]) in strip
    octopia_account.password = "wrong-secret"
    octopia_account.save()
    alice_client.post(url)
    failed = Job.objects.filter(kind=Job.Kind.TOKEN_REFRESH).first()
    assert failed.status == Job.Status.FAILED and failed.message.startswith("Get Token failed")
    assert "wrong-secret" not in failed.message
