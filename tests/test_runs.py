"""Job runs: retries with backoff, the lock, the outcome statuses."""

import pytest

from channels.models import Job, Order
from channels.services import runs
from channels.services.jobs import job_create, job_run
from tests.orders_support import PAID, add_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enabled_account(request):
    """Scheduled jobs run only for enabled accounts: these tests' account is enabled."""
    if "octopia_account" in request.fixturenames:
        account = request.getfixturevalue("octopia_account")
        account.enabled = True
        account.save()


def new_job(account):
    return job_create(account=account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="scheduled")


def test_a_transient_error_is_retried_later_and_every_attempt_shows(simulator, octopia_account):
    add_order(simulator, "octopia", PAID["octopia"])
    simulator.state.inject_fault("server_error", count=1, path_contains="/orders")
    job = job_run(job_id=new_job(octopia_account).pk, allow_retry=True)
    assert job.status == Job.Status.RETRYING
    assert 15 <= job.retry_in <= 45  # 30 s, with jitter
    assert "Attempt 1 of 5 failed" in job.message
    job = job_run(job_id=job.pk, allow_retry=True)
    assert job.status == Job.Status.COMPLETED
    assert job.attempts == 2
    assert job.logs.filter(is_error=True, message__contains="Attempt 1 of 5").count() == 1
    assert Order.objects.count() == 1


def test_retry_after_is_honoured(simulator, octopia_account):
    simulator.state.inject_fault("rate_limit", count=1, retry_after=120, path_contains="/orders")
    job = job_run(job_id=new_job(octopia_account).pk, allow_retry=True)
    assert job.retry_in >= 120


def test_after_five_attempts_the_job_fails(simulator, octopia_account):
    simulator.state.inject_fault("server_error", count=10, path_contains="/orders")
    job = new_job(octopia_account)
    for _ in range(4):
        job = job_run(job_id=job.pk, allow_retry=True)
        assert job.status == Job.Status.RETRYING
    job = job_run(job_id=job.pk, allow_retry=True)
    assert job.status == Job.Status.FAILED
    assert job.attempts == 5


def test_authentication_errors_are_not_retried(simulator, octopia_account):
    octopia_account.password = "wrong"
    octopia_account.save()
    job = job_run(job_id=new_job(octopia_account).pk, allow_retry=True)
    assert job.status == Job.Status.FAILED
    assert "Octopia seller portal" in job.message


@pytest.mark.parametrize("attempt,low,high", [(1, 15, 45), (3, 60, 180), (10, 450, 1350)])
def test_backoff_grows_and_is_capped(attempt, low, high):
    delays = {runs.retry_delay(attempt) for _ in range(50)}
    assert all(low <= d <= high for d in delays)
    assert len(delays) > 1  # jitter


def test_log_lines_carry_the_account_and_job_and_no_secret(simulator, octopia_account, caplog):
    import logging

    from channels.logging import ContextFilter, redact

    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(ContextFilter())
    job = job_run(job_id=new_job(octopia_account).pk)
    inside = [
        r
        for r in caplog.records
        if r.name == "channels.services.runs" and "started" in r.getMessage()
    ]
    assert inside and inside[0].job_id == job.pk and inside[0].account_id == octopia_account.pk
    token = type(octopia_account).objects.get(pk=octopia_account.pk).access_token
    assert token not in caplog.text and "demo-secret" not in caplog.text
    assert redact("Authorization: Bearer abc.def.ghi") == "Authorization: Bearer [redacted]"
    assert "s3cr3t" not in redact("client_id=x&client_secret=s3cr3t&grant_type=y")


def test_stalled_jobs_are_failed_and_their_lock_freed(simulator, octopia_account):
    from datetime import timedelta

    from django.utils import timezone

    from channels.models import JobLock

    job = new_job(octopia_account)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.PROCESSING, started_at=timezone.now() - timedelta(hours=1)
    )
    JobLock.objects.create(
        account=octopia_account,
        kind=job.kind,
        job=job,
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    assert runs.jobs_reap_stalled() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "stopped before it ended" in job.message
    assert not JobLock.objects.exists()
    assert job_run(job_id=new_job(octopia_account).pk).status == Job.Status.COMPLETED


def test_a_scheduled_job_of_an_account_switched_off_meanwhile_is_cancelled(
    simulator, octopia_account
):
    octopia_account.enabled = False
    octopia_account.save()
    job = job_run(job_id=new_job(octopia_account).pk)
    assert job.status == Job.Status.CANCELLED
    assert simulator.state.requests == []
    manual = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")
    assert job_run(job_id=manual.pk).status == Job.Status.COMPLETED
