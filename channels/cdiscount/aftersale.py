"""After the sale, whichever API generation an account uses: cancellations, refunds, messages.

The typed results both clients return for after-sale operations, and `AfterSaleClient`, the
shape of those operations (docs/cdiscount-api.md §O7-§O9, §M8-§M10). Kept apart from
`CdiscountClient` because the generations do not offer the same set: an operation one API
lacks raises NotImplementedError there. Cdiscount's own status strings are kept as they come
(`status`); the booleans read them, tolerantly, for the caller.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from .results import Order


@dataclass(frozen=True)
class CancellationReason:
    """A reason the seller may give for cancelling (§O7 cancellation-reasons)."""

    code: str
    label: str | None


@dataclass(frozen=True)
class CancellationRequest:
    """A seller's cancellation request and where Cdiscount stands on it.

    `line_ids` empty means the whole order. `accepted` is None while Cdiscount has not settled
    the request; `message` holds Cdiscount's words on a refusal.
    """

    request_id: str | None
    order_id: str
    status: str  # Cdiscount's own, "Pending" when it gave none
    settled: bool
    accepted: bool | None
    line_ids: tuple[str, ...]
    reason: str | None
    message: str | None
    created_at: datetime | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class RefundAllowance:
    """The most that may still be refunded on an order (§O8 allowableAmount)."""

    order_id: str
    allowable_amount: Decimal
    currency: str


@dataclass(frozen=True)
class Refund:
    """A refund after shipment (Octopia commercial gesture, Marketplace refund voucher)."""

    refund_id: str | None
    order_id: str
    amount: Decimal | None
    reason: str | None
    status: str  # Cdiscount's own, "Pending" when it gave none
    settled: bool
    accepted: bool | None  # None while pending
    message: str | None
    created_at: datetime | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class DiscussionMessage:
    """One message of a customer discussion."""

    message_id: str | None
    sender: str | None  # Cdiscount's own: "Customer", "Seller", "Operator", ...
    body: str
    sent_at: datetime | None
    read: bool | None


@dataclass(frozen=True)
class Discussion:
    """A customer discussion or claim (§O9, §M10); `messages` is empty in listings."""

    discussion_id: str
    order_id: str | None
    typology: str | None  # e.g. orderNotShipped
    sub_typology: str | None
    graduation: str | None  # Discussion, Claim, Level_1 (escalated to Cdiscount)
    is_claim: bool
    escalated: bool
    open: bool
    to_answer: bool  # Cdiscount's processStatus ToTreat
    subject: str | None
    created_at: datetime | None
    updated_at: datetime | None
    messages: tuple[DiscussionMessage, ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


class AfterSaleClient(Protocol):
    """After-sale operations of one seller account's client.

    Refusals are `errors.CancellationRefusedError` / `errors.RefundRefusedError` (or a
    `RejectedError`), each with a message the seller can act on.
    """

    def list_cancellation_reasons(self) -> list[CancellationReason]: ...

    def cancel_order(
        self, order: Order, *, reason: str, refund_shipping: bool = True
    ) -> CancellationRequest: ...

    def cancel_lines(
        self,
        order: Order,
        *,
        line_ids: Sequence[str],
        reason: str,
        refund_shipping: bool = True,
    ) -> CancellationRequest: ...

    def list_cancellation_requests(self, order: Order) -> list[CancellationRequest]: ...

    def get_refund_allowance(self, order: Order) -> RefundAllowance: ...

    def request_refund(
        self, order: Order, *, amount: Decimal, reason: str, details: str | None = None
    ) -> Refund: ...

    def list_refunds(self, order: Order) -> Iterator[Refund]: ...

    def list_discussions(
        self,
        *,
        open_only: bool | None = None,
        to_answer: bool | None = None,
        typology: str | None = None,
        updated_from: datetime | None = None,
    ) -> Iterator[Discussion]: ...

    def get_discussion(self, discussion_id: str) -> Discussion: ...

    def send_message(self, discussion_id: str, body: str) -> None: ...

    def close_discussion(self, discussion_id: str) -> None: ...
