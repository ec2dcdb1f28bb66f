"""Reading the Octopia Seller API's JSON (docs/cdiscount-api.md §O): orders, offers, errors,
after-sale requests and discussions.

Pure functions of decoded JSON or of a response; a value that cannot be read is an
OrderDataError or OfferDataError, turned into MalformedResponseError by the client.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from ._offers import (
    REJECTED_STATE,
    OfferDataError,
)
from ._orders import (
    OrderDataError,
    address_or_none,
    decimal_or_none,
    joined,
    parse_datetime,
    required_decimal,
    required_quantity,
    unit_price,
)
from .aftersale import (
    AfterSaleReason,
    Cancellation,
    CancellationReason,
    Discussion,
    DiscussionKind,
    DiscussionMessage,
    Outcome,
    Refund,
    RefundAllowance,
    RefundItem,
)
from .results import (
    Address,
    Carrier,
    OfferResult,
    Order,
    OrderLine,
    RemoteOffer,
    SellerInfo,
)

_WWW_AUTH_DESCRIPTION = re.compile(r'error_description="([^"]*)"')
PAID_STATUSES = frozenset({"InPreparation", "Shipped", "Delivered"})
AWAITING_ACCEPTANCE_STATUSES = frozenset({"WaitingAcceptance"})
# Final: nothing left for the seller to ship.
CLOSED_STATUSES = frozenset({"Refused", "Cancelled", "Rejected", "Delivered", "Shipped"})
# §O4: only lines with this supply mode are the seller's to ship.
SELLER_SUPPLY_MODE = "Seller"
# §O5: resultCode 8000 created, 9000 updated; any other code is an error.
ACCEPTED_RESULT_CODES = frozenset({"8000", "9000"})


def read_offer_result(item: Any) -> OfferResult:
    """One item of offer-requests-results (§O5); the first result in error speaks for it."""
    if not isinstance(item, dict):
        raise OfferDataError("a result is not a JSON object")
    sku = json_text(item, "sellerExternalReference", "sellerProductId")
    if sku is None:
        raise OfferDataError("a result has no sellerExternalReference")
    product = item.get("product") if isinstance(item.get("product"), dict) else {}
    status = json_text(item, "integrationStatus", "status") or "Unknown"
    entries = [entry for entry in item.get("results") or [] if isinstance(entry, dict)]
    codes = [(json_text(entry, "resultCode", "code"), entry) for entry in entries]
    errors = [(code, entry) for code, entry in codes if code and code not in ACCEPTED_RESULT_CODES]
    code, entry = (errors or codes or [(None, {})])[0]
    if code is None:
        accepted = status == "Integrated"
    else:
        accepted = code in ACCEPTED_RESULT_CODES and status != REJECTED_STATE
    return OfferResult(
        sku=sku,
        ean=json_text(product, "gtin") or json_text(item, "gtin", "productGtin"),
        status=status,
        accepted=accepted,
        code=code,
        message=json_text(entry, "message", "resultMessage"),
    )


def read_remote_offer(item: Any) -> RemoteOffer | None:
    """One offer of GET /offers (§O6, shape unconfirmed); None without a SKU."""
    if not isinstance(item, dict):
        return None
    sku = json_text(item, "sellerExternalReference", "sellerProductId")
    if sku is None:
        return None
    product = item.get("product") if isinstance(item.get("product"), dict) else {}
    price = item.get("price")
    if isinstance(price, dict):
        price = price.get("price")
    try:
        quantity = required_quantity(item.get("quantity", item.get("stock")), "quantity")
    except OrderDataError:
        quantity = None
    try:
        price = decimal_or_none(price, "price")
    except OrderDataError:
        price = None
    return RemoteOffer(
        sku=sku,
        ean=json_text(product, "gtin") or json_text(item, "gtin", "productGtin"),
        quantity=quantity,
        price=price,
        state=json_text(item, "state", "status"),
    )


def read_order(data: Any) -> Order:
    """One order of §O4; only orderId and status are required of the order itself."""
    if not isinstance(data, dict):
        raise OrderDataError("an order is not a JSON object")
    order_id = json_text(data, "orderId")
    if order_id is None:
        raise OrderDataError("an order has no orderId")
    status = json_text(data, "status")
    if status is None:
        raise OrderDataError(f"order {order_id} has no status")
    raw_lines = data.get("lines")
    if raw_lines is None:
        raw_lines = []
    if not isinstance(raw_lines, list):
        raise OrderDataError(f"order {order_id}: lines is not a list")
    lines = tuple(_order_line(line, order_id) for line in raw_lines)

    billing = _address(data.get("billingAddress"))
    # §O4 puts the shipping address on each line; an order-level one is read first.
    shipping = _address(data.get("shippingAddress"))
    for line in raw_lines:
        if shipping is None and isinstance(line, dict):
            shipping = _address(line.get("shippingAddress"))

    lines_shipping = sum((line.shipping_cost for line in lines), Decimal("0"))
    lines_total = sum((line.total_price for line in lines), Decimal("0")) + lines_shipping
    # An order-level totalPrice, if the payload carries one, reads like a line's.
    total_price = data.get("totalPrice")
    total_amount, shipping_total = lines_total, lines_shipping
    if isinstance(total_price, dict) and total_price.get("sellingPrice") is not None:
        selling = required_decimal(total_price.get("sellingPrice"), f"order {order_id} total")
        shipping_cost = decimal_or_none(
            total_price.get("shippingCost"), f"order {order_id} total shipping"
        )
        shipping_total = shipping_cost if shipping_cost is not None else lines_shipping
        total_amount = selling + shipping_total

    return Order(
        order_id=order_id,
        reference=json_text(data, "reference") or order_id,
        status=status,
        paid=status in PAID_STATUSES,
        awaiting_acceptance=status in AWAITING_ACCEPTANCE_STATUSES,
        closed=status in CLOSED_STATUSES,
        created_at=_datetime(data, order_id, "createdAt", "purchasedAt"),
        updated_at=_datetime(data, order_id, "updatedAt"),
        ship_by=_datetime(data, order_id, "shippedAtMax"),
        currency=json_text(data, "currencyCode") or "EUR",
        customer_name=_customer_name(data.get("customer"), billing, shipping),
        billing_address=billing,
        shipping_address=shipping,
        total_amount=total_amount,
        shipping_total=shipping_total,
        commission=None,  # §O4 documents no commission field
        lines=lines,
        raw_payload=json.dumps(data, ensure_ascii=False),
    )


def _order_line(data: Any, order_id: str) -> OrderLine:
    if not isinstance(data, dict):
        raise OrderDataError(f"order {order_id}: a line is not a JSON object")
    line_id = json_text(data, "orderLineId")
    if line_id is None:
        raise OrderDataError(f"order {order_id}: a line has no orderLineId")
    where = f"order {order_id} line {line_id}"
    offer = data.get("offer") if isinstance(data.get("offer"), dict) else {}
    sku = json_text(offer, "sellerProductId", "sellerExternalReference")
    if sku is None:
        raise OrderDataError(f"{where} has no offer.sellerProductId")
    quantity = required_quantity(data.get("quantity"), f"{where} quantity")
    price = data.get("totalPrice") if isinstance(data.get("totalPrice"), dict) else {}
    total = required_decimal(price.get("sellingPrice"), f"{where} totalPrice.sellingPrice")
    shipping = decimal_or_none(price.get("shippingCost"), f"{where} totalPrice.shippingCost")
    supply_mode = json_text(offer, "supplyMode") or ""
    return OrderLine(
        line_id=line_id,
        sku=sku,
        ean=json_text(offer, "productGtin", "gtin"),
        name=json_text(offer, "productTitle", "title")
        or json_text(data, "productTitle", "productName"),
        quantity=quantity,
        unit_price=unit_price(total, quantity),
        total_price=total,
        shipping_cost=shipping if shipping is not None else Decimal("0"),
        status=json_text(data, "status"),
        seller_fulfilled=supply_mode.casefold() == SELLER_SUPPLY_MODE.casefold(),
        condition=json_text(offer, "condition") or json_text(data, "condition"),
    )


def _address(data: Any) -> Address | None:
    if not isinstance(data, dict):
        return None
    return address_or_none(
        civility=json_text(data, "civility"),
        first_name=json_text(data, "firstName"),
        last_name=json_text(data, "lastName"),
        company_name=json_text(data, "companyName"),
        line1=json_text(data, "addressLine1"),
        line2=joined([json_text(data, "addressLine2"), json_text(data, "addressLine3")], ", "),
        postal_code=json_text(data, "postalCode"),
        city=json_text(data, "city"),
        country_code=json_text(data, "countryCode"),
        phone=json_text(data, "phone", "mobilePhone"),
        email=json_text(data, "email"),
        instructions=json_text(data, "instructions"),
        relay_id=json_text(data, "relayId"),
    )


def _customer_name(customer: Any, *addresses: Address | None) -> str | None:
    if isinstance(customer, dict):
        name = joined([json_text(customer, "firstName"), json_text(customer, "lastName")])
        if name:
            return name
    for address in addresses:
        if address is not None:
            name = joined([address.first_name, address.last_name]) or address.company_name
            if name:
                return name
    return None


def _datetime(data: Mapping[str, Any], order_id: str, *keys: str) -> datetime | None:
    key = next((key for key in keys if json_text(data, key)), None)
    if key is None:
        return None
    # Octopia writes UTC with a Z; a naive value is read as UTC too.
    return parse_datetime(json_text(data, key), UTC, f"order {order_id} {key}")


def json_text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` holding a scalar, as a string (ids may come as numbers)."""
    for key in keys:
        value = data.get(key)
        if value is None or isinstance(value, bool | dict | list):
            continue
        text = str(value).strip()
        if text:
            return text
    return None


def positive_seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def json_or_none(response: requests.Response) -> Any:
    """Error bodies are read whatever their content type says; None when not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def oauth_description(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    return json_text(payload, "error_description", "error")


def problem_details(response: requests.Response) -> tuple[str | None, str | None]:
    """(message, traceId) from an RFC 7807 problem body (§O2); tolerant of other JSON."""
    payload = json_or_none(response)
    if not isinstance(payload, dict):
        return None, None
    title = json_text(payload, "title")
    detail = json_text(payload, "detail", "message")
    parts = [title] if title else []
    if detail and detail != title:
        parts.append(detail)
    parts.extend(_validation_errors(payload.get("errors")))
    message = ": ".join(parts[:2])
    if len(parts) > 2:
        message = f"{message} ({'; '.join(parts[2:])})"
    return message or None, json_text(payload, "traceId", "trace_id")


def _validation_errors(errors: Any) -> list[str]:
    """`errors` as `{"field": ["msg"]}` (ASP.NET) or a list of strings/objects."""
    found: list[str] = []
    if isinstance(errors, dict):
        for field, messages in errors.items():
            if isinstance(messages, str):
                messages = [messages]
            if isinstance(messages, list):
                found.extend(f"{field}: {m}" for m in messages if isinstance(m, str))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                text = json_text(item, "message", "detail", "title")
                if text:
                    found.append(text)
    return found


def www_authenticate_description(response: requests.Response) -> str | None:
    match = _WWW_AUTH_DESCRIPTION.search(response.headers.get("WWW-Authenticate", ""))
    return match.group(1) if match else None


def read_carriers(data: Any) -> list[Carrier] | None:
    """GET /carriers (§O4): a list, or {"items": [...]}; None when it is neither."""
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        return None
    carriers = []
    for item in data:
        name = json_text(item, "label", "name") if isinstance(item, dict) else None
        if name is None:
            continue
        carriers.append(
            Carrier(
                code=json_text(item, "code"),
                name=name,
                default_url=json_text(item, "defaultUrl", "trackingUrl"),
            )
        )
    return carriers


def read_seller_info(data: Any, seller_id: str) -> SellerInfo | None:
    """GET /sellers (§O3): this seller's profile; None when the answer holds none.

    The shape is unconfirmed: one profile, a list, or {"items": [...]} are read.
    """
    raw = data
    candidates = data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        candidates = data["items"]
    elif isinstance(data, list):
        raw = {"items": data}
    if isinstance(candidates, list):
        profiles = [item for item in candidates if isinstance(item, dict)]
        mine = [p for p in profiles if json_text(p, "id", "sellerId") == seller_id]
        candidates = (mine or profiles or [None])[0]
    if not isinstance(candidates, dict):
        return None
    return SellerInfo(
        seller_id=json_text(candidates, "id", "sellerId"),
        shop_name=json_text(candidates, "name", "shopName", "sellerName"),
        login=json_text(candidates, "login"),
        raw=raw,
    )


# -- after the sale (§O7-§O9): every shape [unconfirmed], read tolerantly ---------------------

# The shared reasons as Octopia's codes, in one place. §O7 cancellation codes: only
# seller-out-of-stock is documented, the others are [unconfirmed] (the reasons list is read to
# offer them). §O8 gesture reasons: MissingProduct and Other are documented; every other shared
# reason is sent as Other, its label in reasonDetails.
CANCELLATION_CODES = {
    AfterSaleReason.OUT_OF_STOCK: "seller-out-of-stock",
    AfterSaleReason.PRICE_ERROR: "seller-price-error",
    AfterSaleReason.CANNOT_SHIP: "seller-cannot-ship",
    AfterSaleReason.CUSTOMER_REQUEST: "customer-request",
}
GESTURE_CODES = {AfterSaleReason.MISSING_PRODUCT: "MissingProduct"}
OTHER_GESTURE_CODE = "Other"

# How Cdiscount may say a request (cancellation, commercial gesture) is settled. Anything else
# reads as still pending: a status the client does not know is followed, never taken as final.
ACCEPTED_REQUEST_STATUSES = frozenset(
    {"accepted", "validated", "approved", "done", "completed", "processed", "cancelled", "refunded"}
)
REFUSED_REQUEST_STATUSES = frozenset({"refused", "rejected", "denied", "failed", "cancelfailed"})
# What a request without any status is taken for (a fresh one, as creation answers).
PENDING_STATUS = "Pending"
# The ids a created request may come back under (§O7: requestId or cancellationRequestId).
REQUEST_ID_KEYS = (
    "requestId",
    "cancellationRequestId",
    "commercialGestureRequestId",
    "commercialGestureId",
    "id",
)
# §O9 graduation: a claim, or escalated to Cdiscount (Level_1, Level_2, ...).
CLAIM_GRADUATIONS = frozenset({"claim"})


def listed_items(data: Any) -> list[Any] | None:
    """A listing as a bare list or {"items": [...]} (or "data"/"results"); None otherwise."""
    if data is None:
        return []
    if isinstance(data, dict):
        for key in ("items", "data", "results"):
            if isinstance(data.get(key), list):
                return data[key]
        return None
    return data if isinstance(data, list) else None


def request_outcome(status: str | None) -> Outcome:
    """Where a request stands by its status; one the client does not know is still pending."""
    folded = (status or "").replace("-", "").replace("_", "").casefold()
    if folded in ACCEPTED_REQUEST_STATUSES:
        return Outcome.ACCEPTED
    if folded in REFUSED_REQUEST_STATUSES:
        return Outcome.REFUSED
    return Outcome.PENDING


def read_cancellation_reasons(data: Any) -> list[CancellationReason] | None:
    """GET /cancellation-reasons: items with a code (or id) and a label; None when no list."""
    items = listed_items(data)
    if items is None:
        return None
    shared = {code: reason for reason, code in CANCELLATION_CODES.items()}
    reasons = []
    for item in items:
        code = label = None
        if isinstance(item, str) and item.strip():
            code = item.strip()
        elif isinstance(item, dict):
            code = json_text(item, "code", "reasonCode", "id", "reason")
            label = json_text(item, "label", "description", "name", "wording")
        if code is not None:
            reasons.append(CancellationReason(code=code, label=label, reason=shared.get(code)))
    return reasons


def read_cancellation_request(
    item: Any, *, order_id: str, line_ids: tuple[str, ...] = (), reason: str | None = None
) -> Cancellation:
    """One cancellation request; what the answer leaves out comes from what was asked."""
    data = item if isinstance(item, dict) else {}
    status = json_text(data, "status", "state", "requestStatus")
    lines = data.get("lines") if isinstance(data.get("lines"), list) else []
    found_lines = tuple(
        text
        for line in lines
        if isinstance(line, dict)
        and (text := json_text(line, "lineId", "orderLineId", "id")) is not None
    )
    return Cancellation(
        request_id=json_text(data, *REQUEST_ID_KEYS),
        order_id=json_text(data, "orderSellerId", "orderId") or order_id,
        state=request_outcome(status),
        status=status or PENDING_STATUS,
        line_ids=found_lines or line_ids,
        reason_code=json_text(data, "reason", "reasonCode") or reason,
        message=json_text(data, "refusalReason", "message", "comment", "statusMessage"),
        created_at=_lenient_datetime(data, "createdAt", "creationDate", "requestedAt"),
        raw=data,
    )


def read_refund_allowance(data: Any, order_id: str) -> RefundAllowance | None:
    """§O8 available amounts: allowableAmount at the top, in an object, or in a one-item list."""
    items = listed_items(data)
    if items and isinstance(items[0], dict):
        data = items[0]
    if not isinstance(data, dict):
        return None
    value = data.get("allowableAmount", data.get("availableAmount", data.get("amount")))
    currency = json_text(data, "currencyCode", "currency") or "EUR"
    if isinstance(value, dict):
        currency = json_text(value, "currencyCode", "currency") or currency
        value = value.get("amount", value.get("value"))
    try:
        allowable = decimal_or_none(value, f"order {order_id} allowableAmount")
    except OrderDataError:
        return None
    if allowable is None:
        return None
    return RefundAllowance(order_id=order_id, amount=allowable, currency=currency)


def read_refund(item: Any, *, order_id: str | None = None) -> Refund | None:
    """One commercial gesture request (§O8), as a refund of one gesture item; None when it
    names no order at all."""
    if not isinstance(item, dict):
        return None
    found_order = json_text(item, "orderId", "orderSellerId") or order_id
    if found_order is None:
        return None
    status = json_text(item, "status", "state", "requestStatus")
    state = request_outcome(status)
    amount = item.get("amount")
    if isinstance(amount, dict):
        amount = amount.get("amount", amount.get("value"))
    try:
        refund_amount = decimal_or_none(amount, f"order {found_order} gesture amount")
    except OrderDataError:
        refund_amount = None
    reason = json_text(item, "reason", "reasonCode")
    message = json_text(item, "refusalReason", "message", "comment", "statusMessage")
    gesture = RefundItem(
        kind="gesture",
        state=state,
        amount=refund_amount,
        motive=reason,
        message=message if state is Outcome.REFUSED else None,
        cdiscount_message=message,
    )
    return Refund(
        refund_id=json_text(item, *REQUEST_ID_KEYS),
        order_id=found_order,
        state=state,
        amount=refund_amount,
        items=(gesture,),
        status=status or PENDING_STATUS,
        reason_code=reason,
        message=message,
        created_at=_lenient_datetime(item, "createdAt", "creationDate"),
        raw=item,
    )


def read_discussion(item: Any) -> Discussion | None:
    """One discussion of §O9 (messages included when present); None without an id."""
    if not isinstance(item, dict):
        return None
    discussion_id = json_text(item, "discussionId", "id")
    if discussion_id is None:
        return None
    graduation = (json_text(item, "graduation", "level") or "").casefold()
    if graduation.startswith("level"):
        kind = DiscussionKind.ESCALATED
    elif graduation in CLAIM_GRADUATIONS:
        kind = DiscussionKind.CLAIM
    else:
        kind = DiscussionKind.DISCUSSION
    process = json_text(item, "processStatus") or ""
    status = json_text(item, "status")
    is_open = item.get("isOpen", item.get("open"))
    if not isinstance(is_open, bool):
        is_open = (status or "open").casefold() not in ("closed", "close")
    order = item.get("order") if isinstance(item.get("order"), dict) else {}
    raw_messages = item.get("messages") if isinstance(item.get("messages"), list) else []
    messages = tuple(m for m in (read_message(raw) for raw in raw_messages) if m is not None)
    return Discussion(
        discussion_id=discussion_id,
        order_id=json_text(item, "orderId", "orderSellerId")
        or json_text(order, "orderId", "id", "reference"),
        kind=kind,
        open=is_open,
        to_answer=process.casefold() == "totreat",
        subject=json_text(item, "subject", "title"),
        typology=json_text(item, "typologyCode", "typology"),
        status=status or process or None,
        created_at=_lenient_datetime(item, "createdAt", "creationDate"),
        updated_at=_lenient_datetime(item, "updatedAt", "lastUpdateDate"),
        closed_at=_lenient_datetime(item, "closedAt", "closingDate"),
        messages=tuple(sorted(messages, key=_message_order)),
        raw=item,
    )


def read_message(item: Any) -> DiscussionMessage | None:
    """One message; the body key is [unconfirmed]: body, content, text or message."""
    if not isinstance(item, dict):
        return None
    body = item.get("body", item.get("content", item.get("text", item.get("message"))))
    if not isinstance(body, str):
        return None
    sender = item.get("sender")
    if isinstance(sender, dict):
        sender = json_text(sender, "type", "userType", "name", "id")
    elif not isinstance(sender, str):
        sender = json_text(item, "senderType", "from", "author")
    read = item.get("hasRead", item.get("isRead"))
    return DiscussionMessage(
        sender=sender,
        sent_at=_lenient_datetime(item, "createdAt", "sentAt", "date"),
        body=body,
        message_id=json_text(item, "messageId", "id"),
        read=read if isinstance(read, bool) else None,
    )


def _message_order(message: DiscussionMessage) -> tuple[bool, datetime]:
    # Oldest first; undated messages keep their place at the end.
    return message.sent_at is None, message.sent_at or datetime.min.replace(tzinfo=UTC)


def _lenient_datetime(data: Mapping[str, Any], *keys: str) -> datetime | None:
    """An after-sale date: unreadable reads as None (nothing the seller acts on hangs on it)."""
    for key in keys:
        text = json_text(data, key)
        if text:
            try:
                return parse_datetime(text, UTC, key)
            except OrderDataError:
                return None
    return None
