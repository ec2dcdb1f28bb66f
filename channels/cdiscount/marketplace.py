"""Cdiscount Marketplace API (SOAP 1.1 over WCF), CDISCOUNT_API.md §M."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import requests
from lxml import etree

from ._base import BaseClient, logger, media_type, response_text, utc_now
from ._offer_package import Destination, write_offer_package
from ._offers import (
    FINISHED_STATES,
    REJECTED_STATE,
    OfferDataError,
    check_skus,
    error_count,
)
from ._orders import (
    PARIS,
    OrderDataError,
    address_or_none,
    check_range,
    check_shipment,
    check_statuses,
    decimal_or_none,
    joined,
    lines_to_ship,
    parse_datetime,
    required_decimal,
    required_quantity,
    unit_price,
)
from ._xml import (
    NS_ARRAYS,
    NS_CDISCOUNT,
    NS_MESSAGES,
    NS_SERIALIZATION,
    NS_SOAP,
    NS_XSI,
    child_text,
    is_nil,
    local_name,
    parse_xml,
    qname,
    sub,
    to_python,
)
from .errors import (
    CdiscountError,
    InvalidCredentialsError,
    MalformedResponseError,
    RejectedError,
    TokenRejectedError,
)
from .results import (
    Address,
    Carrier,
    OfferPackageStatus,
    OfferPackageSubmission,
    OfferResult,
    OfferUpdate,
    Order,
    OrderLine,
    RemoteOffer,
    SellerInfo,
    Token,
)

# §M1: a token is valid 48 hours from its issue.
TOKEN_LIFETIME = timedelta(hours=48)
_TOKEN_PATTERN = re.compile(r"[0-9a-fA-F]{32}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
SOAP_ACTION = '"http://www.cdiscount.com/IMarketplaceAPIService/{operation}"'
# Fields every OperationResult carries (§M2); TokenId is a secret and stays out of raw payloads.
_RESULT_COMMON = frozenset(
    {"ErrorMessage", "OperationSuccess", "ErrorList", "SellerLogin", "TokenId"}
)
_XS_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
_SELLER_LIST_TAGS = frozenset({"DeliveryModes", "OfferPoolList"})

# §M4, every OrderStateEnum value the spec names. The WCF enum also holds Blocked… fraud-review
# states the spec does not spell out: they are neither shippable nor final, so not asked for.
ORDER_STATES = (
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
    "ValidatedFianet",
    "BeingValidatedFianet",
)
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
# §M4: no paging, so the listing asks one window at a time; a window never spans more than a day
# of real time nor of Paris wall-clock time (the two differ on DST days).
ORDER_WINDOW = timedelta(days=1)
# §M4: the modification dates filter only with a creation range too. An order modified in a
# window is looked for among orders created up to CREATION_LOOKBACK before the window starts;
# orders are shipped within days and closed within weeks, so older ones no longer change.
CREATION_LOOKBACK = timedelta(days=60)
# get_order's dates: Cdiscount ignores the other filters when OrderReferenceList is given
# (Cdiscount's documentation, quoted by alexandriagroup/cdiscountapi); the range is sent
# because §M4 asks for dates on every filter, and covers any order still worth asking about.
GET_ORDER_LOOKBACK = timedelta(days=180)
CURRENCY = "EUR"  # the Marketplace API answers in the header's currency, Eur (§M2)
_PARIS_FORMAT = "%Y-%m-%dT%H:%M:%S"
# §M7: the offer pool of cdiscount.com.
OFFER_POOL_ID = "1"
# §M6: PackageIntegrationStatus is nil, then IntegrationPending, while the package waits.
PENDING_PACKAGE_STATE = "IntegrationPending"


class MarketplaceClient(BaseClient):
    """Client of the legacy Cdiscount Marketplace API for one seller account."""

    _api_label = "Marketplace"

    def __init__(
        self,
        *,
        sts_url: str,
        soap_url: str,
        login: str,
        password: str,
        token: str | None = None,
        timeout: float = 30,
        auto_refresh: bool = True,
        on_token: Callable[[Token], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            token=token,
            timeout=timeout,
            auto_refresh=auto_refresh,
            on_token=on_token,
            session=session,
        )
        self._sts_url = sts_url
        self._soap_url = soap_url
        self._login = login
        self._password = password

    # -- operations -------------------------------------------------------------------------

    def get_seller_info(self) -> SellerInfo:
        """GetSellerInformation: the token validity probe (§M3)."""
        operation = "GetSellerInformation"
        result = self._soap_call(operation)
        seller = result.find(qname(NS_CDISCOUNT, "Seller"))
        if seller is None:
            raise self._error(
                MalformedResponseError, f"Marketplace {operation}: the result holds no Seller"
            )
        raw = {
            local_name(child): to_python(child, _SELLER_LIST_TAGS)
            for child in result
            if isinstance(child.tag, str) and local_name(child) not in _RESULT_COMMON
        }
        return SellerInfo(
            seller_id=None,  # the Marketplace API exposes no numeric seller id
            shop_name=child_text(seller, NS_CDISCOUNT, "ShopName"),
            login=child_text(seller, NS_CDISCOUNT, "Login"),
            raw=raw,
        )

    def list_orders(
        self,
        *,
        updated_from: datetime,
        updated_to: datetime,
        statuses: Sequence[str] | None = None,
    ) -> Iterator[Order]:
        """GetOrderList (§M4) over [updated_from, updated_to], one window after the other.

        A generator: one window's answer at a time, each window its own call through the funnel.
        Each order is yielded once per call, even when it shows in two windows (a boundary
        second, the hour repeated when DST ends). `statuses` None asks for every state in
        ORDER_STATES. Arguments are checked now (ValueError), before the first call.
        """
        start, end = check_range(updated_from, updated_to)
        states = check_statuses(statuses, ORDER_STATES)
        return self._orders_in_windows(start, end, states)

    def get_order(self, order_id: str) -> Order:
        """GetOrderList by OrderReferenceList (§M4); an unknown order is a RejectedError."""
        operation = "GetOrderList"
        if not isinstance(order_id, str) or not order_id.strip():
            raise ValueError("order_id is required")
        order_id = order_id.strip()
        now = utc_now().replace(microsecond=0)
        order_filter = _order_filter(
            creation=(now - GET_ORDER_LOOKBACK, now + ORDER_WINDOW),
            modification=(now - GET_ORDER_LOOKBACK, now + ORDER_WINDOW),
            states=ORDER_STATES,
            references=[order_id],
        )
        for order in self._orders_in(self._soap_call(operation, [order_filter]), operation):
            if order.order_id == order_id:
                return order
        raise self._error(
            RejectedError, f"Marketplace {operation}: Cdiscount knows no order {order_id}"
        )

    def accept_order(self, order: Order) -> None:
        """ValidateOrderList (§M5): the order and every line AcceptedBySeller."""
        self._validate_order(order, "AcceptedBySeller", "AcceptedBySeller")

    def refuse_order(self, order: Order) -> None:
        """ValidateOrderList (§M5): the order and every line RefusedBySeller."""
        self._validate_order(order, "RefusedBySeller", "RefusedBySeller")

    def ship_order(
        self,
        order: Order,
        *,
        carrier: str,
        tracking_number: str,
        tracking_url: str,
        line_ids: Sequence[str] | None = None,
    ) -> None:
        """ValidateOrderList (§M5): OrderState Shipped, lines ShippedBySeller, with tracking.

        `carrier` is a Carrier.name. §M5 wants every line of the order sent: lines left out of
        `line_ids` go with their current AcceptationState, unchanged. No ship-date field exists.
        """
        check_shipment(carrier, tracking_number)
        shipped = lines_to_ship(order, line_ids, default=lambda line: True)
        self._validate_order(
            order,
            "Shipped",
            "ShippedBySeller",
            lines={line.line_id for line in shipped},
            tracking=(carrier.strip(), tracking_number.strip(), tracking_url.strip()),
        )

    def list_carriers(self) -> list[Carrier]:
        """GetGlobalConfiguration (§M5): CarrierList/Carrier{CarrierId, DefaultURL, Name}."""
        operation = "GetGlobalConfiguration"
        result = self._soap_call(operation)
        carrier_list = result.find(qname(NS_CDISCOUNT, "CarrierList"))
        if carrier_list is None:
            raise self._error(
                MalformedResponseError, f"Marketplace {operation}: the result holds no CarrierList"
            )
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

    # -- offers (§M6, §M7) ------------------------------------------------------------------

    def build_offer_package(
        self,
        offers: Iterable[OfferUpdate],
        destination: Destination,
        *,
        name: str,
        full: bool = False,
        count: int | None = None,
    ) -> int:
        """Writes the §M6 zip to `destination` (a path or a binary file); returns the count.

        `full` False writes a StockAndPrice package (stock, and price unless None, of offers
        already integrated); True a Full one (condition, taxes, preparation time, the Tracked
        delivery mode when a shipping fee is given). PurgeAndReplace is always "false".

        Streams: the offers are read once, lazily, and Offers.xml is written as they come, so
        memory does not grow with their number. A Sequence gives its own count; any other
        iterable needs `count` (the Capacity attribute precedes the offers), and yielding a
        different number is a ValueError. At most 40,000 offers (ValueError: split them). On
        any error the destination holds no usable package. Sends nothing: Cdiscount downloads
        the zip from a URL given to submit_offer_package.
        """
        return write_offer_package(offers, destination, name=name, full=full, count=count)

    def submit_offer_package(
        self, zip_url: str, *, offer_count: int | None = None
    ) -> OfferPackageSubmission:
        """SubmitOfferPackage (§M6): Cdiscount downloads the zip from `zip_url` (no auth).

        `offer_count` (build_offer_package's answer) is only carried into the result. A
        PackageId of 0 or -1, or OperationSuccess false ("The ZIP file can't be downloaded."),
        is a RejectedError. The URL is a capability: the client's own messages never quote it.
        """
        operation = "SubmitOfferPackage"
        label = f"Marketplace {operation}"
        parts = urlsplit(zip_url) if isinstance(zip_url, str) else None
        if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("zip_url must be an absolute http(s) URL")
        request = etree.Element(
            qname(NS_CDISCOUNT, "offerPackageRequest"), nsmap={None: NS_CDISCOUNT}
        )
        sub(request, NS_CDISCOUNT, "ZipFileFullPath", zip_url.strip())
        result = self._soap_call(operation, [request])
        package_id = _integer(child_text(result, NS_CDISCOUNT, "PackageId"))
        if package_id is None:
            raise self._error(MalformedResponseError, f"{label}: the result holds no PackageId")
        if package_id <= 0:
            raise self._error(
                RejectedError,
                f"{label}: Cdiscount did not take the package (PackageId {package_id})",
                cdiscount_message=_result_errors(result),
            )
        logger.info("%s: offer package %d accepted for integration", label, package_id)
        return OfferPackageSubmission(package_id=str(package_id), offer_count=offer_count)

    def get_offer_package(self, package_id: str) -> OfferPackageStatus:
        """GetOfferPackageSubmissionResult (§M6): the state, and once Integrated or Rejected,
        every offer's result from OfferLogList.
        """
        operation = "GetOfferPackageSubmissionResult"
        label = f"Marketplace {operation}"
        number = _integer(package_id) if isinstance(package_id, str) else None
        if number is None or number <= 0:
            raise ValueError("package_id must be a positive whole number")
        package_filter = etree.Element(
            qname(NS_CDISCOUNT, "offerPackageFilter"), nsmap={None: NS_CDISCOUNT}
        )
        sub(package_filter, NS_CDISCOUNT, "PackageID", str(number))  # §M6: capital ID
        result = self._soap_call(operation, [package_filter])

        answered = child_text(result, NS_CDISCOUNT, "PackageId")
        if answered is not None and _integer(answered) != number:
            raise self._error(
                MalformedResponseError,
                f"{label}: asked for package {number}, the answer is about package {answered}",
            )
        state = child_text(result, NS_CDISCOUNT, "PackageIntegrationStatus")
        if state is None or state not in FINISHED_STATES:
            return OfferPackageStatus(
                package_id=str(number),
                state=state or PENDING_PACKAGE_STATE,
                finished=False,
                rejected=False,
                error_count=None,
                results=(),
            )
        try:
            results = tuple(_offer_results(result))
        except OfferDataError as exc:
            raise self._error(MalformedResponseError, f"{label}: {exc}") from None
        errors = _integer(child_text(result, NS_CDISCOUNT, "NumberOfErrors"))
        return OfferPackageStatus(
            package_id=str(number),
            state=state,
            finished=True,
            rejected=state == REJECTED_STATE,
            error_count=errors if errors is not None and errors >= 0 else error_count(results),
            results=results,
        )

    def list_offers(self, *, skus: Sequence[str] | None = None) -> Iterator[RemoteOffer]:
        """GetOfferListPaginated (§M7) on cdiscount.com: every offer, or those of `skus`.

        A generator over pages, each its own call through the funnel, until CurrentPageNumber
        reaches NumberOfPages. Offers are read tolerantly: one without SellerProductId is
        skipped, an unreadable field is None.
        """
        wanted = check_skus(skus)
        if wanted == ():
            return iter(())
        return self._offer_pages(wanted)

    def _offer_pages(self, skus: tuple[str, ...] | None) -> Iterator[RemoteOffer]:
        operation = "GetOfferListPaginated"
        label = f"Marketplace {operation}"
        page = 1
        while True:
            result = self._soap_call(operation, [_offer_filter(page, skus)])
            offer_list = result.find(qname(NS_CDISCOUNT, "OfferList"))
            if offer_list is None:
                raise self._error(MalformedResponseError, f"{label}: the result holds no OfferList")
            for element in offer_list.findall(qname(NS_CDISCOUNT, "Offer")):
                offer = _remote_offer(element)
                if offer is None:
                    logger.warning("%s page %d: an offer without a SKU, skipped", label, page)
                else:
                    yield offer
            current = _integer(child_text(result, NS_CDISCOUNT, "CurrentPageNumber"))
            pages = _integer(child_text(result, NS_CDISCOUNT, "NumberOfPages"))
            if current is None or pages is None or current >= pages:
                return
            if current != page:
                # A server ignoring PageNumber would otherwise be asked forever.
                raise self._error(
                    MalformedResponseError,
                    f"{label}: asked for page {page}, got page {current} of {pages}",
                )
            page += 1

    # -- orders (§M4, §M5) ------------------------------------------------------------------

    def _orders_in_windows(
        self, start: datetime, end: datetime, states: tuple[str, ...]
    ) -> Iterator[Order]:
        operation = "GetOrderList"
        seen: set[str] = set()
        for window_start, window_end in order_windows(start, end):
            order_filter = _order_filter(
                creation=(window_start - CREATION_LOOKBACK, window_end),
                modification=(window_start, window_end),
                states=states,
            )
            result = self._soap_call(operation, [order_filter])
            count = 0
            for order in self._orders_in(result, operation):
                if order.order_id in seen:
                    continue
                seen.add(order.order_id)
                count += 1
                yield order
            logger.info(
                "Marketplace %s: %d new orders modified %s to %s (UTC)",
                operation,
                count,
                window_start.isoformat(),
                window_end.isoformat(),
            )

    def _orders_in(self, result: etree._Element, operation: str) -> Iterator[Order]:
        order_list = result.find(qname(NS_CDISCOUNT, "OrderList"))
        if order_list is None:
            raise self._error(
                MalformedResponseError, f"Marketplace {operation}: the result holds no OrderList"
            )
        for element in order_list.findall(qname(NS_CDISCOUNT, "Order")):
            try:
                order = _order(element)
            except OrderDataError as exc:
                raise self._error(
                    MalformedResponseError, f"Marketplace {operation}: {exc}"
                ) from None
            yield order

    def _validate_order(
        self,
        order: Order,
        order_state: str,
        line_state: str,
        *,
        lines: set[str] | None = None,
        tracking: tuple[str, str, str] | None = None,
    ) -> None:
        """One ValidateOrder; `lines` limits which lines take `line_state` (default: all)."""
        operation = "ValidateOrderList"
        message = etree.Element(
            qname(NS_CDISCOUNT, "validateOrderListMessage"), nsmap={None: NS_CDISCOUNT}
        )
        validate = sub(sub(message, NS_CDISCOUNT, "OrderList"), NS_CDISCOUNT, "ValidateOrder")
        # §M5: children in this order (WCF reads them in schema order).
        if tracking is not None:
            sub(validate, NS_CDISCOUNT, "CarrierName", tracking[0])
        line_list = sub(validate, NS_CDISCOUNT, "OrderLineList")
        for line in order.lines:  # §M5: every line of the order
            state = line_state if lines is None or line.line_id in lines else line.status
            element = sub(line_list, NS_CDISCOUNT, "ValidateOrderLine")
            if state is not None:
                sub(element, NS_CDISCOUNT, "AcceptationState", state)
            if line.condition is not None:
                sub(element, NS_CDISCOUNT, "ProductCondition", line.condition)
            sub(element, NS_CDISCOUNT, "SellerProductId", line.sku)
        sub(validate, NS_CDISCOUNT, "OrderNumber", order.order_id)
        sub(validate, NS_CDISCOUNT, "OrderState", order_state)
        if tracking is not None:
            sub(validate, NS_CDISCOUNT, "TrackingNumber", tracking[1])
            sub(validate, NS_CDISCOUNT, "TrackingUrl", tracking[2])

        result = self._soap_call(operation, [message])
        self._check_validated(result, order.order_id, operation)

    def _check_validated(self, result: etree._Element, order_number: str, operation: str) -> None:
        """§M5: a refused change still answers OperationSuccess=true; Validated tells."""
        label = f"Marketplace {operation}"
        results = result.find(qname(NS_CDISCOUNT, "ValidateOrderResults"))
        answers = (
            [] if results is None else results.findall(qname(NS_CDISCOUNT, "ValidateOrderResult"))
        )
        mine = [
            answer
            for answer in answers
            if child_text(answer, NS_CDISCOUNT, "OrderNumber") in (order_number, None)
        ]
        if len(mine) != 1:
            raise self._error(
                MalformedResponseError,
                f"{label}: the result holds no answer for order {order_number}",
            )
        validated = _XS_BOOLEAN.get(child_text(mine[0], NS_CDISCOUNT, "Validated") or "")
        if validated is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer for order {order_number} lacks Validated",
            )
        if not validated:
            raise self._error(
                RejectedError,
                f"{label}: Cdiscount did not validate order {order_number}",
                cdiscount_message=_validation_errors(mine[0]),
            )

    # -- token (§M1) ------------------------------------------------------------------------

    def _request_token(self) -> Token:
        operation = "Marketplace token (STS)"
        # Built by hand, not with params=: §M1's literal form, as the recorded real traffic has it.
        url = f"{self._sts_url}?realm={self._soap_url}"
        # RFC 7617: UTF-8, as the STS reads it (requests would send str credentials as Latin-1).
        auth = requests.auth.HTTPBasicAuth(
            self._login.encode("utf-8"), self._password.encode("utf-8")
        )
        response = self._send("GET", url, operation=operation, auth=auth)
        status = response.status_code
        if status in (401, 403):
            raise self._error(
                InvalidCredentialsError,
                f"{operation}: Cdiscount refused the API login or password (HTTP {status})",
                response=response,
            )
        if status != 200:
            # Other 4xx (404, 400) point at a wrong STS URL rather than wrong credentials.
            raise self._transient_error(response, operation) or self._error(
                RejectedError if 400 <= status < 500 else MalformedResponseError,
                f"{operation}: unexpected answer from the token service (HTTP {status})",
                response=response,
            )
        value = self._sts_token_value(response)
        if value is None and _looks_like_html(response):
            # §M1: the real STS has answered bad credentials with a 200 HTML page.
            raise self._error(
                InvalidCredentialsError,
                f"{operation}: the token service answered with a web page instead of a token; "
                "the API login or password is probably wrong",
                response=response,
            )
        if value is None:
            # Any other 200 without <string xmlns="…/Serialization/">32 hex</string>: the
            # credentials passed HTTP auth, the body is unusable, so it is a broken answer.
            raise self._error(
                MalformedResponseError,
                f"{operation}: the answer is not a 32-character token",
                response=response,
            )
        received_at = utc_now()
        return Token(value=value, expires_at=received_at + TOKEN_LIFETIME, received_at=received_at)

    @staticmethod
    def _sts_token_value(response: requests.Response) -> str | None:
        try:
            root = parse_xml(response.content)
        except (etree.XMLSyntaxError, ValueError):
            return None
        if root.tag != qname(NS_SERIALIZATION, "string") or len(root):
            return None
        value = (root.text or "").strip()
        return value if _TOKEN_PATTERN.fullmatch(value) else None

    # -- the SOAP funnel (§M2) --------------------------------------------------------------

    def _soap_call(self, operation: str, params: Iterable[etree._Element] = ()) -> etree._Element:
        """Every SOAP operation comes through here; returns the successful <OperationResult>.

        `params` are the operation's parameter elements (namespace http://www.cdiscount.com),
        placed after headerMessage.
        """
        label = f"Marketplace {operation}"
        envelope, token_element = _envelope(operation, params)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": SOAP_ACTION.format(operation=operation),
        }

        def send(token: str) -> etree._Element:
            token_element.text = token
            body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
            response = self._send(
                "POST", self._soap_url, operation=label, data=body, headers=headers
            )
            return self._read_soap_response(response, operation, label)

        return self._with_token(label, send)

    def _read_soap_response(
        self, response: requests.Response, operation: str, label: str
    ) -> etree._Element:
        status = response.status_code
        if status >= 400:
            fault = _fault(response)
            if fault is not None:
                raise self._fault_error(response, label, *fault)
            raise self._transient_error(response, label) or self._error(
                RejectedError,
                f"{label}: the SOAP service rejected the request (HTTP {status})",
                response=response,
            )
        if not 200 <= status < 300:
            raise self._error(
                MalformedResponseError, f"{label}: unexpected HTTP {status}", response=response
            )
        kind = media_type(response)
        if kind and "xml" not in kind:
            raise self._error(
                MalformedResponseError,
                f"{label}: expected XML, got content type {kind!r}",
                response=response,
            )
        try:
            body = _soap_body(response.content)
        except (etree.XMLSyntaxError, ValueError):
            raise self._error(
                MalformedResponseError, f"{label}: the answer is not valid XML", response=response
            ) from None
        if body is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer is not a SOAP envelope",
                response=response,
            )
        fault = _fault_in(body)
        if fault is not None:
            raise self._fault_error(response, label, *fault)
        result = body.find(
            f"{qname(NS_CDISCOUNT, operation + 'Response')}/"
            f"{qname(NS_CDISCOUNT, operation + 'Result')}"
        )
        success = _XS_BOOLEAN.get(child_text(result, NS_MESSAGES, "OperationSuccess") or "")
        if result is None or success is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer lacks {operation}Result/OperationSuccess",
                response=response,
            )
        if not success:
            # §M2: business errors are HTTP 200 with OperationSuccess=false.
            raise self._error(
                RejectedError,
                f"{label}: Cdiscount refused the operation",
                response=response,
                cdiscount_message=_result_errors(result),
            )
        return result

    def _fault_error(
        self, response: requests.Response, label: str, code: str, text: str | None
    ) -> CdiscountError:
        # §M2: token problems are faults s:RequestTokenValidationError (refresh once, retry).
        if code == "RequestTokenValidationError":
            return self._error(
                TokenRejectedError,
                f"{label}: Cdiscount rejected the token",
                response=response,
                cdiscount_message=text,
            )
        # §M2: DeserializationFailed means our request was malformed: retrying cannot help.
        if code == "DeserializationFailed":
            return self._error(
                RejectedError,
                f"{label}: Cdiscount could not read the request (fault {code})",
                response=response,
                cdiscount_message=text,
            )
        # Other faults: a 500 (InternalServiceFault…) is retried later; anything else refused.
        return self._transient_error(response, label, cdiscount_message=text) or self._error(
            RejectedError, f"{label}: SOAP fault {code}", response=response, cdiscount_message=text
        )

    def _secrets(self) -> list[str]:
        return [self._password, *super()._secrets()]


def _envelope(
    operation: str, params: Iterable[etree._Element]
) -> tuple[etree._Element, etree._Element]:
    """The request envelope and its TokenId element (filled per attempt)."""
    envelope = etree.Element(qname(NS_SOAP, "Envelope"), nsmap={"s": NS_SOAP})
    body = sub(envelope, NS_SOAP, "Body")
    call = etree.SubElement(body, qname(NS_CDISCOUNT, operation), nsmap={None: NS_CDISCOUNT})
    header = etree.SubElement(
        call, qname(NS_CDISCOUNT, "headerMessage"), nsmap={"a": NS_MESSAGES, "i": NS_XSI}
    )
    # §M2: WCF reads these in schema order; keep this order exactly.
    context = sub(header, NS_MESSAGES, "Context")
    sub(context, NS_MESSAGES, "CatalogID", "1")
    sub(context, NS_MESSAGES, "CustomerPoolID", "1")
    sub(context, NS_MESSAGES, "SiteID", "100")
    localization = sub(header, NS_MESSAGES, "Localization")
    sub(localization, NS_MESSAGES, "Country", "Fr")
    sub(localization, NS_MESSAGES, "Currency", "Eur")
    sub(localization, NS_MESSAGES, "DecimalPosition", "2")
    sub(localization, NS_MESSAGES, "Language", "Fr")
    security = sub(header, NS_MESSAGES, "Security")
    sub(security, NS_MESSAGES, "DomainRightsList", nil=True)
    sub(security, NS_MESSAGES, "IssuerID", nil=True)
    sub(security, NS_MESSAGES, "SessionID", nil=True)
    sub(security, NS_MESSAGES, "SubjectLocality", nil=True)
    token_element = sub(security, NS_MESSAGES, "TokenId")
    sub(security, NS_MESSAGES, "UserName", nil=True)
    sub(header, NS_MESSAGES, "Version", "1.0")
    for param in params:
        call.append(param)
    return envelope, token_element


def _soap_body(content: bytes) -> etree._Element | None:
    """The <s:Body> of a SOAP envelope, None if the document is not one (bad XML raises)."""
    root = parse_xml(content)
    if root.tag != qname(NS_SOAP, "Envelope"):
        return None
    return root.find(qname(NS_SOAP, "Body"))


def _fault(response: requests.Response) -> tuple[str, str | None] | None:
    """(faultcode local name, faultstring) when an error answer is a SOAP fault."""
    try:
        body = _soap_body(response.content)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return _fault_in(body) if body is not None else None


def _fault_in(body: etree._Element) -> tuple[str, str | None] | None:
    fault = body.find(qname(NS_SOAP, "Fault"))
    if fault is None:
        return None
    # SOAP 1.1 leaves faultcode/faultstring unqualified; {*} also takes a qualified one.
    code = (fault.findtext("{*}faultcode") or "").strip()
    text = (fault.findtext("{*}faultstring") or "").strip() or None
    # faultcode is a QName value such as "s:RequestTokenValidationError": keep its local part.
    return code.rpartition(":")[2], text


def _result_errors(result: etree._Element) -> str | None:
    """ErrorMessage plus every ErrorList/Error/Message, without repeats."""
    messages = [child_text(result, NS_MESSAGES, "ErrorMessage")]
    error_list = result.find(qname(NS_CDISCOUNT, "ErrorList"))
    if error_list is not None:
        messages.extend(child_text(error, NS_CDISCOUNT, "Message") for error in error_list)
    unique = dict.fromkeys(m for m in messages if m)
    return "; ".join(unique) or None


def order_windows(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end] (aware) cut into consecutive windows of at most one day, in UTC.

    At most ORDER_WINDOW of real time and of Paris wall-clock time: on the day DST starts a
    wall-clock day lasts 23 real hours, so that window ends an hour early. An empty range still
    gives one (empty) window.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    while True:
        wall_clock = start.astimezone(PARIS).replace(tzinfo=None) + ORDER_WINDOW
        # fold=1: a wall-clock time that DST skips is read with the later offset, i.e. earlier.
        wall_limit = wall_clock.replace(tzinfo=PARIS, fold=1).astimezone(UTC)
        stop = min(start + ORDER_WINDOW, wall_limit, end)
        yield start, stop
        if stop >= end:
            return
        start = stop


def _paris(moment: datetime) -> str:
    """§M4: dates go as naive Paris time, to the second."""
    return moment.astimezone(PARIS).strftime(_PARIS_FORMAT)


def _order_filter(
    *,
    creation: tuple[datetime, datetime],
    modification: tuple[datetime, datetime],
    states: Iterable[str],
    references: Iterable[str] = (),
) -> etree._Element:
    """The orderFilter parameter; children in the §M4 order (WCF reads them in schema order)."""
    order_filter = etree.Element(qname(NS_CDISCOUNT, "orderFilter"), nsmap={None: NS_CDISCOUNT})
    sub(order_filter, NS_CDISCOUNT, "BeginCreationDate", _paris(creation[0]))
    sub(order_filter, NS_CDISCOUNT, "BeginModificationDate", _paris(modification[0]))
    sub(order_filter, NS_CDISCOUNT, "EndCreationDate", _paris(creation[1]))
    sub(order_filter, NS_CDISCOUNT, "EndModificationDate", _paris(modification[1]))
    sub(order_filter, NS_CDISCOUNT, "FetchOrderLines", "true")
    sub(order_filter, NS_CDISCOUNT, "FetchParcels", "false")
    references = list(references)
    if references:
        reference_list = etree.SubElement(
            order_filter, qname(NS_CDISCOUNT, "OrderReferenceList"), nsmap={"arr": NS_ARRAYS}
        )
        for reference in references:
            sub(reference_list, NS_ARRAYS, "string", reference)
    state_list = sub(order_filter, NS_CDISCOUNT, "States")
    for state in states:
        sub(state_list, NS_CDISCOUNT, "OrderStateEnum", state)
    return order_filter


def _order(element: etree._Element) -> Order:
    """One Order of a GetOrderList result (§M4); only OrderNumber and OrderState are required."""

    def text(name: str) -> str | None:
        return child_text(element, NS_CDISCOUNT, name)

    number = text("OrderNumber")
    if number is None:
        raise OrderDataError("an Order has no OrderNumber")
    state = text("OrderState")
    if state is None:
        raise OrderDataError(f"order {number} has no OrderState")

    customer = _present(element.find(qname(NS_CDISCOUNT, "Customer")))
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
    )


def _order_lines(element: etree._Element, number: str) -> tuple[OrderLine, ...]:
    line_list = _present(element.find(qname(NS_CDISCOUNT, "OrderLineList")))
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
            )
        )
    return tuple(lines)


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
    element = _present(element)
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


def _present(element: etree._Element | None) -> etree._Element | None:
    return None if element is None or is_nil(element) else element


def _date(text: str | None, what: str) -> datetime | None:
    # §M4: naive Paris time, milliseconds possible, 0001-01-01T00:00:00 for "no date".
    return parse_datetime(text, PARIS, what)


def _validation_errors(answer: etree._Element) -> str | None:
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


def _looks_like_html(response: requests.Response) -> bool:
    if "html" in media_type(response):
        return True
    start = response_text(response)[:512].lstrip().lower()
    return start.startswith(("<!doctype html", "<html"))


def _basic_auth_bytes(value: str) -> bytes:
    # requests encodes str credentials as Latin-1 and fails beyond it; fall back to UTF-8.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _integer(text: str | None) -> int | None:
    """An xs:int as int; None when absent or not a whole number."""
    if text is None or not _INTEGER.fullmatch(text.strip()):
        return None
    return int(text.strip())


def _offer_filter(page: int, skus: tuple[str, ...] | None) -> etree._Element:
    """The offerFilter of GetOfferListPaginated; children in the §M7 order (WCF schema order)."""
    offer_filter = etree.Element(qname(NS_CDISCOUNT, "offerFilter"), nsmap={None: NS_CDISCOUNT})
    sub(offer_filter, NS_CDISCOUNT, "OfferPoolId", OFFER_POOL_ID)
    sub(offer_filter, NS_CDISCOUNT, "PageNumber", str(page))
    if skus is not None:
        sku_list = etree.SubElement(
            offer_filter, qname(NS_CDISCOUNT, "SellerProductIdList"), nsmap={"arr": NS_ARRAYS}
        )
        for sku in skus:
            sub(sku_list, NS_ARRAYS, "string", sku)
    return offer_filter


def _offer_results(result: etree._Element) -> Iterator[OfferResult]:
    """OfferLogList/OfferReportLog* (§M6); Validated true means created (80) or updated (90)."""
    log_list = _present(result.find(qname(NS_CDISCOUNT, "OfferLogList")))
    if log_list is None:
        return
    for log in log_list.findall(qname(NS_CDISCOUNT, "OfferReportLog")):

        def text(name: str, log: etree._Element = log) -> str | None:
            return child_text(log, NS_CDISCOUNT, name)

        sku = text("SellerProductId")
        if sku is None:
            raise OfferDataError("an OfferReportLog has no SellerProductId")
        accepted = _XS_BOOLEAN.get(text("Validated") or "")
        if accepted is None:
            raise OfferDataError(f"the OfferReportLog of {sku} lacks Validated")
        properties = _present(log.find(qname(NS_CDISCOUNT, "PropertyList")))
        logs = (
            []
            if properties is None
            else properties.findall(qname(NS_CDISCOUNT, "OfferReportPropertyLog"))
        )
        in_error = [
            entry
            for entry in logs
            if _XS_BOOLEAN.get(child_text(entry, NS_CDISCOUNT, "PropertyError") or "")
        ]
        # A refused offer speaks through its first property in error; an accepted one through
        # its first log (80 created, 90 updated).
        entry = (in_error or logs or [None])[0] if not accepted else (logs or [None])[0]
        yield OfferResult(
            sku=sku,
            ean=text("ProductEan"),
            status=text("OfferIntegrationStatus") or ("Integrated" if accepted else "Rejected"),
            accepted=accepted,
            code=child_text(entry, NS_CDISCOUNT, "PropertyCode"),
            message=child_text(entry, NS_CDISCOUNT, "LogMessage"),
        )


def _remote_offer(element: etree._Element) -> RemoteOffer | None:
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
