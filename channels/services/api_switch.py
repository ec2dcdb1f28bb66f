"""The guided switch to the other API generation (docs/architecture.md, Switching API).

The current API stays live until the switch itself: the other API is tested with a client of its
own whose tokens are not stored, its orders and offers are read without storing anything, and
the switch happens only once Cdiscount issued a token for the new API, which then becomes the
live token.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.cdiscount import errors
from channels.models import CdiscountAccount, CdiscountApi, Order

from .accounts import account_settings_update
from .carriers import carriers_refresh
from .clients import cdiscount_client_for
from .health import account_sync_resume
from .messages import cdiscount_error_sentence
from .token_store import account_token_store
from .tokens import ActionResult, credentials_missing_labels

logger = logging.getLogger(__name__)

# How far back the preview lists the other API's orders: the first download on a newly chosen
# API looks back as far.
PREVIEW_LOOKBACK = timedelta(days=30)
# Orders listed on the preview page, each group; the counts cover them all.
ORDERS_PREVIEW_ROWS = 200


def api_label(api: str) -> str:
    return str(CdiscountApi(api).label)


def _missing_credentials(account: CdiscountAccount, api: str) -> str | None:
    missing = credentials_missing_labels(account, api)
    if not missing:
        return None
    return _("Enter the %(fields)s of %(api)s in step 1 first.") % {
        "fields": ", ".join(missing),
        "api": api_label(api),
    }


@dataclass(frozen=True)
class PreviewOrder:
    reference: str
    order_id: str
    status: str
    ordered_at: object
    stored_id: int | None  # the stored order it matches, if any


@dataclass
class OrdersPreview:
    api: str
    matched: list[PreviewOrder] = field(default_factory=list)
    not_stored: list[PreviewOrder] = field(default_factory=list)
    offers: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def api_credentials_test(*, account: CdiscountAccount, api: str) -> ActionResult:
    """A token request and the validity probe with `api`'s credentials; nothing is stored and
    the live token stays as it is."""
    problem = _missing_credentials(account, api)
    if problem:
        return ActionResult(False, problem)
    try:
        with cdiscount_client_for(account, api=api, live_token=False) as client:
            client.get_token()
            info = client.get_seller_info()
    except errors.CdiscountError as exc:
        logger.info(
            "account %s: test of the %s API failed: %s", account.pk, api, type(exc).__name__
        )
        return ActionResult(
            False,
            _("%(api)s: the test failed.") % {"api": api_label(api)}
            + " "
            + cdiscount_error_sentence(exc, api=api),
        )
    shop = info.shop_name or info.login or info.seller_id or "?"
    return ActionResult(
        True,
        _("%(api)s accepted these credentials (shop: %(shop)s). The current API stays live.")
        % {"api": api_label(api), "shop": shop},
    )


def orders_preview_for_api(account: CdiscountAccount, api: str) -> OrdersPreview:
    """What `api` sees of the last 30 days' orders, each matched to a stored order by the
    marketplace reference (or the legacy order number), and how many offers it holds.
    Read only: nothing is stored."""
    preview = OrdersPreview(api=api)
    problem = _missing_credentials(account, api)
    if problem:
        preview.problem = problem
        return preview
    now = timezone.now()
    try:
        with cdiscount_client_for(account, api=api, live_token=False) as client:
            remote = list(client.list_orders(updated_from=now - PREVIEW_LOOKBACK, updated_to=now))
            preview.offers = sum(1 for _offer in client.list_offers())
    except errors.CdiscountError as exc:
        preview.problem = cdiscount_error_sentence(exc, api=api)
        return preview
    keys = {o.reference for o in remote if o.reference} | {o.order_id for o in remote}
    stored = {}
    for order_id, number, reference in Order.objects.filter(
        Q(reference__in=keys) | Q(order_number__in=keys), account=account
    ).values_list("pk", "order_number", "reference"):
        for key in (number, reference):
            if key:
                stored.setdefault(key, order_id)
    for order in sorted(remote, key=lambda o: o.created_at or now, reverse=True):
        stored_id = stored.get(order.reference) or stored.get(order.order_id)
        row = PreviewOrder(
            order.reference, order.order_id, order.status, order.created_at, stored_id
        )
        (preview.matched if stored_id else preview.not_stored).append(row)
    return preview


def account_switch_api(*, account: CdiscountAccount, api: str, user=None) -> ActionResult:
    """Makes `api` the live API, with a token Cdiscount issues for it now; on failure the
    account stays on its current API with its token. Recorded in the history of changes."""
    if api == account.api:
        return ActionResult(True, _("%(api)s is already the live API.") % {"api": api_label(api)})
    problem = _missing_credentials(account, api)
    if problem:
        return ActionResult(False, problem)
    try:
        with cdiscount_client_for(account, api=api, live_token=False) as client:
            token = client.get_token()
            with transaction.atomic():
                # The API change drops the old API's token; the new one is stored at once.
                account_settings_update(
                    account=account, changes={"api": api}, user=user, source="action"
                )
                account.refresh_from_db()
                account_token_store(account=account, token=token)
            account_sync_resume(account_id=account.pk)
            carriers_refresh(account=account, client=client)
    except errors.CdiscountError as exc:
        logger.info("account %s: switch to %s refused: %s", account.pk, api, type(exc).__name__)
        return ActionResult(
            False,
            _("Not switched: %(api)s did not issue a token.") % {"api": api_label(api)}
            + " "
            + cdiscount_error_sentence(exc, api=api),
        )
    logger.info("account %s: switched to the %s API", account.pk, api)
    return ActionResult(True, _("%(api)s is now the live API.") % {"api": api_label(api)})
