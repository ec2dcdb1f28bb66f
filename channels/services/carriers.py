"""The account's stored list of carriers, read from Cdiscount outside any page.

Pages and the Ship form read the table and never ask Cdiscount while they render. The
fulfillment upload job refreshes it once a day, and a successful Get Token at once (new
credentials may mean another API and another list).
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from channels.cdiscount import errors
from channels.models import Carrier, CdiscountAccount

from .clients import cdiscount_client_for

logger = logging.getLogger(__name__)

CARRIER_LIST_LIFETIME = timedelta(days=1)


def carriers_refresh(*, account: CdiscountAccount, client=None, when_stale: bool = False) -> bool:
    """Stores Cdiscount's carrier list for the account; True when it was read.

    With `when_stale`, only when the stored list is empty or older than a day. When Cdiscount
    cannot be read the stored list stays as it is (yesterday's list is better than none) and
    the next job tries again.
    """
    if when_stale and not carriers_stale(account=account):
        return False
    try:
        if client is not None:
            carriers = client.list_carriers()
        else:  # a client of its own, whose HTTP session closes with it
            with cdiscount_client_for(account) as own:
                carriers = own.list_carriers()
    except errors.CdiscountError as exc:
        logger.warning("account %s: carrier list not refreshed: %s", account.pk, type(exc).__name__)
        return False
    by_name = {c.name: c for c in carriers if c.name}  # one row per name
    now = timezone.now()
    with transaction.atomic():
        Carrier.objects.filter(account=account).delete()
        Carrier.objects.bulk_create(
            Carrier(
                account=account,
                name=c.name,
                code=c.code or "",
                default_url=c.default_url or "",
                refreshed_at=now,
            )
            for c in by_name.values()
        )
    logger.info("account %s: %d carriers stored", account.pk, len(by_name))
    return True


def carriers_stale(*, account: CdiscountAccount) -> bool:
    oldest = Carrier.objects.filter(account=account).order_by("refreshed_at").first()
    return oldest is None or timezone.now() - oldest.refreshed_at >= CARRIER_LIST_LIFETIME
