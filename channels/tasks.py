"""Thin Celery tasks: ids in, a service call, nothing else (docs/architecture.md, Tasks).

Beat runs the dispatchers; each starts one job per enabled account whose control is on and
which has none of that kind still queued or running (services/jobs.py `job_start`).
"""

from celery import shared_task

from channels.services import jobs, notifications, runs
from channels.services.offer_packages import offer_packages_pending, offer_packages_poll

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
    for package_pk in offer_packages_pending(job_id=job_id):
        poll_offer_package.apply_async((package_pk,), countdown=PACKAGE_POLL_SECONDS)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def poll_offer_package(self, package_pk: int) -> None:
    # The service gives up by itself after its deadline, so the retries are bounded.
    if offer_packages_poll(package_ids=[package_pk]):
        raise self.retry(countdown=PACKAGE_POLL_SECONDS)


@shared_task(ignore_result=True)
def dispatch_scheduled(kind: str) -> int:
    """Starts one scheduled job of this kind for each account that wants it."""
    return jobs.jobs_start_scheduled(kind=kind)


@shared_task(ignore_result=True)
def reap_stalled_jobs() -> int:
    """Beat, every few minutes: jobs whose worker died are marked failed, their locks freed."""
    offer_packages_poll(package_ids=offer_packages_pending())  # gives up past their deadline
    return runs.jobs_reap_stalled()


@shared_task(ignore_result=True)
def send_notification_digests() -> int:
    """Beat, once a day: each user's digest of the notifications not mailed yet."""
    return notifications.digests_send()
