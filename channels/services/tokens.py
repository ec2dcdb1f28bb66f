"""Get Token and Test Token Validity (docs/architecture.md, Tokens;
docs/cdiscount-api.md §O1-O3, §M1-M3)."""

import copy
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.cdiscount import errors
from channels.models import CdiscountAccount, Job

from .accounts import account_settings_update
from .carriers import carriers_refresh
from .clients import cdiscount_client_for
from .health import account_sync_resume
from .messages import cdiscount_error_sentence
from .runs import JobOutcome, job_record
from .token_store import account_token_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str


def credentials_missing_labels(account: CdiscountAccount, api: str | None = None) -> list[str]:
    """The labels of `api`'s credential fields left empty (default: the current API)."""
    return [
        str(CdiscountAccount._meta.get_field(name).verbose_name)
        for name in account.credential_fields(api)
        if not getattr(account, name)
    ]


def missing_credentials(account: CdiscountAccount) -> str | None:
    """What to enter before a token can be asked for on the current API."""
    missing = credentials_missing_labels(account)
    if not missing:
        return None
    return _("Enter the %(fields)s under Edit first, then use Save and Get Token.") % {
        "fields": ", ".join(missing)
    }


def account_get_token(*, account_id: int, user=None) -> ActionResult:
    """Asks Cdiscount for a new token; on failure the stored token stays as it was.

    Each request to Cdiscount is recorded as a manual token refresh job: it is the account's
    last token refresh as much as a scheduled one (the status strip, the Jobs page).
    """
    account = CdiscountAccount.objects.get(pk=account_id)
    problem = missing_credentials(account)
    if problem:
        return ActionResult(False, problem)
    started_at = timezone.now()
    try:
        # An explicit Get Token always asks Cdiscount, whatever another worker holds; the
        # client hands the token to the account's store.
        with cdiscount_client_for(account) as client:
            token = client.get_token()
            # The Ship form's carrier list, for these credentials (its failure is only logged).
            carriers_refresh(account=account, client=client)
    except errors.CdiscountError as exc:
        logger.warning("account %s: Get Token failed: %s", account.pk, type(exc).__name__)
        message = _("Get Token failed.") + " " + cdiscount_error_sentence(exc, api=account.api)
        outcome = JobOutcome(message, {"renewed": 0}, failed=1)
    else:
        account_sync_resume(account_id=account.pk)
        message = _token_received(token)
        outcome = JobOutcome(message, {"renewed": 1}, succeeded=1)
    job_record(
        account=account,
        kind=Job.Kind.TOKEN_REFRESH,
        outcome=outcome,
        started_at=started_at,
        user=user,
    )
    return ActionResult(not outcome.failed, message)


def account_test_token(*, account_id: int) -> ActionResult:
    """Probes the stored token without refreshing it, and records the result of the check."""
    account = CdiscountAccount.objects.get(pk=account_id)
    if not account.access_token:
        result = ActionResult(False, _("There is no access token yet: use Actions → Get Token."))
    else:
        try:
            with cdiscount_client_for(account, auto_refresh=False) as client:
                info = client.get_seller_info()
        except errors.AuthenticationError as exc:
            result = ActionResult(
                False,
                _("The token is invalid or expired.")
                + " "
                + cdiscount_error_sentence(exc, api=account.api),
            )
        except errors.CdiscountError as exc:
            result = ActionResult(
                False,
                _("The token could not be checked.")
                + " "
                + cdiscount_error_sentence(exc, api=account.api),
            )
        else:
            shop = info.shop_name or info.login or info.seller_id or "?"
            result = ActionResult(True, _("The token is valid (shop: %(shop)s).") % {"shop": shop})
    CdiscountAccount.objects.filter(pk=account.pk).update(
        last_check_at=timezone.now(),
        last_check_ok=result.ok,
        last_check_message=result.message[:500],
    )
    logger.info("account %s: token check %s", account.pk, "valid" if result.ok else "failed")
    return result


def account_connect(
    *, account: CdiscountAccount, changes: dict[str, Any], user=None, source: str = "web"
) -> ActionResult:
    """Save and Get Token: asks for a token with the values just entered, and saves them with
    that token only when Cdiscount issued one, so Enabled can be on in the same save.

    On failure nothing is saved: the stored settings and the live token stay as they were.
    """
    candidate = copy.copy(account)  # the values entered, never saved by this copy
    for name, value in changes.items():
        setattr(candidate, name, value)
    problem = missing_credentials(candidate)
    if problem:
        return ActionResult(False, problem)
    try:
        with cdiscount_client_for(candidate, live_token=False) as client:
            token = client.get_token()
            with transaction.atomic():
                account_settings_update(account=account, changes=changes, user=user, source=source)
                account_token_store(account=account, token=token)
            account_sync_resume(account_id=account.pk)
            carriers_refresh(account=account, client=client)
    except errors.CdiscountError as exc:
        logger.warning("account %s: Save and Get Token failed: %s", account.pk, type(exc).__name__)
        return ActionResult(
            False,
            _("Get Token failed, so nothing was saved.")
            + " "
            + cdiscount_error_sentence(exc, api=candidate.api),
        )
    logger.info("account %s: settings saved with a new %s token", account.pk, candidate.api)
    return ActionResult(True, _("General Settings saved.") + " " + _token_received(token))


def _token_received(token) -> str:
    expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
    return _("Token received, valid until %(when)s.") % {"when": expires}


# Renew a token this long before it expires (docs/architecture.md, Tokens); Octopia tokens last 2
# hours, so they are renewed at every hourly run.
REFRESH_MARGIN = timedelta(hours=6)


def token_refresh(job) -> JobOutcome:
    """The scheduled refresh: a new token when the stored one is missing or expires soon."""
    account = job.account
    problem = missing_credentials(account)
    if problem:
        return JobOutcome(problem, {"renewed": 0}, failed=1)
    expires = account.token_expires_at
    if account.access_token and expires and expires - timezone.now() > REFRESH_MARGIN:
        when = timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")
        return JobOutcome(
            _("The token is valid until %(when)s: nothing to do.") % {"when": when},
            {"renewed": 0},
        )
    with cdiscount_client_for(account) as client:
        # A token another worker renewed meanwhile is taken as it is; errors fail the job.
        token = client.renew_token()
    when = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
    return JobOutcome(
        _("Token renewed, valid until %(when)s.") % {"when": when}, {"renewed": 1}, succeeded=1
    )
