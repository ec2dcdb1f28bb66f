"""Starting jobs: which service does which kind, who may start one, and queueing its run.

`job_start` is the one way a job begins, for a click, the command line and beat alike.
"""

import logging
from dataclasses import dataclass
from typing import BinaryIO

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from channels.models import CdiscountAccount, Job, OfferPackage

from . import fulfillment, imports, inventory, orders, tokens
from .import_files import import_file_remove, import_file_save
from .runs import job_create, job_execute

__all__ = [
    "JobStart",
    "accounts_due",
    "job_create",
    "job_run",
    "job_start",
    "job_start_import",
    "jobs_start_scheduled",
]

logger = logging.getLogger(__name__)

WORK = {
    Job.Kind.TOKEN_REFRESH: tokens.token_refresh,
    Job.Kind.ORDER_DOWNLOAD: orders.orders_download,
    Job.Kind.ORDER_RESWEEP: orders.orders_resweep,
    Job.Kind.INVENTORY_UPLOAD: inventory.inventory_upload,
    Job.Kind.FULFILLMENT_UPLOAD: fulfillment.fulfillment_upload,
    Job.Kind.OFFER_RECONCILIATION: inventory.offers_reconcile,
    Job.Kind.PRODUCTS_IMPORT: imports.products_import,
    Job.Kind.SHIPMENTS_IMPORT: imports.shipments_import,
}

# The control on General Settings that switches each scheduled job on (docs/architecture.md,
# Enabled); token refresh runs for every enabled account. CSV imports have none: they are never
# scheduled.
CONTROL = {
    Job.Kind.TOKEN_REFRESH: "enabled",
    Job.Kind.ORDER_DOWNLOAD: "enable_order_download",
    Job.Kind.ORDER_RESWEEP: "enable_order_download",
    Job.Kind.OFFER_RECONCILIATION: "enable_inventory_upload",
    Job.Kind.INVENTORY_UPLOAD: "enable_inventory_upload",
    Job.Kind.FULFILLMENT_UPLOAD: "enable_order_fulfillment_upload",
}

# The queue each kind's run goes to, by the name of its setting (README, Queues): what a seller
# waits on (orders in and accepted, tracking out, the token they need) never waits behind an
# offer upload, a package poll or a CSV import.
JOB_QUEUES = {
    Job.Kind.TOKEN_REFRESH: "CELERY_LATENCY_QUEUE",
    Job.Kind.ORDER_DOWNLOAD: "CELERY_LATENCY_QUEUE",
    Job.Kind.FULFILLMENT_UPLOAD: "CELERY_LATENCY_QUEUE",
    Job.Kind.ORDER_RESWEEP: "CELERY_BULK_QUEUE",
    Job.Kind.INVENTORY_UPLOAD: "CELERY_BULK_QUEUE",
    Job.Kind.OFFER_RECONCILIATION: "CELERY_BULK_QUEUE",
    Job.Kind.PRODUCTS_IMPORT: "CELERY_BULK_QUEUE",
    Job.Kind.SHIPMENTS_IMPORT: "CELERY_BULK_QUEUE",
}

# The Celery task that runs a job, found by name on the Celery app: channels.tasks imports the
# services, so a service never imports it (the channels app registers the tasks at startup).
RUN_JOB_TASK = "channels.tasks.run_job"


@dataclass(frozen=True)
class JobStart:
    """What starting a job gave: the job, or the sentence that says why none was started."""

    job: Job | None = None
    refusal: str = ""


def job_run(*, job_id: int, allow_retry: bool = False) -> Job | None:
    job = Job.objects.filter(pk=job_id).only("kind").first()
    if job is None:
        return None
    return job_execute(job_id=job_id, work=WORK[job.kind], allow_retry=allow_retry)


def accounts_due(kind: str) -> QuerySet[CdiscountAccount]:
    """The accounts a schedule of this kind runs for."""
    # A paused account (credentials refused again and again) waits for the seller.
    accounts = CdiscountAccount.objects.filter(enabled=True, sync_paused_at__isnull=True)
    control = CONTROL.get(kind)
    if control:
        accounts = accounts.filter(**{control: True})
    return accounts


def job_queue(*, job_id: int, kind: str) -> None:
    """Hands the job to a worker listening on its kind's queue."""
    queue = getattr(settings, JOB_QUEUES[kind])
    current_app.tasks[RUN_JOB_TASK].apply_async((job_id,), queue=queue)


def job_start(
    *,
    account: CdiscountAccount,
    kind: str,
    trigger: str = Job.Trigger.MANUAL,
    user=None,
    options: dict | None = None,
    in_process: bool = False,
) -> JobStart:
    """Starts a job of this kind for the account, or says why not.

    A manual job runs whether or not the account is Enabled, but needs its credentials (a CSV
    import does not: it never calls Cdiscount); a scheduled one runs only for an enabled,
    unpaused account whose control is on, and not while one of its kind is still queued or
    running (a worker outage must not leave a backlog). The job is queued once the transaction
    that created it commits; `in_process` runs it here and now instead (the command line, which
    waits for its result). The account's lock is taken when the job runs: a second run of the
    same kind ends as Skipped.
    """
    refusal = ""
    if kind not in Job.IMPORT_KINDS and not account.has_credentials:
        refusal = _("Enter the credentials and use Actions → Get Token first.")
    with transaction.atomic():
        if not refusal and trigger == Job.Trigger.SCHEDULED:
            refusal = _scheduled_refusal(account=account, kind=kind)
        if refusal:
            logger.info("account %s: no %s %s started: %s", account.pk, trigger, kind, refusal)
            return JobStart(refusal=refusal)
        job = job_create(account=account, kind=kind, trigger=trigger, user=user, options=options)
        if not in_process:
            transaction.on_commit(lambda: job_queue(job_id=job.pk, kind=job.kind))
    if in_process:
        job = job_run(job_id=job.pk)
    return JobStart(job=job)


def job_start_import(
    *, account: CdiscountAccount, kind: str, file: BinaryIO, user=None, in_process: bool = False
) -> JobStart:
    """Starts a CSV import job on a copy of the file, kept under CSV_IMPORT_DIR until the job
    ends (the worker may run elsewhere, and an upload's temporary file ends with its request)."""
    name = import_file_save(file)
    try:
        started = job_start(
            account=account, kind=kind, user=user, options={"upload": name}, in_process=in_process
        )
    except BaseException:
        import_file_remove(name)
        raise
    if started.job is None:
        import_file_remove(name)
    return started


def _scheduled_refusal(*, account: CdiscountAccount, kind: str) -> str:
    # The account's row is locked so that two dispatches at once never both queue a job.
    due = accounts_due(kind).select_for_update().filter(pk=account.pk)
    if due.first() is None:
        return _("The account is not enabled for this scheduled job.")
    busy = (
        Job.objects.filter(
            account=account,
            kind=kind,
            status__in=(Job.Status.SUBMITTED, Job.Status.RETRYING, Job.Status.PROCESSING),
        )
        # A job waiting only for Cdiscount's verdict on its offer packages frees the worker:
        # the next upload sends what changed since.
        .exclude(packages__state=OfferPackage.State.SUBMITTED)
        .order_by("pk")
        .first()
    )
    if busy is not None:
        return _("Job #%(job)s of this kind is still queued or running.") % {"job": busy.pk}
    return ""


def jobs_start_scheduled(*, kind: str) -> int:
    """Beat: starts a job of this kind for each account that wants one; returns how many."""
    started = sum(
        job_start(account=account, kind=kind, trigger=Job.Trigger.SCHEDULED).job is not None
        for account in accounts_due(kind)
    )
    logger.info("dispatch %s: %d jobs queued", kind, started)
    return started
