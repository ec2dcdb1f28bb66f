"""Cdiscount Marketplace API (SOAP 1.1 over WCF), docs/cdiscount-api.md §M."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

import requests
from lxml import etree

from ._base import BaseClient, CallObserver, TokenStore, logger, media_type, utc_now
from ._marketplace_aftersale import (
    DEFAULT_LINE_REFUND_MOTIVE,
    DISCUSSION_STATES,
    DISCUSSION_TYPES,
    GESTURE_MOTIVE_IDS,
    LINE_REFUND_MOTIVES,
    SELLER_CANCELLED_LINE_STATES,
    SELLER_CANCELLED_STATES,
    SHIPMENT_REFUSED,
    Gesture,
    LineRefund,
    close_request,
    discussion_filter,
    read_close_results,
    read_discussions,
    read_refund_result,
    refund_lines,
    refund_request,
)
from ._marketplace_parse import (
    XS_BOOLEAN,
    body_fault,
    looks_like_html,
    read_carriers,
    read_offer_results,
    read_order,
    read_remote_offer,
    read_seller_info,
    response_fault,
    result_errors,
    soap_body,
    sts_token_value,
    validation_errors,
    xs_int,
)
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
    check_range,
    check_shipment,
    check_statuses,
    lines_to_ship,
)
from ._xml import (
    NS_ARRAYS,
    NS_CDISCOUNT,
    NS_MESSAGES,
    NS_SOAP,
    NS_XSI,
    child_text,
    qname,
    sub,
)
from .aftersale import (
    SELLER_PORTAL_URL,
    AfterSaleReason,
    Cancellation,
    CancellationReason,
    CloseResult,
    Discussion,
    Outcome,
    Refund,
    RefundAllowance,
    RefundItem,
    check_reason,
)
from .errors import (
    CancellationRefusedError,
    CdiscountError,
    InvalidCredentialsError,
    MalformedResponseError,
    NotSupportedError,
    RefundRefusedError,
    RejectedError,
    TokenRejectedError,
)
from .protocols import PackagePublisher
from .results import (
    Carrier,
    OfferPackageStatus,
    OfferPackageSubmission,
    OfferUpdate,
    Order,
    RemoteOffer,
    SellerInfo,
    Token,
)

_T = TypeVar("_T")

# §M1: a token is valid 48 hours from its issue.
TOKEN_LIFETIME = timedelta(hours=48)
SOAP_ACTION = '"http://www.cdiscount.com/IMarketplaceAPIService/{operation}"'

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
        token_store: TokenStore | None = None,
        session: requests.Session | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        super().__init__(
            token=token,
            timeout=timeout,
            auto_refresh=auto_refresh,
            token_store=token_store,
            session=session,
            observer=observer,
        )
        self._sts_url = sts_url
        self._soap_url = soap_url
        self._login = login
        self._password = password

    # -- operations -------------------------------------------------------------------------

    def get_seller_info(self) -> SellerInfo:
        """GetSellerInformation: the token validity probe (§M3)."""
        return self._read_call("GetSellerInformation", read_seller_info, missing="Seller")

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
        return self._read_call("GetGlobalConfiguration", read_carriers, missing="CarrierList")

    # -- after the sale (§M8, §M9, §M10): the AfterSaleClient protocol --------------------

    def cancellation_reasons(self) -> list[CancellationReason]:
        """This API takes no cancellation reason (§M8): every shared reason is offered, sent
        as the state ShipmentRefusedBySeller (RefusedBySeller before acceptance)."""
        return [
            CancellationReason(code=SHIPMENT_REFUSED, label=reason.label, reason=reason)
            for reason in AfterSaleReason
        ]

    def order_cancel(
        self, order: Order, *, lines: Sequence[str] | None = None, reason: AfterSaleReason
    ) -> Cancellation:
        """ValidateOrderList cancelling an order the seller will not ship (§M8); settled at once.

        Before acceptance it refuses the order (RefusedBySeller, §M5); after, every line and
        the order go ShipmentRefusedBySeller, without a carrier, and Cdiscount refunds the
        customer. `lines` cancels only those lines, the others sent with their current state:
        Cdiscount may refuse that ([unconfirmed]), and the CancellationRefusedError then offers
        the whole order. `reason` has no place on the wire here.
        """
        check_reason(reason)
        state = "RefusedBySeller" if order.awaiting_acceptance else SHIPMENT_REFUSED
        whole = lines is None
        chosen = lines_to_ship(order, lines, default=lambda line: True)
        if whole:
            refusal = (
                f"Cdiscount would not cancel order {order.reference}: it is no longer "
                "cancellable (already shipped, cancelled or refunded); refresh the order to "
                "see its state"
            )
        else:
            refusal = (
                f"Cdiscount would not cancel only some lines of order {order.reference}; "
                "cancel the whole order instead, or ship it"
            )
        self._validate_order(
            order,
            state,
            state,
            lines={line.line_id for line in chosen},
            refusal=refusal,
            refused_as=CancellationRefusedError,
            whole_order_offered=not whole,
        )
        return Cancellation(
            request_id=None,
            order_id=order.order_id,
            state=Outcome.ACCEPTED,
            status=state,
            line_ids=tuple(line.line_id for line in chosen),
            reason_code=None,
            message=None,
        )

    def order_cancellations(self, order: Order) -> list[Cancellation]:
        """The seller's cancellation as the order reads it back (GetOrderList, §M8): this API
        keeps no request, so an order in a state the seller's cancellation leaves is one."""
        current = self.get_order(order.order_id)
        if current.status not in SELLER_CANCELLED_STATES:
            return []
        return [
            Cancellation(
                request_id=None,
                order_id=current.order_id,
                state=Outcome.ACCEPTED,
                status=current.status,
                line_ids=tuple(
                    line.line_id
                    for line in current.lines
                    if line.status in SELLER_CANCELLED_LINE_STATES
                ),
                reason_code=None,
                message=None,
                created_at=current.updated_at,
            )
        ]

    def refund_allowance(self, order: Order) -> RefundAllowance:
        """No call for it on this API (§M9): what the customer paid (the order's total) less
        the refunds already made on it, read from the order; unknown when one is unreadable."""
        current = self.get_order(order.order_id)
        refunded = [voucher.amount for voucher in current.vouchers]
        if any(value is None for value in refunded):
            return RefundAllowance(order_id=order.order_id, amount=None, currency=order.currency)
        left = current.total_amount - sum((v for v in refunded if v is not None), Decimal("0"))
        return RefundAllowance(
            order_id=order.order_id, amount=max(left, Decimal("0")), currency=current.currency
        )

    def order_refund(
        self,
        order: Order,
        *,
        lines: Sequence[str] | None = None,
        amount: Decimal | None = None,
        reason: AfterSaleReason,
        details: str = "",
    ) -> Refund:
        """CreateRefundVoucher (§M9): whole lines refunded and/or a commercial gesture of
        `amount`, the reason as each item's Motive / MotiveId.

        A line's shipping is refunded when every line of the order is. Each item's own
        OperationSuccess decides (the top-level flag may be false while some items passed): a
        partial refusal is returned (state PARTIAL), each refused item with a sentence the
        seller can act on; when nothing passed it is a RefundRefusedError holding the result.
        `details` has no place on the wire here.
        """
        operation = "CreateRefundVoucher"
        label = f"Marketplace {operation}"
        reason = check_reason(reason)
        if isinstance(lines, str):
            raise TypeError("lines must be a sequence of line ids, not one string")
        line_ids = list(dict.fromkeys(lines or ()))
        if len(line_ids) != len(lines or ()):
            raise ValueError("a line can be refunded once per request")
        whole = {line.line_id for line in order.lines} <= set(line_ids)
        motive = LINE_REFUND_MOTIVES.get(reason, DEFAULT_LINE_REFUND_MOTIVE)
        chosen = refund_lines(
            order,
            [LineRefund(line_id, motive=motive, refund_shipping=whole) for line_id in line_ids],
        )
        gestures = [] if amount is None else [Gesture(amount, GESTURE_MOTIVE_IDS[reason])]
        if not chosen and not gestures:
            raise ValueError("a refund needs at least one line or an amount")
        request = refund_request(order.order_id, chosen, gestures)
        result = self._soap_call(operation, [request], allow_failure=True)
        refund = read_refund_result(result, order.order_id, chosen, gestures, result_errors(result))
        if not refund.accepted:
            # The items' sentences already quote Cdiscount's words.
            error = self._error(
                RefundRefusedError,
                " ".join(item.message or "" for item in refund.refused).strip()
                or f"{label}: Cdiscount refused the refund of order {order.reference}",
                result=refund,
            )
            error.cdiscount_message = result_errors(result)
            raise error
        if refund.refused:
            logger.warning(
                "%s: order %s, %d of %d refund items refused",
                label,
                order.reference,
                len(refund.refused),
                len(refund.items),
            )
        return refund

    def order_refunds(self, order: Order) -> list[Refund]:
        """The refunds made on the order, as it reads them back (§M9 VoucherList); settled."""
        current = self.get_order(order.order_id)
        return [
            Refund(
                refund_id=None,
                order_id=current.order_id,
                state=Outcome.ACCEPTED,
                amount=voucher.amount,
                items=(
                    RefundItem(
                        kind="voucher",
                        state=Outcome.ACCEPTED,
                        amount=voucher.amount,
                        motive=voucher.motive_id,
                    ),
                ),
                status=voucher.source or "",
                reason_code=voucher.motive_id,
                created_at=voucher.created_at,
            )
            for voucher in current.vouchers
        ]

    def discussions(
        self,
        *,
        since: datetime | None = None,
        open_only: bool = False,
        claims_only: bool = False,
    ) -> Iterator[Discussion]:
        """GetDiscussionList (§M10) with their messages. Its dates filter on creation only, so
        `since` (last update) is applied here to every discussion read."""
        if since is not None and since.utcoffset() is None:
            raise ValueError("since must be an aware datetime")
        found = self.list_discussions(
            discussion_type="Claim" if claims_only else "All",
            status="Open" if open_only else "All",
        )
        return (
            discussion
            for discussion in found
            if since is None or (discussion.updated_at or discussion.created_at or since) >= since
        )

    def discussion(self, discussion_id: str) -> Discussion:
        """One discussion with its messages: GetDiscussionList has no id filter (§M10), so it
        is found among all of them."""
        wanted = discussion_id.strip() if isinstance(discussion_id, str) else ""
        if not wanted:
            raise ValueError("discussion_id is required")
        for found in self.list_discussions():
            if found.discussion_id == wanted:
                return found
        raise self._error(
            RejectedError,
            f"Cdiscount knows no discussion {wanted} for this account: refresh the messages",
        )

    def discussion_reply(self, discussion_id: str, body: str) -> None:
        """Answering through this API is [unconfirmed] (§M10): the client does not try."""
        raise self._error(
            NotSupportedError,
            f"The Cdiscount Marketplace API cannot answer discussion {discussion_id}: answer "
            f"the customer on the Cdiscount seller portal, {SELLER_PORTAL_URL}",
        )

    def discussion_close(self, discussion_id: str) -> CloseResult:
        """CloseDiscussionList (§M10) for one discussion; a refusal is an outcome, not an error."""
        (result,) = self.close_discussions([discussion_id])
        return result

    def list_discussions(
        self,
        *,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        discussion_type: str = "All",
        status: str = "All",
        order_ids: Sequence[str] = (),
    ) -> list[Discussion]:
        """GetDiscussionList (§M10): discussions and claims with their messages.

        Both dates or neither (aware datetimes); `discussion_type` one of DISCUSSION_TYPES,
        `status` one of DISCUSSION_STATES.
        """
        operation = "GetDiscussionList"
        if discussion_type not in DISCUSSION_TYPES:
            raise ValueError(f"discussion_type must be one of {', '.join(DISCUSSION_TYPES)}")
        if status not in DISCUSSION_STATES:
            raise ValueError(f"status must be one of {', '.join(DISCUSSION_STATES)}")
        if isinstance(order_ids, str):
            raise TypeError("order_ids must be a sequence of order numbers, not one string")
        created = None
        if created_from is not None or created_to is not None:
            if created_from is None or created_to is None:
                raise ValueError("give both created_from and created_to, or neither")
            start, end = check_range(created_from, created_to)
            created = (_paris(start), _paris(end))
        element = discussion_filter(
            created=created,
            discussion_type=discussion_type,
            status=status,
            order_ids=[number.strip() for number in order_ids if number.strip()],
        )
        discussions = read_discussions(self._soap_call(operation, [element]))
        if discussions is None:
            raise self._error(
                MalformedResponseError,
                f"Marketplace {operation}: the result holds no DiscussionList",
            )
        return discussions

    def close_discussions(self, discussion_ids: Sequence[str]) -> list[CloseResult]:
        """CloseDiscussionList (§M10): one CloseResult per discussion, in the order given.

        A discussion Cdiscount will not close is not an error: its result says why.
        """
        operation = "CloseDiscussionList"
        if isinstance(discussion_ids, str):
            raise TypeError("discussion_ids must be a sequence of ids, not one string")
        numbers = [xs_int(str(value)) for value in discussion_ids]
        if not numbers or any(number is None for number in numbers):
            raise ValueError("discussion_ids must be whole numbers")
        asked = list(dict.fromkeys(n for n in numbers if n is not None))
        result = self._soap_call(operation, [close_request(asked)])
        return read_close_results(result, asked)

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

    def submit_offers(
        self,
        offers: Sequence[OfferUpdate],
        *,
        full: bool = False,
        name: str | None = None,
        publish: PackagePublisher | None = None,
    ) -> OfferPackageSubmission:
        """One offer package (§M6): the zip written through `publish`, then submitted by URL.

        `publish` is handed a writer of the zip, runs it into a file Cdiscount can download
        (without authentication) and returns that file's URL: where packages live is the
        caller's business. `name` is the package's name in the zip (default: the time now).
        """
        if publish is None:
            raise ValueError("the Marketplace API needs publish: Cdiscount downloads the zip")
        if isinstance(offers, str) or not isinstance(offers, Sequence):
            raise TypeError("offers must be a sequence of OfferUpdate")
        name = name or f"offers-{utc_now():%Y-%m-%dT%H:%M:%SZ}"
        count = len(offers)

        def write(destination: BinaryIO) -> None:
            self.build_offer_package(offers, destination, name=name, full=full)

        zip_url = publish(write)
        return self.submit_offer_package(zip_url, offer_count=count)

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
        package_id = xs_int(child_text(result, NS_CDISCOUNT, "PackageId"))
        if package_id is None:
            raise self._error(MalformedResponseError, f"{label}: the result holds no PackageId")
        if package_id <= 0:
            raise self._error(
                RejectedError,
                f"{label}: Cdiscount did not take the package (PackageId {package_id})",
                cdiscount_message=result_errors(result),
            )
        logger.info("%s: offer package %d accepted for integration", label, package_id)
        return OfferPackageSubmission(package_id=str(package_id), offer_count=offer_count)

    def get_offer_package(self, package_id: str) -> OfferPackageStatus:
        """GetOfferPackageSubmissionResult (§M6): the state, and once Integrated or Rejected,
        every offer's result from OfferLogList.
        """
        operation = "GetOfferPackageSubmissionResult"
        label = f"Marketplace {operation}"
        number = xs_int(package_id) if isinstance(package_id, str) else None
        if number is None or number <= 0:
            raise ValueError("package_id must be a positive whole number")
        package_filter = etree.Element(
            qname(NS_CDISCOUNT, "offerPackageFilter"), nsmap={None: NS_CDISCOUNT}
        )
        sub(package_filter, NS_CDISCOUNT, "PackageID", str(number))  # §M6: capital ID
        result = self._soap_call(operation, [package_filter])

        answered = child_text(result, NS_CDISCOUNT, "PackageId")
        if answered is not None and xs_int(answered) != number:
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
            results = tuple(read_offer_results(result))
        except OfferDataError as exc:
            raise self._error(MalformedResponseError, f"{label}: {exc}") from None
        errors = xs_int(child_text(result, NS_CDISCOUNT, "NumberOfErrors"))
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
                offer = read_remote_offer(element)
                if offer is None:
                    logger.warning("%s page %d: an offer without a SKU, skipped", label, page)
                else:
                    yield offer
            current = xs_int(child_text(result, NS_CDISCOUNT, "CurrentPageNumber"))
            pages = xs_int(child_text(result, NS_CDISCOUNT, "NumberOfPages"))
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
                order = read_order(element)
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
        refusal: str | None = None,
        refused_as: type[RejectedError] = RejectedError,
        **refusal_extra: Any,
    ) -> None:
        """One ValidateOrder; `lines` limits which lines take `line_state` (default: all).
        `refusal` is the sentence a refused change raises with (Cdiscount's words follow), as
        a `refused_as` error built with `refusal_extra`."""
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
        self._check_validated(
            result, order.order_id, operation, refusal, refused_as, **refusal_extra
        )

    def _check_validated(
        self,
        result: etree._Element,
        order_number: str,
        operation: str,
        refusal: str | None = None,
        refused_as: type[RejectedError] = RejectedError,
        **refusal_extra: Any,
    ) -> None:
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
        validated = XS_BOOLEAN.get(child_text(mine[0], NS_CDISCOUNT, "Validated") or "")
        if validated is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer for order {order_number} lacks Validated",
            )
        if not validated:
            raise self._error(
                refused_as,
                refusal or f"{label}: Cdiscount did not validate order {order_number}",
                cdiscount_message=validation_errors(mine[0]),
                **refusal_extra,
            )

    # -- token (§M1) ------------------------------------------------------------------------

    def _request_token(self) -> Token:
        operation = "Marketplace token (STS)"
        # Built by hand, not with params=: §M1's literal form, as the recorded real traffic has it.
        url = f"{self._sts_url}?realm={self._soap_url}"
        # Bytes: requests would encode str credentials as Latin-1 (and fail beyond it); RFC 7617
        # has the user-id and password sent as UTF-8, as the token service reads them.
        auth = (self._login.encode("utf-8"), self._password.encode("utf-8"))
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
        value = sts_token_value(response.content)
        if value is None and looks_like_html(response):
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

    # -- the SOAP funnel (§M2) --------------------------------------------------------------

    def _soap_call(
        self,
        operation: str,
        params: Iterable[etree._Element] = (),
        *,
        allow_failure: bool = False,
    ) -> etree._Element:
        """Every SOAP operation comes through here; returns the successful <OperationResult>.

        `params` are the operation's parameter elements (namespace http://www.cdiscount.com),
        placed after headerMessage. `allow_failure` returns the result even when its
        OperationSuccess is false, for answers whose items each carry their own (§M9).
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
            return self._read_soap_response(response, operation, label, allow_failure)

        return self._with_token(label, send)

    def _read_call(
        self, operation: str, read: Callable[[etree._Element], _T | None], *, missing: str
    ) -> _T:
        """A parameterless operation's result read by `read`; None from it is a broken answer."""
        value = read(self._soap_call(operation))
        if value is None:
            raise self._error(
                MalformedResponseError, f"Marketplace {operation}: the result holds no {missing}"
            )
        return value

    def _read_soap_response(
        self,
        response: requests.Response,
        operation: str,
        label: str,
        allow_failure: bool = False,
    ) -> etree._Element:
        status = response.status_code
        if status >= 400:
            fault = response_fault(response)
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
            body = soap_body(response.content)
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
        fault = body_fault(body)
        if fault is not None:
            raise self._fault_error(response, label, *fault)
        result = body.find(
            f"{qname(NS_CDISCOUNT, operation + 'Response')}/"
            f"{qname(NS_CDISCOUNT, operation + 'Result')}"
        )
        success = XS_BOOLEAN.get(child_text(result, NS_MESSAGES, "OperationSuccess") or "")
        if result is None or success is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer lacks {operation}Result/OperationSuccess",
                response=response,
            )
        if not success and not allow_failure:
            # §M2: business errors are HTTP 200 with OperationSuccess=false.
            raise self._error(
                RejectedError,
                f"{label}: Cdiscount refused the operation",
                response=response,
                cdiscount_message=result_errors(result),
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
