"""Orders of both API generations: the store, its indexes and the state machines (§O4, §M4, §M5).

The book is not thread-safe by itself: `SimulatorState` calls it under its one lock. Orders are
frozen snapshots, replaced on every change, so a protocol module may render one outside the lock.

Transitions that time drives (payment, the acceptance deadline, autopilot arrivals) sit in a heap
and are applied lazily by `tick`, which every use of the book calls first: advancing the
simulator clock then makes them happen deterministically. A transition takes effect at the time
it was due, and that time becomes the order's updatedAt / LastUpdatedDate.

A seller who holds both kinds of credentials has one order book that both APIs show, as at
Cdiscount: `link` joins an Octopia seller to a Marketplace login, and from then on every order of
either is mirrored into the other API as its twin, with that API's ids, states and shapes (the
Marketplace OrderNumber is the Octopia `reference`; Octopia has its own `orderId`). Any change,
through either API or by time, is copied to the twin at once, so a shipment or an acceptance made
through one API shows in the other. Only the side last changed holds a pending timer.
"""

from __future__ import annotations

import heapq
import itertools
import random
import string
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from . import catalogue
from .catalogue import CARRIERS_BY_LABEL, PRODUCTS

OCTOPIA = "octopia"
MARKETPLACE = "marketplace"
APIS = (OCTOPIA, MARKETPLACE)

PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")

REVIEW_DELAY = 120.0  # Octopia: Processing (under review) -> WaitingAcceptance
DELIVERY_DELAY = 3 * 86400.0  # autopilot: Shipped -> Delivered (Octopia has that state)
AUTOPILOT_CANCEL_RATE = 0.05  # autopilot: accepted orders the customer cancels before paying
AUTOPILOT_MAX_BACKLOG = 7 * 86400.0  # a long clock jump makes at most a week of arrivals


class UnknownOrder(KeyError):
    """No such order for this seller."""


class IllegalTransition(Exception):
    """The order's state forbids the change; the message says why (in the API's language)."""


@dataclass(frozen=True)
class Flow:
    """One API generation's states, named by the role they play in the order's life."""

    api: str
    statuses: tuple[str, ...]
    reviewing: str | None  # under review before the seller sees it (Octopia only)
    awaiting: str  # the seller must accept or refuse
    accepted: str
    in_payment: str | None  # Marketplace's PaymentInProgress
    to_ship: str  # paid, ready to ship
    shipped: str
    delivered: str | None
    refused: str
    timed_out: str  # not accepted in time
    cancelled: str  # by the customer, before payment
    paid: frozenset[str]
    line_states: Mapping[str, str]  # order status -> line status
    cancel_request: str  # line status: the customer asks to cancel, do not ship
    shipped_line: str
    # Octopia's examples show whole seconds; the Marketplace API's dates carry milliseconds.
    resolution_us: int

    def round(self, moment: datetime) -> datetime:
        micro = moment.microsecond - moment.microsecond % self.resolution_us
        return moment.replace(microsecond=micro)


_OCTOPIA_STATUSES = (
    "Processing",
    "WaitingAcceptance",
    "Accepted",
    "InPreparation",
    "Shipped",
    "Delivered",
    "Refused",
    "Cancelled",
    "Rejected",
)
_MARKETPLACE_STATUSES = (
    "WaitingForSellerAcceptation",
    "AcceptedBySeller",
    "PaymentInProgress",
    "WaitingForShipmentAcceptation",
    "Shipped",
    "CancelledByCustomer",
    "RefusedBySeller",
    "AutomaticCancellation",
    "PaymentRefused",
    "ShipmentRefusedBySeller",
    "ValidatedFianet",  # fraud review: neither shippable nor final (§M4)
    "BeingValidatedFianet",
)
FLOWS: dict[str, Flow] = {
    OCTOPIA: Flow(
        api=OCTOPIA,
        statuses=_OCTOPIA_STATUSES,
        reviewing="Processing",
        awaiting="WaitingAcceptance",
        accepted="Accepted",
        in_payment=None,
        to_ship="InPreparation",
        shipped="Shipped",
        delivered="Delivered",
        refused="Refused",
        timed_out="Cancelled",
        cancelled="Cancelled",
        paid=frozenset({"InPreparation", "Shipped", "Delivered"}),
        # §O4: line statuses are the order's, plus CancelRequest.
        line_states={status: status for status in _OCTOPIA_STATUSES},
        cancel_request="CancelRequest",
        shipped_line="Shipped",
        resolution_us=1_000_000,
    ),
    MARKETPLACE: Flow(
        api=MARKETPLACE,
        statuses=_MARKETPLACE_STATUSES,
        reviewing=None,
        awaiting="WaitingForSellerAcceptation",
        accepted="AcceptedBySeller",
        in_payment="PaymentInProgress",
        to_ship="WaitingForShipmentAcceptation",
        shipped="Shipped",
        delivered=None,
        refused="RefusedBySeller",
        timed_out="AutomaticCancellation",
        cancelled="CancelledByCustomer",
        paid=frozenset({"WaitingForShipmentAcceptation", "Shipped", "ShipmentRefusedBySeller"}),
        # OrderLine/AcceptationState (AcceptationStateEnum) for each order state.
        line_states={
            "WaitingForSellerAcceptation": "None",
            "AcceptedBySeller": "AcceptedBySeller",
            "PaymentInProgress": "AcceptedBySeller",
            "WaitingForShipmentAcceptation": "AcceptedBySeller",
            "Shipped": "ShippedBySeller",
            "CancelledByCustomer": "CancelledBeforePaymentByCustomer",
            "RefusedBySeller": "RefusedBySeller",
            "AutomaticCancellation": "None",
            "PaymentRefused": "PaymentRefused",
            # §M8: Cdiscount refunds the customer; the lines read back with quantity 0.
            "ShipmentRefusedBySeller": "RefundedAfterShipmentRefused",
            "ValidatedFianet": "None",
            "BeingValidatedFianet": "None",
        },
        cancel_request="CancellationRequestPending",
        shipped_line="ShippedBySeller",
        resolution_us=1_000,
    ),
}
# One order's state as the other API names it (linked sellers).
_TWIN_STATUS = {
    OCTOPIA: {
        "Processing": "BeingValidatedFianet",
        "WaitingAcceptance": "WaitingForSellerAcceptation",
        "Accepted": "AcceptedBySeller",
        "InPreparation": "WaitingForShipmentAcceptation",
        "Shipped": "Shipped",
        "Delivered": "Shipped",
        "Refused": "RefusedBySeller",
        "Cancelled": "CancelledByCustomer",
        "Rejected": "PaymentRefused",
    },
    MARKETPLACE: {
        "WaitingForSellerAcceptation": "WaitingAcceptance",
        "AcceptedBySeller": "Accepted",
        "PaymentInProgress": "Accepted",
        "WaitingForShipmentAcceptation": "InPreparation",
        "Shipped": "Shipped",
        "CancelledByCustomer": "Cancelled",
        "RefusedBySeller": "Refused",
        "AutomaticCancellation": "Cancelled",
        "PaymentRefused": "Cancelled",
        "ShipmentRefusedBySeller": "Cancelled",
        "ValidatedFianet": "Processing",
        "BeingValidatedFianet": "Processing",
    },
}
MARKETPLACE_LINE_STATES = (
    "None",
    "AcceptedBySeller",
    "RefusedBySeller",
    "ShippedBySeller",
    "RefundedAfterShipping",
    "ShipmentRefusedBySeller",
    "RefundedAfterShipmentRefused",
    "CancelledBeforeNotificationByCustomer",
    "CancelledBeforePaymentByCustomer",
    "CancellationRequestPending",
    "CancelledAfterPaymentByCustomer",
    "RefundedAfterCustomerCancellation",
    "PaymentRefused",
)
PRODUCT_CONDITIONS = (
    "New",
    "LikeNew",
    "VeryGoodState",
    "GoodState",
    "AverageState",
    "Refurbished",
)

# A realistic week of orders, by final state (weights).
_OCTOPIA_MIX = {
    "Shipped": 30,
    "Delivered": 14,
    "InPreparation": 16,
    "WaitingAcceptance": 12,
    "Accepted": 5,
    "Cancelled": 10,
    "Refused": 6,
    "Processing": 3,
    "Rejected": 4,
}
_MARKETPLACE_MIX = {
    "Shipped": 36,
    "WaitingForShipmentAcceptation": 16,
    "WaitingForSellerAcceptation": 12,
    "AcceptedBySeller": 4,
    "PaymentInProgress": 5,
    "CancelledByCustomer": 8,
    "AutomaticCancellation": 7,
    "RefusedBySeller": 6,
    "PaymentRefused": 4,
    "ShipmentRefusedBySeller": 2,
}
_MIX = {OCTOPIA: _OCTOPIA_MIX, MARKETPLACE: _MARKETPLACE_MIX}
_OCTOPIA_DELIVERY_MODES = (("THD", 70), ("NTHD", 10), ("SHD", 8), ("EHD", 12))
_MARKETPLACE_SHIPPING_CODES = (("TRK", 65), ("STD", 15), ("REG", 8), ("EXP", 12))
_PAYMENT_METHODS = (("Card", 78), ("PayPal", 14), ("FourTimesCard", 8))
_QUANTITIES = ((1, 62), (2, 24), (3, 9), (4, 5))
# Marketplace commission by category family (first two characters of CategoryCode).
_COMMISSION_RATES = {"0A": Decimal("0.08"), "0F": Decimal("0.12"), "0H": Decimal("0.13")}
_DEFAULT_COMMISSION_RATE = Decimal("0.15")


@dataclass(frozen=True)
class Line:
    line_id: str  # Octopia orderLineId; the Marketplace RowId is its position
    sku: str  # the seller's reference (sellerProductId / SellerProductId)
    ean: str
    name: str
    quantity: int
    unit_price: Decimal
    shipping: Decimal  # shipping charges of the first unit
    additional_shipping: Decimal  # of each further unit
    status: str  # Octopia line status / Marketplace AcceptationState
    supply_mode: str = "Seller"
    condition: str = "New"
    category: str = "0A0A"

    @property
    def total_price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def shipping_cost(self) -> Decimal:
        return self.shipping + self.additional_shipping * (self.quantity - 1)


@dataclass(frozen=True)
class Parcel:
    parcel_number: str  # the tracking number
    carrier_name: str
    tracking_url: str | None
    line_ids: tuple[str, ...]
    shipped_at: datetime


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str
    previous: str | None
    cause: str  # customer, seller, payment, timeout, review, carrier, control


@dataclass(frozen=True)
class Order:
    api: str
    seller: str  # Octopia seller id / Marketplace login
    order_id: str  # Octopia orderId / Marketplace OrderNumber
    reference: str
    seq: int  # tie-breaker in the indexes: creation order
    status: str
    created_at: datetime
    updated_at: datetime
    customer: Mapping[str, str | None]
    lines: tuple[Line, ...]
    payment_method: str
    delivery_mode: str  # Octopia deliveryMode code / Marketplace ShippingCode
    accepted_at: datetime | None = None
    paid_at: datetime | None = None
    parcels: tuple[Parcel, ...] = ()
    history: tuple[Change, ...] = ()
    timer: tuple[str, int] | None = None  # (kind, since in µs): the transition time will make

    @property
    def flow(self) -> Flow:
        return FLOWS[self.api]

    @property
    def paid(self) -> bool:
        """§O4 / §M4: the customer's address is known once the order is paid."""
        return self.paid_at is not None

    @property
    def products_total(self) -> Decimal:
        return sum((line.total_price for line in self.lines), Decimal("0.00"))

    @property
    def shipping_total(self) -> Decimal:
        return sum((line.shipping_cost for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.products_total + self.shipping_total

    @property
    def commission(self) -> Decimal:
        rate = _COMMISSION_RATES.get(self.lines[0].category[:2], _DEFAULT_COMMISSION_RATE)
        return (self.total * rate).quantize(CENT)

    @property
    def cancelled_before_payment(self) -> bool:
        flow = self.flow
        return not self.paid and self.status in (
            flow.refused,
            flow.timed_out,
            flow.cancelled,
            "PaymentRefused",
            "Rejected",
        )

    @property
    def shipped_at(self) -> datetime | None:
        return self.parcels[-1].shipped_at if self.parcels else None

    @property
    def shipped_at_max(self) -> datetime:
        # Two days to ship from payment (from the order while unpaid).
        return (self.paid_at or self.created_at) + timedelta(days=2)

    def line(self, line_id: str) -> Line | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def as_record(self) -> dict[str, Any]:
        """The simulator's own view of the order, for tests and the control endpoints."""
        return {
            "api": self.api,
            "seller": self.seller,
            "order_id": self.order_id,
            "reference": self.reference,
            "status": self.status,
            "paid": self.paid,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "accepted_at": self.accepted_at,
            "paid_at": self.paid_at,
            "shipped_at": self.shipped_at,
            "payment_method": self.payment_method,
            "delivery_mode": self.delivery_mode,
            "customer": dict(self.customer),
            "lines": [
                {
                    "line_id": line.line_id,
                    "sku": line.sku,
                    "ean": line.ean,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "total_price": line.total_price,
                    "shipping_cost": line.shipping_cost,
                    "status": line.status,
                    "supply_mode": line.supply_mode,
                    "condition": line.condition,
                }
                for line in self.lines
            ],
            "products_total": self.products_total,
            "shipping_total": self.shipping_total,
            "total_amount": self.total,
            "commission": self.commission,
            "parcels": [
                {
                    "parcel_number": parcel.parcel_number,
                    "carrier_name": parcel.carrier_name,
                    "tracking_url": parcel.tracking_url,
                    "line_ids": list(parcel.line_ids),
                    "shipped_at": parcel.shipped_at,
                }
                for parcel in self.parcels
            ],
            "history": [
                {
                    "at": change.at,
                    "status": change.status,
                    "previous": change.previous,
                    "cause": change.cause,
                }
                for change in self.history
            ],
        }


@dataclass(frozen=True)
class LineValidation:
    """One ValidateOrderLine of a ValidateOrder (§M5)."""

    seller_product_id: str | None
    acceptation_state: str | None
    product_condition: str | None


@dataclass(frozen=True)
class Validation:
    """One ValidateOrder (§M5), as read from the request."""

    order_number: str | None
    order_state: str | None
    carrier_name: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    lines: tuple[LineValidation, ...] = ()


@dataclass(frozen=True)
class ValidationOutcome:
    order_number: str | None
    validated: bool
    errors: tuple[tuple[str, str], ...] = ()  # (ErrorType, Message)
    updated_lines: tuple[str, ...] = ()  # SellerProductIds updated


@dataclass
class _SellerIndex:
    """One seller's orders of one API, as sorted keys (time in µs, seq, order id)."""

    by_updated: list[tuple[int, int, str]] = field(default_factory=list)
    by_created: list[tuple[int, int, str]] = field(default_factory=list)
    by_status: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


def _us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _at(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_CHARS = string.ascii_uppercase + string.digits


class OrderBook:
    """Every order of both APIs, indexed by seller, status and time."""

    def __init__(self) -> None:
        self._orders: dict[str, dict[str, Order]] = {api: {} for api in APIS}
        self._indexes: dict[tuple[str, str], _SellerIndex] = {}
        # (due µs, tie, api, order id or seller, kind, since µs)
        self._timers: list[tuple[int, int, str, str, str, int]] = []
        self._ties = itertools.count()
        self._seq = itertools.count(1)
        self.payment_delay = 300.0
        self.acceptance_timeout = 2 * 86400.0
        self.autopilot = False
        self.arrival_rate = 12.0  # new orders an hour, per account, under autopilot
        self._autopilot_rng = random.Random(0)
        self._arrivals: dict[tuple[str, str], int] = {}  # account -> tie of its next arrival
        self._id_rng = random.Random()
        self.last_walked = 0  # index entries the last listing read (tests check it is bounded)
        # Linked sellers: (api, seller) -> the same seller in the other API.
        self._links: dict[tuple[str, str], tuple[str, str]] = {}
        # (api, order id) -> the id of the same order in the other API.
        self._twins: dict[tuple[str, str], str] = {}
        self._mirroring = False

    # Time

    def tick(self, now: datetime) -> None:
        """Apply every transition due by `now`, oldest first."""
        now_us = _us(now)
        timers = self._timers
        while timers and timers[0][0] <= now_us:
            due_us, tie, api, key, kind, since_us = heapq.heappop(timers)
            if kind == "arrival":
                self._arrive(api, key, tie, due_us, now_us)
            else:
                self._fire(api, key, kind, since_us, due_us)

    def _delay(self, kind: str) -> float:
        return {
            "review": REVIEW_DELAY,
            "expire": self.acceptance_timeout,
            "progress": self.payment_delay / 2,
            "pay": self.payment_delay,
            "deliver": DELIVERY_DELAY,
        }[kind]

    def _push_timer(self, order: Order) -> None:
        if order.timer is None:
            return
        kind, since_us = order.timer
        due_us = since_us + int(self._delay(kind) * 1_000_000)
        heapq.heappush(
            self._timers, (due_us, next(self._ties), order.api, order.order_id, kind, since_us)
        )

    def reschedule(self) -> None:
        """Recompute every due time: payment_delay or acceptance_timeout changed."""
        arrivals = [entry for entry in self._timers if entry[4] == "arrival"]
        self._timers = arrivals
        heapq.heapify(self._timers)
        for orders in self._orders.values():
            for order in orders.values():
                self._push_timer(order)

    def _fire(self, api: str, order_id: str, kind: str, since_us: int, due_us: int) -> None:
        order = self._orders[api].get(order_id)
        if order is None or order.timer != (kind, since_us):
            return  # the order moved on since this was scheduled
        flow = order.flow
        at = flow.round(_at(due_us))
        if kind == "review":
            self._change(order, flow.awaiting, at, "review")
        elif kind == "expire":
            self._change(order, flow.timed_out, at, "timeout")
        elif kind == "progress":
            self._change(order, flow.in_payment, at, "payment")
        elif kind == "pay":
            if self.autopilot and self._autopilot_rng.random() < AUTOPILOT_CANCEL_RATE:
                self._change(order, flow.cancelled, at, "customer")
            else:
                self._change(order, flow.to_ship, at, "payment")
        elif kind == "deliver":
            self._change(order, flow.delivered, at, "carrier")

    # Autopilot

    def set_autopilot(
        self,
        *,
        enabled: bool,
        accounts: Iterable[tuple[str, str]],
        now: datetime,
        arrival_rate: float | None = None,
        seed: int | None = None,
    ) -> None:
        if arrival_rate is not None:
            if arrival_rate < 0:
                raise ValueError("arrival_rate must be >= 0")
            self.arrival_rate = float(arrival_rate)
            self._arrivals.clear()  # pending arrivals were drawn at the old rate
        if seed is not None:
            self._autopilot_rng = random.Random(seed)
        self.autopilot = enabled
        if not enabled:
            self._arrivals.clear()
            return
        for account in accounts:
            self.schedule_arrivals(account, now)

    def schedule_arrivals(self, account: tuple[str, str], now: datetime) -> None:
        """Under autopilot, start the stream of new orders for this account."""
        if self.autopilot and account not in self._arrivals:
            self._next_arrival(account, _us(now))

    def _next_arrival(self, account: tuple[str, str], after_us: int) -> None:
        if self.arrival_rate <= 0:
            return
        gap = self._autopilot_rng.expovariate(self.arrival_rate / 3600.0)
        tie = next(self._ties)
        self._arrivals[account] = tie
        api, seller = account
        due_us = after_us + int(gap * 1_000_000)
        heapq.heappush(self._timers, (due_us, tie, api, seller, "arrival", 0))

    def _arrive(self, api: str, seller: str, tie: int, due_us: int, now_us: int) -> None:
        account = (api, seller)
        if not self.autopilot or self._arrivals.get(account) != tie:
            return
        del self._arrivals[account]
        oldest_us = now_us - int(AUTOPILOT_MAX_BACKLOG * 1_000_000)
        if due_us < oldest_us:
            self._next_arrival(account, oldest_us)
            return
        rng = self._autopilot_rng
        flow = FLOWS[api]
        status = flow.reviewing if flow.reviewing and rng.random() < 0.15 else flow.awaiting
        at = flow.round(_at(due_us))
        order = self._generate(
            rng, flow, seller, [(status, 0.0, "customer")], end=at, lines_per_order=(1, 3)
        )
        self._store(order)
        self._next_arrival(account, due_us)

    # Reading

    def get(self, api: str, order_id: str) -> Order:
        order = self._orders[_flow(api).api].get(order_id)
        if order is None:
            raise UnknownOrder(f"no {api} order {order_id}")
        return order

    def find(self, api: str, seller: str, order_id: str) -> Order | None:
        order = self._orders[api].get(order_id)
        return order if order is not None and order.seller == seller else None

    def for_seller(self, api: str, seller: str) -> list[Order]:
        index = self._indexes.get((_flow(api).api, seller))
        if index is None:
            return []
        orders = self._orders[api]
        return [orders[key[2]] for key in index.by_updated]

    def count(self, api: str) -> int:
        return len(self._orders[api])

    def page(
        self,
        api: str,
        seller: str,
        *,
        statuses: Iterable[str] | None,
        updated_min: datetime | None,
        updated_max: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Order], int]:
        """A page of orders by updated time (oldest first), and how many match in all.

        Reads at most about `limit + 1` entries per status asked, whatever the offset: the page's
        first order is found by binary search, not by walking the orders before it.
        """
        index = self._indexes.get((api, seller))
        self.last_walked = 0
        if index is None:
            return [], 0
        lo_key = (_us(updated_min),) if updated_min is not None else None
        hi_key = (_us(updated_max) + 1,) if updated_max is not None else None

        def bounds(keys: list[tuple[int, int, str]]) -> tuple[int, int]:
            lo = bisect_left(keys, lo_key) if lo_key is not None else 0
            hi = bisect_left(keys, hi_key) if hi_key is not None else len(keys)
            return lo, max(lo, hi)

        if statuses is None:
            lists = [index.by_updated]
        else:
            lists = [index.by_status[s] for s in dict.fromkeys(statuses) if s in index.by_status]
        ranges = [(keys, *bounds(keys)) for keys in lists]
        total = sum(hi - lo for _, lo, hi in ranges)
        if offset >= total or limit <= 0:
            return [], total
        if len(ranges) == 1:
            keys, lo, hi = ranges[0]
            picked = keys[lo + offset : min(hi, lo + offset + limit)]
            self.last_walked = len(picked)
        else:
            picked = self._merged_page(index.by_updated, ranges, offset, limit)
        orders = self._orders[api]
        return [orders[key[2]] for key in picked], total

    def _merged_page(
        self,
        all_keys: list[tuple[int, int, str]],
        ranges: list[tuple[list[tuple[int, int, str]], int, int]],
        offset: int,
        limit: int,
    ) -> list[tuple[int, int, str]]:
        # The page starts at the filtered order of rank `offset`. Every order is in `all_keys`,
        # so binary-search it for the first key with more than `offset` filtered keys up to it.
        lo = min(bisect_left(all_keys, keys[start]) for keys, start, end in ranges if start < end)
        hi = len(all_keys)
        while lo < hi:
            mid = (lo + hi) // 2
            key = all_keys[mid]
            self.last_walked += 1
            seen = sum(bisect_right(keys, key, start, end) - start for keys, start, end in ranges)
            if seen > offset:
                hi = mid
            else:
                lo = mid + 1
        first = all_keys[lo]
        candidates: list[tuple[int, int, str]] = []
        for keys, start, end in ranges:
            begin = bisect_left(keys, first, start, end)
            chunk = keys[begin : min(end, begin + limit)]
            self.last_walked += len(chunk)
            candidates.extend(chunk)
        candidates.sort()
        return candidates[:limit]

    def query(
        self,
        api: str,
        seller: str,
        *,
        statuses: Iterable[str] | None = None,
        created_min: datetime | None = None,
        created_max: datetime | None = None,
        updated_min: datetime | None = None,
        updated_max: datetime | None = None,
    ) -> list[Order]:
        """Every order matching, by updated time; bounds are inclusive."""
        index = self._indexes.get((api, seller))
        if index is None:
            return []
        wanted = None if statuses is None else set(statuses)
        orders = self._orders[api]
        if updated_min is None and updated_max is None and (created_min or created_max):
            keys = _window(index.by_created, created_min, created_max)
            found = [orders[key[2]] for key in keys]
            found = [o for o in found if wanted is None or o.status in wanted]
            found.sort(key=lambda o: (o.updated_at, o.seq))
            return found
        lists = (
            [index.by_updated]
            if wanted is None
            else [index.by_status[s] for s in wanted if s in index.by_status]
        )
        keys = sorted(key for keys in lists for key in _window(keys, updated_min, updated_max))
        found = [orders[key[2]] for key in keys]
        if created_min is not None:
            found = [o for o in found if o.created_at >= created_min]
        if created_max is not None:
            found = [o for o in found if o.created_at <= created_max]
        return found

    # Writing

    def _store(self, order: Order, previous: Order | None = None) -> None:
        self._orders[order.api][order.order_id] = order
        index = self._indexes.setdefault((order.api, order.seller), _SellerIndex())
        if previous is None:
            insort(index.by_created, (_us(order.created_at), order.seq, order.order_id))
        else:
            old = (_us(previous.updated_at), previous.seq, previous.order_id)
            _remove(index.by_updated, old)
            _remove(index.by_status[previous.status], old)
        new = (_us(order.updated_at), order.seq, order.order_id)
        insort(index.by_updated, new)
        insort(index.by_status.setdefault(order.status, []), new)
        if previous is None or order.timer != previous.timer:
            self._push_timer(order)
        self._mirror(order)

    def _store_many(self, new_orders: list[Order]) -> None:
        touched: set[tuple[str, str]] = set()
        for order in new_orders:
            self._orders[order.api][order.order_id] = order
            account = (order.api, order.seller)
            touched.add(account)
            index = self._indexes.setdefault(account, _SellerIndex())
            updated = (_us(order.updated_at), order.seq, order.order_id)
            index.by_created.append((_us(order.created_at), order.seq, order.order_id))
            index.by_updated.append(updated)
            index.by_status.setdefault(order.status, []).append(updated)
            if order.timer is not None:
                kind, since_us = order.timer
                due_us = since_us + int(self._delay(kind) * 1_000_000)
                entry = (due_us, next(self._ties), order.api, order.order_id, kind, since_us)
                self._timers.append(entry)
        heapq.heapify(self._timers)
        for account in touched:
            index = self._indexes[account]
            index.by_created.sort()
            index.by_updated.sort()
            for keys in index.by_status.values():
                keys.sort()
        for order in new_orders:
            self._mirror(order)

    def clear(self) -> None:
        for orders in self._orders.values():
            orders.clear()
        self._indexes.clear()
        self._timers.clear()
        self._arrivals.clear()
        self._twins.clear()

    # One seller, both APIs

    def link(self, octopia_seller: str, marketplace_login: str) -> None:
        """One seller with both kinds of credentials: each API shows the orders of both."""
        octopia, marketplace = (OCTOPIA, str(octopia_seller)), (MARKETPLACE, marketplace_login)
        for account in (octopia, marketplace):
            linked = self._links.get(account)
            if linked is not None and linked not in (octopia, marketplace):
                raise ValueError(f"{account[0]} seller {account[1]} is already linked")
        self._links[octopia] = marketplace
        self._links[marketplace] = octopia
        for api, seller in (octopia, marketplace):
            for order in self.for_seller(api, seller):
                if (api, order.order_id) not in self._twins:
                    self._mirror(order)

    def unlink_all(self) -> None:
        self._links.clear()
        self._twins.clear()

    def links(self) -> list[tuple[str, str]]:
        """(Octopia seller id, Marketplace login) pairs."""
        return sorted(
            (seller, other[1]) for (api, seller), other in self._links.items() if api == OCTOPIA
        )

    def twin_id(self, api: str, order_id: str) -> str | None:
        """The id of the same order in the other API, for a linked seller."""
        return self._twins.get((api, order_id))

    def _mirror(self, order: Order) -> None:
        if self._mirroring:
            return
        other = self._links.get((order.api, order.seller))
        if other is None:
            return
        other_api, other_seller = other
        twin_id = self._twins.get((order.api, order.order_id))
        previous = self._orders[other_api].get(twin_id) if twin_id else None
        twin = self._twin_of(order, other_api, other_seller, previous)
        self._twins[(order.api, order.order_id)] = twin.order_id
        self._twins[(other_api, twin.order_id)] = order.order_id
        self._mirroring = True
        try:
            self._store(twin, previous)
        finally:
            self._mirroring = False

    def _twin_of(self, order: Order, api: str, seller: str, previous: Order | None) -> Order:
        """`order` as the other API shows it: its ids, states and line states."""
        source, flow = order.flow, FLOWS[api]
        status = _TWIN_STATUS[order.api][order.status]
        if previous is not None:
            order_id, reference, seq = previous.order_id, previous.reference, previous.seq
        elif api == MARKETPLACE:  # the Octopia reference is the Marketplace OrderNumber
            order_id, reference, seq = order.reference, order.reference, next(self._seq)
        else:
            order_id, _ = self._new_ids(self._id_rng, OCTOPIA, order.created_at)
            reference, seq = order.order_id, next(self._seq)

        def line_status(line: Line) -> str:
            if line.status == source.cancel_request:
                return flow.cancel_request
            if line.status == source.shipped_line:
                return flow.shipped_line
            return flow.line_states[status]

        return replace(
            order,
            api=api,
            seller=seller,
            order_id=order_id,
            reference=reference,
            seq=seq,
            status=status,
            created_at=flow.round(order.created_at),
            updated_at=flow.round(order.updated_at),
            lines=tuple(replace(line, status=line_status(line)) for line in order.lines),
            parcels=tuple(replace(p, shipped_at=flow.round(p.shipped_at)) for p in order.parcels),
            delivery_mode=previous.delivery_mode
            if previous is not None
            else ("THD" if api == OCTOPIA else "TRK"),
            timer=None,  # time moves the order it was last changed through
        )

    def _change(self, order: Order, status: str, at: datetime, cause: str, **changes: Any) -> Order:
        """Move `order` to `status` at `at`; lines follow, and the next timer is set."""
        flow = order.flow
        accepted_at = changes.pop("accepted_at", order.accepted_at)
        if status in (flow.accepted, flow.in_payment) and accepted_at is None:
            accepted_at = at
        paid_at = changes.pop("paid_at", order.paid_at)
        if status in flow.paid and paid_at is None:
            paid_at = at
        lines = changes.pop("lines", None)
        if lines is None:
            lines = tuple(_line_follows(line, flow, status) for line in order.lines)
        updated = replace(
            order,
            status=status,
            updated_at=at,
            accepted_at=accepted_at,
            paid_at=paid_at,
            lines=lines,
            history=(*order.history, Change(at, status, order.status, cause)),
            timer=self._timer_for(flow, status, at, accepted_at),
            **changes,
        )
        self._store(updated, order)
        return updated

    def _timer_for(
        self, flow: Flow, status: str, since: datetime, accepted_at: datetime | None
    ) -> tuple[str, int] | None:
        accepted_us = _us(accepted_at or since)
        if status == flow.reviewing:
            return ("review", _us(since))
        if status == flow.awaiting:
            return ("expire", _us(since))
        if status == flow.accepted:
            return ("progress", accepted_us) if flow.in_payment else ("pay", accepted_us)
        if status == flow.in_payment:
            return ("pay", accepted_us)
        if status == flow.shipped and flow.delivered and self.autopilot:
            return ("deliver", _us(since))
        return None

    # Making orders

    def seed(
        self,
        *,
        api: str,
        seller: str,
        count: int,
        status: str | None,
        lines_per_order: tuple[int, int],
        created_within: float,
        seed: int | None,
        now: datetime,
    ) -> list[str]:
        flow = _flow(api)
        if status is not None and status not in flow.statuses:
            raise ValueError(f"unknown {api} status {status!r}; expected one of {flow.statuses}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError("count must be an integer >= 0")
        low, high = lines_per_order
        if not 1 <= low <= high:
            raise ValueError("lines_per_order must be (low, high) with 1 <= low <= high")
        if created_within < 0:
            raise ValueError("created_within must be >= 0")
        rng = random.Random(seed)
        mix = _MIX[api]
        targets = (
            [status] * count
            if status is not None
            else rng.choices(tuple(mix), weights=tuple(mix.values()), k=count)
        )
        end = flow.round(now)
        made = []
        for target in targets:
            path, max_slack = self._path(rng, flow, target)
            total = sum(delay for _, delay, _ in path)
            slack = rng.uniform(0.0, min(max_slack, max(0.0, created_within - total)))
            made.append(
                self._generate(
                    rng,
                    flow,
                    seller,
                    path,
                    end=flow.round(end - timedelta(seconds=slack)),
                    lines_per_order=lines_per_order,
                    extras=status is None,
                )
            )
        self._store_many(made)
        return [order.order_id for order in made]

    def _path(
        self, rng: random.Random, flow: Flow, target: str
    ) -> tuple[list[tuple[str, float, str]], float]:
        """How an order reached `target`: (status, seconds after the previous, cause) steps, and
        how long ago at most the last step may be without a pending transition falling due."""
        pay, timeout = self.payment_delay, self.acceptance_timeout
        start = [(flow.awaiting, 0.0, "customer")]
        accept = (flow.accepted, rng.uniform(30.0, min(0.5 * timeout, 6 * 3600.0)), "seller")
        if flow.in_payment:
            paying = [
                (flow.in_payment, pay / 2, "payment"),
                (flow.to_ship, pay / 2, "payment"),
            ]
        else:
            paying = [(flow.to_ship, pay, "payment")]
        paid = [*start, accept, *paying]
        ship = (flow.shipped, rng.uniform(3600.0, 36 * 3600.0), "seller")
        unbounded = float("inf")
        if target == flow.reviewing:
            return [(target, 0.0, "customer")], 0.9 * REVIEW_DELAY
        if target == flow.awaiting:
            return start, 0.9 * timeout
        if target == flow.accepted:
            return [*start, accept], 0.45 * pay
        if target == flow.in_payment:
            return [*start, accept, paying[0]], 0.45 * pay
        if target == flow.to_ship:
            return paid, 2 * 86400.0  # paid orders still to ship are recent ones
        if target == flow.shipped:
            return [*paid, ship], unbounded
        if target == flow.delivered:
            return [*paid, ship, (target, rng.uniform(86400.0, 4 * 86400.0), "carrier")], unbounded
        if target == "ShipmentRefusedBySeller":
            return [*paid, (target, rng.uniform(3600.0, 86400.0), "seller")], unbounded
        if target == "PaymentRefused":
            return [*start, accept, (target, pay, "payment")], unbounded
        if target == "Rejected":
            return [("Processing", 0.0, "customer"), (target, 90.0, "review")], unbounded
        if target == flow.refused:
            return [*start, (target, accept[1], "seller")], unbounded
        if target == flow.timed_out and (flow.timed_out != flow.cancelled or rng.random() < 0.5):
            return [*start, (target, timeout, "timeout")], unbounded
        if target == flow.cancelled:
            return [*start, accept, (target, rng.uniform(0.1, 0.9) * pay, "customer")], unbounded
        return [(target, 0.0, "customer")], unbounded  # fraud review states

    def _generate(
        self,
        rng: random.Random,
        flow: Flow,
        seller: str,
        path: list[tuple[str, float, str]],
        *,
        end: datetime,
        lines_per_order: tuple[int, int],
        extras: bool = False,
    ) -> Order:
        """A new order whose last step in `path` happened at `end`."""
        moments = []
        at = end - timedelta(seconds=sum(delay for _, delay, _ in path))
        for _, delay, _ in path:
            at += timedelta(seconds=delay)
            moments.append(flow.round(min(at, end)))
        created = moments[0]
        history, previous = [], None
        accepted_at = paid_at = None
        for (status, _, cause), moment in zip(path, moments, strict=True):
            history.append(Change(moment, status, previous, cause))
            previous = status
            if status == flow.accepted:
                accepted_at = moment
            if status in flow.paid and paid_at is None:
                paid_at = moment
        status = path[-1][0]
        lines = _random_lines(rng, flow, status, lines_per_order)
        if extras and status == flow.to_ship and len(lines) > 1 and rng.random() < 0.08:
            # The customer asked to cancel one line of a paid order: do not ship it.
            lines = (*lines[:-1], replace(lines[-1], status=flow.cancel_request))
        parcels: tuple[Parcel, ...] = ()
        ship_step = next((i for i, step in enumerate(path) if step[0] == flow.shipped), None)
        if ship_step is not None:
            parcels = (_random_parcel(rng, lines, moments[ship_step]),)
        modes = _OCTOPIA_DELIVERY_MODES if flow.api == OCTOPIA else _MARKETPLACE_SHIPPING_CODES
        order_id, reference = self._new_ids(rng, flow.api, created)
        return Order(
            api=flow.api,
            seller=seller,
            order_id=order_id,
            reference=reference,
            seq=next(self._seq),
            status=status,
            created_at=created,
            updated_at=moments[-1],
            customer=catalogue.customer(rng),
            lines=lines,
            payment_method=_weighted(rng, _PAYMENT_METHODS),
            delivery_mode=_weighted(rng, modes),
            accepted_at=accepted_at,
            paid_at=paid_at,
            parcels=parcels,
            history=tuple(history),
            timer=self._timer_for(flow, status, moments[-1], accepted_at),
        )

    def _new_ids(self, rng: random.Random, api: str, created: datetime) -> tuple[str, str]:
        """Ids shaped like the real ones: `2611270930ABCDE` and `SCID01260325142759UT8E`."""
        taken = self._orders[api]
        local = created.astimezone(PARIS)
        while True:
            reference = local.strftime("%y%m%d%H%M") + "".join(rng.choices(_ID_CHARS, k=5))
            if api == MARKETPLACE:
                order_id = reference
            else:
                suffix = "".join(rng.choices(_ID_CHARS, k=4))
                order_id = "SCID01" + created.strftime("%y%m%d%H%M%S") + suffix
            if order_id not in taken:
                return order_id, reference

    def add(
        self,
        *,
        api: str,
        seller: str,
        status: str,
        lines: list[dict[str, Any]],
        order_id: str | None,
        created_at: datetime | None,
        now: datetime,
    ) -> str:
        flow = _flow(api)
        if status not in flow.statuses:
            raise ValueError(f"unknown {api} status {status!r}; expected one of {flow.statuses}")
        if not lines:
            raise ValueError("an order needs at least one line")
        if order_id is not None and order_id in self._orders[api]:
            raise ValueError(f"{api} order {order_id} already exists")
        if created_at is not None and created_at.tzinfo is None:
            raise ValueError("created_at must be an aware datetime")
        now = flow.round(now)
        created = flow.round(created_at.astimezone(UTC)) if created_at else now
        rng = self._id_rng
        made_lines = tuple(
            _line_from_dict(flow, status, number, spec)
            for number, spec in enumerate(lines, start=1)
        )
        generated_id, reference = self._new_ids(rng, api, created)
        if status in (flow.reviewing, flow.awaiting):
            history = (Change(created, status, None, "customer"),)
            moment = created
        else:
            history = (
                Change(created, flow.awaiting, None, "customer"),
                Change(now, status, flow.awaiting, "control"),
            )
            moment = now
        accepted = status in (flow.accepted, flow.in_payment) or status in flow.paid
        paid_at = moment if status in flow.paid else None
        if api == MARKETPLACE and order_id is not None:
            reference = order_id  # the Marketplace OrderNumber is the order's reference
        order = Order(
            api=api,
            seller=seller,
            order_id=order_id or generated_id,
            reference=reference,
            seq=next(self._seq),
            status=status,
            created_at=created,
            updated_at=moment,
            customer=catalogue.customer(rng),
            lines=made_lines,
            payment_method="Card",
            delivery_mode="THD" if api == OCTOPIA else "TRK",
            accepted_at=moment if accepted else None,
            paid_at=paid_at,
            parcels=(
                (_random_parcel(rng, made_lines, moment),)
                if status in (flow.shipped, flow.delivered)
                else ()
            ),
            history=history,
            timer=self._timer_for(flow, status, moment, moment if accepted else None),
        )
        self._store(order)
        return order.order_id

    def set_status(self, api: str, order_id: str, status: str, now: datetime) -> None:
        order = self.get(api, order_id)
        flow = order.flow
        if status not in flow.statuses:
            raise ValueError(f"unknown {api} status {status!r}; expected one of {flow.statuses}")
        now = flow.round(now)
        changes: dict[str, Any] = {}
        if status in (flow.shipped, flow.delivered) and not order.parcels:
            changes["parcels"] = (_random_parcel(self._id_rng, order.lines, now),)
        if status == flow.awaiting:  # back to square one: a new acceptance deadline
            changes["accepted_at"] = None
        if status in (flow.accepted, flow.in_payment):  # payment starts counting now
            changes["accepted_at"] = now
        self._change(order, status, now, "control", **changes)

    def set_line_statuses(
        self,
        api: str,
        order_id: str,
        statuses: Mapping[str, str],
        now: datetime,
        cause: str,
        *,
        status: str | None = None,
    ) -> None:
        """Lines (by line id) to new statuses, the order to `status` (default: unchanged)."""
        order = self.get(api, order_id)
        lines = tuple(
            replace(line, status=statuses.get(line.line_id, line.status)) for line in order.lines
        )
        self._change(order, status or order.status, order.flow.round(now), cause, lines=lines)

    # The seller's actions, Octopia (§O4)

    def octopia_approve(self, seller: str, order_id: str, decision: str, now: datetime) -> None:
        order = self.find(OCTOPIA, seller, order_id)
        if order is None:
            raise UnknownOrder(order_id)
        flow = order.flow
        if order.status != flow.awaiting:
            raise IllegalTransition(
                f"Order {order_id} is {order.status}: its approval status can only be set while "
                f"it is {flow.awaiting}."
            )
        target = flow.accepted if decision == "Accepted" else flow.refused
        self._change(order, target, flow.round(now), "seller")

    def octopia_ship(
        self, seller: str, order_id: str, parcels: list[dict[str, Any]], now: datetime
    ) -> tuple[Parcel, ...]:
        """Record `parcels` (parcelNumber, carrierName, trackingUrl, orderLineIds) as shipped."""
        order = self.find(OCTOPIA, seller, order_id)
        if order is None:
            raise UnknownOrder(order_id)
        flow = order.flow
        if order.status in (flow.shipped, flow.delivered):
            raise IllegalTransition(
                f"Order {order_id} is already shipped ({_tracking_numbers(order.parcels)})."
            )
        if order.status != flow.to_ship:
            raise IllegalTransition(
                f"Order {order_id} is {order.status}: only {flow.to_ship} (paid) orders can "
                "be shipped."
            )
        own_lines = [line for line in order.lines if line.supply_mode == "Seller"]
        now = flow.round(now)
        shipped: list[Parcel] = []
        for parcel in parcels:
            if parcel["carrierName"] not in CARRIERS_BY_LABEL:
                raise IllegalTransition(
                    f"Unknown carrier {parcel['carrierName']!r}: carrierName must be one of the "
                    f"labels GET /carriers lists ({', '.join(CARRIERS_BY_LABEL)})."
                )
            line_ids = tuple(
                parcel["orderLineIds"]
                or (line.line_id for line in own_lines if line.status == flow.to_ship)
            )
            for line_id in line_ids:
                _check_shippable(order, line_id)
            shipped.append(
                Parcel(
                    parcel_number=parcel["parcelNumber"],
                    carrier_name=parcel["carrierName"],
                    tracking_url=parcel.get("trackingUrl"),
                    line_ids=line_ids,
                    shipped_at=now,
                )
            )
        shipped_ids = {line_id for parcel in shipped for line_id in parcel.line_ids}
        lines = tuple(
            replace(line, status=flow.shipped_line) if line.line_id in shipped_ids else line
            for line in order.lines
        )
        remaining = [
            line for line in lines if line.supply_mode == "Seller" and line.status == flow.to_ship
        ]
        all_parcels = (*order.parcels, *shipped)
        if remaining:  # a partial shipment: the order waits for the rest
            updated = replace(order, lines=lines, parcels=all_parcels, updated_at=now)
            self._store(updated, order)
        else:
            lines = tuple(
                replace(line, status=flow.shipped_line)
                if line.supply_mode != "Seller" and line.status == flow.to_ship
                else line
                for line in lines
            )
            self._change(order, flow.shipped, now, "seller", lines=lines, parcels=all_parcels)
        return tuple(shipped)

    # After the sale (§O7): lines cancelled, or asked to be by the customer

    def cancel_lines(
        self, api: str, order_id: str, line_ids: Iterable[str] | None, at: datetime, cause: str
    ) -> Order:
        """Cancel these lines (None: every line not shipped); the order is Cancelled once no
        line is left, Shipped once every remaining line is."""
        order = self.get(api, order_id)
        flow = order.flow
        at = flow.round(at)
        cancelled = flow.line_states[flow.cancelled]
        wanted = None if line_ids is None else {str(line_id) for line_id in line_ids}
        lines = tuple(
            replace(line, status=cancelled)
            if (wanted is None or line.line_id in wanted) and line.status != flow.shipped_line
            else line
            for line in order.lines
        )
        left = [line for line in lines if line.status != cancelled]
        if not left:
            return self._change(order, flow.cancelled, at, cause, lines=lines)
        if all(line.status == flow.shipped_line for line in left):
            return self._change(order, flow.shipped, at, cause, lines=lines)
        updated = replace(order, lines=lines, updated_at=at)
        self._store(updated, order)
        return updated

    def request_line_cancellation(
        self, api: str, order_id: str, line_ids: Iterable[str], at: datetime
    ) -> Order:
        """The customer asks to cancel these lines: they become the flow's cancel request."""
        order = self.get(api, order_id)
        flow = order.flow
        wanted = {str(line_id) for line_id in line_ids}
        unknown = wanted - {line.line_id for line in order.lines}
        if unknown:
            raise ValueError(f"order {order_id} has no line {', '.join(sorted(unknown))}")
        lines = tuple(
            replace(line, status=flow.cancel_request) if line.line_id in wanted else line
            for line in order.lines
        )
        updated = replace(order, lines=lines, updated_at=flow.round(at))
        self._store(updated, order)
        return updated

    # The seller's actions, Marketplace (§M5)

    def marketplace_validate(
        self, login: str, request: Validation, now: datetime
    ) -> ValidationOutcome:
        number = request.order_number
        order = self.find(MARKETPLACE, login, number) if number else None
        if order is None:
            return _refused(number, "OrderNotFound", f'La commande "{number}" est introuvable.')
        flow = order.flow
        wanted = request.order_state
        incoherent = (
            f'Le passage à l\'état {wanted} est impossible à ce stade de la commande "{number}".'
        )
        if wanted == flow.shipped and order.status == flow.shipped:
            return _refused(
                number,
                "OrderStateIncoherent",
                f"La commande est déjà expédiée ({_tracking_numbers(order.parcels)}). "
                + incoherent,
            )
        expected_line_state = {
            flow.accepted: "AcceptedBySeller",
            flow.refused: "RefusedBySeller",
            flow.shipped: "ShippedBySeller",
            "ShipmentRefusedBySeller": "ShipmentRefusedBySeller",
        }.get(wanted or "")
        required_status = {
            flow.accepted: flow.awaiting,
            flow.refused: flow.awaiting,
            flow.shipped: flow.to_ship,
            "ShipmentRefusedBySeller": flow.to_ship,
        }.get(wanted or "")
        if expected_line_state is None or order.status != required_status:
            return _refused(number, "OrderStateIncoherent", incoherent)

        sent = {line.seller_product_id: line for line in request.lines}
        skus = [line.sku for line in order.lines]
        unknown = [sku for sku in sent if sku not in skus]
        if unknown:
            return _refused(
                number,
                "OrderLineNotFound",
                f'La commande "{number}" n\'a pas de ligne {", ".join(map(str, unknown))}.',
            )
        missing = [sku for sku in skus if sku not in sent]
        if missing:
            return _refused(
                number,
                "OrderLineListIncomplete",
                f'Toutes les lignes de la commande "{number}" doivent être envoyées ; '
                f"manquantes : {', '.join(missing)}.",
            )
        wrong = [sku for sku, line in sent.items() if line.acceptation_state != expected_line_state]
        if wrong:
            return _refused(
                number,
                "OrderStateIncoherent",
                f"Pour l'état {wanted}, chaque ligne doit être à l'état {expected_line_state} "
                f"(lignes {', '.join(map(str, wrong))}). " + incoherent,
            )
        now = flow.round(now)
        changes: dict[str, Any] = {}
        if wanted == flow.shipped:
            pending = [line.sku for line in order.lines if line.status == flow.cancel_request]
            if pending:
                return _refused(
                    number,
                    "OrderStateIncoherent",
                    f"Annulation demandée par le client pour {', '.join(pending)} : ne pas "
                    "expédier. " + incoherent,
                )
            carrier = CARRIERS_BY_LABEL.get(request.carrier_name or "")
            if carrier is None:
                return _refused(
                    number,
                    "CarrierNotFound",
                    f"Le transporteur {request.carrier_name!r} est inconnu : CarrierName doit "
                    "être un des Name de GetGlobalConfiguration.",
                )
            if not request.tracking_number:
                return _refused(
                    number, "TrackingNumberMissing", "Le numéro de suivi est obligatoire."
                )
            tracking_url = request.tracking_url or carrier.tracking_url(request.tracking_number)
            parcel = Parcel(
                parcel_number=request.tracking_number,
                carrier_name=carrier.label,
                tracking_url=tracking_url,
                line_ids=tuple(line.line_id for line in order.lines),
                shipped_at=now,
            )
            changes["parcels"] = (*order.parcels, parcel)
        self._change(order, wanted, now, "seller", **changes)
        return ValidationOutcome(number, True, updated_lines=tuple(skus))


def _flow(api: str) -> Flow:
    try:
        return FLOWS[api]
    except KeyError:
        raise ValueError(f"unknown api {api!r}; expected one of {APIS}") from None


def _window(
    keys: list[tuple[int, int, str]], low: datetime | None, high: datetime | None
) -> list[tuple[int, int, str]]:
    lo = bisect_left(keys, (_us(low),)) if low is not None else 0
    hi = bisect_left(keys, (_us(high) + 1,)) if high is not None else len(keys)
    return keys[lo:hi]


def _remove(keys: list[tuple[int, int, str]], key: tuple[int, int, str]) -> None:
    position = bisect_left(keys, key)
    if position < len(keys) and keys[position] == key:
        del keys[position]


def _line_follows(line: Line, flow: Flow, status: str) -> Line:
    """A line's status once its order moves to `status`."""
    if line.status == flow.line_states[flow.cancelled] and status in (flow.shipped, flow.delivered):
        return line  # a line cancelled alone (§O7) stays cancelled as the rest ships
    if line.status == flow.cancel_request and status not in (
        flow.cancelled,
        flow.refused,
        flow.timed_out,
        "ShipmentRefusedBySeller",  # §M8: Cdiscount refunds every line
    ):
        return line  # the customer's cancellation request stands
    return replace(line, status=flow.line_states[status])


def _check_shippable(order: Order, line_id: str) -> None:
    flow = order.flow
    line = order.line(str(line_id))
    if line is None:
        raise IllegalTransition(f"Order {order.order_id} has no line {line_id}.")
    if line.status == flow.cancel_request:
        raise IllegalTransition(
            f"Line {line_id} of order {order.order_id} is {flow.cancel_request}: the customer "
            "asked to cancel it, it cannot be shipped."
        )
    if line.status == flow.shipped_line:
        shipped = [p for p in order.parcels if line.line_id in p.line_ids]
        raise IllegalTransition(
            f"Line {line_id} of order {order.order_id} is already shipped "
            f"({_tracking_numbers(shipped)})."
        )
    if line.supply_mode != "Seller":
        raise IllegalTransition(
            f"Line {line_id} of order {order.order_id} is supplied by {line.supply_mode}: it is "
            "not the seller's to ship."
        )
    if line.status != flow.to_ship:
        raise IllegalTransition(
            f"Line {line_id} of order {order.order_id} is {line.status}: only {flow.to_ship} "
            "lines can be shipped."
        )


def _tracking_numbers(parcels: Iterable[Parcel]) -> str:
    numbers = [f"{p.carrier_name} tracking number {p.parcel_number}" for p in parcels]
    return "; ".join(numbers) or "no tracking number recorded"


def _refused(number: str | None, error_type: str, message: str) -> ValidationOutcome:
    return ValidationOutcome(number, False, errors=((error_type, message),))


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in choices], weights=[w for _, w in choices])[0]


def _random_lines(
    rng: random.Random, flow: Flow, status: str, lines_per_order: tuple[int, int]
) -> tuple[Line, ...]:
    count = min(rng.randint(*lines_per_order), len(PRODUCTS))
    products = rng.sample(PRODUCTS, count)
    line_status = flow.line_states[status]
    lines = []
    for number, product in enumerate(products, start=1):
        quantity = rng.choices([q for q, _ in _QUANTITIES], weights=[w for _, w in _QUANTITIES])[0]
        condition = "New" if rng.random() < 0.94 else rng.choice(PRODUCT_CONDITIONS[1:])
        lines.append(
            Line(
                line_id=str(number),
                sku=product.sku,
                ean=product.ean,
                name=product.name,
                quantity=quantity,
                unit_price=product.price,
                shipping=product.shipping,
                additional_shipping=product.additional_shipping,
                status=line_status,
                condition=condition,
                category=product.category,
            )
        )
    return tuple(lines)


def _random_parcel(rng: random.Random, lines: Iterable[Line], at: datetime) -> Parcel:
    carrier = catalogue.usual_carrier(rng)
    number = catalogue.tracking_number(rng, carrier)
    return Parcel(
        parcel_number=number,
        carrier_name=carrier.label,
        tracking_url=carrier.tracking_url(number),
        line_ids=tuple(line.line_id for line in lines),
        shipped_at=at,
    )


def _line_from_dict(flow: Flow, status: str, number: int, spec: dict[str, Any]) -> Line:
    unknown = set(spec) - {
        "sku",
        "ean",
        "quantity",
        "unit_price",
        "name",
        "shipping_cost",
        "additional_shipping_cost",
        "status",
        "supply_mode",
        "condition",
    }
    if unknown:
        raise ValueError(f"unknown line fields: {sorted(unknown)}")
    try:
        quantity = spec["quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValueError("quantity must be an integer >= 1")
        line_status = spec.get("status") or flow.line_states[status]
        if flow.api == MARKETPLACE and line_status == "CancelRequest":
            line_status = flow.cancel_request  # the Octopia word, accepted for convenience
        allowed = (
            MARKETPLACE_LINE_STATES
            if flow.api == MARKETPLACE
            else (*flow.statuses, flow.cancel_request)
        )
        if line_status not in allowed:
            raise ValueError(f"unknown line status {line_status!r}")
        condition = spec.get("condition", "New")
        if condition not in PRODUCT_CONDITIONS:
            raise ValueError(f"unknown condition {condition!r}")
        return Line(
            line_id=str(number),
            sku=str(spec["sku"]),
            ean=str(spec["ean"]),
            name=str(spec["name"]),
            quantity=quantity,
            unit_price=Decimal(str(spec["unit_price"])),
            shipping=Decimal(str(spec.get("shipping_cost", "0.00"))),
            additional_shipping=Decimal(str(spec.get("additional_shipping_cost", "0.00"))),
            status=line_status,
            supply_mode=str(spec.get("supply_mode", "Seller")),
            condition=condition,
        )
    except KeyError as exc:
        raise ValueError(f"line {number} lacks {exc.args[0]!r}") from None
    except ArithmeticError:
        raise ValueError(f"line {number} has an amount that is not a number") from None
