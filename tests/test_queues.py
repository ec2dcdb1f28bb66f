"""Queues by urgency: what a seller waits on never waits behind an offer upload or an import."""

import base64
import json
import os
import time

import pytest
import redis
from celery import current_app
from django.conf import settings as django_settings

from channels.models import Job, Order
from channels.services.jobs import job_start
from tests.conftest import worker_env
from tests.orders_support import PAID, add_order
from tests.workers import ROOT, worker_start, worker_stop

LATENCY_KINDS = {Job.Kind.ORDER_DOWNLOAD, Job.Kind.FULFILLMENT_UPLOAD, Job.Kind.TOKEN_REFRESH}


@pytest.fixture
def own_queues(settings):
    """Queues of this test alone (no worker of the session listens to them), emptied after."""
    prefix = f"{django_settings.CELERY_LATENCY_QUEUE}-{os.getpid()}"
    settings.CELERY_LATENCY_QUEUE = f"{prefix}-own-latency"
    settings.CELERY_BULK_QUEUE = f"{prefix}-own-bulk"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield broker
    broker.delete(settings.CELERY_LATENCY_QUEUE, settings.CELERY_BULK_QUEUE)


def queued_job_ids(broker, queue: str) -> list[int]:
    """The job ids of the run_job messages waiting in a Redis queue."""
    ids = []
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        assert message["headers"]["task"] == "channels.tasks.run_job"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.append(args[0])
    return ids


@pytest.mark.django_db
def test_every_kind_of_job_is_queued_on_the_queue_of_its_urgency(
    own_queues, settings, octopia_account, django_capture_on_commit_callbacks
):
    started = {}
    for kind in Job.Kind.values:
        with django_capture_on_commit_callbacks(execute=True):
            started[kind] = job_start(account=octopia_account, kind=kind).job.pk

    latency = queued_job_ids(own_queues, settings.CELERY_LATENCY_QUEUE)
    bulk = queued_job_ids(own_queues, settings.CELERY_BULK_QUEUE)
    assert sorted(latency) == sorted(started[kind] for kind in LATENCY_KINDS)
    assert sorted(bulk) == sorted(
        started[kind] for kind in Job.Kind.values if kind not in LATENCY_KINDS
    )


@pytest.mark.parametrize(
    ("task", "queue_setting"),
    [
        ("channels.tasks.dispatch_scheduled", "CELERY_LATENCY_QUEUE"),
        ("channels.tasks.poll_offer_package", "CELERY_BULK_QUEUE"),
        ("channels.tasks.reap_stalled_jobs", "CELERY_BULK_QUEUE"),
        ("channels.tasks.send_notification_digests", "CELERY_BULK_QUEUE"),
    ],
)
def test_the_other_tasks_are_routed_by_urgency(task, queue_setting):
    route = current_app.amqp.router.route({}, task)
    assert route["queue"].name == getattr(django_settings, queue_setting)


def test_the_queue_names_come_from_the_session_prefix():
    # settings_test sets CELERY_QUEUE per session: both queue names follow it.
    prefix = os.environ["CELERY_QUEUE"]
    assert django_settings.CELERY_LATENCY_QUEUE == f"{prefix}-latency"
    assert django_settings.CELERY_BULK_QUEUE == f"{prefix}-bulk"


@pytest.mark.celery_worker
def test_a_latency_worker_downloads_orders_while_a_bulk_upload_waits(
    own_queues, settings, simulator, transactional_db, octopia_account
):
    number = add_order(simulator, "octopia", PAID["octopia"])
    env = worker_env(
        simulator,
        CELERY_LATENCY_QUEUE=settings.CELERY_LATENCY_QUEUE,
        CELERY_BULK_QUEUE=settings.CELERY_BULK_QUEUE,
    )
    worker = worker_start(
        env=env,
        queue=settings.CELERY_LATENCY_QUEUE,
        log_path=ROOT / "var" / f"test-latency-worker-{os.getpid()}.log",
    )
    try:
        upload = job_start(account=octopia_account, kind=Job.Kind.INVENTORY_UPLOAD).job
        download = job_start(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD).job
        running = {Job.Status.SUBMITTED, Job.Status.RETRYING, Job.Status.PROCESSING}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            download.refresh_from_db()
            if download.status not in running:
                break
            time.sleep(0.2)
        upload.refresh_from_db()
    finally:
        worker_stop(worker)
    assert download.status == Job.Status.COMPLETED
    assert Order.objects.filter(order_number=number).exists()
    # Queued first, yet still waiting for a bulk worker.
    assert upload.status == Job.Status.SUBMITTED
    assert queued_job_ids(own_queues, settings.CELERY_BULK_QUEUE) == [upload.pk]
