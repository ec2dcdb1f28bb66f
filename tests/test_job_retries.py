"""Honest jobs: a retrying job says so and when, keeps its first start, logs every attempt, and
shows Cdiscount's meaningful sentence with the full text kept aside."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.cdiscount import errors
from channels.models import Job, Order
from channels.services.jobs import job_create, job_run, job_start
from channels.services.messages import cdiscount_error_sentence
from channels.simulator.soap import INTERNAL_ERROR
from tests.orders_support import PAID, add_order

pytestmark = pytest.mark.django_db


def test_a_retrying_job_says_which_attempt_comes_when_and_keeps_its_first_start(
    simulator, octopia_account, alice_client, acme
):
    acme.time_zone = "America/New_York"
    acme.save()
    add_order(simulator, "octopia", PAID["octopia"])
    simulator.state.inject_fault("server_error", count=1, path_contains="/orders")
    job = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")

    job = job_run(job_id=job.pk, allow_retry=True)

    assert job.status == Job.Status.RETRYING
    first_start = job.started_at
    next_try = job.next_try_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    page = alice_client.get(reverse("channels:job_detail", args=[acme.pk, job.pk]))
    assert f"Retrying: attempt 2 of 5, next try at {next_try}" in page.content.decode()
    listing = alice_client.get(reverse("channels:job_list", args=[acme.pk])).content.decode()
    assert 'class="job-status s-retrying" data-job-status>Retrying: attempt 2 of 5' in listing
    status = alice_client.get(reverse("channels:job_status", args=[acme.pk, job.pk])).json()
    assert status["status"] == "retrying" and not status["finished"]
    assert status["status_label"].endswith(f"next try at {next_try}")

    job = job_run(job_id=job.pk, allow_retry=True)

    assert job.status == Job.Status.COMPLETED
    job.refresh_from_db()
    assert job.started_at == first_start < job.finished_at
    assert job.next_try_at is None
    attempts = list(job.logs.values_list("message", "is_error"))
    assert attempts[0][0].startswith("Attempt 1 of 5 failed: Cdiscount's service is having")
    assert attempts[0][1] is True
    assert attempts[-1] == (f"Attempt 2 of 5: {job.message}", False)
    assert Order.objects.count() == 1


def test_every_attempt_of_a_job_that_fails_for_good_is_in_its_log(simulator, octopia_account):
    simulator.state.inject_fault("server_error", count=5, path_contains="/orders")
    job = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")
    for _ in range(5):
        job = job_run(job_id=job.pk, allow_retry=True)
    assert job.status == Job.Status.FAILED
    lines = list(job.logs.values_list("message", flat=True))
    assert [line[:22] for line in lines] == [f"Attempt {n} of 5 failed:" for n in range(1, 6)]


def test_a_retrying_job_counts_as_queued_for_the_schedule(simulator, enabled_octopia):
    simulator.state.inject_fault("server_error", count=1, path_contains="/orders")
    job = job_create(account=enabled_octopia, kind=Job.Kind.ORDER_DOWNLOAD)
    assert job_run(job_id=job.pk, allow_retry=True).status == Job.Status.RETRYING
    start = job_start(
        account=enabled_octopia, kind=Job.Kind.ORDER_DOWNLOAD, trigger=Job.Trigger.SCHEDULED
    )
    assert start.job is None
    assert start.refusal == f"Job #{job.pk} of this kind is still queued or running."


def test_cdiscounts_dotnet_boilerplate_is_dropped_and_kept_in_the_jobs_detail(
    simulator, marketplace_account, alice_client, acme
):
    simulator.state.inject_fault("server_error", count=1, path_contains="MarketplaceAPIService")
    job = job_create(account=marketplace_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")

    job = job_run(job_id=job.pk)

    assert job.status == Job.Status.FAILED
    assert "IncludeExceptionDetailInFaults" not in job.message
    assert job.message.startswith("Cdiscount's service is having trouble (HTTP 500)")
    assert INTERNAL_ERROR in job.detail
    page = alice_client.get(reverse("channels:job_detail", args=[acme.pk, job.pk]))
    assert "IncludeExceptionDetailInFaults" in page.content.decode()  # the full text, aside


@pytest.mark.parametrize(
    "said,sentence",
    [
        (f"Seller 4242 may not sell in this category. {INTERNAL_ERROR}", "Seller 4242 may not"),
        (
            "The formatter threw an exception while trying to deserialize the message: There was "
            "an error while trying to deserialize parameter http://www.cdiscount.com:request. The "
            "InnerException message was 'Invalid enum value 'Big' for type SizeCode'.  Please see "
            "InnerException for more details.",
            "Invalid enum value 'Big' for type SizeCode",
        ),
    ],
)
def test_only_cdiscounts_meaningful_sentence_is_shown(said, sentence):
    error = errors.RejectedError("SubmitOfferPackage: SOAP fault", cdiscount_message=said)
    shown = cdiscount_error_sentence(error)
    assert sentence in shown
    for boilerplate in ("IncludeExceptionDetailInFaults", "formatter threw", "InnerException"):
        assert boilerplate not in shown


def test_the_status_reads_in_the_company_time_zone(simulator, octopia_account):
    job = Job(
        account=octopia_account,
        kind=Job.Kind.ORDER_DOWNLOAD,
        status=Job.Status.RETRYING,
        attempts=1,
        next_try_at=timezone.datetime(2026, 11, 29, 14, 7, tzinfo=ZoneInfo("UTC")),
    )
    with timezone.override(ZoneInfo("Europe/Paris")):
        assert job.status_label == "Retrying: attempt 2 of 5, next try at 15:07"
