"""Account health: notifications under the bell (and by e-mail), and pausing sync after
repeated refusals.

Authentication failures pause automatic sync after a few in a row, so a seller whose password
changed is told once, clearly, instead of the token endpoint being asked every few minutes.
"""

import logging

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.models import CdiscountAccount, Job, Notification

from .notifications import notification_announce

logger = logging.getLogger(__name__)

PAUSE_AFTER_AUTH_FAILURES = 3


def notify(
    *, account: CdiscountAccount, kind: str, message: str, link: str = "", key: str = ""
) -> Notification:
    """One open notification per account and kind: a new problem updates the open one.

    Members hear of it by e-mail as they chose (services/notifications.py): once per open
    entry and `key`, so a caller passes a key for each occurrence worth a mail of its own.
    """
    notification = Notification.objects.filter(
        account=account, kind=kind, dismissed_at__isnull=True
    ).first()
    if notification:
        notification.message = message
        notification.link = link or notification.link
        notification.created_at = timezone.now()
        notification.save(update_fields=["message", "link", "created_at"])
    else:
        notification = Notification.objects.create(
            account=account, kind=kind, message=message, link=link
        )
    notification_announce(notification=notification, key=key)
    return notification


def job_failed_notify(*, job: Job) -> None:
    """A job that ended Failed: a failed token refresh says the token cannot be renewed.

    One mail per kind of job until a run of that kind succeeds again (or the bell entry is
    dismissed): an outage that fails every scheduled run does not mail every ten minutes.
    A run whose every failure was a rejection (offers, shipments) is told by those kinds.
    A CSV import is not announced: the seller who uploaded the file follows its job page, and
    a mistyped file must not replace an open sync failure under the bell nor mail every member.
    """
    if job.kind in Job.IMPORT_KINDS:
        return
    rejected = job.counts.get("rejected", 0) if isinstance(job.counts, dict) else 0
    if job.kind != Job.Kind.TOKEN_REFRESH and job.failed and job.failed == rejected:
        return
    account = job.account
    values = {"company": account.company.name, "job": job.get_kind_display(), "id": job.pk}
    if job.kind == Job.Kind.TOKEN_REFRESH:
        kind = Notification.Kind.TOKEN
        message = _("%(company)s: the Cdiscount token could not be renewed (job #%(id)s).")
    else:
        kind = Notification.Kind.JOB_FAILED
        message = _("%(company)s: %(job)s failed (job #%(id)s).")
    notify(
        account=account,
        kind=kind,
        message=f"{message % values} {job.message}".strip(),
        link=reverse("channels:job_detail", args=[account.company_id, job.pk]),
        key=f"{job.kind}:since-{_last_success_id(job)}",
    )


def job_retrying_notify(*, job: Job) -> None:
    """A job that failed twice or more and is tried again; once per outage, like failures."""
    account = job.account
    message = _("%(company)s: %(job)s keeps failing and is being retried (job #%(id)s).") % {
        "company": account.company.name,
        "job": job.get_kind_display(),
        "id": job.pk,
    }
    notify(
        account=account,
        kind=Notification.Kind.JOB_RETRYING,
        message=f"{message} {job.message}".strip(),
        link=reverse("channels:job_detail", args=[account.company_id, job.pk]),
        key=f"{job.kind}:since-{_last_success_id(job)}",
    )


def _last_success_id(job: Job) -> int:
    last = (
        Job.objects.filter(
            account_id=job.account_id,
            kind=job.kind,
            status__in=[Job.Status.COMPLETED, Job.Status.PARTIAL_SUCCESS],
        )
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return last or 0


def offers_rejected_notify(*, job: Job, rejected: int) -> None:
    """One notification per run with the count of offers Cdiscount rejected."""
    account = job.account
    message = ngettext(
        "%(company)s: Cdiscount rejected %(n)d offer in the upload of job #%(id)s; "
        "the Products page shows why.",
        "%(company)s: Cdiscount rejected %(n)d offers in the upload of job #%(id)s; "
        "the Products page shows why.",
        rejected,
    ) % {"company": account.company.name, "n": rejected, "id": job.pk}
    link = reverse("channels:product_list", args=[account.company_id]) + "?show=errors"
    notify(
        account=account,
        kind=Notification.Kind.OFFERS_REJECTED,
        message=message,
        link=link,
        key=f"job:{job.pk}",
    )


def upload_held_notify(*, account: CdiscountAccount, held: int, key: str, link: str = "") -> None:
    """Offers the price and stock guards held back from an upload; `key` names the upload."""
    message = ngettext(
        "%(company)s: %(n)d offer was held back from the upload by the price and stock guards. "
        "Check it on the Products page, then release or discard it.",
        "%(company)s: %(n)d offers were held back from the upload by the price and stock "
        "guards. Check them on the Products page, then release or discard them.",
        held,
    ) % {"company": account.company.name, "n": held}
    notify(
        account=account,
        kind=Notification.Kind.UPLOAD_HELD,
        message=message,
        link=link or reverse("channels:product_list", args=[account.company_id]),
        key=key,
    )


def account_auth_failed(*, account: CdiscountAccount, sentence: str) -> None:
    """Counts an authentication failure; pauses automatic sync after a few in a row."""
    CdiscountAccount.objects.filter(pk=account.pk).update(auth_failures=F("auth_failures") + 1)
    account.refresh_from_db(fields=["auth_failures", "sync_paused_at"])
    settings_link = reverse("channels:general_settings", args=[account.company_id])
    notify(
        account=account,
        kind=Notification.Kind.CREDENTIALS,
        message=_("%(company)s: %(sentence)s")
        % {"company": account.company.name, "sentence": sentence},
        link=settings_link,
    )
    if account.auth_failures >= PAUSE_AFTER_AUTH_FAILURES and account.sync_paused_at is None:
        reason = _(
            "Automatic sync is paused: Cdiscount refused the credentials %(n)d times in a row. "
            "Check the credentials under Edit, use Save and Get Token, and sync starts again."
        ) % {"n": account.auth_failures}
        CdiscountAccount.objects.filter(pk=account.pk).update(
            sync_paused_at=timezone.now(), sync_paused_reason=reason
        )
        notify(
            account=account,
            kind=Notification.Kind.SYNC_PAUSED,
            message=_("%(company)s: %(sentence)s")
            % {"company": account.company.name, "sentence": reason},
            link=settings_link,
        )
        logger.warning(
            "account %s: sync paused after %d auth failures", account.pk, account.auth_failures
        )


def account_auth_ok(*, account_id: int) -> None:
    """A call Cdiscount accepted: the failure count restarts; a fresh token resumes sync."""
    CdiscountAccount.objects.filter(pk=account_id, auth_failures__gt=0).update(auth_failures=0)


def account_sync_resume(*, account_id: int) -> None:
    CdiscountAccount.objects.filter(pk=account_id).update(
        auth_failures=0, sync_paused_at=None, sync_paused_reason=""
    )
    Notification.objects.filter(
        account_id=account_id,
        kind__in=[Notification.Kind.CREDENTIALS, Notification.Kind.SYNC_PAUSED],
        dismissed_at__isnull=True,
    ).update(dismissed_at=timezone.now())


def notifications_for_user(user):
    return Notification.objects.filter(
        account__company__members=user, dismissed_at__isnull=True
    ).select_related("account__company")
