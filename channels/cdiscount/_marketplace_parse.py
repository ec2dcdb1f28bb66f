"""Reading the Marketplace API's XML (docs/cdiscount-api.md §M): SOAP answers and faults, orders,
offers, the token.

Pure functions of parsed XML or of a response; a value that cannot be read is an
OrderDataError or OfferDataError, turned into MalformedResponseError by the client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

import requests
from lxml import etree

from ._base import media_type, response_text
from ._offers import (
    OfferDataError,
)
from ._orders import (
    PARIS,
    OrderDataError,
    address_or_none,
    decimal_or_none,
    joined,
    parse_datetime,
    required_decimal,
    required_quantity,
    unit_price,
)
from ._xml import (
    NS_CDISCOUNT,
    NS_MESSAGES,
    NS_SERIALIZATION,
    NS_SOAP,
    child_text,
    is_nil,
    local_name,
    parse_xml,
    qname,
    to_python,
)
from .results import (
    Address,
    Carrier,
    OfferResult,
    Order,
    OrderLine,
    RemoteOffer,
    SellerInfo,
    Voucher,
)

TOKEN_PATTERN = re.compile(r"[0-9a-fA-F]{32}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# Fields every OperationResult carries (§M2); TokenId is a secret and stays out of raw payloads.
RESULT_COMMON = frozenset(
    {"ErrorMessage", "OperationSuccess", "ErrorList", "SellerLogin", "TokenId"}
)
XS_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
SELLER_LIST_TAGS = frozenset({"DeliveryModes", "OfferPoolList"})
PAID_STATES = frozenset({"WaitingForShipmentAcceptation", "Shipped"})
AWAITING_ACCEPTANCE_STATES = frozenset({"WaitingForSellerAcceptation"})
# Final: nothing left for the seller to ship.
CLOSED_STATES = frozenset(
    {
        "Shipped",
        "CancelledByCustomer",
        "RefusedBySeller",
        "AutomaticCancellation",
        "PaymentRefused",
        "ShipmentRefusedBySeller",
    }
)
CURRENCY = "EUR"  # the Marketplace API answers in the header's currency, Eur (§M2)


def soap_body(content: bytes) -> etree._Element | None:
    """The <s:Body> of a SOAP envelope, None if the document is not one (bad XML raises)."""
    root = parse_xml(content)
    if root.tag != qname(NS_SOAP, "Envelope"):
        return None
    return root.find(qname(NS_SOAP, "Body"))


def response_fault(response: requests.Response) -> tuple[str, str | None] | None:
    """(faultcode local name, faultstring) when an error answer is a SOAP fault."""
    try:
        body = soap_body(response.content)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return body_fault(body) if body is not None else None


def body_fault(body: etree._Element) -> tuple[str, str | None] | None:
    fault = body.find(qname(NS_SOAP, "Fault"))
    if fault is None:
        return None
    # SOAP 1.1 leaves faultcode/faultstring unqualified; {*} also takes a qualified one.
    code = (fault.findtext("{*}faultcode") or "").strip()
    text = (fault.findtext("{*}faultstring") or "").strip() or None
    # faultcode is a QName value such as "s:RequestTokenValidationError": keep its local part.
    return code.rpartition(":")[2], text


def result_errors(result: etree._Element) -> str | None:
    """ErrorMessage plus every ErrorList/Error/Message, without repeats."""
    messages = [child_text(result, NS_MESSAGES, "ErrorMessage")]
    error_list = result.find(qname(NS_CDISCOUNT, "ErrorList"))
    if error_list is not None:
        messages.extend(child_text(error, NS_CDISCOUNT, "Message") for error in error_list)
    unique = dict.fromkeys(m for m in messages if m)
    return "; ".join(unique) or None


def read_order(element: etree._Element) -> Order:
    """One Order of a GetOrderList result (§M4); only OrderNumber and OrderState are required."""

    def text(name: str) -> str | None:
        return child_text(element, NS_CDISCOUNT, name)

    number = text("OrderNumber")
    if number is None:
        raise OrderDataError("an Order has no OrderNumber")
    state = text("OrderState")
    if state is None:
        raise OrderDataError(f"order {number} has no OrderState")

    customer = present(element.find(qname(NS_CDISCOUNT, "Customer")))
    phone = child_text(customer, NS_CDISCOUNT, "MobilePhone") or child_text(
        customer, NS_CDISCOUNT, "Phone"
    )
    email = child_text(customer, NS_CDISCOUNT, "EncryptedEmail")
    billing = _address(element.find(qname(NS_CDISCOUNT, "BillingAddress")), phone, email)
    shipping = _address(element.find(qname(NS_CDISCOUNT, "ShippingAddress")), phone, email)
    customer_name = joined(
        [
            child_text(customer, NS_CDISCOUNT, "FirstName"),
            child_text(customer, NS_CDISCOUNT, "LastName"),
        ]
    )
    for address in (billing, shipping):
        if customer_name is None and address is not None:
            customer_name = joined([address.first_name, address.last_name]) or address.company_name

    lines = _order_lines(element, number)
    lines_shipping = sum((line.shipping_cost for line in lines), Decimal("0"))
    total = decimal_or_none(text("ValidatedTotalAmount"), f"order {number} ValidatedTotalAmount")
    shipping_total = decimal_or_none(
        text("ValidatedTotalShippingCharges"), f"order {number} ValidatedTotalShippingCharges"
    )
    if shipping_total is None:
        shipping_total = lines_shipping
    if total is None:
        total = sum((line.total_price for line in lines), Decimal("0")) + lines_shipping

    return Order(
        order_id=number,
        reference=number,
        status=state,
        paid=state in PAID_STATES,
        awaiting_acceptance=state in AWAITING_ACCEPTANCE_STATES,
        closed=state in CLOSED_STATES,
        created_at=_date(text("CreationDate"), f"order {number} CreationDate"),
        updated_at=_date(text("LastUpdatedDate"), f"order {number} LastUpdatedDate"),
        ship_by=_date(text("ShippingDateMax"), f"order {number} ShippingDateMax"),
        currency=CURRENCY,
        customer_name=customer_name,
        billing_address=billing,
        shipping_address=shipping,
        total_amount=total,
        shipping_total=shipping_total,
        commission=decimal_or_none(
            text("SiteCommissionValidatedAmount"), f"order {number} SiteCommissionValidatedAmount"
        ),
        lines=lines,
        raw_payload=etree.tostring(element, encoding="unicode"),
        has_claims=flag(text("HasClaims")),
        vouchers=read_vouchers(element),
    )


def _order_lines(element: etree._Element, number: str) -> tuple[OrderLine, ...]:
    line_list = present(element.find(qname(NS_CDISCOUNT, "OrderLineList")))
    if line_list is None:
        return ()
    lines = []
    seen: dict[str, int] = {}
    for line in line_list.findall(qname(NS_CDISCOUNT, "OrderLine")):

        def text(name: str, line: etree._Element = line) -> str | None:
            return child_text(line, NS_CDISCOUNT, name)

        seller_product_id = text("SellerProductId")
        if seller_product_id is None:
            raise OrderDataError(f"order {number}: a line has no SellerProductId")
        # ValidateOrderList names lines by SellerProductId (RowId means nothing there); a
        # product on two lines gets '#2', '#3'… so each line keeps an id of its own.
        seen[seller_product_id] = seen.get(seller_product_id, 0) + 1
        line_id = seller_product_id
        if seen[seller_product_id] > 1:
            line_id = f"{seller_product_id}#{seen[seller_product_id]}"
        where = f"order {number} line {line_id}"
        quantity = required_quantity(text("Quantity"), f"{where} Quantity")
        # §M4: PurchasePrice is the line total, not a unit price.
        total = required_decimal(text("PurchasePrice"), f"{where} PurchasePrice")
        lines.append(
            OrderLine(
                line_id=line_id,
                sku=seller_product_id,
                ean=text("ProductEan"),
                name=text("Name"),
                quantity=quantity,
                unit_price=unit_price(total, quantity),
                total_price=total,
                shipping_cost=_line_shipping(text, quantity, where),
                status=text("AcceptationState"),
                seller_fulfilled=True,  # the Marketplace API lists the seller's own lines
                condition=text("ProductCondition"),
                has_claim=flag(text("HasClaim")),
            )
        )
    return tuple(lines)


def flag(text: str | None) -> bool:
    """An optional xs:boolean: absent or unreadable reads as false."""
    return XS_BOOLEAN.get((text or "").strip(), False)


def read_vouchers(element: etree._Element) -> tuple[Voucher, ...]:
    """VoucherList/Voucher{CreateDate, RefundInformation{Amount, MotiveId}, Source} (§M9).

    Read tolerantly: the list is only shown to the seller, so an unreadable date or amount is
    None rather than a malformed order.
    """
    voucher_list = present(element.find(qname(NS_CDISCOUNT, "VoucherList")))
    if voucher_list is None:
        return ()
    vouchers = []
    for voucher in voucher_list:
        if not isinstance(voucher.tag, str) or is_nil(voucher):
            continue
        refund = present(voucher.find(qname(NS_CDISCOUNT, "RefundInformation")))
        try:
            created = _date(child_text(voucher, NS_CDISCOUNT, "CreateDate"), "CreateDate")
        except OrderDataError:
            created = None
        try:
            amount = decimal_or_none(child_text(refund, NS_CDISCOUNT, "Amount"), "Amount")
        except OrderDataError:
            amount = None
        vouchers.append(
            Voucher(
                created_at=created,
                amount=amount,
                motive_id=child_text(refund, NS_CDISCOUNT, "MotiveId"),
                source=child_text(voucher, NS_CDISCOUNT, "Source"),
            )
        )
    return tuple(vouchers)


def _line_shipping(text: Callable[[str], str | None], quantity: int, where: str) -> Decimal:
    """UnitShippingCharges for each unit, plus UnitAdditionalShippingCharges."""
    unit = decimal_or_none(text("UnitShippingCharges"), f"{where} UnitShippingCharges")
    additional = decimal_or_none(
        text("UnitAdditionalShippingCharges"), f"{where} UnitAdditionalShippingCharges"
    )
    return (unit or Decimal("0")) * quantity + (additional or Decimal("0"))


def _address(
    element: etree._Element | None, phone: str | None, email: str | None
) -> Address | None:
    """§M4's address, its street parts folded into two lines; the customer's phone and email.

    line1 is the street (Street, else Address1, else Address2); line2 gathers what is left in
    French postal order: other address lines, Building, ApartmentNumber, PlaceName.
    """
    element = present(element)
    if element is None:
        return None

    def text(name: str) -> str | None:
        return child_text(element, NS_CDISCOUNT, name)

    streets = [text("Street"), text("Address1"), text("Address2")]
    line1 = next((street for street in streets if street), None)
    rest = [*streets, text("Building"), text("ApartmentNumber"), text("PlaceName")]
    line2 = joined(
        [part for part in rest if part and part.casefold() != (line1 or "").casefold()], ", "
    )
    civility = text("Civility")
    return address_or_none(
        civility=None if civility == "None" else civility,  # WCF enum default
        first_name=text("FirstName"),
        last_name=text("LastName"),
        company_name=text("CompanyName"),
        line1=line1,
        line2=line2,
        postal_code=text("ZipCode"),
        city=text("City"),
        country_code=text("Country"),
        phone=phone,
        email=email,
        instructions=text("Instructions"),
        relay_id=text("RelayId"),
    )


def present(element: etree._Element | None) -> etree._Element | None:
    return None if element is None or is_nil(element) else element


def _date(text: str | None, what: str) -> datetime | None:
    # §M4: naive Paris time, milliseconds possible, 0001-01-01T00:00:00 for "no date".
    return parse_datetime(text, PARIS, what)


def validation_errors(answer: etree._Element) -> str | None:
    """Errors of one ValidateOrderResult and of its lines, as 'ErrorType: Message'."""
    messages = [_errors_text(answer.find(qname(NS_CDISCOUNT, "Errors")))]
    line_results = answer.find(qname(NS_CDISCOUNT, "ValidateOrderLineResults"))
    if line_results is not None:
        for line in line_results.findall(qname(NS_CDISCOUNT, "ValidateOrderLineResult")):
            text = _errors_text(line.find(qname(NS_CDISCOUNT, "Errors")))
            if text:
                product = child_text(line, NS_CDISCOUNT, "SellerProductId")
                messages.append(f"{product}: {text}" if product else text)
    return joined(messages, "; ")


def _errors_text(errors: etree._Element | None) -> str | None:
    if errors is None:
        return None
    found = []
    for error in errors.findall(qname(NS_CDISCOUNT, "Error")):
        kind = child_text(error, NS_CDISCOUNT, "ErrorType")
        message = child_text(error, NS_CDISCOUNT, "Message")
        found.append(": ".join(part for part in (kind, message) if part))
    return joined(found, "; ")


def looks_like_html(response: requests.Response) -> bool:
    if "html" in media_type(response):
        return True
    start = response_text(response)[:512].lstrip().lower()
    return start.startswith(("<!doctype html", "<html"))


def xs_int(text: str | None) -> int | None:
    """An xs:int as int; None when absent or not a whole number."""
    if text is None or not _INTEGER.fullmatch(text.strip()):
        return None
    return int(text.strip())


def read_offer_results(result: etree._Element) -> Iterator[OfferResult]:
    """OfferLogList/OfferReportLog* (§M6); Validated true means created (80) or updated (90)."""
    log_list = present(result.find(qname(NS_CDISCOUNT, "OfferLogList")))
    if log_list is None:
        return
    for log in log_list.findall(qname(NS_CDISCOUNT, "OfferReportLog")):

        def text(name: str, log: etree._Element = log) -> str | None:
            return child_text(log, NS_CDISCOUNT, name)

        sku = text("SellerProductId")
        if sku is None:
            raise OfferDataError("an OfferReportLog has no SellerProductId")
        accepted = XS_BOOLEAN.get(text("Validated") or "")
        if accepted is None:
            raise OfferDataError(f"the OfferReportLog of {sku} lacks Validated")
        properties = present(log.find(qname(NS_CDISCOUNT, "PropertyList")))
        logs = (
            []
            if properties is None
            else properties.findall(qname(NS_CDISCOUNT, "OfferReportPropertyLog"))
        )
        in_error = [entry for entry in logs if _property_in_error(entry)]
        # A refused offer speaks through its first property in error; an accepted one through
        # its first log (80 created, 90 updated).
        entry = (in_error or logs or [None])[0] if not accepted else (logs or [None])[0]
        yield OfferResult(
            sku=sku,
            ean=text("ProductEan"),
            status=text("OfferIntegrationStatus") or ("Integrated" if accepted else "Rejected"),
            accepted=accepted,
            code=_property_result_code(entry),
            message=_property_message(entry),
        )


# Result codes that are not errors (§M6): none, created, updated.
_NOT_ERRORS = {"0", "80", "90"}


def _property_result_code(entry: etree._Element | None) -> str | None:
    """The result code of an OfferReportPropertyLog (docs/cdiscount-api.md §M6).

    Cdiscount puts the code (13 unknown product, 90 updated…) in `PropertyError` and the number
    of the property at fault in `PropertyCode`. Read tolerantly: where `PropertyError` is only a
    true/false flag, the code is taken from `PropertyCode`.
    """
    if entry is None:
        return None
    error = (child_text(entry, NS_CDISCOUNT, "PropertyError") or "").strip()
    if _INTEGER.fullmatch(error):
        return error
    return child_text(entry, NS_CDISCOUNT, "PropertyCode")


def _property_in_error(entry: etree._Element) -> bool:
    error = (child_text(entry, NS_CDISCOUNT, "PropertyError") or "").strip()
    if _INTEGER.fullmatch(error):
        return error not in _NOT_ERRORS
    return bool(XS_BOOLEAN.get(error))


def _property_message(entry: etree._Element | None) -> str | None:
    """`LogMessage`, whose last field is the sentence where it comes as the pipe-separated
    SKU|EAN|property|status|code|message line that Cdiscount writes."""
    message = child_text(entry, NS_CDISCOUNT, "LogMessage") if entry is not None else None
    if message and message.count("|") >= 5:
        return message.rsplit("|", 1)[1].strip() or message
    return message


def read_remote_offer(element: etree._Element) -> RemoteOffer | None:
    """One Offer of GetOfferListPaginated (§M7); None without a SellerProductId."""

    def text(name: str) -> str | None:
        return child_text(element, NS_CDISCOUNT, name)

    sku = text("SellerProductId")
    if sku is None:
        return None
    try:
        quantity = required_quantity(text("Stock"), "Stock")
    except OrderDataError:
        quantity = None
    try:
        price = decimal_or_none(text("Price"), "Price")
    except OrderDataError:
        price = None
    return RemoteOffer(
        sku=sku,
        ean=text("ProductEan"),
        quantity=quantity,
        price=price,
        state=text("OfferState"),
    )


def sts_token_value(content: bytes) -> str | None:
    """§M1: the token in <string xmlns="…/Serialization/">32 hex</string>; None otherwise."""
    try:
        root = parse_xml(content)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.tag != qname(NS_SERIALIZATION, "string") or len(root):
        return None
    value = (root.text or "").strip()
    return value if TOKEN_PATTERN.fullmatch(value) else None


def read_seller_info(result: etree._Element) -> SellerInfo | None:
    """GetSellerInformation's result (§M3); None when it holds no Seller."""
    seller = result.find(qname(NS_CDISCOUNT, "Seller"))
    if seller is None:
        return None
    raw = {
        local_name(child): to_python(child, SELLER_LIST_TAGS)
        for child in result
        if isinstance(child.tag, str) and local_name(child) not in RESULT_COMMON
    }
    return SellerInfo(
        seller_id=None,  # the Marketplace API exposes no numeric seller id
        shop_name=child_text(seller, NS_CDISCOUNT, "ShopName"),
        login=child_text(seller, NS_CDISCOUNT, "Login"),
        raw=raw,
    )


def read_carriers(result: etree._Element) -> list[Carrier] | None:
    """GetGlobalConfiguration's CarrierList/Carrier{CarrierId, DefaultURL, Name} (§M5); None
    when the result holds no CarrierList."""
    carrier_list = result.find(qname(NS_CDISCOUNT, "CarrierList"))
    if carrier_list is None:
        return None
    carriers = []
    for element in carrier_list.findall(qname(NS_CDISCOUNT, "Carrier")):
        name = child_text(element, NS_CDISCOUNT, "Name")
        if name is None:
            continue
        carriers.append(
            Carrier(
                code=child_text(element, NS_CDISCOUNT, "CarrierId"),
                name=name,
                default_url=child_text(element, NS_CDISCOUNT, "DefaultURL"),
            )
        )
    return carriers
