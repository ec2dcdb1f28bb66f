"""Price and stock guards: offers that would harm the seller are held, not sent.

Three guards (docs/architecture.md, Guards): a minimum price (a price of 0 is never sent,
whatever the settings), a maximum drop against the price Cdiscount last accepted, and a
catalogue breaker that holds a whole upload taking too many in-stock offers to 0. The account
sets them (General Settings, Guards); a product may set its own minimum price and maximum drop.

A held offer waits on the Products page for the seller: Release sends it by the next upload as
it was held, once; Discard drops that change (nothing is sent for the product until its
quantity or price differs from the discarded one).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from channels.models import CdiscountAccount, HeldOffer, Product

# The breaker never trips for a single offer: one product selling out is ordinary.
BREAKER_MIN_OFFERS = 2


@dataclass(frozen=True)
class Hold:
    """Why an offer is held, with the figures of the sentence the seller reads."""

    reason: str  # a HeldOffer.Reason
    figures: dict = field(default_factory=dict)

    def sentence(self) -> str:
        return held_sentence(self.reason, self.figures)


def money(value: Decimal | str) -> str:
    """4.99 € (4,99 € in French), never split across two lines."""
    return f"{number_format(Decimal(value), 2)}\u00a0€"


def percent(value: Decimal | str | int) -> str:
    return f"{number_format(Decimal(value), 0)}\u00a0%"


def whole_percent(part: Decimal, whole: Decimal) -> str:
    return str((part * 100 / whole).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def held_sentence(reason: str, figures: dict) -> str:
    """The line the Products page, the preview, the dry run and `held` show."""
    if reason == HeldOffer.Reason.PRICE_DROP:
        return _("held: price %(price)s is %(drop)s below the last accepted %(accepted)s") % {
            "price": money(figures["price"]),
            "drop": percent(figures["drop"]),
            "accepted": money(figures["accepted"]),
        }
    if reason == HeldOffer.Reason.MIN_PRICE:
        if Decimal(figures["price"]) <= 0:
            return _("held: a price of %(price)s is never sent") % {
                "price": money(figures["price"])
            }
        return _("held: price %(price)s is below the minimum %(minimum)s") % {
            "price": money(figures["price"]),
            "minimum": money(figures["minimum"]),
        }
    return _(
        "held: this upload would take %(n)s of the %(total)s offers in stock on Cdiscount to 0 "
        "(%(share)s, the breaker is at %(limit)s)"
    ) % {
        "n": figures["to_zero"],
        "total": figures["in_stock"],
        "share": percent(figures["share"]),
        "limit": percent(figures["limit"]),
    }


def price_hold(product: Product, account: CdiscountAccount, price: Decimal | None) -> Hold | None:
    """The minimum price and the maximum drop, the product's own settings first."""
    if price is None:
        return None  # no price is sent (Exclude Price Upload)
    minimum = product.guard_min_price
    if minimum is None:
        minimum = account.guard_min_price
    if price <= 0 or (minimum is not None and price < minimum):
        return Hold(
            HeldOffer.Reason.MIN_PRICE,
            {"price": str(price), "minimum": str(minimum if minimum is not None else 0)},
        )
    max_drop = product.guard_max_drop
    if max_drop is None:
        max_drop = account.guard_max_drop
    accepted = product.accepted_price
    if max_drop is None or not accepted or accepted <= 0 or price >= accepted:
        return None
    drop = accepted - price
    if drop * 100 <= accepted * max_drop:
        return None
    return Hold(
        HeldOffer.Reason.PRICE_DROP,
        {
            "price": str(price),
            "accepted": str(accepted),
            "drop": whole_percent(drop, accepted),
            "limit": str(max_drop),
        },
    )


def breaker_hold(account: CdiscountAccount, *, to_zero: int) -> Hold | None:
    """Trips when more than the account's share of the offers in stock on Cdiscount (last
    accepted quantity above 0) would go to 0 in one upload."""
    limit = account.guard_breaker
    if limit is None or to_zero < BREAKER_MIN_OFFERS:
        return None
    in_stock = Product.objects.filter(
        company_id=account.company_id, accepted_quantity__gt=0
    ).count()
    if not in_stock or to_zero * 100 <= in_stock * limit:
        return None
    return Hold(
        HeldOffer.Reason.CATALOGUE,
        {
            "to_zero": to_zero,
            "in_stock": in_stock,
            "share": whole_percent(Decimal(to_zero), Decimal(in_stock)),
            "limit": str(limit),
        },
    )


def held_offers_for(account: CdiscountAccount):
    """The offers waiting for the seller's decision, by SKU."""
    return (
        HeldOffer.objects.filter(product__company_id=account.company_id, state=HeldOffer.State.HELD)
        .select_related("product")
        .order_by("product__sku")
    )


def held_offers_decide(
    *, account: CdiscountAccount, decision: str, skus: Iterable[str] | None = None, user=None
) -> list[str]:
    """Releases or discards held offers (all of them when `skus` is None); returns the SKUs
    decided. `decision` is HeldOffer.State.RELEASED or DISCARDED."""
    if decision not in (HeldOffer.State.RELEASED, HeldOffer.State.DISCARDED):
        raise ValueError(decision)
    with transaction.atomic():
        held = held_offers_for(account).select_for_update(of=("self",))
        if skus is not None:
            held = held.filter(product__sku__in=list(skus))
        decided = list(held.values_list("product__sku", flat=True))
        HeldOffer.objects.filter(
            product__company_id=account.company_id,
            state=HeldOffer.State.HELD,
            product__sku__in=decided,
        ).update(state=decision, decided_at=timezone.now(), decided_by=user)
    return decided
