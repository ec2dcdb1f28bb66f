"""E-mail for the bell's notifications: per user and kind, at once, in a daily digest, or off.

A notification reaches the members of the account's company who have an e-mail address. Each
occurrence is recorded per user (NotificationMail) before anything is sent, and a row is
claimed before its mail leaves, so a retried job or a digest run twice never mails it again.
A mail that could not be sent at once waits for the next digest.

A mail carries the bell's sentence and a link only. Callers name orders by their number, never
by a customer's name, address or e-mail; the text is also scrubbed of the account's password
and token and of any e-mail address, should a Cdiscount error text echo one.
"""

import logging
import re
import smtplib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.models import (
    CdiscountAccount,
    Delivery,
    Notification,
    NotificationMail,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# What a user gets before choosing (docs/architecture.md, Notifications): problems that stop
# sync or need a decision come at once; what is only worth knowing waits for the digest.
# Refused credentials go to the digest because the failed job, the token that cannot be
# renewed and the paused sync they cause are each mailed at once.
DEFAULT_DELIVERY = {
    Kind.JOB_FAILED: Delivery.AT_ONCE,
    Kind.JOB_RETRYING: Delivery.DIGEST,
    Kind.SYNC_PAUSED: Delivery.AT_ONCE,
    Kind.TOKEN: Delivery.AT_ONCE,
    Kind.CREDENTIALS: Delivery.DIGEST,
    Kind.UPLOAD_HELD: Delivery.AT_ONCE,
    Kind.OFFERS_REJECTED: Delivery.DIGEST,
    Kind.TRACKING: Delivery.AT_ONCE,
    Kind.ACCEPTANCE: Delivery.AT_ONCE,
    Kind.CLAIM: Delivery.AT_ONCE,
    Kind.MESSAGE_DEADLINE: Delivery.AT_ONCE,
}

EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MASK = "•••"


def preferences_for_user(user) -> dict[str, str]:
    """Every kind with the user's delivery, in the order the preferences page shows them."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_DELIVERY.items()}


def preferences_update(*, user, deliveries: dict[str, str]) -> None:
    """Stores the user's choices; a choice equal to the default keeps no row."""
    for kind, delivery in deliveries.items():
        if delivery == DEFAULT_DELIVERY[kind]:
            NotificationPreference.objects.filter(user=user, kind=kind).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )


def mail_text(text: str, account: CdiscountAccount) -> str:
    """The text with the account's secrets and any e-mail address masked."""
    for secret in (getattr(account, name) for name in CdiscountAccount.SECRET_FIELDS):
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return EMAIL_ADDRESS.sub(MASK, text)


def notification_announce(*, notification: Notification, key: str) -> None:
    """Queues one occurrence of a bell entry for each member who wants it by e-mail.

    `key` names the occurrence within the bell entry; the same key is never queued twice for a
    user. Mails wanted at once leave when the caller's transaction commits.
    """
    account = notification.account
    occurrence = f"{notification.pk}:{key}"[:200]
    members = get_user_model().objects.filter(
        membership__company_id=account.company_id, is_active=True
    )
    members = members.exclude(email="")
    chosen = dict(
        NotificationPreference.objects.filter(user__in=members, kind=notification.kind).values_list(
            "user_id", "delivery"
        )
    )
    message = mail_text(notification.message, account)
    at_once = []
    for user_id in members.values_list("pk", flat=True):
        delivery = chosen.get(user_id, DEFAULT_DELIVERY[notification.kind])
        if delivery == Delivery.OFF:
            continue
        mail, created = NotificationMail.objects.get_or_create(
            user_id=user_id,
            key=occurrence,
            defaults={
                "notification": notification,
                "kind": notification.kind,
                "message": message,
                "link": notification.link,
                "delivery": delivery,
            },
        )
        if created and delivery == Delivery.AT_ONCE:
            at_once.append(mail.pk)
    if at_once:
        transaction.on_commit(lambda: mails_send_at_once(mail_ids=at_once), robust=True)


def mails_send_at_once(*, mail_ids: list[int]) -> int:
    """Sends each of these mails on its own; returns how many left."""
    rows = _claim(NotificationMail.objects.filter(pk__in=mail_ids))
    sent = 0
    for row in rows:
        company = row.notification.account.company
        subject = f"[{company.name}] {row.get_kind_display()}"
        body = "\n\n".join(filter(None, [row.message, _absolute(row.link), _footer(company.name)]))
        sent += _send([row], subject, body)
    return sent


def digests_send() -> int:
    """The daily digest: one mail per user with every entry not mailed yet; returns how many.

    Entries of a kind the user has switched off since they were queued are dropped.
    """
    pending = NotificationMail.objects.filter(sent_at__isnull=True)
    sent = 0
    for user in get_user_model().objects.filter(pk__in=pending.values("user_id")):
        off = [
            kind
            for kind, delivery in preferences_for_user(user).items()
            if delivery == Delivery.OFF
        ]
        pending.filter(user=user, kind__in=off).delete()
        rows = _claim(pending.filter(user=user))
        if not rows:
            continue
        subject = ngettext(
            "Daily digest: %(n)d notification", "Daily digest: %(n)d notifications", len(rows)
        ) % {"n": len(rows)}
        entries = []
        for row in rows:
            company = row.notification.account.company
            when = timezone.localtime(row.created_at, ZoneInfo(company.time_zone))
            line = f"{when:%Y-%m-%d %H:%M} · {row.get_kind_display()}\n{row.message}"
            entries.append("\n".join(filter(None, [line, _absolute(row.link)])))
        companies = sorted({row.notification.account.company.name for row in rows})
        body = "\n\n".join([*entries, _footer(", ".join(companies))])
        sent += _send(rows, subject, body)
    logger.info("notification digests: %d sent", sent)
    return sent


def _claim(queryset) -> list[NotificationMail]:
    """Marks the unsent rows as sent before sending, so two senders never both mail one."""
    with transaction.atomic():
        rows = list(
            queryset.filter(sent_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "notification__account__company")
            .order_by("created_at", "pk")
        )
        NotificationMail.objects.filter(pk__in=[row.pk for row in rows]).update(
            sent_at=timezone.now()
        )
    return rows


def _send(rows: list[NotificationMail], subject: str, body: str) -> int:
    """1 if the mail left; otherwise its rows wait for the next digest and 0."""
    user = rows[0].user
    subject = " ".join(subject.split())  # a line break in a company name is no header break
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("notification mail to user %s not sent: %s", user.pk, type(exc).__name__)
        NotificationMail.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=None)
        return 0
    return 1


def _absolute(link: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + link if link.startswith("/") else link


def _footer(companies: str) -> str:
    return "-- \n" + _(
        "You receive this as a member of %(companies)s. Choose which notifications reach you "
        "by e-mail, at once or in a daily digest: %(url)s"
    ) % {
        "companies": companies,
        "url": _absolute(reverse("channels:notification_preferences")),
    }
