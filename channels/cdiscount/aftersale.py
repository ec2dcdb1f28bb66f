"""After the sale, whichever API generation an account uses: cancellations, refunds, messages.

`AfterSaleClient` is the one shape of these operations on both clients (docs/cdiscount-api.md
§O7-§O9, §M8-§M10), so a service never asks which API it talks to; the typed results below are
what both answer. `AfterSaleReason` is the one reason vocabulary a caller uses; each client maps
it to its API's own codes in one place. Cdiscount's own status strings are kept as they come
(`status`); `state` reads them, tolerantly, for the caller.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from .results import Order

# Where a seller answers a customer when the API cannot (Marketplace API, §M10).
SELLER_PORTAL_URL = "https://seller.cdiscount.com/"


class AfterSaleReason(StrEnum):
    """Why the seller cancels or refunds, the same words whichever API carries them."""

    OUT_OF_STOCK = "out_of_stock"
    PRICE_ERROR = "price_error"
    CANNOT_SHIP = "cannot_ship"
    CUSTOMER_REQUEST = "customer_request"
    MISSING_PRODUCT = "missing_product"
    DAMAGED_PRODUCT = "damaged_product"
    WRONG_PRODUCT = "wrong_product"
    LATE_DELIVERY = "late_delivery"
    SHIPPING_FEES = "shipping_fees"
    RETURN_FEES = "return_fees"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    AfterSaleReason.OUT_OF_STOCK: "Out of stock",
    AfterSaleReason.PRICE_ERROR: "Price error",
    AfterSaleReason.CANNOT_SHIP: "Cannot deliver to this address",
    AfterSaleReason.CUSTOMER_REQUEST: "At the customer's request",
    AfterSaleReason.MISSING_PRODUCT: "Product or accessory missing",
    AfterSaleReason.DAMAGED_PRODUCT: "Product damaged",
    AfterSaleReason.WRONG_PRODUCT: "Wrong reference, colour or size",
    AfterSaleReason.LATE_DELIVERY: "Late delivery",
    AfterSaleReason.SHIPPING_FEES: "Shipping fees",
    AfterSaleReason.RETURN_FEES: "Return fees",
    AfterSaleReason.OTHER: "Other",
}


def check_reason(reason: Any, allowed: Sequence[AfterSaleReason] | None = None) -> AfterSaleReason:
    """`reason` as an AfterSaleReason, one of `allowed` when given; else a ValueError."""
    if not isinstance(reason, AfterSaleReason):
        raise TypeError("reason must be an AfterSaleReason")
    if allowed is not None and reason not in allowed:
        raise ValueError(
            f"reason {reason.label!r} is not one this API takes here: "
            + ", ".join(r.label for r in allowed)
        )
    return reason


class Outcome(StrEnum):
    """Where Cdiscount stands on a request; PARTIAL is a refund some of whose items passed."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    PARTIAL = "partial"


class DiscussionKind(StrEnum):
    DISCUSSION = "discussion"
    CLAIM = "claim"
    ESCALATED = "escalated"  # a claim Cdiscount took over (Octopia Level_1, Level_2...)


@dataclass(frozen=True)
class CancellationReason:
    """A cancellation reason the API offers: its own code, its label and the shared reason."""

    code: str
    label: str | None
    reason: AfterSaleReason | None  # None: a code this client does not know yet


@dataclass(frozen=True)
class Cancellation:
    """A seller's cancellation and where Cdiscount stands on it.

    `request_id` is None where the API keeps no request (Marketplace: settled at once).
    `line_ids` empty means the whole order; `message` holds Cdiscount's words on a refusal.
    """

    request_id: str | None
    order_id: str
    state: Outcome
    status: str  # Cdiscount's own: "Pending" when it gave none, or the state sent
    line_ids: tuple[str, ...]
    reason_code: str | None  # the API's own code
    message: str | None
    created_at: datetime | None = None
    raw: Any = field(repr=False, default=None)


@dataclass(frozen=True)
class RefundAllowance:
    """The most that may still be refunded on an order; `amount` None means unknown."""

    order_id: str
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class RefundItem:
    """One item of a refund (a whole line, or a gesture for an amount), checked on its own."""

    kind: str  # "line" or "gesture"
    state: Outcome
    amount: Decimal | None  # a gesture's amount, or what Cdiscount says it refunded
    line_id: str | None = None
    sku: str | None = None
    motive: str | None = None  # the API's own reason code for this item
    message: str | None = None  # a sentence the seller can act on, when refused
    cdiscount_message: str | None = None  # Cdiscount's own words

    @property
    def accepted(self) -> bool:
        return self.state is Outcome.ACCEPTED


@dataclass(frozen=True)
class Refund:
    """A refund after shipment (Octopia commercial gesture, Marketplace refund voucher)."""

    refund_id: str | None
    order_id: str
    state: Outcome
    amount: Decimal | None  # what was asked (or refunded, read back)
    items: tuple[RefundItem, ...]
    status: str  # Cdiscount's own, "Pending" when it gave none
    reason_code: str | None = None
    message: str | None = None
    created_at: datetime | None = None
    raw: Any = field(repr=False, default=None)

    @property
    def accepted(self) -> tuple[RefundItem, ...]:
        return tuple(item for item in self.items if item.accepted)

    @property
    def refused(self) -> tuple[RefundItem, ...]:
        return tuple(item for item in self.items if item.state is Outcome.REFUSED)


@dataclass(frozen=True)
class DiscussionMessage:
    """One message of a customer discussion."""

    sender: str | None  # Cdiscount's own: "Customer", "Seller", "Operator", ...
    sent_at: datetime | None
    body: str
    message_id: str | None = None
    read: bool | None = None

    @property
    def from_customer(self) -> bool:
        return (self.sender or "").casefold() == "customer"


@dataclass(frozen=True)
class Discussion:
    """A customer discussion or claim; `messages` may be empty in Octopia listings."""

    discussion_id: str
    order_id: str | None  # the order reference both APIs share
    kind: DiscussionKind
    open: bool
    to_answer: bool  # the seller is expected to answer
    subject: str | None
    typology: str | None  # Octopia typologyCode, Marketplace ClaimType
    status: str | None  # Cdiscount's own
    created_at: datetime | None
    updated_at: datetime | None
    closed_at: datetime | None
    messages: tuple[DiscussionMessage, ...]  # oldest first
    raw: Any = field(repr=False, default=None)

    @property
    def is_claim(self) -> bool:
        return self.kind is not DiscussionKind.DISCUSSION

    @property
    def escalated(self) -> bool:
        return self.kind is DiscussionKind.ESCALATED

    @property
    def last_customer_message_at(self) -> datetime | None:
        times = [m.sent_at for m in self.messages if m.from_customer and m.sent_at is not None]
        return max(times, default=None)


# CloseResult outcomes, and what each means to the seller.
CLOSED = "closed"
ALREADY_CLOSED = "already_closed"
NOT_FOUND = "not_found"
CANCELLATION_PENDING = "cancellation_pending"
LAST_ANSWER_MISSING = "last_answer_missing"
REFUSED = "refused"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class CloseResult:
    """The outcome of closing one discussion; a refusal is an outcome, not an error."""

    discussion_id: str
    status: str | None  # Cdiscount's own, when it gave one
    outcome: str  # CLOSED, ALREADY_CLOSED, NOT_FOUND, CANCELLATION_PENDING...
    message: str  # a sentence the seller can act on

    @property
    def closed(self) -> bool:
        return self.outcome in (CLOSED, ALREADY_CLOSED)


class AfterSaleClient(Protocol):
    """After-sale operations of one seller account's client, either API generation.

    Refusals are `errors.CancellationRefusedError` / `errors.RefundRefusedError` (or another
    `RejectedError`), each with a sentence the seller can act on; what one API cannot do is a
    `NotSupportedError` saying where to do it instead.
    """

    def cancellation_reasons(self) -> list[CancellationReason]: ...

    def order_cancel(
        self, order: Order, *, lines: Sequence[str] | None = None, reason: AfterSaleReason
    ) -> Cancellation: ...

    def order_cancellations(self, order: Order) -> list[Cancellation]: ...

    def refund_allowance(self, order: Order) -> RefundAllowance: ...

    def order_refund(
        self,
        order: Order,
        *,
        lines: Sequence[str] | None = None,
        amount: Decimal | None = None,
        reason: AfterSaleReason,
        details: str = "",
    ) -> Refund: ...

    def order_refunds(self, order: Order) -> list[Refund]: ...

    def discussions(
        self,
        *,
        since: datetime | None = None,
        open_only: bool = False,
        claims_only: bool = False,
    ) -> Iterator[Discussion]: ...

    def discussion(self, discussion_id: str) -> Discussion: ...

    def discussion_reply(self, discussion_id: str, body: str) -> None: ...

    def discussion_close(self, discussion_id: str) -> CloseResult: ...
