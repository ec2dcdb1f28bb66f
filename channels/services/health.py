"""Account health: notifications under the bell, and pausing sync after repeated refusals.

Authentication failures pause automatic sync after a few in a row, so a seller whose password
changed is told once, clearly, instead of the token endpoint being asked every few minutes.
"""

import logging

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import CdiscountAccount, Notification

logger = logging.getLogger(__name__)

PAUSE_AFTER_AUTH_FAILURES = 3


def notify(*, account: CdiscountAccount, kind: str, message: str, link: str = "") -> Notification:
    """One open notification per account and kind: a new problem updates the open one."""
    existing = Notification.objects.filter(
        account=account, kind=kind, dismissed_at__isnull=True
    ).first()
    if existing:
        existing.message = message
        existing.link = link or existing.link
        existing.created_at = timezone.now()
        existing.save(update_fields=["message", "link", "created_at"])
        return existing
    return Notification.objects.create(account=account, kind=kind, message=message, link=link)


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
            "Check the username and password, use Actions → Get Token, and sync starts again."
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
