"""After the sale on the Marketplace API (docs/cdiscount-api.md §M8–§M10): cancellations,
refund vouchers, discussions.

The requests' parameter elements, the answers' readers and the typed results; pure functions of
XML, the operations themselves are MarketplaceClient methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lxml import etree

from ._marketplace_parse import XS_BOOLEAN, present, xs_int
from ._orders import PARIS, OrderDataError, decimal_or_none, parse_datetime
from ._xml import NS_ARRAYS, NS_CDISCOUNT, NS_MESSAGES, child_text, qname, sub
from .aftersale import (
    ALREADY_CLOSED,
    CANCELLATION_PENDING,
    CLOSED,
    LAST_ANSWER_MISSING,
    NOT_FOUND,
    UNKNOWN,
    AfterSaleReason,
    CloseResult,
    Discussion,
    DiscussionKind,
    DiscussionMessage,
    Outcome,
    Refund,
    RefundItem,
)
from .results import Order, OrderLine

# §M8: the order and line state that cancels an accepted order before shipment.
SHIPMENT_REFUSED = "ShipmentRefusedBySeller"
# §M8: the order and line states a seller's cancellation leaves (before or after acceptance).
SELLER_CANCELLED_STATES = frozenset({SHIPMENT_REFUSED, "RefusedBySeller"})
SELLER_CANCELLED_LINE_STATES = frozenset(
    {SHIPMENT_REFUSED, "RefusedBySeller", "RefundedAfterShipmentRefused"}
)
# §M10: line states of a customer's cancellation (the order reads CancelledByCustomer once done).
CANCELLATION_REQUESTED = "CancellationRequestPending"
CUSTOMER_CANCELLATION_LINE_STATES = frozenset(
    {
        CANCELLATION_REQUESTED,
        "CancelledAfterPaymentByCustomer",
        "RefundedAfterCustomerCancellation",
    }
)

# §M9: SellerRefundRequest Mode and Motive, CommercialGesture MotiveId.
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
GESTURE_MOTIVES = {
    131: "missing stock",
    132: "product or accessory damaged or missing",
    133: "wrong reference, colour or size",
    134: "fees unduly charged",
    135: "late delivery",
    136: "return fees",
    137: "shipping fees",
    138: "warranty or withdrawal period over",
    139: "other",
}
# Far above any order; keeps amounts within what Decimal rounds to cents.
_MAX_AMOUNT = Decimal("1e9")
_CENT = Decimal("0.01")

# The shared reasons as this API's codes, in one place: a gesture's MotiveId, a line refund's
# Motive (a reason not listed is the seller's own refund, VendorInitiatedRefund).
GESTURE_MOTIVE_IDS = {
    AfterSaleReason.OUT_OF_STOCK: 131,
    AfterSaleReason.MISSING_PRODUCT: 132,
    AfterSaleReason.DAMAGED_PRODUCT: 132,
    AfterSaleReason.WRONG_PRODUCT: 133,
    AfterSaleReason.PRICE_ERROR: 134,
    AfterSaleReason.LATE_DELIVERY: 135,
    AfterSaleReason.RETURN_FEES: 136,
    AfterSaleReason.SHIPPING_FEES: 137,
    AfterSaleReason.CANNOT_SHIP: 139,
    AfterSaleReason.CUSTOMER_REQUEST: 139,
    AfterSaleReason.OTHER: 139,
}
LINE_REFUND_MOTIVES = {
    AfterSaleReason.OUT_OF_STOCK: "ProductStockUnavailable",
    AfterSaleReason.CUSTOMER_REQUEST: "ClientCancellation",
    AfterSaleReason.MISSING_PRODUCT: "ClientClaim",
    AfterSaleReason.DAMAGED_PRODUCT: "ClientClaim",
    AfterSaleReason.WRONG_PRODUCT: "ClientClaim",
    AfterSaleReason.LATE_DELIVERY: "ClientClaim",
}
DEFAULT_LINE_REFUND_MOTIVE = "VendorInitiatedRefund"

# §M10: GetDiscussionList's filter values.
DISCUSSION_TYPES = ("All", "Offer", "Discussion", "Claim", "Arbitration", "Favoured")
DISCUSSION_STATES = ("All", "Open", "Closed", "NotProcessed")

# §M10: CloseDiscussionResult/OperationStatus, and what each means to the seller.
CLOSE_OUTCOMES = {
    "DiscussionClosed": CLOSED,
    "AlreadyClosed": ALREADY_CLOSED,
    "DiscussionNotFound": NOT_FOUND,
    "UnauthorizedCancelPending": CANCELLATION_PENDING,
    "UnauthorizedLastAnswer": LAST_ANSWER_MISSING,
}
_CLOSE_SENTENCES = {
    CLOSED: "Discussion {id} is closed.",
    ALREADY_CLOSED: "Discussion {id} was already closed.",
    NOT_FOUND: "Cdiscount knows no discussion {id} for this account.",
    CANCELLATION_PENDING: (
        "Discussion {id} cannot be closed while the customer's cancellation request is "
        "pending: accept or refuse the cancellation first."
    ),
    LAST_ANSWER_MISSING: (
        "Discussion {id} cannot be closed before you answer the customer's last message: "
        "answer it on the Cdiscount seller portal, then close it."
    ),
}

# §M9: Cdiscount's answer to a refund it refuses, and what the seller can do about it.
INVALID_REFUND = "demande de remboursement invalide"
_INVALID_REFUND_HINT = (
    "Cdiscount judged the request invalid; refunds are for shipped orders, a line can be "
    "refunded once, and a gesture cannot exceed what the customer paid"
)


# -- what the caller asks for -----------------------------------------------------------------


@dataclass(frozen=True)
class LineRefund:
    """A whole line refunded (§M9 SellerRefundRequest): no quantity, no amount."""

    line_id: str
    motive: str  # one of REFUND_MOTIVES
    mode: str = "Claim"  # Claim or Retraction
    refund_shipping: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.line_id, str) or not self.line_id.strip():
            raise ValueError("a line refund needs a line_id")
        if self.motive not in REFUND_MOTIVES:
            raise ValueError(f"refund motive must be one of {', '.join(REFUND_MOTIVES)}")
        if self.mode not in REFUND_MODES:
            raise ValueError(f"refund mode must be one of {', '.join(REFUND_MODES)}")


@dataclass(frozen=True)
class Gesture:
    """A commercial gesture: an amount refunded for a reason (§M9 RefundInformation)."""

    amount: Decimal
    motive_id: int  # one of GESTURE_MOTIVES

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("a gesture amount must be a Decimal")
        if not self.amount.is_finite() or not 0 < self.amount < _MAX_AMOUNT:
            raise ValueError("a gesture amount must be above 0")
        if self.amount != self.amount.quantize(_CENT):
            raise ValueError("a gesture amount is in euros and cents")
        if self.motive_id not in GESTURE_MOTIVES:
            raise ValueError(f"gesture motive_id must be one of {sorted(GESTURE_MOTIVES)}")


# -- requests ---------------------------------------------------------------------------------


def refund_lines(order: Order, refunds: Sequence[LineRefund]) -> list[tuple[LineRefund, OrderLine]]:
    """Each line refund with its order line; a line unknown or asked twice is a ValueError."""
    by_id = {line.line_id: line for line in order.lines}
    chosen = []
    for refund in refunds:
        if not isinstance(refund, LineRefund):
            raise TypeError("lines must be LineRefund items")
        line = by_id.get(refund.line_id)
        if line is None:
            raise ValueError(f"order {order.reference} has no line {refund.line_id}")
        chosen.append((refund, line))
    if len({refund.line_id for refund, _ in chosen}) != len(chosen):
        raise ValueError("a line can be refunded once per request")
    return chosen


def refund_request(
    order_id: str, lines: list[tuple[LineRefund, OrderLine]], gestures: Sequence[Gesture]
) -> etree._Element:
    """CreateRefundVoucher's `request`; children in the §M9 order (WCF reads schema order)."""
    request = etree.Element(qname(NS_CDISCOUNT, "request"), nsmap={None: NS_CDISCOUNT})
    if gestures:
        gesture_list = sub(request, NS_CDISCOUNT, "CommercialGestureList")
        for gesture in gestures:
            item = sub(gesture_list, NS_CDISCOUNT, "RefundInformation")
            sub(item, NS_CDISCOUNT, "Amount", format(gesture.amount, "f"))
            sub(item, NS_CDISCOUNT, "MotiveId", str(gesture.motive_id))
    sub(request, NS_CDISCOUNT, "OrderNumber", order_id)
    if lines:
        refund_list = sub(request, NS_CDISCOUNT, "SellerRefundList")
        for refund, line in lines:
            item = sub(refund_list, NS_CDISCOUNT, "SellerRefundRequest")
            sub(item, NS_CDISCOUNT, "Mode", refund.mode)
            sub(item, NS_CDISCOUNT, "Motive", refund.motive)
            order_line = sub(item, NS_CDISCOUNT, "RefundOrderLine")
            sub(order_line, NS_CDISCOUNT, "Ean", line.ean)
            sub(
                order_line,
                NS_CDISCOUNT,
                "RefundShippingCharges",
                "true" if refund.refund_shipping else "false",
            )
            sub(order_line, NS_CDISCOUNT, "SellerProductId", line.sku)
    return request


def discussion_filter(
    *,
    created: tuple[str, str] | None,
    discussion_type: str,
    status: str,
    order_ids: Sequence[str],
) -> etree._Element:
    """GetDiscussionList's `discussionFilter`, children in the §M10 order: the dates (naive
    Paris time, as §M4's), then DiscussionType, StatusList, OrderNumberList (an [unconfirmed]
    order, chosen here only)."""
    element = etree.Element(qname(NS_CDISCOUNT, "discussionFilter"), nsmap={None: NS_CDISCOUNT})
    if created is not None:
        sub(element, NS_CDISCOUNT, "BeginCreationDate", created[0])
        sub(element, NS_CDISCOUNT, "EndCreationDate", created[1])
    sub(element, NS_CDISCOUNT, "DiscussionType", discussion_type)
    status_list = sub(element, NS_CDISCOUNT, "StatusList")
    sub(status_list, NS_CDISCOUNT, "DiscussionStateFilter", status)
    if order_ids:
        numbers = etree.SubElement(
            element, qname(NS_CDISCOUNT, "OrderNumberList"), nsmap={"arr": NS_ARRAYS}
        )
        for order_id in order_ids:
            sub(numbers, NS_ARRAYS, "string", order_id)
    return element


def close_request(discussion_ids: Sequence[int]) -> etree._Element:
    """CloseDiscussionList's `closeDiscussionRequest/DiscussionIds/long*` (§M10)."""
    element = etree.Element(
        qname(NS_CDISCOUNT, "closeDiscussionRequest"), nsmap={None: NS_CDISCOUNT}
    )
    ids = etree.SubElement(element, qname(NS_CDISCOUNT, "DiscussionIds"), nsmap={"arr": NS_ARRAYS})
    for discussion_id in discussion_ids:
        sub(ids, NS_ARRAYS, "long", str(discussion_id))
    return element


# -- answers ----------------------------------------------------------------------------------


def refund_refusal(what: str, cdiscount_message: str | None) -> str:
    """The sentence a seller reads when Cdiscount refuses a refund item."""
    words = (cdiscount_message or "").strip()
    if not words:
        return f"Cdiscount refused the {what} without saying why."
    if INVALID_REFUND in words.casefold():
        return f"Cdiscount refused the {what}: {_INVALID_REFUND_HINT} (Cdiscount: {words})."
    return f"Cdiscount refused the {what}: {words}"


def _items(result: etree._Element, container: str, item: str) -> list[etree._Element]:
    element = present(result.find(qname(NS_CDISCOUNT, container)))
    return [] if element is None else element.findall(qname(NS_CDISCOUNT, item))


def _success(element: etree._Element) -> bool | None:
    """An item's OperationSuccess, in the Messages namespace like the result's, or not."""
    for namespace in (NS_MESSAGES, NS_CDISCOUNT):
        value = XS_BOOLEAN.get(child_text(element, namespace, "OperationSuccess") or "")
        if value is not None:
            return value
    return None


def _error_message(element: etree._Element) -> str | None:
    return child_text(element, NS_MESSAGES, "ErrorMessage") or child_text(
        element, NS_CDISCOUNT, "ErrorMessage"
    )


def _amount(text: str | None) -> Decimal | None:
    try:
        return decimal_or_none(text, "Amount")
    except OrderDataError:
        return None


def _answer_for(
    unmatched: list[etree._Element],
    matches: Callable[[etree._Element], bool],
    top_message: str | None,
) -> tuple[etree._Element | None, bool, str | None]:
    """The first answer not yet taken that `matches` (taken now), whether it passed, and the
    words that go with it: its own, or the top-level ones when it is refused or missing."""
    answer = next((a for a in unmatched if matches(a)), None)
    if answer is not None:
        unmatched.remove(answer)
    accepted = bool(answer is not None and _success(answer))
    words = (_error_message(answer) if answer is not None else None) or (
        None if accepted else top_message
    )
    return answer, accepted, words


def read_refund_result(
    result: etree._Element,
    order_id: str,
    lines: list[tuple[LineRefund, OrderLine]],
    gestures: Sequence[Gesture],
    top_message: str | None,
) -> Refund:
    """Every item's own outcome (§M9): the top-level flag may be false while some passed.

    Answers are matched to what was sent by position, then checked by SellerProductId or
    MotiveId; an item sent but not answered is refused with the top-level message.
    """
    items: list[RefundItem] = []
    answers = _items(result, "SellerRefundList", "SellerRefundResult")
    unmatched = list(answers)
    for refund, line in lines:
        answer, accepted, words = _answer_for(
            unmatched,
            lambda a, sku=line.sku: child_text(a, NS_CDISCOUNT, "SellerProductId") == sku,
            top_message,
        )
        items.append(
            RefundItem(
                kind="line",
                state=Outcome.ACCEPTED if accepted else Outcome.REFUSED,
                line_id=line.line_id,
                sku=line.sku,
                motive=refund.motive,
                amount=(
                    _amount(child_text(answer, NS_CDISCOUNT, "Value"))
                    if answer is not None and accepted
                    else None
                ),
                message=None if accepted else refund_refusal(f"refund of line {line.sku}", words),
                cdiscount_message=words,
            )
        )
    answers = _items(result, "CommercialGestureList", "RefundInformationMessage")
    unmatched = list(answers)
    for gesture in gestures:
        _, accepted, words = _answer_for(
            unmatched,
            lambda a, motive=gesture.motive_id: (
                xs_int(child_text(a, NS_CDISCOUNT, "MotiveId")) in (motive, None)
            ),
            top_message,
        )
        items.append(
            RefundItem(
                kind="gesture",
                state=Outcome.ACCEPTED if accepted else Outcome.REFUSED,
                amount=gesture.amount,
                motive=str(gesture.motive_id),
                message=(
                    None
                    if accepted
                    else refund_refusal(f"gesture of {gesture.amount:.2f} EUR", words)
                ),
                cdiscount_message=words,
            )
        )
    passed = [item for item in items if item.accepted]
    if len(passed) == len(items):
        state = Outcome.ACCEPTED
    else:
        state = Outcome.PARTIAL if passed else Outcome.REFUSED
    amounts = [item.amount for item in passed if item.amount is not None]
    return Refund(
        refund_id=None,
        order_id=order_id,
        state=state,
        amount=sum(amounts, Decimal("0")) if amounts else None,
        items=tuple(items),
        status=state.value,
        message=top_message,
    )


def _date(text: str | None) -> datetime | None:
    try:
        return parse_datetime(text, PARIS, "date")
    except OrderDataError:
        return None


def read_discussions(result: etree._Element) -> list[Discussion] | None:
    """DiscussionList's items (§M10), read tolerantly; None when the result holds no list.

    The item's element name is not settled: every child of DiscussionList is read, and one
    without an Id is skipped.
    """
    container = result.find(qname(NS_CDISCOUNT, "DiscussionList"))
    if container is None:
        return None
    discussions = []
    for element in container if present(container) is not None else ():
        if not isinstance(element.tag, str):
            continue

        def text(name: str, element: etree._Element = element) -> str | None:
            return child_text(element, NS_CDISCOUNT, name)

        discussion_id = text("Id")
        if discussion_id is None:
            continue
        messages = []
        message_list = present(element.find(qname(NS_CDISCOUNT, "Messages")))
        for message in message_list if message_list is not None else ():
            if not isinstance(message.tag, str):
                continue
            body = child_text(message, NS_CDISCOUNT, "Content")
            if body is None:  # nothing to show, as on Octopia
                continue
            messages.append(
                DiscussionMessage(
                    sender=child_text(message, NS_CDISCOUNT, "SenderType"),
                    sent_at=_date(child_text(message, NS_CDISCOUNT, "Timestamp")),
                    body=body,
                )
            )
        messages.sort(key=lambda m: (m.sent_at is None, m.sent_at or datetime.min))
        status, closed_at = text("Status"), _date(text("CloseDate"))
        is_open = closed_at is None and (status or "").casefold() != "closed"
        claim_type = text("ClaimType")
        discussions.append(
            Discussion(
                discussion_id=discussion_id,
                order_id=text("OrderNumber"),
                kind=DiscussionKind.CLAIM if claim_type else DiscussionKind.DISCUSSION,
                open=is_open,
                # No processing flag on this API: the customer spoke last.
                to_answer=is_open and bool(messages) and messages[-1].from_customer,
                subject=text("Subject"),
                typology=claim_type,
                status=status,
                created_at=_date(text("CreationDate")),
                updated_at=_date(text("LastUpdatedDate")),
                closed_at=closed_at,
                messages=tuple(messages),
                raw=etree.tostring(element, encoding="unicode"),
            )
        )
    return discussions


def read_close_results(result: etree._Element, asked: Sequence[int]) -> list[CloseResult]:
    """One CloseResult per discussion asked for, in the order asked (§M10).

    CloseDiscussionResult items are found wherever they sit in the result (their container's
    name is not settled); a discussion Cdiscount did not answer for reads as UNKNOWN.
    """
    answered: dict[int, str | None] = {}
    for element in result.iter(qname(NS_CDISCOUNT, "CloseDiscussionResult")):
        number = xs_int(child_text(element, NS_CDISCOUNT, "DiscussionId"))
        if number is not None:
            answered[number] = child_text(element, NS_CDISCOUNT, "OperationStatus")
    results = []
    for discussion_id in asked:
        status = answered.get(discussion_id)
        outcome = CLOSE_OUTCOMES.get(status or "", UNKNOWN)
        sentence = _CLOSE_SENTENCES.get(outcome)
        if sentence is None:
            message = (
                f"Cdiscount gave no clear answer about closing discussion {discussion_id}"
                + (f" ({status})" if status else "")
                + ": check it on the Cdiscount seller portal."
            )
        else:
            message = sentence.format(id=discussion_id)
        results.append(
            CloseResult(
                discussion_id=str(discussion_id), status=status, outcome=outcome, message=message
            )
        )
    return results


__all__ = [
    "CUSTOMER_CANCELLATION_LINE_STATES",
    "GESTURE_MOTIVE_IDS",
    "LINE_REFUND_MOTIVES",
    "Gesture",
    "LineRefund",
]
