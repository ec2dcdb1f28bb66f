"""Job runs: the record of every run, the per-account-and-kind lock, and the outcome.

A service that does a job's work takes the running Job and returns a JobOutcome; this module
records it. Cdiscount errors end the job as Failed with a sentence the seller can act on.
"""

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.cdiscount import errors
from channels.logging import job_context
from channels.models import CdiscountAccount, Job, JobLock, JobLog

from .health import account_auth_failed, account_auth_ok, job_failed_notify, job_retrying_notify
from .messages import cdiscount_error_sentence

logger = logging.getLogger(__name__)

# A lock outlives a killed worker by at most this long; then the next run may take it.
LOCK_TTL = timedelta(minutes=30)
# Transient Cdiscount errors (connection, 5xx, 429) are retried this many times in all.
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 900


def retry_delay(attempt: int, retry_after: float | None = None) -> int:
    """Exponential backoff with jitter, never sooner than Cdiscount's Retry-After."""
    backoff = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    delay = backoff * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not security
    return round(max(delay, retry_after or 0))


@dataclass
class JobOutcome:
    message: str
    counts: dict[str, int] = field(default_factory=dict)
    succeeded: int = 0
    failed: int = 0
    # The work was handed to Cdiscount and its result comes later (offer packages): the job
    # stays Processing until a follow-up task records it.
    awaiting: bool = False

    @property
    def status(self) -> str:
        if self.failed and self.succeeded:
            return Job.Status.PARTIAL_SUCCESS
        if self.failed:
            return Job.Status.FAILED
        return Job.Status.COMPLETED


def job_create(
    *,
    account: CdiscountAccount,
    kind: str,
    trigger: str = Job.Trigger.SCHEDULED,
    user=None,
    options: dict | None = None,
) -> Job:
    return Job.objects.create(
        account=account, kind=kind, trigger=trigger, requested_by=user, options=options or {}
    )


def job_log(job: Job, message: str, *, record: str = "", is_error: bool = False) -> None:
    JobLog.objects.create(job=job, record=record[:100], message=message, is_error=is_error)


def job_progress(job: Job, text: str) -> None:
    Job.objects.filter(pk=job.pk).update(progress=text[:200])


def lock_acquire(*, job: Job) -> bool:
    """Takes the account's lock for this kind of job, or an expired one; False if held."""
    now = timezone.now()
    try:
        with transaction.atomic():
            JobLock.objects.create(
                account_id=job.account_id, kind=job.kind, job=job, expires_at=now + LOCK_TTL
            )
        return True
    except IntegrityError:
        # Claimed by a conditional UPDATE so that two workers never both take an expired lock.
        taken = JobLock.objects.filter(
            account_id=job.account_id, kind=job.kind, expires_at__lt=now
        ).update(job=job, expires_at=now + LOCK_TTL)
        return taken == 1


def lock_release(*, job: Job) -> None:
    JobLock.objects.filter(account_id=job.account_id, kind=job.kind, job=job).delete()


def job_execute(
    *, job_id: int, work: Callable[[Job], JobOutcome], allow_retry: bool = False
) -> Job | None:
    """Runs a submitted job once; a job already finished is left alone (re-delivered task).

    With `allow_retry` (a Celery task that can retry), a transient error leaves the job
    Submitted with `job.retry_in` seconds set, for the caller to run it again then.
    """
    job = Job.objects.select_related("account__company").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    if job.trigger == Job.Trigger.SCHEDULED and (
        not job.account.enabled or job.account.sync_paused_at
    ):
        # Switched off (or paused) between the dispatch and the run: automatic work stops.
        job_finish(job, Job.Status.CANCELLED, _("Cancelled: the account is not enabled for sync."))
        return job
    if not lock_acquire(job=job):
        holder = JobLock.objects.filter(account_id=job.account_id, kind=job.kind).first()
        running = holder.job_id if holder else "?"
        message = _("Skipped: already running (job #%(job)s).") % {"job": running}
        job_finish(job, Job.Status.SKIPPED, message)
        return job
    context = job_context.set({"account": job.account_id, "job": job.pk})
    job.status = Job.Status.PROCESSING
    job.started_at = timezone.now()
    job.attempts += 1
    job.save(update_fields=["status", "started_at", "attempts"])
    logger.info("job %s: %s for account %s started", job.pk, job.kind, job.account_id)
    try:
        outcome = work(job)
    except errors.CdiscountError as exc:
        message = cdiscount_error_sentence(exc, api=job.account.api)
        job.trace_id = (exc.trace_id or "")[:100]
        logger.warning(
            "job %s: attempt %s failed: %s (status %s, trace id %s)",
            job.pk,
            job.attempts,
            type(exc).__name__,
            exc.status,
            exc.trace_id,
        )
        if allow_retry and isinstance(exc, errors.TransientError) and job.attempts < MAX_ATTEMPTS:
            job.retry_in = retry_delay(job.attempts, getattr(exc, "retry_after", None))
            note = _("Attempt %(n)d of %(max)d failed: %(why)s Trying again in %(s)d s.") % {
                "n": job.attempts,
                "max": MAX_ATTEMPTS,
                "why": message,
                "s": job.retry_in,
            }
            job_log(job, note, is_error=True)
            job.status = Job.Status.SUBMITTED
            job.message = note
            job.save(update_fields=["status", "message", "trace_id"])
            if job.attempts >= 2:
                job_retrying_notify(job=job)
        else:
            job_log(job, message, is_error=True)
            job_finish(job, Job.Status.FAILED, message)
        if isinstance(exc, errors.AuthenticationError | errors.PermissionDeniedError):
            account_auth_failed(account=job.account, sentence=message)
    except Exception:
        logger.exception("job %s: unexpected error", job.pk)
        job_finish(
            job,
            Job.Status.FAILED,
            _(
                "The job stopped on an unexpected error; nothing half-done was kept. "
                "It will run again on schedule; the details are in the server logs."
            ),
        )
    else:
        account_auth_ok(account_id=job.account_id)
        job.counts = outcome.counts
        job.succeeded = outcome.succeeded
        job.failed = outcome.failed
        if outcome.awaiting:
            job.message = outcome.message
            job.save(update_fields=["counts", "succeeded", "failed", "message"])
        else:
            job_finish(job, outcome.status, outcome.message)
    finally:
        lock_release(job=job)
        job_context.reset(context)
    return job


def job_finish(job: Job, status: str, message: str) -> None:
    """Ends a job: its status, message and end time, recorded and logged."""
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    job.progress = ""
    job.save()
    logger.info("job %s: %s: %s", job.pk, status, message)
    if status == Job.Status.FAILED:
        job_failed_notify(job=job)


# A job still Processing this long after it started lost its worker (killed, restarted).
JOB_TIME_LIMIT = timedelta(minutes=30)
# A job still Submitted this long after it was created or last tried was never taken by a
# worker (its queued message was lost): longer than a run plus the longest retry delay.
QUEUED_TIME_LIMIT = timedelta(hours=1)


def jobs_reap_stalled() -> int:
    """Marks jobs whose worker died, or that no worker took, as Failed and frees their locks;
    returns how many.

    Jobs waiting for offer package results are left to the package poll, which has its own
    deadline. The next run resumes from the cursor: nothing half-done was kept. A job that no
    worker took would otherwise hold back its account's scheduled jobs of that kind for good.
    """
    now = timezone.now()
    stalled = Job.objects.filter(status=Job.Status.PROCESSING, started_at__lt=now - JOB_TIME_LIMIT)
    stalled = stalled.exclude(packages__state="submitted")
    never_taken = Job.objects.alias(last_try=Coalesce("started_at", "created_at")).filter(
        status=Job.Status.SUBMITTED, last_try__lt=now - QUEUED_TIME_LIMIT
    )
    count = 0
    for jobs, message in (
        (
            stalled,
            _(
                "The worker running this job stopped before it ended (killed or restarted). "
                "Nothing half-done was kept; the next run resumes where the last good one ended."
            ),
        ),
        (
            never_taken,
            _(
                "No worker took this job within an hour (the worker was stopped or its queue "
                "was lost), so it did not run. Scheduled runs go on; start a manual one again."
            ),
        ),
    ):
        for job in jobs.select_related("account"):
            job_finish(job, Job.Status.FAILED, message)
            JobLock.objects.filter(job=job).delete()
            count += 1
    if count:
        logger.warning("%d stalled jobs marked failed", count)
    return count
