"""Cdiscount Marketplace API
(docs/cdiscount-api.md §M): the STS token service and the SOAP service."""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from lxml import etree

from . import offer_zip, soap
from .catalogue import CARRIERS, cdiscount_sku
from .exchange import Request, Response
from .marketplace_claims import Voucher
from .offers import ACTIVE, REJECTED, OfferResult, PackageView, StoredOffer
from .orders import (
    FLOWS,
    MARKETPLACE_LINE_STATES,
    PARIS,
    PRODUCT_CONDITIONS,
    Line,
    LineValidation,
    Order,
    Validation,
)
from .state import MARKETPLACE, MarketplaceAccount, SimulatorState

MARKETPLACE_STATES = FLOWS[MARKETPLACE].statuses  # OrderStateEnum values the simulator knows

logger = logging.getLogger("channels.simulator")


def _html(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    # The IIS front of the real services answers transport-level errors with HTML pages.
    return Response.text(
        status,
        f"<html><body><h1>{status} - {message}</h1></body></html>",
        content_type="text/html; charset=utf-8",
        headers=headers,
    )


# §M1: the token


def sts(state: SimulatorState, request: Request) -> Response:
    if request.method != "GET":
        return _html(405, "Method not allowed")
    if not request.query.get("realm"):
        return _html(400, "Bad Request: the realm parameter is required")
    credentials = request.basic_credentials()
    account = state.authenticate_marketplace(*credentials) if credentials else None
    if account is None:
        # The real service has answered bad credentials with an HTML page too (§M1).
        return _html(
            401,
            "Unauthorized: Access is denied.",
            headers={"WWW-Authenticate": 'Basic realm="sts.cdiscount.com"'},
        )
    token = secrets.token_hex(16)  # 32 lowercase hex characters
    state.issue_token(MARKETPLACE, account.login, token)
    return Response.text(
        200,
        f'<string xmlns="{soap.SERIALIZATION}">{token}</string>',
        content_type="text/plain; charset=utf-8",
    )


# §M2: the SOAP service


@dataclass(frozen=True)
class Call:
    """One authenticated SOAP call, as an operation handler sees it."""

    state: SimulatorState
    request: Request
    account: MarketplaceAccount
    token: str
    params: dict[str, etree._Element]


@dataclass(frozen=True)
class Operation:
    handler: Callable[[Call], Response]
    params: tuple[str, ...]  # body parameters after headerMessage, in schema order


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, *params: str) -> Callable[[Callable[[Call], Response]], Callable]:
    """Register the handler of SOAP operation `name`, taking `params` after headerMessage."""

    def register(handler: Callable[[Call], Response]) -> Callable[[Call], Response]:
        OPERATIONS[name] = Operation(handler, params)
        return handler

    return register


def soap_endpoint(state: SimulatorState, request: Request) -> Response:
    if request.method != "POST":
        return _html(405, "Method not allowed")
    # basicHttpBinding is SOAP 1.1: anything but text/xml is refused before the envelope is read.
    if request.content_type != "text/xml":
        return Response(415)
    action = (request.headers.get("SOAPAction") or "").strip().strip('"')
    name = action.removeprefix(soap.ACTION_PREFIX) if action.startswith(soap.ACTION_PREFIX) else ""
    spec = OPERATIONS.get(name)
    try:
        if spec is None:
            raise soap.action_not_supported_fault(action)
        payload = soap.parse_operation(request.body, name)
        params = soap.read_in_order(payload, soap.CDISCOUNT, ("headerMessage", *spec.params))
        token = soap.header_token(params)
        issued = state.live_token(MARKETPLACE, token)
        account = state.marketplace_account(issued.principal) if issued else None
        if account is None:
            raise soap.token_fault(soap.TOKEN_UNKNOWN)
        return spec.handler(Call(state, request, account, token, params))
    except soap.SoapFault as fault:
        return fault.response()


# §M3: the token validity probe

# Delivery modes a seller typically has configured (codes as GetSellerInformation lists them).
_DELIVERY_MODES = (("STD", "Standard"), ("TRK", "Suivi"), ("REG", "Recommandé"))
_ADDRESS_FIELDS = (
    "Address1",
    "Address2",
    "ApartmentNumber",
    "Building",
    "City",
    "Civility",
    "CompanyName",
    "Country",
    "County",
    "FirstName",
    "Instructions",
    "LastName",
    "PlaceName",
    "RelayId",
    "Street",
    "ZipCode",
)


@operation("GetSellerInformation")
def get_seller_information(call: Call) -> Response:
    account = call.account
    envelope, result = soap.open_result(
        "GetSellerInformation", seller_login=account.login, token_id=call.token
    )
    # SellerMessage members follow the base fields in alphabetical (DataContract) order.
    modes = soap.child(result, "DeliveryModes")
    for code, label in _DELIVERY_MODES:
        mode = soap.child(modes, "DeliveryModeInformation")
        soap.leaf(mode, "Code", code)
        soap.leaf(mode, "Name", label)
    pool = soap.child(soap.child(result, "OfferPoolList"), "OfferPool")
    soap.leaf(pool, "Description", "Cdiscount")
    soap.leaf(pool, "Id", 1)
    seller = soap.child(result, "Seller")
    soap.leaf(seller, "Email", account.email)
    soap.leaf(seller, "IsAvailable", "ActiveSeller")
    soap.leaf(seller, "Login", account.seller_login)
    soap.leaf(seller, "MobileNumber", None)
    soap.leaf(seller, "PhoneNumber", "0556000000")
    address = soap.child(seller, "SellerAddress")
    for field_name in _ADDRESS_FIELDS:
        soap.leaf(address, field_name, account.address.get(field_name))
    soap.leaf(seller, "ShopName", account.shop_name)
    soap.leaf(seller, "ShopUrl", None)
    soap.leaf(seller, "SiretNumber", account.siret_number)
    soap.leaf(seller, "State", "Activated")
    return soap.envelope_response(envelope)


# §M4: GetOrderList

ORDER_FILTER_FIELDS = (
    "BeginCreationDate",
    "BeginModificationDate",
    "CorporationCode",
    "EndCreationDate",
    "EndModificationDate",
    "FetchOrderLines",
    "FetchParcels",
    "OrderReferenceList",
    "OrderType",
    "PartnerOrderRef",
    "States",
)
CORPORATION_CODE = "CDSB2C"  # cdiscount.com, the one corporation the simulator sells on
# Without States, the real service ignores the dates and scans (§M4): a month of orders.
SCAN_DAYS = 30
NO_DATES_ERROR = (
    "La recherche de commandes sans période a dépassé le délai d'exécution : précisez "
    "BeginModificationDate et EndModificationDate (ou BeginCreationDate et EndCreationDate)."
)
_NO_DATE = datetime(1, 1, 1)  # 0001-01-01T00:00:00 means "no date"


@operation("GetOrderList", "orderFilter")
def get_order_list(call: Call) -> Response:
    operation_name = "GetOrderList"
    fields = soap.read_in_order(call.params.get("orderFilter"), soap.CDISCOUNT, ORDER_FILTER_FIELDS)
    dates = {
        name: _read_date(fields.get(name), operation_name)
        for name in (
            "BeginCreationDate",
            "BeginModificationDate",
            "EndCreationDate",
            "EndModificationDate",
        )
    }
    fetch_lines = _read_bool(fields.get("FetchOrderLines"), operation_name)
    fetch_parcels = _read_bool(fields.get("FetchParcels"), operation_name)
    states = [
        _read_enum(element, MARKETPLACE_STATES, "OrderStateEnum", operation_name)
        for element in soap.items(fields.get("States"), soap.CDISCOUNT, "OrderStateEnum")
    ]
    references = [
        soap.text_of(element) or ""
        for element in soap.items(fields.get("OrderReferenceList"), soap.ARRAYS, "string")
    ]
    corporation = soap.text_of(fields.get("CorporationCode"))
    login = call.account.login

    if references:
        # A list of order numbers: those orders, whatever their dates.
        orders = call.state.marketplace_orders(
            login, statuses=states or None, references=references
        )
    elif not any(dates.values()):
        # §M4: a filter without dates scans a month and times out. The simulator answers at once
        # with the business error instead of making the client wait.
        return _order_list_response(call, None, error_message=NO_DATES_ERROR)
    elif not states:
        # §M4: dates filter only when States is also given; otherwise the dates are ignored.
        since = call.state.now() - timedelta(days=SCAN_DAYS)
        orders = call.state.marketplace_orders(login, updated_min=since)
    else:
        orders = call.state.marketplace_orders(
            login,
            statuses=states,
            created_min=dates["BeginCreationDate"],
            created_max=dates["EndCreationDate"],
            updated_min=dates["BeginModificationDate"],
            updated_max=dates["EndModificationDate"],
        )
    if corporation is not None and corporation != CORPORATION_CODE:
        orders = []
    return _order_list_response(call, orders, lines=fetch_lines, parcels=fetch_parcels)


def _order_list_response(
    call: Call,
    orders: list[Order] | None,
    *,
    lines: bool = False,
    parcels: bool = False,
    error_message: str | None = None,
) -> Response:
    envelope, result = soap.open_result(
        "GetOrderList",
        seller_login=call.account.login,
        token_id=call.token,
        error_message=error_message,
    )
    if orders is None:
        soap.leaf(result, "OrderList", None)
    else:
        order_list = soap.child(result, "OrderList")
        claims, now = call.state.marketplace_claims, call.state.now()
        for order in orders:
            _write_order(
                order_list,
                order,
                lines=lines,
                parcels=parcels,
                claimed=claims.claimed_lines(order.seller, order.order_id, now),
                vouchers=claims.vouchers(order.seller, order.order_id),
            )
    return soap.envelope_response(envelope)


def _write_order(
    parent: etree._Element,
    order: Order,
    *,
    lines: bool,
    parcels: bool,
    claimed: set[str] | None = None,
    vouchers: list[Voucher] | None = None,
) -> None:
    """One `Order`, members in DataContract (alphabetical) order. `claimed`: the SKUs under
    an open claim (empty: the whole order), None without one; `vouchers`: refunds made."""
    flow = order.flow
    cancelled = order.cancelled_before_payment
    shipped = order.status == flow.shipped
    validated_total = Decimal(0) if cancelled else order.total
    validated_shipping = Decimal(0) if cancelled else order.shipping_total
    leaf, child = soap.leaf, soap.child
    element = child(parent, "Order")
    leaf(element, "ArchiveParcelList", False)
    _write_address(element, "BillingAddress", order)
    corporation = child(element, "Corporation")
    leaf(corporation, "BusinessUnitId", 1)
    leaf(corporation, "CorporationCode", CORPORATION_CODE)
    leaf(corporation, "CorporationId", 1)
    leaf(corporation, "CorporationName", "Cdiscount")
    leaf(corporation, "IsMarketPlaceActive", True)
    leaf(element, "CreationDate", paris_date(order.created_at))
    _write_customer(element, order)
    leaf(element, "HasClaims", claimed is not None)
    leaf(element, "InitialTotalAmount", _number(order.total))
    leaf(element, "InitialTotalShippingChargesAmount", _number(order.shipping_total))
    leaf(element, "IsCLogistiqueOrder", False)
    leaf(element, "LastUpdatedDate", paris_date(order.updated_at))
    leaf(element, "ModGesLog", None)
    leaf(element, "ModifiedDate", paris_date(order.updated_at))
    leaf(element, "Offer", None)
    if lines:
        line_list = child(element, "OrderLineList")
        for row, line in enumerate(order.lines):
            line_claimed = claimed is not None and (not claimed or line.sku in claimed)
            _write_line(line_list, order, row, line, claimed=line_claimed)
    else:
        leaf(element, "OrderLineList", None)
    leaf(element, "OrderNumber", order.order_id)
    leaf(element, "OrderState", order.status)
    if parcels:
        parcel_list = child(element, "ParcelList")
        for parcel in order.parcels:
            item = child(parcel_list, "Parcel")
            leaf(item, "ExternalCarrierName", parcel.carrier_name)
            leaf(item, "ExternalCarrierTrackingUrl", parcel.tracking_url)
            leaf(item, "ParcelItemList", None)
            leaf(item, "ParcelNumber", parcel.parcel_number)
            leaf(item, "ParcelStatus", "Shipped")
            leaf(item, "TrackingUrl", parcel.tracking_url)
    else:
        leaf(element, "ParcelList", None)
    leaf(element, "PartnerOrderRef", None)
    leaf(element, "ShippedTotalAmount", _number(order.total if shipped else Decimal(0)))
    leaf(
        element,
        "ShippedTotalShippingCharges",
        _number(order.shipping_total if shipped else Decimal(0)),
    )
    _write_address(element, "ShippingAddress", order)
    leaf(element, "ShippingCode", order.delivery_mode)
    leaf(element, "ShippingDateMax", paris_date(order.shipped_at_max))
    leaf(element, "ShippingDateMin", paris_date(order.paid_at or order.created_at))
    commission = order.commission
    leaf(element, "SiteCommissionPromisedAmount", _number(commission))
    leaf(element, "SiteCommissionShippedAmount", _number(commission if shipped else Decimal(0)))
    leaf(element, "SiteCommissionValidatedAmount", _number(Decimal(0) if cancelled else commission))
    leaf(element, "Status", _order_status(order))
    leaf(element, "ValidatedTotalAmount", _number(validated_total))
    leaf(element, "ValidatedTotalShippingCharges", _number(validated_shipping))
    leaf(element, "ValidationStatus", "None")
    leaf(element, "VisaCegid", 1)
    if vouchers:
        voucher_list = child(element, "VoucherList")
        for voucher in vouchers:
            item = child(voucher_list, "Voucher")
            leaf(item, "CreateDate", paris_date(voucher.at))
            refund = child(item, "RefundInformation")
            leaf(refund, "Amount", _number(voucher.amount))
            leaf(refund, "MotiveId", voucher.motive_id)
            leaf(item, "Source", voucher.source)
    else:
        leaf(element, "VoucherList", None)


def _write_address(parent: etree._Element, name: str, order: Order) -> None:
    customer = order.customer
    if order.paid:
        values = {
            "Address2": customer["address_line2"],
            "City": customer["city"],
            "Civility": customer["civility"],
            "CompanyName": customer["company_name"],
            "Country": customer["country"],
            "County": "N/A",
            "FirstName": customer["first_name"],
            "Instructions": customer["instructions"],
            "LastName": customer["last_name"],
            "Street": customer["street"],
            "ZipCode": customer["postal_code"],
        }
    elif order.cancelled_before_payment:
        # §M4: cancelled before payment, the addresses are mostly nil (as real traffic shows).
        values = {
            "City": customer["city"].upper(),
            "Civility": "None",
            "County": "N/A",
            "ZipCode": customer["postal_code"],
        }
    else:
        soap.leaf(parent, name, None)  # §M4: unpaid, no address yet
        return
    address = soap.child(parent, name)
    for field_name in _ADDRESS_FIELDS:
        soap.leaf(address, field_name, values.get(field_name))


def _write_customer(parent: etree._Element, order: Order) -> None:
    customer = order.customer
    known = order.paid
    element = soap.child(parent, "Customer")
    soap.leaf(element, "Civility", customer["civility"])
    soap.leaf(element, "CustomerId", customer["customer_id"])
    soap.leaf(element, "Email", None)
    soap.leaf(element, "EncryptedEmail", customer["email"] if known else None)
    for field_name, key in (
        ("FirstName", "first_name"),
        ("LastName", "last_name"),
        ("MobilePhone", "mobile"),
        ("Phone", "phone"),
        ("ShippingFirstName", "first_name"),
        ("ShippingLastName", "last_name"),
    ):
        soap.leaf(element, field_name, customer[key] if known else None)


def _write_line(
    parent: etree._Element, order: Order, row: int, line: Line, *, claimed: bool = False
) -> None:
    leaf = soap.leaf
    element = soap.child(parent, "OrderLine")
    ship_by = order.shipped_at_max
    leaf(element, "AcceptationState", line.status)
    leaf(element, "CategoryCode", line.category)
    leaf(element, "DeliveryDateMax", paris_date(ship_by + timedelta(days=4)))
    leaf(element, "DeliveryDateMin", paris_date(ship_by + timedelta(days=1)))
    leaf(element, "HasClaim", claimed)
    leaf(element, "InitialPrice", _number(line.unit_price))
    leaf(element, "IsCDAV", False)
    leaf(element, "IsNegotiated", False)
    leaf(element, "IsProductEanGenerated", False)
    leaf(element, "Name", line.name)
    leaf(element, "OrderLineChildList", None)
    leaf(element, "ProductCondition", line.condition)
    leaf(element, "ProductEan", line.ean)
    leaf(element, "ProductId", cdiscount_sku(line.ean))
    leaf(element, "PurchasePrice", _number(line.total_price))  # §M4: the line total
    # §M8: a line refunded after the seller refused to ship reads quantity 0.
    refunded = line.status == "RefundedAfterShipmentRefused"
    leaf(element, "Quantity", 0 if refunded else line.quantity)
    leaf(element, "RefundShippingCharges", False)
    leaf(element, "RowId", row)
    leaf(element, "SellerProductId", line.sku)
    leaf(element, "ShippingDateMax", paris_date(ship_by))
    leaf(element, "ShippingDateMin", paris_date(order.paid_at or order.created_at))
    leaf(element, "Sku", cdiscount_sku(line.ean))
    leaf(element, "SkuParent", None)
    leaf(element, "UnitAdditionalShippingCharges", _number(line.additional_shipping))
    leaf(element, "UnitShippingCharges", _number(line.shipping))


def _order_status(order: Order) -> str:
    """Order/Status (OrderStatusEnum), Cdiscount's own summary beside OrderState."""
    flow = order.flow
    if order.status == flow.shipped:
        return "Completed"
    if order.cancelled_before_payment or order.status == "ShipmentRefusedBySeller":
        return "Cancelled"
    return "Validated" if order.paid else "None"


def paris_date(moment: datetime) -> str:
    """§M4: naive Paris time, with milliseconds when there are some (as WCF writes them)."""
    local = moment.astimezone(PARIS)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    millis = local.microsecond // 1000
    return f"{text}.{millis:03d}".rstrip("0") if millis else text


def _number(value: Decimal) -> str:
    """An amount as the service writes its doubles: shortest form (39.8, 0, 149)."""
    return format(value.normalize(), "f")


def _read_date(element: etree._Element | None, operation_name: str) -> datetime | None:
    text = soap.text_of(element)
    if text is None or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise soap.deserialization_fault(
            operation_name, f"The value '{text}' cannot be parsed as the type 'DateTime'."
        ) from None
    if value.tzinfo is None:
        if value == _NO_DATE:
            return None
        value = value.replace(tzinfo=PARIS)  # §M4: naive dates are Paris time
    return value.astimezone(UTC)


def _read_bool(element: etree._Element | None, operation_name: str) -> bool:
    text = (soap.text_of(element) or "").strip()
    if text in ("", "false", "0"):
        return False
    if text in ("true", "1"):
        return True
    raise soap.deserialization_fault(
        operation_name, f"The value '{text}' cannot be parsed as the type 'Boolean'."
    )


def _read_enum(
    element: etree._Element | None, allowed: tuple[str, ...], type_name: str, operation_name: str
) -> str:
    text = (soap.text_of(element) or "").strip()
    if text not in allowed:
        raise soap.deserialization_fault(
            operation_name,
            f"Invalid enum value '{text}' cannot be deserialized into type "
            f"'Cdiscount.Service.Marketplace.API.External.Contract.Data.{type_name}'.",
        )
    return text


# §M5: ValidateOrderList

VALIDATE_ORDER_FIELDS = (
    "CarrierName",
    "OrderLineList",
    "OrderNumber",
    "OrderState",
    "TrackingNumber",
    "TrackingUrl",
)
VALIDATE_LINE_FIELDS = ("AcceptationState", "ProductCondition", "SellerProductId", "TypeOfReturn")


@operation("ValidateOrderList", "validateOrderListMessage")
def validate_order_list(call: Call) -> Response:
    operation_name = "ValidateOrderList"
    message = soap.read_in_order(
        call.params.get("validateOrderListMessage"), soap.CDISCOUNT, ("OrderList",)
    )
    validations = []
    for element in soap.items(message.get("OrderList"), soap.CDISCOUNT, "ValidateOrder"):
        fields = soap.read_in_order(element, soap.CDISCOUNT, VALIDATE_ORDER_FIELDS)
        state_element = fields.get("OrderState")
        lines = []
        for line in soap.items(fields.get("OrderLineList"), soap.CDISCOUNT, "ValidateOrderLine"):
            line_fields = soap.read_in_order(line, soap.CDISCOUNT, VALIDATE_LINE_FIELDS)
            acceptation = line_fields.get("AcceptationState")
            condition = line_fields.get("ProductCondition")
            lines.append(
                LineValidation(
                    seller_product_id=soap.text_of(line_fields.get("SellerProductId")),
                    acceptation_state=(
                        _read_enum(
                            acceptation,
                            MARKETPLACE_LINE_STATES,
                            "AcceptationStateEnum",
                            operation_name,
                        )
                        if acceptation is not None
                        else None
                    ),
                    product_condition=(
                        _read_enum(
                            condition, PRODUCT_CONDITIONS, "ProductConditionEnum", operation_name
                        )
                        if condition is not None
                        else None
                    ),
                )
            )
        validations.append(
            Validation(
                order_number=soap.text_of(fields.get("OrderNumber")),
                order_state=(
                    _read_enum(state_element, MARKETPLACE_STATES, "OrderStateEnum", operation_name)
                    if state_element is not None
                    else None
                ),
                carrier_name=soap.text_of(fields.get("CarrierName")),
                tracking_number=(soap.text_of(fields.get("TrackingNumber")) or "").strip() or None,
                tracking_url=soap.text_of(fields.get("TrackingUrl")) or None,
                lines=tuple(lines),
            )
        )
    outcomes = call.state.marketplace_validate(call.account.login, validations)
    # §M5: a refused change still answers OperationSuccess=true; ErrorMessage sums it up.
    summary = [
        f"{outcome.order_number} error: {text}"
        for outcome in outcomes
        for _, text in outcome.errors
    ]
    envelope, result = soap.open_result(
        "ValidateOrderList",
        seller_login=call.account.login,
        token_id=call.token,
        error_message="\n".join(summary) or None,
        success=True,
    )
    results = soap.child(result, "ValidateOrderResults")
    for outcome in outcomes:
        item = soap.child(results, "ValidateOrderResult")
        errors = soap.child(item, "Errors")
        for error_type, text in outcome.errors:
            error = soap.child(errors, "Error")
            soap.leaf(error, "ErrorType", error_type)
            soap.leaf(error, "Message", text)
        soap.leaf(item, "OrderNumber", outcome.order_number)
        line_results = soap.child(item, "ValidateOrderLineResults")
        for sku in outcome.updated_lines:
            line_result = soap.child(line_results, "ValidateOrderLineResult")
            soap.child(line_result, "Errors")
            soap.leaf(line_result, "SellerProductId", sku)
            soap.leaf(line_result, "Updated", True)
        soap.leaf(item, "Validated", outcome.validated)
        soap.child(item, "Warnings")
    return soap.envelope_response(envelope)


# §M5: the carriers


@operation("GetGlobalConfiguration")
def get_global_configuration(call: Call) -> Response:
    envelope, result = soap.open_result(
        "GetGlobalConfiguration", seller_login=call.account.login, token_id=call.token
    )
    carriers = soap.child(result, "CarrierList")
    for carrier in CARRIERS:
        element = soap.child(carriers, "Carrier")
        soap.leaf(element, "CarrierId", carrier.carrier_id)
        soap.leaf(element, "DefaultURL", carrier.default_url)
        soap.leaf(element, "Name", carrier.label)
    return soap.envelope_response(envelope)


# §M6: offer packages

ZIP_NOT_DOWNLOADED = "The ZIP file can't be downloaded."
OFFER_POOL_CDISCOUNT = 1  # cdiscount.com, the one offer pool the simulator sells on
OFFERS_PER_PAGE = 100  # GetOfferListPaginated
# Offers.xml DeliveryMode names and the codes DeliveryModeInformation carries (§M3, §M4).
_DELIVERY_MODE_CODES = {"Standard": "STD", "Tracked": "TRK", "Registered": "REG", "Express": "EXP"}


@operation("SubmitOfferPackage", "offerPackageRequest")
def submit_offer_package(call: Call) -> Response:
    fields = soap.read_in_order(
        call.params.get("offerPackageRequest"), soap.CDISCOUNT, ("ZipFileFullPath",)
    )
    url = (soap.text_of(fields.get("ZipFileFullPath")) or "").strip()
    # The zip is fetched before answering (see offer_zip): the state's lock is not held meanwhile.
    try:
        package = offer_zip.fetch(url)
    except offer_zip.DownloadFailed as failed:
        logger.info("SubmitOfferPackage: the ZIP file can't be downloaded: %s", failed)
        package_id, error = -1, ZIP_NOT_DOWNLOADED
    else:
        package_id = call.state.submit_offer_package(
            MARKETPLACE,
            call.account.login,
            package_type=package.package_type,
            offers=package.offers,
            error=package.error,
            url=url,
            name=package.name,
        )
        error = None
    envelope, result = soap.open_result(
        "SubmitOfferPackage",
        seller_login=call.account.login,
        token_id=call.token,
        error_message=error,
    )
    soap.leaf(result, "PackageId", package_id)
    return soap.envelope_response(envelope)


@operation("GetOfferPackageSubmissionResult", "offerPackageFilter")
def get_offer_package_submission_result(call: Call) -> Response:
    operation_name = "GetOfferPackageSubmissionResult"
    fields = soap.read_in_order(
        call.params.get("offerPackageFilter"), soap.CDISCOUNT, ("PackageID",)
    )
    package_id = _read_int(fields.get("PackageID"), "Int64", operation_name)
    package = (
        call.state.offer_package(MARKETPLACE, call.account.login, str(package_id))
        if package_id is not None
        else None
    )
    if package is None:
        envelope, result = soap.open_result(
            operation_name,
            seller_login=call.account.login,
            token_id=call.token,
            error_message=(
                "The PackageID is required."
                if package_id is None
                else f"The offer package {package_id} does not exist."
            ),
        )
        soap.leaf(result, "NumberOfErrors", 0)
        soap.leaf(result, "OfferLogList", None)
        soap.leaf(result, "PackageId", package_id or 0)
        soap.leaf(result, "PackageIntegrationStatus", None)
        return soap.envelope_response(envelope)
    # A package rejected as a whole says why in ErrorMessage; the call itself succeeded.
    envelope, result = soap.open_result(
        operation_name,
        seller_login=call.account.login,
        token_id=call.token,
        error_message=package.error if package.finished else None,
        success=True,
    )
    _write_submission_result(result, package, call.state.marketplace_pending_status)
    return soap.envelope_response(envelope)


def _write_submission_result(
    result: etree._Element, package: PackageView, pending_status: str | None
) -> None:
    leaf = soap.leaf
    if not package.finished:
        leaf(result, "NumberOfErrors", 0)
        leaf(result, "OfferLogList", None)
        leaf(result, "PackageId", package.package_id)
        leaf(result, "PackageIntegrationStatus", pending_status)
        return
    errors = package.errors
    if package.state == REJECTED:
        errors = max(errors, 1)
    leaf(result, "NumberOfErrors", errors)
    if package.results is None:
        leaf(result, "OfferLogList", None)  # kept 3 days, as Octopia's (§O5)
    else:
        logs = soap.child(result, "OfferLogList")
        for offer_result in package.results:
            _write_report_log(logs, offer_result)
    leaf(result, "PackageId", package.package_id)
    leaf(result, "PackageIntegrationStatus", package.state)


def _write_report_log(parent: etree._Element, offer_result: OfferResult) -> None:
    """One `OfferReportLog`, members in DataContract (alphabetical) order."""
    leaf = soap.leaf
    sku, ean, status = offer_result.sku, offer_result.ean, offer_result.status
    element = soap.child(parent, "OfferReportLog")
    leaf(element, "LogDate", paris_date(offer_result.at))
    leaf(element, "OfferIntegrationStatus", status)
    leaf(element, "ProductEan", ean)
    properties = soap.child(element, "PropertyList")
    for entry in offer_result.entries:
        log = soap.child(properties, "OfferReportPropertyLog")
        # SKU|EAN|property|status|code|message: the layout seller tools split LogMessage by.
        leaf(
            log,
            "LogMessage",
            f"{sku or ''}|{ean or ''}|{entry.property}|{status}|{entry.code}|{entry.message}",
        )
        leaf(log, "Name", entry.property)
        leaf(log, "PropertyCode", entry.property_code)
        leaf(log, "PropertyError", entry.code)
    leaf(element, "SellerProductId", sku)
    leaf(element, "Sku", cdiscount_sku(ean) if offer_result.integrated and ean else None)
    leaf(element, "Validated", offer_result.integrated)


# §M7: reading offers back

OFFER_FILTER_FIELDS = (
    "OfferFilterCriterion",
    "OfferPoolId",
    "OfferSortOrder",
    "OfferStateFilter",
    "PageNumber",
    "SellerProductIdList",
)


@operation("GetOfferListPaginated", "offerFilter")
def get_offer_list_paginated(call: Call) -> Response:
    operation_name = "GetOfferListPaginated"
    fields = soap.read_in_order(call.params.get("offerFilter"), soap.CDISCOUNT, OFFER_FILTER_FIELDS)
    page = _read_int(fields.get("PageNumber"), "Int32", operation_name) or 1
    offers, total = _filtered_offers(call, fields, operation_name, page=max(page, 1))
    envelope, result = soap.open_result(
        operation_name, seller_login=call.account.login, token_id=call.token
    )
    offer_list = soap.child(result, "OfferList")
    for offer in offers:
        _write_offer(offer_list, offer)
    soap.leaf(result, "CurrentPageNumber", page)
    soap.leaf(result, "NumberOfPages", math.ceil(total / OFFERS_PER_PAGE))
    return soap.envelope_response(envelope)


@operation("GetOfferList", "offerFilter")
def get_offer_list(call: Call) -> Response:
    """§M7: the unpaged twin (OfferPoolId and SellerProductIdList only)."""
    fields = soap.read_in_order(
        call.params.get("offerFilter"), soap.CDISCOUNT, ("OfferPoolId", "SellerProductIdList")
    )
    offers, _ = _filtered_offers(call, fields, "GetOfferList", page=None)
    envelope, result = soap.open_result(
        "GetOfferList", seller_login=call.account.login, token_id=call.token
    )
    offer_list = soap.child(result, "OfferList")
    for offer in offers:
        _write_offer(offer_list, offer)
    return soap.envelope_response(envelope)


def _filtered_offers(
    call: Call, fields: dict[str, etree._Element], operation_name: str, *, page: int | None
) -> tuple[list[StoredOffer], int]:
    pool = _read_int(fields.get("OfferPoolId"), "Int32", operation_name)
    state_filter = (soap.text_of(fields.get("OfferStateFilter")) or "").strip()
    skus = [
        (soap.text_of(element) or "").strip()
        for element in soap.items(fields.get("SellerProductIdList"), soap.ARRAYS, "string")
    ]
    if (pool is not None and pool != OFFER_POOL_CDISCOUNT) or state_filter not in ("", ACTIVE):
        return [], 0  # every offer the simulator holds is Active, on cdiscount.com
    offset, limit = ((page - 1) * OFFERS_PER_PAGE, OFFERS_PER_PAGE) if page else (0, 10**9)
    return call.state.offers_page(
        MARKETPLACE, call.account.login, skus=skus or None, offset=offset, limit=limit
    )


def _write_offer(parent: etree._Element, offer: StoredOffer) -> None:
    """One `Offer`, members in DataContract (alphabetical) order."""
    leaf = soap.leaf
    details = offer.details
    price = offer.price if offer.price is not None else Decimal(0)
    element = soap.child(parent, "Offer")
    costs = [mode.cost for mode in offer.shipping if mode.cost is not None]
    leaf(element, "BestShippingCharges", _number(min(costs, default=Decimal(0))))
    leaf(element, "Comments", details.get("Comment"))
    leaf(element, "CreationDate", paris_date(offer.created_at))
    leaf(element, "DeaTax", _number(details.get("DeaTax") or Decimal(0)))
    leaf(element, "DiscountList", None)
    leaf(element, "EcoTax", _number(details.get("EcoPart") or Decimal(0)))
    leaf(element, "IntegrationPrice", _number(price))
    leaf(element, "IsCDAV", False)
    leaf(element, "LastUpdateDate", paris_date(offer.updated_at))
    leaf(element, "MinimumPriceForPriceAlignment", None)
    leaf(element, "OfferBenchMark", None)
    pool = soap.child(soap.child(element, "OfferPoolList"), "OfferPool")
    leaf(pool, "Description", "Cdiscount")
    leaf(pool, "Id", OFFER_POOL_CDISCOUNT)
    leaf(element, "OfferState", offer.state)
    leaf(element, "ParentProductId", None)
    leaf(element, "Price", _number(price))
    leaf(element, "PriceMustBeAligned", "Empty")
    leaf(element, "ProductCondition", offer.condition)
    leaf(element, "ProductEan", offer.ean)
    leaf(element, "ProductId", cdiscount_sku(offer.ean))
    leaf(element, "ProductPackagingUnit", "None")
    leaf(element, "ProductPackagingUnitPrice", 0)
    leaf(element, "ProductPackagingValue", 0)
    leaf(element, "SellerProductId", offer.sku)
    shipping = soap.child(element, "ShippingInformationList")
    for mode in offer.shipping:
        information = soap.child(shipping, "ShippingInformation")
        leaf(information, "AdditionalShippingCharges", _number(mode.additional_cost or Decimal(0)))
        delivery_mode = soap.child(information, "DeliveryMode")
        leaf(delivery_mode, "Code", _DELIVERY_MODE_CODES.get(mode.mode, mode.mode))
        leaf(delivery_mode, "Name", mode.mode)
        leaf(information, "ShippingCharges", _number(mode.cost or Decimal(0)))
    leaf(element, "Stock", offer.quantity)
    leaf(element, "StrikedPrice", details.get("StrikedPrice"))
    leaf(element, "VatRate", _number(details.get("Vat") or Decimal(0)))


def _read_int(element: etree._Element | None, type_name: str, operation_name: str) -> int | None:
    text = (soap.text_of(element) or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise soap.deserialization_fault(
            operation_name, f"The value '{text}' cannot be parsed as the type '{type_name}'."
        ) from None
