"""Which service does which kind of job, and which accounts a schedule runs for."""

from django.db.models import QuerySet

from channels.models import CdiscountAccount, Job

from . import fulfillment, inventory, orders, tokens
from .runs import job_create, job_execute

__all__ = ["accounts_due", "job_create", "job_run"]

WORK = {
    Job.Kind.TOKEN_REFRESH: tokens.token_refresh,
    Job.Kind.ORDER_DOWNLOAD: orders.orders_download,
    Job.Kind.ORDER_RESWEEP: orders.orders_resweep,
    Job.Kind.INVENTORY_UPLOAD: inventory.inventory_upload,
    Job.Kind.FULFILLMENT_UPLOAD: fulfillment.fulfillment_upload,
    Job.Kind.OFFER_RECONCILIATION: inventory.offers_reconcile,
}

# The control on General Settings that switches each scheduled job on (PRODUCT.md §1); token
# refresh runs for every enabled account.
CONTROL = {
    Job.Kind.TOKEN_REFRESH: "enabled",
    Job.Kind.ORDER_DOWNLOAD: "enable_order_download",
    Job.Kind.ORDER_RESWEEP: "enable_order_download",
    Job.Kind.OFFER_RECONCILIATION: "enable_inventory_upload",
    Job.Kind.INVENTORY_UPLOAD: "enable_inventory_upload",
    Job.Kind.FULFILLMENT_UPLOAD: "enable_order_fulfillment_upload",
}


def job_run(*, job_id: int, allow_retry: bool = False) -> Job | None:
    job = Job.objects.filter(pk=job_id).only("kind").first()
    if job is None:
        return None
    return job_execute(job_id=job_id, work=WORK[job.kind], allow_retry=allow_retry)


def accounts_due(kind: str) -> QuerySet[CdiscountAccount]:
    # A paused account (credentials refused again and again) waits for the seller.
    accounts = CdiscountAccount.objects.filter(enabled=True, sync_paused_at__isnull=True)
    control = CONTROL.get(kind)
    if control:
        accounts = accounts.filter(**{control: True})
    return accounts
