"""What both API generations share about offers: package limits, argument checks, amounts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from ._orders import CENT
from .results import OfferResult, OfferUpdate

# §O5, §M6: at most 40,000 offers per package; the caller splits larger catalogues.
MAX_PACKAGE_OFFERS = 40_000
# §O5 package states, and §M6's PackageIntegrationStatus [unconfirmed values]: integration ended.
FINISHED_STATES = frozenset({"Integrated", "Rejected"})
REJECTED_STATE = "Rejected"


class OfferDataError(ValueError):
    """An offer or a result in Cdiscount's answer lacks what the protocol promises."""


def check_package_size(count: int) -> None:
    if count <= 0:
        raise ValueError("an offer package needs at least one offer")
    if count > MAX_PACKAGE_OFFERS:
        raise ValueError(
            f"{count} offers: at most {MAX_PACKAGE_OFFERS} per package (split the offers)"
        )


def check_offer(offer: object) -> OfferUpdate:
    """An item of a package must be an OfferUpdate (which checked its own fields).

    Each SKU should come once per package; that is left to the caller, so a streamed package
    keeps nothing of the offers already written.
    """
    if not isinstance(offer, OfferUpdate):
        raise TypeError(f"expected an OfferUpdate, got {type(offer).__name__}")
    return offer


def check_skus(skus: Sequence[str] | None) -> tuple[str, ...] | None:
    """The SKUs to list offers for, without repeats; None means every offer."""
    if skus is None:
        return None
    if isinstance(skus, str):
        raise TypeError("skus must be a sequence of SKUs, not one string")
    if not all(isinstance(sku, str) and sku.strip() for sku in skus):
        raise ValueError("skus must be non-empty strings")
    return tuple(dict.fromkeys(skus))


def amount(value: Decimal) -> Decimal:
    """Money and rates as sent: rounded to cents (both APIs take two decimals, §M2)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if not rounded else rounded  # never "-0.00"


def error_count(results: Sequence[OfferResult]) -> int:
    return sum(1 for result in results if not result.accepted)
