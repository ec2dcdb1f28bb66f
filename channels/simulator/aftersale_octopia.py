"""Octopia after the sale (docs/cdiscount-api.md §O7-§O9): cancellation requests, commercial
gestures and customer discussions, each with its own state machine on the simulator clock.

- A seller's cancellation request is Pending, then Accepted (the order or its lines become
  Cancelled) or Refused, `settle_delay` seconds later. Refused at once: an order past
  cancelling (409), a line-level request for a seller or order listed in
  `refuse_partial_sellers` / `refuse_partial_orders` (400: Cdiscount takes whole orders only,
  as a hub reported); refused on the clock: an order shipped meanwhile, or one listed in
  `refuse_orders`.
- A commercial gesture is Pending, then Accepted, `settle_delay` later; above what may still
  be refunded it is refused at once (400); one with reason Other for more than half the order
  is refused on the clock (Cdiscount's review).
- A discussion opens with the customer's first message; the following ones arrive over time;
  a discussion left unanswered `ESCALATION_DELAY` after the customer's last message is
  escalated (graduation Level_1).

The records live in `state.aftersale[OCTOPIA]` under the state's lock; `tick` applies what the
clock made due (the state calls it whenever it brings the order book up to date).
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from .exchange import Request, Response
from .octopia import money_json, problem, route
from .orders import OCTOPIA, IllegalTransition, Order, OrderBook
from .state import OctopiaClient, SimulatorState

PENDING, ACCEPTED, REFUSED = "Pending", "Accepted", "Refused"
DEFAULT_SETTLE_DELAY = 600.0  # seconds from a request to Cdiscount's answer
ESCALATION_DELAY = 3 * 86400.0  # an unanswered customer message escalates to Cdiscount
# §O7: "seller-out-of-stock" is the one documented code; the others are the simulator's own.
CANCELLATION_REASONS = (
    ("seller-out-of-stock", "Produit en rupture de stock"),
    ("seller-price-error", "Erreur de prix"),
    ("seller-cannot-ship", "Impossible de livrer à cette adresse"),
    ("customer-request", "À la demande du client"),
)
# §O8: MissingProduct and Other are documented; the others are the simulator's own.
GESTURE_REASONS = (
    "MissingProduct",
    "DamagedProduct",
    "LateDelivery",
    "NonCompliantProduct",
    "Other",
)
GESTURABLE_STATUSES = ("Shipped", "Delivered")
DEFAULT_GESTURE_LIMIT = 20
MAX_GESTURE_LIMIT = 100
DEFAULT_DISCUSSION_PAGE_SIZE = 50
MAX_DISCUSSION_PAGE_SIZE = 100
CENT = Decimal("0.01")


@dataclass
class CancellationRequest:
    request_id: str
    seller: str
    order_id: str
    line_ids: tuple[str, ...]  # empty: the whole order
    offer_ids: tuple[str | None, ...]
    reason: str
    shipping_cost_refund: bool
    created_at: datetime
    due_at: datetime
    status: str = PENDING
    updated_at: datetime | None = None
    refusal_reason: str | None = None


@dataclass
class Gesture:
    gesture_id: str
    seller: str
    order_id: str
    amount: Decimal
    reason: str
    reason_details: str | None
    created_at: datetime
    due_at: datetime
    refuse: bool  # decided at creation, told when due
    status: str = PENDING
    updated_at: datetime | None = None
    refusal_reason: str | None = None


@dataclass
class Message:
    message_id: str
    sender: str  # Customer, Seller
    body: str
    created_at: datetime
    has_read: bool = False


@dataclass
class Discussion:
    discussion_id: str
    seller: str
    order_id: str | None
    typology: str
    sub_typology: str | None
    graduation: str  # Discussion, Claim, Level_1
    subject: str
    created_at: datetime
    updated_at: datetime
    is_open: bool = True
    messages: list[Message] = field(default_factory=list)
    # Customer messages still to come: (when, body), oldest first.
    upcoming: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def process_status(self) -> str:
        """ToTreat while the customer spoke last."""
        last = self.messages[-1] if self.messages else None
        return "ToTreat" if self.is_open and last and last.sender == "Customer" else "Treated"


class OctopiaAfterSale:
    """Every after-sale record of the Octopia sellers; used under the state's lock."""

    def __init__(self) -> None:
        self.settle_delay = DEFAULT_SETTLE_DELAY
        self.refuse_partial_sellers: set[str] = set()
        self.refuse_partial_orders: set[str] = set()
        self.refuse_orders: set[str] = set()
        self.cancellations: dict[str, CancellationRequest] = {}
        self.gestures: dict[str, Gesture] = {}
        self.discussions: dict[str, Discussion] = {}
        self._ids = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}{secrets.token_hex(3).upper()}"

    # Time

    def tick(self, orders: OrderBook, now: datetime) -> None:
        """Settle the requests due by `now` and deliver the messages due, oldest first."""
        due = sorted(
            (r for r in self.cancellations.values() if r.status == PENDING and r.due_at <= now),
            key=lambda r: r.due_at,
        )
        for request in due:
            self._settle_cancellation(orders, request)
        for gesture in self.gestures.values():
            if gesture.status == PENDING and gesture.due_at <= now:
                gesture.updated_at = gesture.due_at
                if gesture.refuse:
                    gesture.status = REFUSED
                    gesture.refusal_reason = (
                        "Cdiscount's review refused a gesture of more than half the order "
                        "with the reason Other."
                    )
                else:
                    gesture.status = ACCEPTED
        for discussion in self.discussions.values():
            self._advance_discussion(discussion, now)

    def _settle_cancellation(self, orders: OrderBook, request: CancellationRequest) -> None:
        at = request.due_at
        request.updated_at = at
        order = orders.find(OCTOPIA, request.seller, request.order_id)
        refusal = None
        if order is None:
            refusal = "The order no longer exists."
        elif request.order_id in self.refuse_orders:
            refusal = "Cdiscount refused the cancellation after review."
        elif order.status != "InPreparation":
            refusal = f"The order is {order.status}: it can no longer be cancelled."
        else:
            wanted = request.line_ids or tuple(line.line_id for line in order.lines)
            if any(
                (line := order.line(line_id)) is None or line.status == "Shipped"
                for line_id in wanted
            ):
                refusal = "A line to cancel is shipped or unknown."
        if refusal is not None or order is None:
            request.status, request.refusal_reason = REFUSED, refusal
            return
        orders.cancel_lines(OCTOPIA, order.order_id, request.line_ids or None, at, "seller")
        request.status = ACCEPTED

    def _advance_discussion(self, discussion: Discussion, now: datetime) -> None:
        while discussion.is_open and discussion.upcoming and discussion.upcoming[0][0] <= now:
            at, body = discussion.upcoming.pop(0)
            discussion.messages.append(Message(self.new_id("M"), "Customer", body, at))
            discussion.updated_at = at
        last = discussion.messages[-1] if discussion.messages else None
        if (
            discussion.is_open
            and discussion.graduation != "Level_1"
            and last is not None
            and last.sender == "Customer"
        ):
            escalate_at = last.created_at + timedelta(seconds=ESCALATION_DELAY)
            if escalate_at <= now:
                discussion.graduation = "Level_1"
                discussion.updated_at = escalate_at

    # The seller's requests

    def request_cancellation(
        self,
        order: Order | None,
        *,
        seller: str,
        order_id: str,
        lines: list[tuple[str, str | None]],
        reason: str,
        shipping_cost_refund: bool,
        now: datetime,
    ) -> CancellationRequest:
        """A new request, or IllegalTransition (409) / PartialRefused (400) / LookupError."""
        if order is None:
            raise LookupError(f"Order {order_id} was not found.")
        if order.status not in ("InPreparation", "Accepted", "WaitingAcceptance"):
            raise IllegalTransition(
                f"Order {order_id} is {order.status}: only orders not shipped yet can be cancelled."
            )
        for line_id, _offer in lines:
            line = order.line(line_id)
            if line is None:
                raise LookupError(f"Order {order_id} has no line {line_id}.")
            if line.status in ("Shipped", "Delivered", "Cancelled"):
                raise IllegalTransition(
                    f"Line {line_id} of order {order_id} is {line.status}: it cannot be cancelled."
                )
        if lines and (
            seller in self.refuse_partial_sellers or order_id in self.refuse_partial_orders
        ):
            raise PartialRefused(
                f"Partial cancellation is not available for order {order_id}: "
                "cancel the whole order."
            )
        request = CancellationRequest(
            request_id=self.new_id("CR"),
            seller=seller,
            order_id=order_id,
            line_ids=tuple(line_id for line_id, _ in lines),
            offer_ids=tuple(offer for _, offer in lines),
            reason=reason,
            shipping_cost_refund=shipping_cost_refund,
            created_at=now,
            due_at=now + timedelta(seconds=self.settle_delay),
            updated_at=now,
        )
        self.cancellations[request.request_id] = request
        return request

    def allowable_amount(self, order: Order) -> Decimal:
        spent = sum(
            (
                g.amount
                for g in self.gestures.values()
                if g.order_id == order.order_id and g.seller == order.seller and g.status != REFUSED
            ),
            Decimal("0"),
        )
        return max(order.total - spent, Decimal("0")).quantize(CENT)

    def request_gesture(
        self,
        order: Order,
        *,
        amount: Decimal,
        reason: str,
        reason_details: str | None,
        now: datetime,
    ) -> Gesture:
        if order.status not in GESTURABLE_STATUSES:
            raise IllegalTransition(
                f"Order {order.order_id} is {order.status}: commercial gestures are only "
                "possible on Shipped or Delivered orders."
            )
        allowable = self.allowable_amount(order)
        if amount > allowable:
            raise IllegalTransition(
                f"The amount {amount:.2f} exceeds the allowable amount {allowable:.2f} "
                f"for order {order.order_id}."
            )
        gesture = Gesture(
            gesture_id=self.new_id("CG"),
            seller=order.seller,
            order_id=order.order_id,
            amount=amount,
            reason=reason,
            reason_details=reason_details,
            created_at=now,
            due_at=now + timedelta(seconds=self.settle_delay),
            refuse=reason == "Other" and amount * 2 > order.total,
            updated_at=now,
        )
        self.gestures[gesture.gesture_id] = gesture
        return gesture

    # What the customer does (control endpoints)

    def open_discussion(
        self,
        *,
        seller: str,
        order_id: str | None,
        typology: str,
        claim: bool,
        messages: list[str],
        interval: float,
        now: datetime,
        sub_typology: str | None = None,
    ) -> Discussion:
        if not messages:
            raise ValueError("a discussion starts with at least one customer message")
        discussion = Discussion(
            discussion_id=self.new_id("D"),
            seller=seller,
            order_id=order_id,
            typology=typology,
            sub_typology=sub_typology,
            graduation="Claim" if claim else "Discussion",
            subject=f"{typology} {order_id or ''}".strip(),
            created_at=now,
            updated_at=now,
            messages=[Message(self.new_id("M"), "Customer", messages[0], now)],
            upcoming=[
                (now + timedelta(seconds=interval * number), body)
                for number, body in enumerate(messages[1:], start=1)
            ],
        )
        self.discussions[discussion.discussion_id] = discussion
        return discussion

    def post_message(self, discussion: Discussion, body: str, now: datetime) -> Message:
        if not discussion.is_open:
            raise IllegalTransition(f"Discussion {discussion.discussion_id} is closed.")
        for message in discussion.messages:
            if message.sender == "Customer":
                message.has_read = True
        message = Message(self.new_id("M"), "Seller", body, now, has_read=False)
        discussion.messages.append(message)
        discussion.updated_at = now
        return message

    def snapshot(self) -> dict[str, Any]:
        """The records as plain data, for tests and the control endpoint."""
        return {
            "cancellation_requests": [cancellation_json(r) for r in self.cancellations.values()],
            "commercial_gestures": [gesture_json(g) for g in self.gestures.values()],
            "discussions": [
                discussion_json(d, with_messages=True) for d in self.discussions.values()
            ],
            "settle_delay": self.settle_delay,
        }


class PartialRefused(Exception):
    """A line-level cancellation Cdiscount does not take for this seller or order."""


def book(state: SimulatorState) -> OctopiaAfterSale:
    """The Octopia after-sale book of this state (made on first use; a reset drops it)."""
    found = state.aftersale.get(OCTOPIA)
    if found is None:
        found = state.aftersale[OCTOPIA] = OctopiaAfterSale()
    return found


# JSON shapes


def _instant(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def cancellation_json(request: CancellationRequest, *, id_key: str = "requestId") -> dict[str, Any]:
    return {
        id_key: request.request_id,
        "orderSellerId": request.order_id,
        "status": request.status,
        "reason": request.reason,
        "shippingCostRefund": request.shipping_cost_refund,
        "lines": [
            {"lineId": line_id, "offerId": offer_id}
            for line_id, offer_id in zip(request.line_ids, request.offer_ids, strict=True)
        ],
        "createdAt": _instant(request.created_at),
        "updatedAt": _instant(request.updated_at),
        "refusalReason": request.refusal_reason,
    }


def gesture_json(gesture: Gesture) -> dict[str, Any]:
    return {
        "id": gesture.gesture_id,
        "orderId": gesture.order_id,
        "reason": gesture.reason,
        "reasonDetails": gesture.reason_details,
        "amount": gesture.amount,
        "currencyCode": "EUR",
        "status": gesture.status,
        "createdAt": _instant(gesture.created_at),
        "updatedAt": _instant(gesture.updated_at),
        "refusalReason": gesture.refusal_reason,
    }


def discussion_json(discussion: Discussion, *, with_messages: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "discussionId": discussion.discussion_id,
        "orderId": discussion.order_id,
        "subject": discussion.subject,
        "typologyCode": discussion.typology,
        "subTypologyCode": discussion.sub_typology,
        "graduation": discussion.graduation,
        "isOpen": discussion.is_open,
        "processStatus": discussion.process_status,
        "createdAt": _instant(discussion.created_at),
        "updatedAt": _instant(discussion.updated_at),
    }
    if with_messages:
        payload["messages"] = [
            {
                "messageId": message.message_id,
                "sender": message.sender,
                "body": message.body,
                "createdAt": _instant(message.created_at),
                "hasRead": message.has_read,
            }
            for message in discussion.messages
        ]
    return payload


# §O7: cancelling before shipment


@route("GET", "/cancellation-reasons")
def list_cancellation_reasons(
    state: SimulatorState, request: Request, client: OctopiaClient
) -> Response:
    channel = request.query.get("salesChannel", "CDISFR")
    if channel != "CDISFR":
        return Response.json(200, [])
    return Response.json(
        200, [{"code": code, "label": label} for code, label in CANCELLATION_REASONS]
    )


@route("POST", "/order-cancellation-requests")
def create_cancellation(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    body = _json_object(request)
    order_id, reason = _order_key(body), body.get("reason")
    errors = _cancellation_errors(order_id, reason)
    if errors:
        return problem(400, errors=errors)
    return _cancellation(state, client, order_id, [], reason, body, id_key="requestId")


@route("POST", "/order-partial-cancellation-requests")
def create_partial_cancellation(
    state: SimulatorState, request: Request, client: OctopiaClient
) -> Response:
    body = _json_object(request)
    order_id = _order_key(body)
    raw_lines = body.get("lines")
    errors = _cancellation_errors(order_id, body.get("reason") or "seller-out-of-stock")
    lines: list[tuple[str, str | None]] = []
    reasons: set[str] = set()
    if not isinstance(raw_lines, list) or not raw_lines:
        errors["lines"] = ["At least one line is required."]
    else:
        for index, item in enumerate(raw_lines):
            line_id = (
                item.get("lineId", item.get("orderLineId")) if isinstance(item, dict) else None
            )
            if not isinstance(line_id, str | int) or isinstance(line_id, bool) or not str(line_id):
                errors[f"lines[{index}].lineId"] = ["The lineId field is required."]
                continue
            offer = item.get("offerId")
            lines.append((str(line_id), None if offer is None else str(offer)))
            line_reason = item.get("reason", body.get("reason"))
            if line_reason not in dict(CANCELLATION_REASONS):
                errors[f"lines[{index}].reason"] = [f"The reason {line_reason!r} is not known."]
            else:
                reasons.add(line_reason)
    if errors:
        return problem(400, errors=errors)
    line_refund = all(
        item.get("shippingCostRefund", True) is not False
        for item in raw_lines
        if isinstance(item, dict)
    )
    # The spec lists requestId and cancellationRequestId: line-level answers use the other one.
    return _cancellation(
        state,
        client,
        order_id,
        lines,
        sorted(reasons)[0],
        {**body, "shippingCostRefund": line_refund},
        id_key="cancellationRequestId",
    )


@route("GET", "/order-cancellation-requests")
def list_cancellations(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    order_id = request.query.get("orderSellerId") or request.query.get("orderId")
    if not order_id:
        return problem(400, errors={"orderSellerId": ["The orderSellerId field is required."]})
    with state.orders_locked():
        found = [
            cancellation_json(r)
            for r in book(state).cancellations.values()
            if r.seller == client.seller_id and r.order_id == order_id
        ]
    return Response.json(200, {"items": found})


def _cancellation(
    state: SimulatorState,
    client: OctopiaClient,
    order_id: str,
    lines: list[tuple[str, str | None]],
    reason: str,
    body: dict[str, Any],
    *,
    id_key: str,
) -> Response:
    with state.orders_locked() as (orders, now):
        try:
            created = book(state).request_cancellation(
                orders.find(OCTOPIA, client.seller_id, order_id),
                seller=client.seller_id,
                order_id=order_id,
                lines=lines,
                reason=reason,
                shipping_cost_refund=body.get("shippingCostRefund", True) is not False,
                now=now,
            )
        except LookupError as unknown:
            return problem(404, str(unknown.args[0]))
        except IllegalTransition as refused:
            return problem(409, str(refused))
        except PartialRefused as refused:
            return problem(400, str(refused))
        payload = cancellation_json(created, id_key=id_key)
    return Response.json(201, payload)


def _order_key(body: dict[str, Any]) -> Any:
    # [unconfirmed] §O7: orderSellerId documented, orderId sent by one public client.
    return body.get("orderSellerId", body.get("orderId"))


def _cancellation_errors(order_id: Any, reason: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(order_id, str) or not order_id.strip():
        errors["orderSellerId"] = ["The orderSellerId field is required."]
    if reason not in dict(CANCELLATION_REASONS):
        errors["reason"] = [f"The reason {reason!r} is not a known cancellation reason."]
    return errors


# §O8: commercial gestures


@route("GET", "/orders/(?P<order_id>[^/]+)/commercial-gestures-available-amounts")
def available_amounts(
    state: SimulatorState, request: Request, client: OctopiaClient, order_id: str
) -> Response:
    with state.orders_locked() as (orders, _now):
        order = orders.find(OCTOPIA, client.seller_id, order_id)
        if order is None:
            return problem(404, f"Order {order_id} was not found.")
        allowable = (
            book(state).allowable_amount(order)
            if order.status in GESTURABLE_STATUSES
            else Decimal("0.00")
        )
    return money_json(
        200, {"orderId": order_id, "allowableAmount": allowable, "currencyCode": "EUR"}
    )


@route("POST", "/order-commercial-gesture-requests")
def create_gesture(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    body = _json_object(request)
    order_id = body.get("orderId", body.get("orderSellerId"))
    reason, details = body.get("reason"), body.get("reasonDetails")
    errors: dict[str, list[str]] = {}
    if not isinstance(order_id, str) or not order_id.strip():
        errors["orderId"] = ["The orderId field is required."]
    if reason not in GESTURE_REASONS:
        errors["reason"] = [f"The reason must be one of {', '.join(GESTURE_REASONS)}."]
    elif reason == "Other" and not (isinstance(details, str) and details.strip()):
        errors["reasonDetails"] = ["The reasonDetails field is required when the reason is Other."]
    amount = _amount(body.get("amount"))
    if amount is None:
        errors["amount"] = ["The amount must be a number above 0 with at most 2 decimals."]
    if errors:
        return problem(400, errors=errors)
    with state.orders_locked() as (orders, now):
        order = orders.find(OCTOPIA, client.seller_id, order_id)
        if order is None:
            return problem(404, f"Order {order_id} was not found.")
        try:
            gesture = book(state).request_gesture(
                order, amount=amount, reason=reason, reason_details=details, now=now
            )
        except IllegalTransition as refused:
            return problem(400, str(refused))
        payload = gesture_json(gesture)
    location = f"/order-commercial-gesture-requests/{gesture.gesture_id}"
    return money_json(201, payload, headers={"Location": location})


@route("GET", "/order-commercial-gesture-requests")
def list_gestures(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    query = request.query
    order_id = query.get("orderId") or query.get("orderSellerId")
    limit = _positive_int(query.get("limit"), DEFAULT_GESTURE_LIMIT)
    offset = _cursor_offset(query.get("cursor"))
    if limit is None or limit > MAX_GESTURE_LIMIT or offset is None:
        return problem(400, "limit must be 1 to 100 and cursor one this API gave.")
    with state.orders_locked():
        found = [
            g
            for g in book(state).gestures.values()
            if g.seller == client.seller_id and (not order_id or g.order_id == order_id)
        ]
        page = [gesture_json(g) for g in found[offset : offset + limit]]
    headers = {}
    if offset + limit < len(found):
        cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        following = urlencode({**query, "cursor": cursor})
        headers["Link"] = f'<http://{request.host}{request.path}?{following}>; rel="next"'
    return money_json(200, {"items": page}, headers=headers)


@route("GET", "/order-commercial-gesture-requests/(?P<gesture_id>[^/]+)")
def get_gesture(
    state: SimulatorState, request: Request, client: OctopiaClient, gesture_id: str
) -> Response:
    with state.orders_locked():
        gesture = book(state).gestures.get(gesture_id)
        if gesture is None or gesture.seller != client.seller_id:
            return problem(404, f"Commercial gesture request {gesture_id} was not found.")
        payload = gesture_json(gesture)
    return money_json(200, payload)


# §O9: discussions


@route("GET", "/discussions")
def list_discussions(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    query = request.query
    page_index = _positive_int(query.get("pageIndex"), 1)
    page_size = _positive_int(query.get("pageSize"), DEFAULT_DISCUSSION_PAGE_SIZE)
    if page_index is None or page_size is None or page_size > MAX_DISCUSSION_PAGE_SIZE:
        return problem(400, "pageIndex must be 1 or more and pageSize 1 to 100.")
    is_open = query.get("isOpen", "").strip().lower()
    process = query.get("processStatus", "").strip()
    typology = query.get("typologyCode", "").strip()
    updated_min = query.get("updatedAtMin", "").strip().replace(" ", "+")
    try:
        since = datetime.fromisoformat(updated_min) if updated_min else None
    except ValueError:
        return problem(400, errors={"updatedAtMin": ["Not a valid ISO 8601 date."]})
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with state.orders_locked():
        found = [
            d
            for d in book(state).discussions.values()
            if d.seller == client.seller_id
            and (is_open not in ("true", "false") or d.is_open == (is_open == "true"))
            and (not process or d.process_status == process)
            and (not typology or d.typology == typology)
            and (since is None or d.updated_at >= since)
        ]
        found.sort(key=lambda d: (d.updated_at, d.discussion_id))
        start = (page_index - 1) * page_size
        items = [discussion_json(d, with_messages=False) for d in found[start : start + page_size]]
    return Response.json(200, {"itemsPerPage": page_size, "items": items})


@route("GET", "/discussions/(?P<discussion_id>[^/]+)")
def get_discussion(
    state: SimulatorState, request: Request, client: OctopiaClient, discussion_id: str
) -> Response:
    with state.orders_locked():
        discussion = _discussion_of(state, client, discussion_id)
        if discussion is None:
            return problem(404, f"Discussion {discussion_id} was not found.")
        payload = discussion_json(discussion, with_messages=True)
    return Response.json(200, payload)


@route("POST", "/messages")
def post_message(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    body = _json_object(request)
    discussion_id = body.get("discussionId")
    # [unconfirmed] §O9 message body key: body documented, content/message taken too.
    text = body.get("body", body.get("content", body.get("message")))
    errors: dict[str, list[str]] = {}
    if not isinstance(discussion_id, str) or not discussion_id:
        errors["discussionId"] = ["The discussionId field is required."]
    if not isinstance(text, str) or not text.strip():
        errors["body"] = ["The body field is required."]
    if body.get("receiver", "Customer") != "Customer":
        errors["receiver"] = ["Only the Customer can be written to."]
    if errors:
        return problem(400, errors=errors)
    with state.orders_locked() as (_orders, now):
        discussion = _discussion_of(state, client, discussion_id)
        if discussion is None:
            return problem(404, f"Discussion {discussion_id} was not found.")
        try:
            message = book(state).post_message(discussion, text.strip(), now)
        except IllegalTransition as refused:
            return problem(409, str(refused))
    return Response.json(201, {"messageId": message.message_id, "discussionId": discussion_id})


@route("PATCH", "/discussions/(?P<discussion_id>[^/]+)")
def update_discussion(
    state: SimulatorState, request: Request, client: OctopiaClient, discussion_id: str
) -> Response:
    body = _json_body(request)
    # [unconfirmed] §O9 close form: a JSON Patch, or a plain {"isOpen": false}.
    if isinstance(body, list):
        ops = [op for op in body if isinstance(op, dict)]
        close = any(
            op.get("op") == "replace" and op.get("path") == "/isOpen" and op.get("value") is False
            for op in ops
        )
    else:
        close = isinstance(body, dict) and body.get("isOpen") is False
    if not close:
        return problem(400, "Only closing is supported: replace /isOpen with false.")
    with state.orders_locked() as (_orders, now):
        discussion = _discussion_of(state, client, discussion_id)
        if discussion is None:
            return problem(404, f"Discussion {discussion_id} was not found.")
        if discussion.is_open:
            discussion.is_open = False
            discussion.updated_at = now
    return Response(204)


def _discussion_of(
    state: SimulatorState, client: OctopiaClient, discussion_id: str
) -> Discussion | None:
    discussion = book(state).discussions.get(discussion_id)
    return discussion if discussion is not None and discussion.seller == client.seller_id else None


# Control: what the customer (or Cdiscount's back office) does, for tests and the console


def control_settings(state: SimulatorState, body: dict[str, Any]) -> dict[str, Any]:
    """settle_delay (seconds); refuse_partial_sellers / refuse_partial_orders / refuse_orders."""
    unknown = set(body) - {
        "settle_delay",
        "refuse_partial_sellers",
        "refuse_partial_orders",
        "refuse_orders",
    }
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    with state.orders_locked():
        records = book(state)
        if "settle_delay" in body:
            delay = body["settle_delay"]
            if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
                raise ValueError("settle_delay must be a number of seconds >= 0")
            records.settle_delay = float(delay)
        for name in ("refuse_partial_sellers", "refuse_partial_orders", "refuse_orders"):
            if name in body:
                values = body[name]
                if not isinstance(values, list):
                    raise ValueError(f"{name} must be a list")
                setattr(records, name, {str(value) for value in values})
        return records.snapshot()


def control_snapshot(state: SimulatorState) -> dict[str, Any]:
    with state.orders_locked():
        return book(state).snapshot()


def control_customer_cancellation(state: SimulatorState, body: dict[str, Any]) -> dict[str, Any]:
    """The customer asks to cancel lines (every line not shipped when none are named): they
    become CancelRequest and an orderCancellation discussion opens."""
    order_id = body.get("order_id")
    if not isinstance(order_id, str):
        raise ValueError("order_id is required")
    with state.orders_locked() as (orders, now):
        order = orders.get(OCTOPIA, order_id)  # KeyError when unknown
        line_ids = body.get("line_ids") or [
            line.line_id
            for line in order.lines
            if line.status not in ("Shipped", "Delivered", "Cancelled")
        ]
        updated = orders.request_line_cancellation(
            OCTOPIA, order_id, [str(i) for i in line_ids], now
        )
        discussion = book(state).open_discussion(
            seller=order.seller,
            order_id=order_id,
            typology="orderCancellation",
            claim=False,
            messages=[body.get("message") or "Bonjour, je souhaite annuler ma commande."],
            interval=0,
            now=now,
        )
        return {
            "order_id": order_id,
            "line_statuses": {line.line_id: line.status for line in updated.lines},
            "discussion_id": discussion.discussion_id,
        }


def control_open_discussion(state: SimulatorState, body: dict[str, Any]) -> dict[str, Any]:
    """A customer discussion (claim True: a claim) on an order; `messages` arrive one every
    `interval_seconds`, the first at once."""
    order_id, seller = body.get("order_id"), body.get("seller")
    messages = body.get("messages") or ["Bonjour, où en est ma commande ?"]
    interval = body.get("interval_seconds", 3600)
    if not isinstance(messages, list) or not all(isinstance(m, str) and m for m in messages):
        raise ValueError("messages must be a list of texts")
    if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
        raise ValueError("interval_seconds must be a number >= 0")
    with state.orders_locked() as (orders, now):
        if isinstance(order_id, str):
            seller = orders.get(OCTOPIA, order_id).seller  # KeyError when unknown
        elif not isinstance(seller, str):
            raise ValueError("order_id or seller is required")
        discussion = book(state).open_discussion(
            seller=seller,
            order_id=order_id if isinstance(order_id, str) else None,
            typology=str(
                body.get("typology")
                or ("productIsDamaged" if body.get("claim") else "orderNotShipped")
            ),
            sub_typology=body.get("sub_typology"),
            claim=bool(body.get("claim")),
            messages=messages,
            interval=float(interval),
            now=now,
        )
        return discussion_json(discussion, with_messages=True)


# Reading requests


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body) if request.body.strip() else None
    except ValueError:
        return None


def _json_object(request: Request) -> dict[str, Any]:
    body = _json_body(request)
    return body if isinstance(body, dict) else {}


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


def _positive_int(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


def _cursor_offset(raw: str | None) -> int | None:
    if not raw:
        return 0
    try:
        return int(base64.urlsafe_b64decode(raw.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
