"""Marketplace API after the sale (docs/cdiscount-api.md §M8–§M10): CreateRefundVoucher,
GetDiscussionList, CloseDiscussionList, and the control endpoints that raise what customers do
(a cancellation request, a claim, a message).

Cancelling an accepted order (ShipmentRefusedBySeller, §M8) is ValidateOrderList's, in
marketplace.py and the order book.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from . import soap
from .exchange import Response
from .marketplace import (
    Call,
    _number,
    _read_date,
    _read_enum,
    _read_int,
    operation,
    paris_date,
)
from .marketplace_claims import (
    CLAIM,
    CLAIM_TYPES,
    CUSTOMER,
    DISCUSSION,
    DISCUSSION_KINDS,
    SELLER,
    DiscussionView,
    Message,
    Voucher,
)
from .orders import FLOWS, MARKETPLACE, Order
from .state import SimulatorState

FLOW = FLOWS[MARKETPLACE]

# §M9
REFUND_MODES = ("Claim", "Retraction")
REFUND_MOTIVES = (
    "VendorRejection",
    "ClientCancellation",
    "VendorRejectionAndClientCancellation",
    "ClientClaim",
    "VendorInitiatedRefund",
    "ClientRetraction",
    "NoClientWithDrawal",
    "ProductStockUnavailable",
)
GESTURE_MOTIVE_IDS = range(131, 140)
INVALID_REFUND = "Demande de remboursement invalide"
REFUNDED_LINE = "RefundedAfterShipping"
REQUEST_FIELDS = ("CommercialGestureList", "OrderNumber", "SellerRefundList")
REFUND_LINE_FIELDS = ("Ean", "RefundShippingCharges", "SellerProductId")

# §M10
DISCUSSION_TYPES = ("All", "Offer", "Discussion", "Claim", "Arbitration", "Favoured")
DISCUSSION_STATES = ("All", "Open", "Closed", "NotProcessed")
FILTER_DATES = (
    "BeginCreationDate",
    "BeginModificationDate",
    "EndCreationDate",
    "EndModificationDate",
)

# §M10: a customer's cancellation, requested then settled by Cdiscount.
CANCELLATION_REQUESTED = FLOW.cancel_request
CANCELLED_LINE = "CancelledAfterPaymentByCustomer"
REFUNDED_CANCELLED_LINE = "RefundedAfterCustomerCancellation"


# -- CreateRefundVoucher (§M9) ----------------------------------------------------------------


@operation("CreateRefundVoucher", "request")
def create_refund_voucher(call: Call) -> Response:
    name = "CreateRefundVoucher"
    fields = soap.read_in_order(call.params.get("request"), soap.CDISCOUNT, REQUEST_FIELDS)
    number = (soap.text_of(fields.get("OrderNumber")) or "").strip()
    gestures = [
        soap.read_in_order(item, soap.CDISCOUNT, ("Amount", "MotiveId"))
        for item in soap.items(
            fields.get("CommercialGestureList"), soap.CDISCOUNT, "RefundInformation"
        )
    ]
    refunds = [
        soap.read_in_order(item, soap.CDISCOUNT, ("Mode", "Motive", "RefundOrderLine"))
        for item in soap.items(
            fields.get("SellerRefundList"), soap.CDISCOUNT, "SellerRefundRequest"
        )
    ]
    login, now = call.account.login, call.state.now()
    order = call.state.find_order(MARKETPLACE, login, number) if number else None
    claims = call.state.marketplace_claims
    if order is None:
        refusal = f'La commande "{number}" est introuvable.'
    elif order.status != FLOW.shipped:
        refusal = f"{INVALID_REFUND} : la commande {number} n'est pas expédiée ({order.status})."
    else:
        refusal = None

    line_results = []
    refunded_lines: dict[str, str] = {}
    for refund in refunds:
        mode = _read_enum(refund.get("Mode"), REFUND_MODES, "RefundMode", name)
        motive = _read_enum(refund.get("Motive"), REFUND_MOTIVES, "RefundMotive", name)
        line_fields = soap.read_in_order(
            refund.get("RefundOrderLine"), soap.CDISCOUNT, REFUND_LINE_FIELDS
        )
        sku = (soap.text_of(line_fields.get("SellerProductId")) or "").strip()
        ean = soap.text_of(line_fields.get("Ean"))
        with_shipping = (soap.text_of(line_fields.get("RefundShippingCharges")) or "") in (
            "true",
            "1",
        )
        error, value = refusal, None
        if error is None:
            assert order is not None
            line = next(
                (
                    line
                    for line in order.lines
                    if line.sku == sku
                    and line.status != REFUNDED_LINE
                    and line.line_id not in refunded_lines
                ),
                None,
            )
            if line is None:
                known = any(line.sku == sku for line in order.lines)
                error = (
                    f"{INVALID_REFUND} : la ligne {sku} est déjà remboursée."
                    if known
                    else f"{INVALID_REFUND} : la commande {number} n'a pas de ligne {sku}."
                )
            else:
                value = line.total_price + (line.shipping_cost if with_shipping else 0)
                refunded_lines[line.line_id] = REFUNDED_LINE
                claims.add_voucher(login, number, Voucher(now, value, None, SELLER, sku))
        line_results.append((mode, motive, sku, ean, value, error))

    gesture_results = []
    for gesture in gestures:
        amount = _read_amount(gesture.get("Amount"), name)
        motive_id = _read_int(gesture.get("MotiveId"), "Int32", name)
        error = refusal
        if error is None:
            assert order is not None
            refunded = sum((v.amount for v in claims.vouchers(login, number)), Decimal(0))
            allowed = max(order.total - refunded, Decimal(0))
            if motive_id not in GESTURE_MOTIVE_IDS:
                error = f"{INVALID_REFUND} : motif de geste commercial {motive_id} inconnu."
            elif amount is None or amount <= 0:
                error = f"{INVALID_REFUND} : le montant du geste commercial doit être positif."
            elif amount > allowed:
                error = (
                    f"{INVALID_REFUND} : le montant du geste commercial ({_number(amount)} €) "
                    f"dépasse le montant remboursable ({_number(allowed)} €)."
                )
            else:
                claims.add_voucher(login, number, Voucher(now, amount, motive_id, SELLER))
        gesture_results.append((amount, motive_id, error))

    if refunded_lines:
        call.state.set_line_statuses(MARKETPLACE, number, refunded_lines, cause="seller")
    failed = refusal is not None or any(
        result[-1] is not None for result in (*line_results, *gesture_results)
    )
    envelope, result = soap.open_result(
        name,
        seller_login=login,
        token_id=call.token,
        error_message=(refusal or INVALID_REFUND) if failed else None,
    )
    gesture_list = soap.child(result, "CommercialGestureList")
    for amount, motive_id, error in gesture_results:
        item = soap.child(gesture_list, "RefundInformationMessage")
        _item_outcome(item, error)
        soap.leaf(item, "Amount", _number(amount) if amount is not None else None)
        soap.leaf(item, "MotiveId", motive_id)
    soap.leaf(result, "OrderNumber", number or None)
    refund_list = soap.child(result, "SellerRefundList")
    for _mode, motive, sku, ean, value, error in line_results:
        item = soap.child(refund_list, "SellerRefundResult")
        _item_outcome(item, error)
        soap.leaf(item, "Ean", ean)
        soap.leaf(item, "Motive", motive)
        soap.leaf(item, "SellerProductId", sku)
        soap.leaf(item, "Value", _number(value) if value is not None else 0)
    return soap.envelope_response(envelope)


def _item_outcome(item: etree._Element, error: str | None) -> None:
    """An item's own ErrorMessage and OperationSuccess, in the Messages namespace (§M9)."""
    message = etree.SubElement(item, f"{{{soap.MESSAGES}}}ErrorMessage")
    if error is None:
        message.set(f"{{{soap.XSI}}}nil", "true")
    else:
        message.text = error
    success = etree.SubElement(item, f"{{{soap.MESSAGES}}}OperationSuccess")
    success.text = "false" if error else "true"


def _read_amount(element: etree._Element | None, name: str) -> Decimal | None:
    text = (soap.text_of(element) or "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise soap.deserialization_fault(
            name, f"The value '{text}' cannot be parsed as the type 'Decimal'."
        ) from None
    return amount if amount.is_finite() else None


# -- GetDiscussionList, CloseDiscussionList (§M10) --------------------------------------------


def _member(parent: etree._Element | None, name: str) -> etree._Element | None:
    """A filter member found wherever it sits: the order of DiscussionType, StatusList and
    OrderNumberList is unconfirmed, so every order is read."""
    if parent is None:
        return None
    return next((e for e in parent if e.tag == f"{{{soap.CDISCOUNT}}}{name}"), None)


@operation("GetDiscussionList", "discussionFilter")
def get_discussion_list(call: Call) -> Response:
    name = "GetDiscussionList"
    element = call.params.get("discussionFilter")
    fields = soap.read_in_order(element, soap.CDISCOUNT, FILTER_DATES)
    dates = {key: _read_date(fields.get(key), name) for key in FILTER_DATES}
    kind_element = _member(element, "DiscussionType")
    kind = (
        _read_enum(kind_element, DISCUSSION_TYPES, "DiscussionTypeFilter", name)
        if kind_element is not None and soap.text_of(kind_element) is not None
        else "All"
    )
    states = [
        _read_enum(item, DISCUSSION_STATES, "DiscussionStateFilter", name)
        for item in soap.items(
            _member(element, "StatusList"), soap.CDISCOUNT, "DiscussionStateFilter"
        )
    ] or ["All"]
    numbers = _strings(_member(element, "OrderNumberList"))
    views = [
        view
        for view in call.state.marketplace_claims.discussions(call.account.login, call.state.now())
        if (kind == "All" or view.kind == kind)
        and _state_matches(view, states)
        and (not numbers or view.order_id in numbers)
        and _within(view.created_at, dates["BeginCreationDate"], dates["EndCreationDate"])
        and _within(view.updated_at, dates["BeginModificationDate"], dates["EndModificationDate"])
    ]
    envelope, result = soap.open_result(name, seller_login=call.account.login, token_id=call.token)
    discussion_list = soap.child(result, "DiscussionList")
    for view in views:
        _write_discussion(discussion_list, view)
    return soap.envelope_response(envelope)


def _strings(parent: etree._Element | None) -> set[str]:
    items = [
        *soap.items(parent, soap.ARRAYS, "string"),
        *soap.items(parent, soap.CDISCOUNT, "string"),
    ]
    return {(soap.text_of(item) or "").strip() for item in items} - {""}


def _state_matches(view: DiscussionView, states: list[str]) -> bool:
    return any(
        state == "All" or state == view.status or (state == "NotProcessed" and view.awaiting_seller)
        for state in states
    )


def _within(moment, low, high) -> bool:
    return (low is None or moment >= low) and (high is None or moment <= high)


def _write_discussion(parent: etree._Element, view: DiscussionView) -> None:
    """One discussion, members in DataContract (alphabetical) order."""
    leaf = soap.leaf
    element = soap.child(parent, "Discussion")
    leaf(element, "ClaimType", view.claim_type)
    leaf(element, "CloseDate", paris_date(view.closed_at) if view.closed_at else None)
    leaf(element, "CreationDate", paris_date(view.created_at))
    leaf(element, "DiscussionType", view.kind)
    leaf(element, "Id", view.discussion_id)
    leaf(element, "LastUpdatedDate", paris_date(view.updated_at))
    messages = soap.child(element, "Messages")
    for message in view.messages:
        item = soap.child(messages, "Message")
        leaf(item, "Content", message.content)
        leaf(item, "Sender", message.sender)
        leaf(item, "SenderType", message.sender_type)
        leaf(item, "Timestamp", paris_date(message.at))
    leaf(element, "OrderNumber", view.order_id)
    leaf(element, "Status", view.status)
    leaf(element, "Subject", view.subject)


@operation("CloseDiscussionList", "closeDiscussionRequest")
def close_discussion_list(call: Call) -> Response:
    name = "CloseDiscussionList"
    fields = soap.read_in_order(
        call.params.get("closeDiscussionRequest"), soap.CDISCOUNT, ("DiscussionIds",)
    )
    ids_element = fields.get("DiscussionIds")
    items = [
        *soap.items(ids_element, soap.ARRAYS, "long"),
        *soap.items(ids_element, soap.CDISCOUNT, "long"),
    ]
    login, now = call.account.login, call.state.now()
    claims = call.state.marketplace_claims
    statuses = []
    for item in items:
        discussion_id = _read_int(item, "Int64", name)
        if discussion_id is None:
            continue
        view = claims.discussion(login, discussion_id, now)
        if view is None:
            status = "DiscussionNotFound"
        elif view.closed_at is not None:
            status = "AlreadyClosed"
        elif _cancellation_pending(call.state, login, view.order_id):
            status = "UnauthorizedCancelPending"
        elif view.awaiting_seller:
            status = "UnauthorizedLastAnswer"
        else:
            claims.close(discussion_id, now)
            status = "DiscussionClosed"
        statuses.append((discussion_id, status))
    envelope, result = soap.open_result(name, seller_login=login, token_id=call.token)
    status_list = soap.child(result, "CloseDiscussionStatusList")
    for discussion_id, status in statuses:
        item = soap.child(status_list, "CloseDiscussionResult")
        soap.leaf(item, "DiscussionId", discussion_id)
        soap.leaf(item, "OperationStatus", status)
    return soap.envelope_response(envelope)


def _cancellation_pending(state: SimulatorState, login: str, order_id: str | None) -> bool:
    order = state.find_order(MARKETPLACE, login, order_id) if order_id else None
    return order is not None and any(line.status == CANCELLATION_REQUESTED for line in order.lines)


# -- what customers do, raised through the control API ----------------------------------------


class ControlError(ValueError):
    """A control request the simulator cannot carry out (answered 400)."""


def customer_cancellation(
    state: SimulatorState, order_id: str, *, line_ids: list[str] | None, settle: bool
) -> dict[str, Any]:
    """The customer asks to cancel lines of a paid order (CancellationRequestPending); with
    `settle`, Cdiscount grants it: those lines CancelledAfterPaymentByCustomer, and when no
    line is left to ship the order CancelledByCustomer with its lines refunded."""
    order = _order(state, order_id)
    chosen = _line_ids(order, line_ids)
    if not settle:
        if order.status != FLOW.to_ship:
            raise ControlError(f"order {order_id} is {order.status}: not awaiting shipment")
        state.set_line_statuses(
            MARKETPLACE, order_id, dict.fromkeys(chosen, CANCELLATION_REQUESTED)
        )
        return state.order(MARKETPLACE, order_id)
    statuses = dict.fromkeys(chosen, CANCELLED_LINE)
    remaining = [
        line
        for line in order.lines
        if line.line_id not in statuses
        and line.status not in (CANCELLED_LINE, REFUNDED_CANCELLED_LINE)
    ]
    if remaining:
        state.set_line_statuses(MARKETPLACE, order_id, statuses)
    else:
        state.set_line_statuses(
            MARKETPLACE,
            order_id,
            {line.line_id: REFUNDED_CANCELLED_LINE for line in order.lines},
            status=FLOW.cancelled,
        )
    return state.order(MARKETPLACE, order_id)


def open_discussion(state: SimulatorState, body: dict[str, Any]) -> dict[str, Any]:
    """A discussion or claim the customer opens on an order, with later messages."""
    order_id = body.get("order_id")
    order = _order(state, order_id) if order_id else None
    login = order.seller if order else body.get("login")
    if not login or state.marketplace_account(login) is None:
        raise ControlError("give an order_id, or the login of a Marketplace account")
    kind = body.get("kind", DISCUSSION)
    if kind not in DISCUSSION_KINDS:
        raise ControlError(f"kind must be one of {DISCUSSION_KINDS}")
    claim_type = body.get("claim_type")
    if kind == CLAIM and claim_type not in CLAIM_TYPES:
        raise ControlError(f"claim_type must be one of {CLAIM_TYPES}")
    skus = []
    if order is not None and body.get("line_ids"):
        skus = [
            line.sku for line in order.lines if line.line_id in _line_ids(order, body["line_ids"])
        ]
    now = state.now()
    name = (order.customer.get("first_name") if order else None) or "Client"
    follow_ups = []
    for follow_up in body.get("follow_ups") or []:
        seconds = follow_up.get("after_seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ControlError("follow_ups[].after_seconds must be a number >= 0")
        follow_ups.append((now + timedelta(seconds=seconds), str(follow_up.get("content", ""))))
    discussion_id = state.marketplace_claims.open_discussion(
        login=login,
        order_id=order.order_id if order else None,
        kind=kind,
        subject=str(body.get("subject") or ("Réclamation" if kind == CLAIM else "Question")),
        content=str(body.get("content") or "Bonjour, où en est ma commande ?"),
        sender=name,
        at=now,
        claim_type=claim_type,
        line_skus=skus,
        follow_ups=follow_ups,
    )
    return state.marketplace_claims.discussion(login, discussion_id, now).as_record()


def add_message(state: SimulatorState, discussion_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A message on a thread: the customer again, or the seller answering on the portal."""
    sender_type = body.get("sender_type", CUSTOMER)
    if sender_type not in (CUSTOMER, SELLER):
        raise ControlError(f"sender_type must be {CUSTOMER} or {SELLER}")
    seconds = body.get("after_seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError("after_seconds must be a number >= 0")
    at = state.now() + timedelta(seconds=seconds)
    try:
        state.marketplace_claims.add_message(
            discussion_id,
            Message(
                at, str(body.get("content", "")), str(body.get("sender", sender_type)), sender_type
            ),
        )
    except KeyError:
        raise ControlError(f"no discussion {discussion_id}") from None
    return {"id": discussion_id, "at": at}


def seed(
    state: SimulatorState, login: str, *, rate: float = 0.2, seed_value: int | None = None
) -> dict[str, int]:
    """On some of the login's orders, what customers do after the sale: a cancellation request
    on an order to ship, a claim on a shipped one, a question on any other."""
    rng = random.Random(seed_value)
    counts = {"cancellations": 0, "claims": 0, "discussions": 0}
    for record in state.orders_for(MARKETPLACE, login):
        if rng.random() >= rate:
            continue
        order_id, status = record["order_id"], record["status"]
        if status == FLOW.to_ship:
            last = record["lines"][-1]["line_id"]
            customer_cancellation(state, order_id, line_ids=[last], settle=False)
            counts["cancellations"] += 1
        elif status == FLOW.shipped:
            open_discussion(
                state,
                {
                    "order_id": order_id,
                    "kind": CLAIM,
                    "claim_type": rng.choice(
                        ("PackageNotReceived", "DamagedProduct", "IncompletePackage")
                    ),
                    "content": "Bonjour, mon colis n'est pas conforme.",
                    "follow_ups": [{"after_seconds": 3600, "content": "Pouvez-vous me répondre ?"}],
                },
            )
            counts["claims"] += 1
        else:
            open_discussion(state, {"order_id": order_id, "kind": DISCUSSION})
            counts["discussions"] += 1
    return counts


def _order(state: SimulatorState, order_id: str) -> Order:
    try:
        record = state.order(MARKETPLACE, str(order_id))
    except KeyError:
        raise ControlError(f"no Marketplace order {order_id}") from None
    order = state.find_order(MARKETPLACE, record["seller"], record["order_id"])
    if order is None:
        raise ControlError(f"no Marketplace order {order_id}")
    return order


def _line_ids(order: Order, line_ids: list[str] | None) -> list[str]:
    """The simulator's line ids of the lines named by id or by SKU (SellerProductId, the way
    the Marketplace API names lines); all the order's lines when None."""
    if line_ids is None:
        return [line.line_id for line in order.lines]
    if not isinstance(line_ids, list) or not line_ids:
        raise ControlError("line_ids must be a non-empty list")
    chosen = []
    for wanted in map(str, line_ids):
        line = order.line(wanted) or next((x for x in order.lines if x.sku == wanted), None)
        if line is None:
            raise ControlError(f"order {order.order_id} has no line {wanted}")
        chosen.append(line.line_id)
    return chosen


def vouchers_of(state: SimulatorState, order_id: str) -> list[dict[str, Any]]:
    """The refunds made on an order, oldest first."""
    order = _order(state, order_id)
    return [
        {"at": v.at, "amount": v.amount, "motive_id": v.motive_id, "source": v.source, "sku": v.sku}
        for v in state.marketplace_claims.vouchers(order.seller, order.order_id)
    ]


def discussions_of(state: SimulatorState, login: str) -> list[dict[str, Any]]:
    """The login's discussions as they read now (messages arrived so far)."""
    return [v.as_record() for v in state.marketplace_claims.discussions(login, state.now())]
