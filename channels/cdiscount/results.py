"""Typed results of the client's operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Token:
    """An access token as issued; the value stays out of repr so it cannot reach a log line."""

    value: str = field(repr=False)
    expires_at: datetime  # aware, UTC
    received_at: datetime  # aware, UTC


@dataclass(frozen=True)
class SellerInfo:
    """The seller's profile, as the token validity probe returns it (§O3, §M3)."""

    seller_id: str | None
    shop_name: str | None
    login: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class Address:
    """A postal address as Cdiscount gives it; every field None when absent."""

    civility: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    line1: str | None
    line2: str | None
    postal_code: str | None
    city: str | None
    country_code: str | None
    phone: str | None
    email: str | None
    instructions: str | None
    relay_id: str | None


@dataclass(frozen=True)
class OrderLine:
    """One line of an order; `line_id` is what ship_order's `line_ids` take."""

    line_id: str
    sku: str  # the seller's product id (SellerProductId)
    ean: str | None
    name: str | None
    quantity: int
    unit_price: Decimal  # total_price / quantity, rounded to cents
    total_price: Decimal  # the line total, products only
    shipping_cost: Decimal  # the line's shipping, all units
    status: str | None  # Cdiscount's line status, unchanged
    seller_fulfilled: bool  # the seller ships it (not fulfilled by Cdiscount)
    condition: str | None
    # After the sale (docs/cdiscount-api.md §M10): the customer opened a claim on this line.
    has_claim: bool = False


@dataclass(frozen=True)
class Order:
    """An order, the same shape for both API generations.

    `order_id` is the key later calls take; `reference` is what the seller sees. `status` is
    Cdiscount's own string; `paid`, `awaiting_acceptance` and `closed` read it per generation
    (§O4, §M4). Datetimes are aware, UTC; None where Cdiscount gives none.
    """

    order_id: str
    reference: str
    status: str
    paid: bool
    awaiting_acceptance: bool
    closed: bool
    created_at: datetime | None
    updated_at: datetime | None
    ship_by: datetime | None
    currency: str
    customer_name: str | None
    billing_address: Address | None
    shipping_address: Address | None
    total_amount: Decimal
    shipping_total: Decimal
    commission: Decimal | None
    lines: tuple[OrderLine, ...]
    # The order as received (JSON text or the Order element's XML), for support.
    raw_payload: str = field(repr=False)
    # After the sale (docs/cdiscount-api.md §M9, §M10): a claim is open on the order, and the
    # refunds already made on it, oldest first.
    has_claims: bool = False
    vouchers: tuple[Voucher, ...] = ()


@dataclass(frozen=True)
class Voucher:
    """A refund made on an order, as the order reads it back (§M9 VoucherList)."""

    created_at: datetime | None
    amount: Decimal | None
    motive_id: str | None
    source: str | None  # who made it: Customer, CDiscount or Seller


@dataclass(frozen=True)
class Carrier:
    """A carrier Cdiscount accepts; `name` is what ship_order's `carrier` takes."""

    code: str | None
    name: str
    default_url: str | None


# §M6 names the conditions (with their integer codes there); §O5 sends the name as is.
OFFER_CONDITIONS = ("New", "Refurbished", "LikeNew", "VeryGoodState", "GoodState", "AverageState")
# Far above any price; keeps amounts within what Decimal rounds to cents without overflow.
_MAX_AMOUNT = Decimal("1e12")


@dataclass(frozen=True)
class OfferUpdate:
    """What the business layer wants on Cdiscount for one offer (§O5, §M6).

    `price` None leaves the price alone (Exclude Price Upload: no price is sent, nor its taxes);
    `shipping_fee` None sends no delivery mode (an `additional_shipping_fee` None then goes as
    0 when a fee is sent). Money is Decimal euros, `vat_rate` a percentage. Checked here, so an
    OfferUpdate that exists can be sent: ValueError or TypeError otherwise.
    """

    sku: str  # SellerProductId / sellerExternalReference
    ean: str
    quantity: int
    price: Decimal | None = None
    origin_price: Decimal | None = None  # the struck-through price (§O5 originPrice)
    vat_rate: Decimal = Decimal("20.0")
    ecotax: Decimal = Decimal("0")
    deatax: Decimal = Decimal("0")
    shipping_fee: Decimal | None = None
    additional_shipping_fee: Decimal | None = None
    preparation_time: int = 2  # days
    condition: str = "New"

    def __post_init__(self) -> None:
        for name in ("sku", "ean"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"offer {name} is required")
        for name in ("quantity", "preparation_time"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"offer {self.sku}: {name} must be a whole number >= 0")
        for name in (
            "price",
            "origin_price",
            "vat_rate",
            "ecotax",
            "deatax",
            "shipping_fee",
            "additional_shipping_fee",
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, Decimal):
                raise TypeError(f"offer {self.sku}: {name} must be a Decimal")
            if not value.is_finite() or not 0 <= value < _MAX_AMOUNT:
                raise ValueError(f"offer {self.sku}: {name} must be an amount >= 0")
        if self.condition not in OFFER_CONDITIONS:
            raise ValueError(
                f"offer {self.sku}: condition must be one of {', '.join(OFFER_CONDITIONS)}"
            )


@dataclass(frozen=True)
class OfferPackageSubmission:
    """An offer package Cdiscount took; `package_id` is what get_offer_package takes."""

    package_id: str
    # Offers in the package; None when the client cannot know (a Marketplace zip given by URL).
    offer_count: int | None


@dataclass(frozen=True)
class OfferResult:
    """Cdiscount's verdict on one offer of a package (§O5 results, §M6 OfferReportLog)."""

    sku: str
    ean: str | None
    status: str  # Cdiscount's own: "Integrated", "Rejected", or what else it says
    accepted: bool  # created or updated (§O5 8000/9000, §M6 Validated)
    code: str | None  # §O5 resultCode, §M6 PropertyCode
    message: str | None


@dataclass(frozen=True)
class OfferPackageStatus:
    """Where an offer package stands; `results` only once integration has ended."""

    package_id: str
    state: str  # Cdiscount's own state string
    finished: bool  # integration ended: Integrated or Rejected
    rejected: bool  # the package as a whole was rejected
    error_count: int | None  # offers not accepted; None until finished, or when unknown
    results: tuple[OfferResult, ...]


@dataclass(frozen=True)
class RemoteOffer:
    """An offer as Cdiscount holds it (§O6, §M7), read tolerantly: None where unreadable."""

    sku: str
    ean: str | None
    quantity: int | None
    price: Decimal | None
    state: str | None
