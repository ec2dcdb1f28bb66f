"""Starting a job: one service for the pages, the command line and beat; the backlog beat skips."""

import io
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from celery import current_app
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from channels.models import Job, OfferPackage, Order, Product
from channels.services import runs
from channels.services.jobs import job_run, job_start
from channels.services.offer_packages import offer_packages_pending, offer_packages_poll
from channels.simulator.catalogue import PRODUCTS
from channels.tasks import dispatch_scheduled
from tests.orders_support import PAID, add_order

pytestmark = pytest.mark.django_db

NO_CREDENTIALS = "Enter the credentials and use Actions → Get Token first."


@pytest.fixture
def celery_in_process():
    """A queued task runs at once in this process, as a worker would run it (no broker)."""
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = False


def test_a_manual_job_without_credentials_is_refused_with_a_sentence(acme):
    started = job_start(account=acme.cdiscount_account, kind=Job.Kind.ORDER_DOWNLOAD)
    assert started.job is None
    assert started.refusal == NO_CREDENTIALS
    assert not Job.objects.exists()


def test_a_manual_job_on_a_disabled_account_is_queued_after_commit_and_runs(
    simulator, octopia_account, celery_in_process, django_capture_on_commit_callbacks
):
    add_order(simulator, "octopia", PAID["octopia"])
    assert not octopia_account.enabled
    with django_capture_on_commit_callbacks(execute=True):
        started = job_start(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD)
        # Nothing runs before the transaction that created the job commits.
        assert Job.objects.get(pk=started.job.pk).status == Job.Status.SUBMITTED
    job = Job.objects.get(pk=started.job.pk)
    assert job.trigger == Job.Trigger.MANUAL
    assert job.status == Job.Status.COMPLETED
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"enabled": False},
        {"sync_paused_at": timezone.now()},
        {"enable_order_download": False},
    ],
    ids=["disabled", "paused", "control-off"],
)
def test_a_scheduled_job_starts_only_for_an_enabled_unpaused_account_with_its_control_on(
    enabled_octopia, change
):
    assert job_start(
        account=enabled_octopia, kind=Job.Kind.ORDER_DOWNLOAD, trigger=Job.Trigger.SCHEDULED
    ).job
    Job.objects.all().delete()
    for field, value in change.items():
        setattr(enabled_octopia, field, value)
    enabled_octopia.save()
    started = job_start(
        account=enabled_octopia, kind=Job.Kind.ORDER_DOWNLOAD, trigger=Job.Trigger.SCHEDULED
    )
    assert started.job is None
    assert started.refusal == "The account is not enabled for this scheduled job."
    assert not Job.objects.exists()


def test_beat_does_not_queue_a_second_job_behind_one_still_queued_or_running(
    simulator, enabled_octopia, caplog
):
    caplog.set_level(logging.INFO, logger="channels.services.jobs")
    # No worker takes the job (the test never commits): it stays queued, as in an outage.
    assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 1
    queued = Job.objects.get()
    assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 0
    assert Job.objects.count() == 1
    assert f"Job #{queued.pk} of this kind is still queued or running." in caplog.text
    Job.objects.filter(pk=queued.pk).update(status=Job.Status.PROCESSING)
    assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 0
    # Another kind of job is not held back by it.
    assert dispatch_scheduled(Job.Kind.TOKEN_REFRESH) == 1

    Job.objects.filter(pk=queued.pk).update(status=Job.Status.SUBMITTED)
    assert job_run(job_id=queued.pk).status == Job.Status.COMPLETED
    assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 1
    assert Job.objects.filter(kind=Job.Kind.ORDER_DOWNLOAD).count() == 2


def test_an_upload_waiting_only_for_cdiscounts_verdict_does_not_hold_back_the_next(
    enabled_octopia,
):
    enabled_octopia.enable_inventory_upload = True
    enabled_octopia.save()
    assert dispatch_scheduled(Job.Kind.INVENTORY_UPLOAD) == 1
    waiting = Job.objects.get()
    Job.objects.filter(pk=waiting.pk).update(status=Job.Status.PROCESSING)
    OfferPackage.objects.create(account=enabled_octopia, job=waiting, package_id="p-1")
    assert dispatch_scheduled(Job.Kind.INVENTORY_UPLOAD) == 1


def test_a_job_no_worker_took_is_failed_after_an_hour_and_beat_starts_a_new_one(
    enabled_octopia,
):
    assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 1
    lost = Job.objects.get()
    # A job waiting for its retry was tried recently: it is not lost.
    retrying = Job.objects.create(
        account=enabled_octopia,
        kind=Job.Kind.FULFILLMENT_UPLOAD,
        attempts=1,
        created_at=timezone.now() - timedelta(hours=2),
        started_at=timezone.now() - timedelta(minutes=10),
    )
    Job.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=61))
    assert runs.jobs_reap_stalled() == 1
    lost.refresh_from_db()
    assert lost.status == Job.Status.FAILED
    assert lost.message.startswith("No worker took this job within an hour")
    retrying.refresh_from_db()
    assert retrying.status == Job.Status.SUBMITTED
    assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 1


def test_the_page_action_refuses_without_credentials_and_runs_on_a_disabled_account(
    simulator,
    alice_client,
    acme,
    octopia_account,
    celery_in_process,
    django_capture_on_commit_callbacks,
):
    password = octopia_account.password
    octopia_account.password = ""
    octopia_account.save()
    response = alice_client.post(
        reverse("channels:action_upload_fulfillment", args=[acme.pk]), follow=True
    )
    assert NO_CREDENTIALS in response.content.decode()
    assert not Job.objects.exists()

    octopia_account.password = password
    octopia_account.save()
    add_order(simulator, "octopia", PAID["octopia"])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("channels:action_download_orders", args=[acme.pk]), follow=True
        )
    job = Job.objects.get()
    assert f"Job #{job.pk} queued." in response.content.decode()
    assert job.status == Job.Status.COMPLETED and job.trigger == Job.Trigger.MANUAL
    assert Order.objects.count() == 1


def test_the_command_line_refuses_without_credentials_and_runs_on_a_disabled_account(
    simulator, acme, octopia_account
):
    password = octopia_account.password
    octopia_account.password = ""
    octopia_account.save()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("cdiscount", "download-orders", "--company", str(acme.pk), stdout=out)
    assert NO_CREDENTIALS in out.getvalue()
    assert not Job.objects.exists()

    octopia_account.password = password
    octopia_account.save()
    add_order(simulator, "octopia", PAID["octopia"])
    out = io.StringIO()
    call_command("cdiscount", "download-orders", "--company", str(acme.pk), stdout=out)
    job = Job.objects.get()
    assert f"job #{job.pk} Completed" in out.getvalue()
    assert job.trigger == Job.Trigger.MANUAL
    assert Order.objects.count() == 1


def offer_on_sale(account) -> Product:
    return Product.objects.create(
        company_id=account.company_id,
        sku="MUG",
        ean=PRODUCTS[0].ean,
        quantity=10,
        price=Decimal("19.90"),
    )


def test_the_command_line_waits_for_cdiscounts_verdict_on_the_upload(
    simulator, acme, octopia_account
):
    simulator.state.package_integration_delay = 3
    offer_on_sale(octopia_account)
    out = io.StringIO()
    call_command("cdiscount", "upload-inventory", "--company", str(acme.pk), stdout=out)
    job = Job.objects.get()
    assert job.status == Job.Status.COMPLETED
    assert f"job #{job.pk} Completed" in out.getvalue()
    assert job.counts["accepted"] == 1
    assert Product.objects.get().accepted_quantity == 10


def test_polling_stops_at_the_deadline_and_the_job_ends_with_the_last_verdict(
    simulator, octopia_account
):
    simulator.state.package_integration_delay = 3600
    offer_on_sale(octopia_account)
    job = job_start(account=octopia_account, kind=Job.Kind.INVENTORY_UPLOAD, in_process=True).job
    assert job.status == Job.Status.PROCESSING
    waiting = offer_packages_pending(job_id=job.pk)
    assert len(waiting) == 1
    assert offer_packages_poll(package_ids=waiting, wait_seconds=0.1, pause_seconds=0.05) == waiting
    job.refresh_from_db()
    assert job.status == Job.Status.PROCESSING
    simulator.state.advance_clock(3600)
    assert offer_packages_poll(package_ids=waiting) == []
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED
    assert offer_packages_pending() == []
