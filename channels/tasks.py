"""Thin Celery tasks: ids in, a service call, nothing else (STYLE.md).

Beat runs the dispatchers; each queues one job per enabled account whose control is on.
"""

import logging

from celery import shared_task
from django.db import transaction

from channels.models import Job, OfferPackage
from channels.services import inventory, jobs, notifications, runs

logger = logging.getLogger(__name__)

# How long Cdiscount usually takes to integrate a package; polled again at this pace.
PACKAGE_POLL_SECONDS = 60


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=None,
    soft_time_limit=25 * 60,
    time_limit=30 * 60,
)
def run_job(self, job_id: int) -> None:
    # Retries are bounded by the service (MAX_ATTEMPTS), which counts them on the job.
    job = jobs.job_run(job_id=job_id, allow_retry=True)
    if job is not None and getattr(job, "retry_in", None):
        raise self.retry(countdown=job.retry_in)
    if job is not None and job.status == Job.Status.PROCESSING:
        for package in job.packages.filter(state=OfferPackage.State.SUBMITTED):
            poll_offer_package.apply_async((package.pk,), countdown=PACKAGE_POLL_SECONDS)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def poll_offer_package(self, package_pk: int) -> None:
    # The service gives up by itself after its deadline, so the retries are bounded.
    if not inventory.offer_package_poll(package_pk=package_pk):
        raise self.retry(countdown=PACKAGE_POLL_SECONDS)


def queue_job(job: Job) -> None:
    """Queues the job once the transaction that created it has committed."""
    transaction.on_commit(lambda: run_job.delay(job.pk))


@shared_task(ignore_result=True)
def dispatch_scheduled(kind: str) -> int:
    """Queues one scheduled job of this kind for each account that wants it."""
    queued = 0
    for account in jobs.accounts_due(kind):
        with transaction.atomic():
            job = jobs.job_create(account=account, kind=kind, trigger=Job.Trigger.SCHEDULED)
            queue_job(job)
        queued += 1
    logger.info("dispatch %s: %d jobs queued", kind, queued)
    return queued


@shared_task(ignore_result=True)
def reap_stalled_jobs() -> int:
    """Beat, every few minutes: jobs whose worker died are marked failed, their locks freed."""
    for package in OfferPackage.objects.filter(state=OfferPackage.State.SUBMITTED):
        inventory.offer_package_poll(package_pk=package.pk)  # gives up past its deadline
    return runs.jobs_reap_stalled()


@shared_task(ignore_result=True)
def send_notification_digests() -> int:
    """Beat, once a day: each user's digest of the notifications not mailed yet."""
    return notifications.digests_send()
