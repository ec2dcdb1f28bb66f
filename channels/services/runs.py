"""Job runs: the record of every run, the per-account-and-kind lock, and the outcome.

A service that does a job's work takes the running Job and returns a JobOutcome; this module
records it. Cdiscount errors end the job as Failed with a sentence the seller can act on.
"""

import logging
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.cdiscount import errors
from channels.logging import job_context
from channels.models import CdiscountAccount, Job, JobLock, JobLog, OfferPackage

from .health import account_auth_failed, account_auth_ok, job_failed_notify, job_retrying_notify
from .import_files import import_file_remove
from .messages import cdiscount_error_sentence

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A running job's heartbeat keeps its lock (settings.JOB_HEARTBEAT_TIMEOUT); a lock of a job
# from before heartbeats outlives a killed worker by at most this long.
LOCK_TTL = timedelta(minutes=30)
MAX_ATTEMPTS = Job.MAX_ATTEMPTS
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


def job_record(
    *,
    account: CdiscountAccount,
    kind: str,
    outcome: JobOutcome,
    started_at,
    user=None,
) -> Job:
    """Records work done at once in a request (Get Token) as a finished manual job, so that it
    counts as a run of its kind on the status strip and the Jobs page."""
    job = job_create(account=account, kind=kind, trigger=Job.Trigger.MANUAL, user=user)
    job.created_at = job.started_at = started_at
    job.attempts = 1
    job.counts = outcome.counts
    job.succeeded = outcome.succeeded
    job.failed = outcome.failed
    job_finish(job, outcome.status, outcome.message)
    return job


def job_log(job: Job, message: str, *, record: str = "", is_error: bool = False) -> None:
    JobLog.objects.create(job=job, record=record[:100], message=message, is_error=is_error)
    job_heartbeat(job)


def job_progress(job: Job, text: str) -> None:
    job.heartbeat_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(progress=text[:200], heartbeat_at=job.heartbeat_at)


def heartbeat_timeout() -> timedelta:
    """How long a running job may stay silent before it counts as lost with its worker."""
    return timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)


def job_heartbeat(job: Job, *, force: bool = False) -> None:
    """Tells the sweep and the next run that this job's worker is alive.

    Called by the job's progress and log lines (between pages and batches) and by
    `job_heartbeats` around a long listing; written at most every quarter of the timeout.
    """
    now = timezone.now()
    if not force and job.heartbeat_at and now - job.heartbeat_at < heartbeat_timeout() / 4:
        return
    job.heartbeat_at = now
    Job.objects.filter(pk=job.pk).update(heartbeat_at=now)


def job_heartbeats(job: Job, items: Iterable[T]) -> Iterator[T]:
    """The items, with the job's heartbeat touched as they come (a listing read page by page,
    where one step can outlast the timeout)."""
    for item in items:
        job_heartbeat(job)
        yield item


def job_is_silent(job: Job, *, now: datetime | None = None) -> bool:
    """True when a running job's worker stopped: no heartbeat within the timeout (or, for a
    job from before heartbeats, still running past the time limit)."""
    now = now or timezone.now()
    if job.heartbeat_at is not None:
        return job.heartbeat_at < now - heartbeat_timeout()
    return job.started_at is not None and job.started_at < now - JOB_TIME_LIMIT


def worker_stopped_message() -> str:
    return _(
        "The worker running this job stopped before it ended (killed or restarted). Run it "
        "again (the schedule will too): it resumes where the last good run ended."
    )


def lock_acquire(*, job: Job) -> bool:
    """Takes the account's lock for this kind of job; False if another job holds it and runs.

    A held lock is taken over when its job went silent (the worker died: that job is failed
    here), or when it is this very job's (a redelivered task resumes under it).
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            JobLock.objects.create(
                account_id=job.account_id, kind=job.kind, job=job, expires_at=now + LOCK_TTL
            )
        return True
    except IntegrityError:
        pass
    lock = (
        JobLock.objects.select_related("job")
        .filter(account_id=job.account_id, kind=job.kind)
        .first()
    )
    if lock is None:  # released meanwhile
        return lock_acquire(job=job)
    holder = lock.job
    free = (
        holder is None
        or holder.pk == job.pk
        or holder.is_finished
        or job_is_silent(holder, now=now)
        # A job from before heartbeats has only its lock's expiry to go by.
        or (holder.heartbeat_at is None and lock.expires_at < now)
    )
    if not free:
        return False
    # Claimed by a conditional UPDATE on the holder so that two workers never both take it.
    taken = JobLock.objects.filter(pk=lock.pk, job_id=lock.job_id).update(
        job=job, expires_at=now + LOCK_TTL
    )
    if taken and holder is not None and holder.pk != job.pk and not holder.is_finished:
        job_fail_stopped(holder)
    return taken == 1


def lock_release(*, job: Job) -> None:
    JobLock.objects.filter(account_id=job.account_id, kind=job.kind, job=job).delete()


def job_fail_stopped(job: Job) -> None:
    """Ends a job whose worker stopped mid-run, and frees its lock."""
    job_finish(job, Job.Status.FAILED, worker_stopped_message())
    JobLock.objects.filter(job=job).delete()


def _attempt(job: Job) -> dict[str, int]:
    return {"n": job.attempts, "max": MAX_ATTEMPTS}


def job_execute(
    *, job_id: int, work: Callable[[Job], JobOutcome], allow_retry: bool = False
) -> Job | None:
    """Runs a submitted (or retrying) job once; a job already finished is left alone.

    With `allow_retry` (a Celery task that can retry), a transient error leaves the job
    Retrying with `job.retry_in` seconds set, for the caller to run it again then. A job still
    Processing was cut off by its worker's death and comes again (a redelivered task): it
    resumes under its own lock.
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
    resumed = job.status == Job.Status.PROCESSING
    if resumed and job.packages.filter(state=OfferPackage.State.SUBMITTED).exists():
        return job  # its work was handed to Cdiscount: the package poll ends it, not a rerun
    # Alive before it takes the lock, so that nobody takes the lock back from a silent past.
    job_heartbeat(job, force=True)
    if not lock_acquire(job=job):
        holder = JobLock.objects.filter(account_id=job.account_id, kind=job.kind).first()
        running = holder.job_id if holder else "?"
        message = _("Skipped: already running (job #%(job)s).") % {"job": running}
        job_finish(job, Job.Status.SKIPPED, message)
        return job
    context = job_context.set({"account": job.account_id, "job": job.pk})
    job.status = Job.Status.PROCESSING
    job.started_at = job.started_at or job.heartbeat_at  # the first attempt's start is kept
    job.next_try_at = None
    job.attempts += 1
    job.save(update_fields=["status", "started_at", "next_try_at", "attempts"])
    logger.info("job %s: %s for account %s started", job.pk, job.kind, job.account_id)
    if resumed:
        job_log(
            job,
            _("Attempt %(n)d of %(max)d: the worker stopped during the last one; resuming.")
            % _attempt(job),
        )
    try:
        outcome = work(job)
    except errors.CdiscountError as exc:
        message = cdiscount_error_sentence(exc, api=job.account.api)
        job.trace_id = (exc.trace_id or "")[:100]
        job.detail = str(exc)
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
                **_attempt(job),
                "why": message,
                "s": job.retry_in,
            }
            job_log(job, note, is_error=True)
            job.status = Job.Status.RETRYING
            job.next_try_at = timezone.now() + timedelta(seconds=job.retry_in)
            job.message = note
            job.progress = ""
            job.save(
                update_fields=["status", "next_try_at", "message", "progress", "trace_id", "detail"]
            )
            if job.attempts >= 2:
                job_retrying_notify(job=job)
        else:
            job_log(job, _attempt_failed(job, message), is_error=True)
            job_finish(job, Job.Status.FAILED, message)
        if isinstance(exc, errors.AuthenticationError | errors.PermissionDeniedError):
            account_auth_failed(account=job.account, sentence=message)
    except Exception:
        logger.exception("job %s: unexpected error", job.pk)
        message = _(
            "The job stopped on an unexpected error; nothing half-done was kept. "
            "It will run again on schedule; the details are in the server logs."
        )
        job_log(job, _attempt_failed(job, message), is_error=True)
        job_finish(job, Job.Status.FAILED, message)
    else:
        account_auth_ok(account_id=job.account_id)
        job.counts = outcome.counts
        job.succeeded = outcome.succeeded
        job.failed = outcome.failed
        if job.attempts > 1:
            job_log(
                job,
                _("Attempt %(n)d of %(max)d: %(outcome)s")
                % {**_attempt(job), "outcome": outcome.message},
                is_error=outcome.status != Job.Status.COMPLETED,
            )
        if outcome.awaiting:
            job.message = outcome.message
            job.save(update_fields=["counts", "succeeded", "failed", "message"])
        else:
            job_finish(job, outcome.status, outcome.message)
    finally:
        lock_release(job=job)
        job_context.reset(context)
    return job


def _attempt_failed(job: Job, message: str) -> str:
    """The log line of a failed attempt; a job tried once just says why."""
    if job.attempts <= 1:
        return message
    return _("Attempt %(n)d of %(max)d failed: %(why)s") % {**_attempt(job), "why": message}


def job_finish(job: Job, status: str, message: str) -> None:
    """Ends a job: its status, message and end time, recorded and logged; the file it was
    given (a CSV import's upload) is removed, whatever the outcome."""
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    job.progress = ""
    job.next_try_at = None
    job.save()
    logger.info("job %s: %s: %s", job.pk, status, message)
    if job.options.get("upload"):
        import_file_remove(job.options["upload"])
    if status == Job.Status.FAILED:
        job_failed_notify(job=job)


# A job from before heartbeats, still Processing this long after it started, lost its worker.
JOB_TIME_LIMIT = timedelta(minutes=30)
# A job still queued this long after it was created or its retry was due was never taken by a
# worker (its queued message was lost): longer than a run plus the longest retry delay.
QUEUED_TIME_LIMIT = timedelta(hours=1)


def jobs_reap_stalled() -> int:
    """Marks jobs whose worker died (silent past the heartbeat timeout), or that no worker
    took, as Failed and frees their locks; returns how many.

    Jobs waiting for offer package results are left to the package poll, which has its own
    deadline. The next run resumes from the cursor. A job that no worker took would otherwise
    hold back its account's scheduled jobs of that kind for good.
    """
    now = timezone.now()
    stalled = Job.objects.filter(status=Job.Status.PROCESSING).filter(
        Q(heartbeat_at__lt=now - heartbeat_timeout())
        | Q(heartbeat_at__isnull=True, started_at__lt=now - JOB_TIME_LIMIT)
    )
    stalled = stalled.exclude(packages__state=OfferPackage.State.SUBMITTED)
    never_taken = Job.objects.alias(
        last_try=Coalesce("next_try_at", "started_at", "created_at")
    ).filter(
        status__in=(Job.Status.SUBMITTED, Job.Status.RETRYING),
        last_try__lt=now - QUEUED_TIME_LIMIT,
    )
    count = 0
    for job in stalled.select_related("account"):
        job_fail_stopped(job)
        count += 1
    for job in never_taken.select_related("account"):
        job_finish(
            job,
            Job.Status.FAILED,
            _(
                "No worker took this job within an hour (the worker was stopped or its queue "
                "was lost), so it did not run. Scheduled runs go on; start a manual one again."
            ),
        )
        JobLock.objects.filter(job=job).delete()
        count += 1
    if count:
        logger.warning("%d stalled jobs marked failed", count)
    return count
