"""What the Marketplace API holds after the sale (docs/cdiscount-api.md §M9, §M10): refund vouchers,
discussions and claims, with messages that arrive over time.

A store of its own beside the order book (which keeps the orders' and lines' states); it has its
own lock, and reads the time it is given, the simulator's clock.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# §M10 DiscussionType values the simulator holds, and CloseDiscussionResult/OperationStatus.
DISCUSSION = "Discussion"
CLAIM = "Claim"
DISCUSSION_KINDS = (DISCUSSION, CLAIM, "Offer")
CLAIM_TYPES = (
    "PackageNotReceived",
    "IncompletePackage",
    "MissingAccessories",
    "DamagedProduct",
    "WrongProductReference",
    "WrongRefundAmount",
    "RefundNotReceived",
    "ProductNotWorking",
    "Other",
    "ProductCanceling",
    "OrderCanceling",
    "WishToWithdraw",
    "OrderNotShipped",
)
CUSTOMER = "Customer"
SELLER = "Seller"
OPEN = "Open"
CLOSED = "Closed"


@dataclass(frozen=True)
class Voucher:
    """A refund made on an order: read back on the order's VoucherList (§M9)."""

    at: datetime
    amount: Decimal
    motive_id: int | None  # a gesture's MotiveId; None for a line refund
    source: str  # Customer, CDiscount or Seller
    sku: str | None = None  # the line refunded, for a line refund


@dataclass(frozen=True)
class Message:
    at: datetime
    content: str
    sender: str
    sender_type: str  # Customer, Seller, Cdiscount


@dataclass
class Discussion:
    discussion_id: int
    login: str
    order_id: str | None
    kind: str  # Discussion, Claim, Offer
    claim_type: str | None
    subject: str
    created_at: datetime
    messages: list[Message] = field(default_factory=list)
    line_skus: tuple[str, ...] = ()  # a claim's lines (OrderLine.HasClaim)
    closed_at: datetime | None = None


@dataclass(frozen=True)
class DiscussionView:
    """A discussion as it reads at one moment: only the messages arrived by then."""

    discussion_id: int
    order_id: str | None
    kind: str
    claim_type: str | None
    subject: str
    status: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    messages: tuple[Message, ...]
    line_skus: tuple[str, ...]

    @property
    def awaiting_seller(self) -> bool:
        """Open, and the customer spoke last (DiscussionStateFilter NotProcessed)."""
        return (
            self.status == OPEN
            and bool(self.messages)
            and self.messages[-1].sender_type == CUSTOMER
        )

    def as_record(self) -> dict[str, object]:
        return {
            "id": self.discussion_id,
            "order_id": self.order_id,
            "kind": self.kind,
            "claim_type": self.claim_type,
            "subject": self.subject,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "closed_at": self.closed_at,
            "messages": [
                {"at": m.at, "content": m.content, "sender": m.sender, "sender_type": m.sender_type}
                for m in self.messages
            ],
            "line_skus": list(self.line_skus),
        }


class MarketplaceClaims:
    """Vouchers, discussions and claims per Marketplace login; safe across threads."""

    FIRST_ID = 8_400_001

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vouchers: dict[tuple[str, str], list[Voucher]] = {}
        self._discussions: dict[int, Discussion] = {}
        self._ids = itertools.count(self.FIRST_ID)

    def clear(self) -> None:
        with self._lock:
            self._vouchers.clear()
            self._discussions.clear()
            self._ids = itertools.count(self.FIRST_ID)

    # Vouchers (§M9)

    def vouchers(self, login: str, order_id: str) -> list[Voucher]:
        with self._lock:
            return list(self._vouchers.get((login, order_id), ()))

    def add_voucher(self, login: str, order_id: str, voucher: Voucher) -> None:
        with self._lock:
            self._vouchers.setdefault((login, order_id), []).append(voucher)

    # Discussions and claims (§M10)

    def open_discussion(
        self,
        *,
        login: str,
        order_id: str | None,
        kind: str,
        subject: str,
        content: str,
        sender: str,
        at: datetime,
        claim_type: str | None = None,
        line_skus: Iterable[str] = (),
        follow_ups: Iterable[tuple[datetime, str]] = (),
    ) -> int:
        """A discussion the customer opens at `at`; `follow_ups` are the customer's later
        messages, each read only once the clock reaches its time."""
        if kind not in DISCUSSION_KINDS:
            raise ValueError(f"kind must be one of {DISCUSSION_KINDS}")
        if kind == CLAIM and claim_type not in CLAIM_TYPES:
            raise ValueError(f"a claim needs claim_type, one of {CLAIM_TYPES}")
        messages = [Message(at, content, sender, CUSTOMER)]
        messages += [Message(when, text, sender, CUSTOMER) for when, text in follow_ups]
        with self._lock:
            discussion_id = next(self._ids)
            self._discussions[discussion_id] = Discussion(
                discussion_id=discussion_id,
                login=login,
                order_id=order_id,
                kind=kind,
                claim_type=claim_type if kind == CLAIM else None,
                subject=subject,
                created_at=at,
                messages=sorted(messages, key=lambda m: m.at),
                line_skus=tuple(line_skus),
            )
        return discussion_id

    def add_message(self, discussion_id: int, message: Message) -> None:
        """A message on the thread (the seller answering on the portal, the customer again)."""
        with self._lock:
            discussion = self._discussions.get(discussion_id)
            if discussion is None:
                raise KeyError(discussion_id)
            discussion.messages = sorted([*discussion.messages, message], key=lambda m: m.at)

    def discussions(self, login: str, now: datetime) -> list[DiscussionView]:
        """The login's discussions as they read at `now`, oldest first."""
        with self._lock:
            return [
                _view(d, now)
                for d in self._discussions.values()
                if d.login == login and d.created_at <= now
            ]

    def discussion(self, login: str, discussion_id: int, now: datetime) -> DiscussionView | None:
        with self._lock:
            found = self._discussions.get(discussion_id)
            if found is None or found.login != login or found.created_at > now:
                return None
            return _view(found, now)

    def close(self, discussion_id: int, now: datetime) -> None:
        with self._lock:
            self._discussions[discussion_id].closed_at = now

    def claimed_lines(self, login: str, order_id: str, now: datetime) -> set[str] | None:
        """The SKUs under an open claim on the order (empty: the whole order); None if none."""
        claimed: set[str] | None = None
        for view in self.discussions(login, now):
            if view.order_id == order_id and view.kind == CLAIM and view.status == OPEN:
                claimed = (claimed or set()) | set(view.line_skus)
        return claimed


def _view(discussion: Discussion, now: datetime) -> DiscussionView:
    messages = tuple(m for m in discussion.messages if m.at <= now)
    closed = discussion.closed_at if discussion.closed_at and discussion.closed_at <= now else None
    moments = [discussion.created_at, *(m.at for m in messages), *([closed] if closed else [])]
    return DiscussionView(
        discussion_id=discussion.discussion_id,
        order_id=discussion.order_id,
        kind=discussion.kind,
        claim_type=discussion.claim_type,
        subject=discussion.subject,
        status=CLOSED if closed else OPEN,
        created_at=discussion.created_at,
        updated_at=max(moments),
        closed_at=closed,
        messages=messages,
        line_skus=discussion.line_skus,
    )
