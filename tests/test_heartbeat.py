"""A worker that dies mid-run: its job's heartbeat stops, and the account is not blocked."""

import os
import time
from datetime import timedelta

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone

from channels.models import Job, JobLock, Order
from channels.services import jobs, runs
from channels.services.jobs import job_create
from channels.tasks import run_job
from tests.conftest import worker_env
from tests.orders_support import PAID, SELLER, add_order
from tests.workers import ROOT, worker_start, worker_stop

STOPPED = "The worker running this job stopped before it ended"


def wait_for(condition, *, seconds: float = 60, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.celery_worker
def test_a_worker_killed_mid_download_frees_the_account_within_the_heartbeat_window(
    simulator, transactional_db, octopia_account, alice, acme, client, settings, monkeypatch
):
    settings.JOB_HEARTBEAT_TIMEOUT = 3  # seconds here; two minutes by default
    numbers = simulator.state.seed_orders(
        api="octopia", seller=SELLER["octopia"], count=450, status=PAID["octopia"]
    )
    # Every page of orders takes a while: the worker is killed between two of them.
    simulator.state.inject_fault("latency", count=50, seconds=1.0, path_contains="/orders")
    # This test's jobs go to workers of its own, never to the session's shared worker.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-killed"
    run_job_task = current_app.tasks[jobs.RUN_JOB_TASK]
    monkeypatch.setattr(
        jobs, "job_queue", lambda *, job_id, kind: run_job_task.apply_async((job_id,), queue=queue)
    )
    env = worker_env(simulator, JOB_HEARTBEAT_TIMEOUT="3")
    logs = ROOT / "var"
    client.force_login(alice)
    click = reverse("channels:action_download_orders", args=[acme.pk])

    worker = worker_start(env=env, queue=queue, log_path=logs / f"test-killed-{os.getpid()}.log")
    try:
        client.post(click)
        first = Job.objects.get()
        wait_for(lambda: Order.objects.count() >= 200, what="the first batch of orders")
        worker.kill()  # SIGKILL: no clean-up of any kind
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    first.refresh_from_db()
    assert first.status == Job.Status.PROCESSING
    assert JobLock.objects.get().job_id == first.pk
    assert Order.objects.count() < len(numbers)

    # Once its heartbeat is older than the window (not 30 minutes), the next click runs.
    wait_for(
        lambda: Job.objects.get(pk=first.pk).heartbeat_at < timezone.now() - timedelta(seconds=3.5),
        seconds=10,
        what="the heartbeat to go stale",
    )
    worker = worker_start(env=env, queue=queue, log_path=logs / f"test-next-{os.getpid()}.log")
    try:
        client.post(click)
        second = Job.objects.exclude(pk=first.pk).get()
        wait_for(lambda: Job.objects.get(pk=second.pk).is_finished, what="the second download")
    finally:
        worker_stop(worker)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == Job.Status.COMPLETED, second.message
    assert first.status == Job.Status.FAILED
    assert first.message.startswith(STOPPED) and "Run it again" in first.message
    # Nothing lost, nothing doubled.
    stored = list(Order.objects.values_list("order_number", flat=True))
    assert sorted(stored) == sorted(numbers)
    assert not JobLock.objects.exists()


class WorkerKilled(BaseException):
    """Stands for SIGKILL: the worker runs nothing more, not even its lock release."""


@pytest.mark.django_db
def test_a_redelivered_task_resumes_under_its_own_lock(simulator, octopia_account, monkeypatch):
    numbers = {add_order(simulator, "octopia", PAID["octopia"]) for _ in range(3)}
    job = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")

    def killed(job):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setitem(jobs.WORK, Job.Kind.ORDER_DOWNLOAD, killed)
        patch.setattr(runs, "lock_release", lambda *, job: None)
        with pytest.raises(WorkerKilled):
            run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.PROCESSING
    assert JobLock.objects.get().job_id == job.pk

    run_job(job.pk)  # Redis delivers the unacknowledged task again

    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED, job.message
    assert job.attempts == 2
    assert job.logs.filter(message__contains="the worker stopped during the last one").exists()
    assert set(Order.objects.values_list("order_number", flat=True)) == numbers
    assert not JobLock.objects.exists()


@pytest.mark.django_db
def test_a_silent_job_is_failed_by_the_sweep_and_a_live_one_is_left_running(
    simulator, octopia_account, settings
):
    settings.JOB_HEARTBEAT_TIMEOUT = 120
    now = timezone.now()
    silent, live = (
        Job.objects.create(
            account=octopia_account,
            kind=kind,
            status=Job.Status.PROCESSING,
            started_at=now - timedelta(minutes=10),
            heartbeat_at=heartbeat,
        )
        for kind, heartbeat in (
            (Job.Kind.ORDER_DOWNLOAD, now - timedelta(minutes=3)),
            (Job.Kind.FULFILLMENT_UPLOAD, now - timedelta(seconds=30)),
        )
    )
    for job in (silent, live):
        JobLock.objects.create(
            account=octopia_account, kind=job.kind, job=job, expires_at=now + timedelta(minutes=20)
        )

    assert runs.jobs_reap_stalled() == 1

    silent.refresh_from_db()
    live.refresh_from_db()
    assert silent.status == Job.Status.FAILED and silent.message.startswith(STOPPED)
    assert live.status == Job.Status.PROCESSING
    assert list(JobLock.objects.values_list("job_id", flat=True)) == [live.pk]


@pytest.mark.django_db
def test_the_next_run_waits_for_a_live_job_and_takes_over_from_a_silent_one(
    simulator, octopia_account, settings
):
    settings.JOB_HEARTBEAT_TIMEOUT = 120
    add_order(simulator, "octopia", PAID["octopia"])
    running = Job.objects.create(
        account=octopia_account,
        kind=Job.Kind.ORDER_DOWNLOAD,
        status=Job.Status.PROCESSING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    JobLock.objects.create(
        account=octopia_account,
        kind=running.kind,
        job=running,
        expires_at=timezone.now() + runs.LOCK_TTL,
    )
    click = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")
    skipped = jobs.job_run(job_id=click.pk)
    assert skipped.status == Job.Status.SKIPPED
    assert skipped.message == f"Skipped: already running (job #{running.pk})."

    Job.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=3))
    click = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="manual")
    assert jobs.job_run(job_id=click.pk).status == Job.Status.COMPLETED
    running.refresh_from_db()
    assert running.status == Job.Status.FAILED and running.message.startswith(STOPPED)
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_redelivered_upload_waiting_for_cdiscounts_verdict_is_not_sent_again(
    simulator, octopia_account
):
    from tests.test_job_start import offer_on_sale

    simulator.state.package_integration_delay = 3600
    offer_on_sale(octopia_account)
    job = jobs.job_start(
        account=octopia_account, kind=Job.Kind.INVENTORY_UPLOAD, in_process=True
    ).job
    assert job.status == Job.Status.PROCESSING
    calls = len(simulator.state.requests)

    jobs.job_run(job_id=job.pk, allow_retry=True)  # the task came again after its work ended

    assert len(simulator.state.requests) == calls
    assert Job.objects.get(pk=job.pk).attempts == 1
