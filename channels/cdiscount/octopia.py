"""Octopia Seller API v2 (REST/JSON), docs/cdiscount-api.md §O."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests

from ._base import BaseClient, CallObserver, TokenStore, logger, media_type, utc_now
from ._octopia_parse import (
    CANCELLATION_CODES,
    GESTURE_CODES,
    OTHER_GESTURE_CODE,
    json_or_none,
    json_text,
    listed_items,
    oauth_description,
    positive_seconds,
    problem_details,
    read_cancellation_reasons,
    read_cancellation_request,
    read_carriers,
    read_discussion,
    read_offer_result,
    read_order,
    read_refund,
    read_refund_allowance,
    read_remote_offer,
    read_seller_info,
    www_authenticate_description,
)
from ._offers import (
    FINISHED_STATES,
    REJECTED_STATE,
    OfferDataError,
    amount,
    check_offer,
    check_package_size,
    check_skus,
    error_count,
)
from ._orders import (
    OrderDataError,
    check_range,
    check_shipment,
    check_statuses,
    lines_to_ship,
)
from .aftersale import (
    CLOSED,
    NOT_FOUND,
    REFUSED,
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
    PermissionDeniedError,
    RefundRefusedError,
    RejectedError,
    TokenRejectedError,
)
from .protocols import PackagePublisher
from .results import (
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

# §O: "tokens last 2 hours"; used only when the token answer leaves out expires_in.
DEFAULT_TOKEN_LIFETIME = timedelta(hours=2)
# OAuth error codes by which the token endpoint says the client ID or secret is wrong (§O1).
_CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client"})

SALES_CHANNEL = "CDISFR"
# §O4: pageSize is at most 100; a page with fewer items is the last one.
PAGE_SIZE = 100
# §O4, every order status, in the order of the order's life.
ORDER_STATUSES = (
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
# §O5: at most 1,000 offers per offer-requests call.
OFFER_BATCH_SIZE = 1_000
# §O5: the tracked delivery mode, mandatory on every offer that carries delivery modes.
TRACKED_DELIVERY_MODE = "THD"
# §O7 [unconfirmed]: the key naming the order in cancellation requests and their follow-up
# (one public client sends orderId instead); the simulator takes both.
CANCELLATION_ORDER_KEY = "orderSellerId"
# §O7: the seller cancels before shipment, i.e. while the order is paid and not yet shipped.
CANCELLABLE_STATUSES = frozenset({"InPreparation", "Accepted", "WaitingAcceptance"})
# §O8 cursor paging: gestures asked per page.
GESTURE_PAGE_LIMIT = 50
# §O9 [unconfirmed close form]: a JSON Patch, sent with its own media type (RFC 6902).
JSON_PATCH_CONTENT_TYPE = "application/json-patch+json"


@dataclass(frozen=True)
class ApiResponse:
    """A successful API answer: the decoded JSON (None when empty) and what later paging needs."""

    status: int
    data: Any
    headers: Mapping[str, str]
    links: Mapping[str, Any]


class OctopiaClient(BaseClient):
    """Client of the Octopia Seller API v2 for one seller account."""

    _api_label = "Octopia"

    def __init__(
        self,
        *,
        auth_url: str,
        api_url: str,
        client_id: str,
        client_secret: str,
        seller_id: str,
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
        self._auth_url = auth_url
        self._api_url = api_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._seller_id = str(seller_id)

    # -- operations -------------------------------------------------------------------------

    def get_seller_info(self) -> SellerInfo:
        """GET /sellers: the token validity probe (§O3); 401 bad token, 403 wrong Seller ID."""
        result = self._api_call("GET", "/sellers")
        return self._seller_info_from(result.data, operation="GET /sellers")

    def list_orders(
        self,
        *,
        updated_from: datetime,
        updated_to: datetime,
        statuses: Sequence[str] | None = None,
    ) -> Iterator[Order]:
        """GET /orders (§O4): orders updated in [updated_from, updated_to], oldest first.

        A generator over pages of PAGE_SIZE: one page's body at a time, each page its own call
        through the funnel (a token expiring mid-listing is renewed and the page retried).
        `statuses` None asks for every status in ORDER_STATUSES. An order changed while the
        listing runs can come again on a later page, newer: callers store orders idempotently.
        Arguments are checked now (ValueError), before the first page is asked for.
        """
        start, end = check_range(updated_from, updated_to)
        params = {
            "salesChannelId": SALES_CHANNEL,
            "updatedAtMin": _iso_utc(start),
            "updatedAtMax": _iso_utc(end),
            "status": ",".join(check_statuses(statuses, ORDER_STATUSES)),
        }
        return self._order_pages(params)

    def get_order(self, order_id: str) -> Order:
        """GET /orders/{orderId} (§O4); an unknown order is a RejectedError (404)."""
        path = f"/orders/{_segment(order_id)}"
        result = self._api_call("GET", path)
        data = result.data
        # Tolerated: the order wrapped like a listing page.
        if isinstance(data, dict) and "orderId" not in data and isinstance(data.get("items"), list):
            data = data["items"][0] if len(data["items"]) == 1 else None
        return self._order_from(data, f"GET {path}")

    def accept_order(self, order: Order) -> None:
        """POST /orders/{orderId}/approval-status "Accepted" (§O4; only in WaitingAcceptance)."""
        self._set_approval(order, "Accepted")

    def refuse_order(self, order: Order) -> None:
        """POST /orders/{orderId}/approval-status "Refused" (§O4; only in WaitingAcceptance)."""
        self._set_approval(order, "Refused")

    def ship_order(
        self,
        order: Order,
        *,
        carrier: str,
        tracking_number: str,
        tracking_url: str,
        line_ids: Sequence[str] | None = None,
    ) -> None:
        """POST /orders/{orderId}/shipments (§O4): one parcel holding the shipped lines.

        `carrier` is a Carrier.name (Octopia's label). `line_ids` default to every line the
        seller fulfils; naming a line the order lacks is a ValueError. There is no ship-date
        field: Cdiscount takes the time of this call.
        """
        check_shipment(carrier, tracking_number)
        lines = lines_to_ship(order, line_ids, default=lambda line: line.seller_fulfilled)
        # §O4: a JSON array of parcels [unconfirmed: array or one object]; the array is sent.
        parcels = [
            {
                "parcelNumber": tracking_number.strip(),
                "carrierName": carrier.strip(),
                "trackingUrl": tracking_url.strip(),
                "orderLineIds": [line.line_id for line in lines],
            }
        ]
        self._api_call("POST", f"/orders/{_segment(order.order_id)}/shipments", body=parcels)

    def list_carriers(self) -> list[Carrier]:
        """GET /carriers (§O4): `label` is the name ship_order's `carrier` must use."""
        operation = "GET /carriers"
        carriers = read_carriers(self._api_call("GET", "/carriers").data)
        if carriers is None:
            raise self._error(MalformedResponseError, f"{operation}: the answer is not a list")
        return carriers

    # -- offers (§O5, §O6) ------------------------------------------------------------------

    def submit_offers(
        self,
        offers: Sequence[OfferUpdate],
        *,
        full: bool = False,
        name: str | None = None,
        publish: PackagePublisher | None = None,
    ) -> OfferPackageSubmission:
        """One offer package (§O5): create it, send the offers 1,000 at a time, mark it Ready.

        `name` and `publish` serve the Marketplace API only (its packages are files Cdiscount
        downloads); Octopia takes the offers in the calls themselves.

        `full` False sends an "Update" package (stock and price of existing offers), True an
        "Upsert" (whole offers, delivery modes included). At most 40,000 offers (ValueError:
        the caller splits); every offer is checked and encoded before the first call. A failure
        after the package was created leaves it WaitingForCompletion, unused: retry the whole
        submission (the package id is in the log).
        """
        if isinstance(offers, str) or not isinstance(offers, Sequence):
            raise TypeError("offers must be a sequence of OfferUpdate")
        check_package_size(len(offers))
        bodies = [_offer_json(check_offer(offer)) for offer in offers]

        package_type = "Upsert" if full else "Update"
        created = self._api_call(
            "POST",
            "/offer-packages",
            body={"packageType": package_type},
            headers={"salesChannelId": SALES_CHANNEL},
        )
        package_id = self._package_id_from(created, "POST /offer-packages")
        path = f"/offer-packages/{_segment(package_id, 'package_id')}"
        try:
            for start in range(0, len(bodies), OFFER_BATCH_SIZE):
                batch = bodies[start : start + OFFER_BATCH_SIZE]
                self._api_call("POST", f"{path}/offer-requests", body=batch)
            self._api_call("PATCH", path, body={"state": "Ready"})
        except CdiscountError:
            logger.warning(
                "Octopia: offer package %s left incomplete (not Ready); it will not be integrated",
                package_id,
            )
            raise
        logger.info(
            "Octopia: offer package %s (%s) Ready with %d offers",
            package_id,
            package_type,
            len(bodies),
        )
        return OfferPackageSubmission(package_id=package_id, offer_count=len(bodies))

    def get_offer_package(self, package_id: str) -> OfferPackageStatus:
        """GET /offer-packages/{id} (§O5); once Integrated or Rejected, every offer's result.

        Results come from offer-requests-results, page after page. Octopia answers 400 when
        results are asked before integration ends: for an Integrated package that reads as not
        finished yet (poll again); a Rejected one is finished all the same, its results empty
        and error_count None.
        """
        path = f"/offer-packages/{_segment(package_id, 'package_id')}"
        operation = f"GET {path}"
        data = self._api_call("GET", path).data
        state = json_text(data, "state", "status") if isinstance(data, dict) else None
        if state is None:
            raise self._error(MalformedResponseError, f"{operation}: the answer holds no state")
        package_id = package_id.strip()
        pending = OfferPackageStatus(
            package_id=package_id,
            state=state,
            finished=False,
            rejected=False,
            error_count=None,
            results=(),
        )
        if state not in FINISHED_STATES:
            return pending
        rejected = state == REJECTED_STATE
        try:
            results: tuple[OfferResult, ...] | None = tuple(self._offer_results(path))
        except RejectedError as exc:
            if exc.status != 400:
                raise
            if not rejected:
                logger.info("%s: %s but its results are not ready yet", operation, state)
                return pending
            # A package rejected whole may have no offer results: polling again would not help.
            results = None
        return OfferPackageStatus(
            package_id=package_id,
            state=state,
            finished=True,
            rejected=rejected,
            error_count=None if results is None else error_count(results),
            results=results or (),
        )

    def list_offers(self, *, skus: Sequence[str] | None = None) -> Iterator[RemoteOffer]:
        """GET /offers (§O6): every offer on CDISFR, or those of `skus` (one listing each).

        A generator over pages of PAGE_SIZE, each page its own call through the funnel. Items
        are read tolerantly: one without a sellerExternalReference is skipped, an unreadable
        field is None.
        """
        wanted = check_skus(skus)
        if wanted is None:
            return self._offer_pages({"salesChannelId": SALES_CHANNEL}, None)
        return self._offers_of(wanted)

    def _offers_of(self, skus: tuple[str, ...]) -> Iterator[RemoteOffer]:
        for sku in skus:
            params = {"salesChannelId": SALES_CHANNEL, "sellerExternalReference": sku}
            yield from self._offer_pages(params, sku)

    def _offer_pages(self, params: Mapping[str, str], sku: str | None) -> Iterator[RemoteOffer]:
        operation = "GET /offers"
        for page_index, items in self._pages("/offers", params, operation):
            for item in items:
                offer = read_remote_offer(item)
                if offer is None:
                    logger.warning(
                        "%s page %d: an offer without a SKU, skipped", operation, page_index
                    )
                # Tolerated: a server ignoring the filter answers with other offers too.
                elif sku is None or offer.sku == sku:
                    yield offer

    def _offer_results(self, path: str) -> Iterator[OfferResult]:
        operation = f"GET {path}/offer-requests-results"
        for page_index, items in self._pages(f"{path}/offer-requests-results", {}, operation):
            for item in items:
                try:
                    yield read_offer_result(item)
                except OfferDataError as exc:
                    raise self._error(
                        MalformedResponseError, f"{operation} page {page_index}: {exc}"
                    ) from None

    def _pages(
        self, path: str, params: Mapping[str, str], operation: str
    ) -> Iterator[tuple[int, list[Any]]]:
        """(pageIndex, items) of a paged listing (§O4 paging): until a page is short and no
        Link rel="next" follows; the link itself is not followed (it could name another host).
        """
        page_index = 1
        previous: list[Any] | None = None
        while True:
            page = {**params, "pageIndex": page_index, "pageSize": PAGE_SIZE}
            result = self._api_call("GET", path, params=page)
            items = self._page_items(result.data, operation, page_index)
            if items and items == previous:
                # A server ignoring pageIndex would otherwise be asked forever.
                raise self._error(
                    MalformedResponseError,
                    f"{operation}: page {page_index} repeats page {page_index - 1}",
                )
            yield page_index, items
            if not items or (len(items) < PAGE_SIZE and "next" not in result.links):
                return
            previous = items
            page_index += 1

    def _package_id_from(self, result: ApiResponse, operation: str) -> str:
        """§O5: packageId in the body, else the last segment of Content-Location."""
        data = result.data
        package_id = json_text(data, "packageId", "id") if isinstance(data, dict) else None
        if package_id is None:
            location = result.headers.get("Content-Location") or result.headers.get("Location")
            _, found, rest = (
                urlsplit(location or "").path.rstrip("/").rpartition("/offer-packages/")
            )
            if found and rest and "/" not in rest:
                package_id = unquote(rest)
        if package_id is None:
            raise self._error(MalformedResponseError, f"{operation}: the answer names no packageId")
        return package_id

    # -- after the sale (§O7-§O9): the AfterSaleClient protocol ----------------------------

    def cancellation_reasons(self) -> list[CancellationReason]:
        """GET /cancellation-reasons (§O7): the reasons a seller may give, before shipment."""
        params = {
            "salesChannel": SALES_CHANNEL,
            "userType": "Seller",
            "orderStatus": "InPreparation",
        }
        data = self._api_call("GET", "/cancellation-reasons", params=params).data
        reasons = read_cancellation_reasons(data)
        if reasons is None:
            raise self._error(
                MalformedResponseError, "GET /cancellation-reasons: the answer is not a list"
            )
        return reasons

    def order_cancel(
        self, order: Order, *, lines: Sequence[str] | None = None, reason: AfterSaleReason
    ) -> Cancellation:
        """Ask Cdiscount to cancel the whole order (POST /order-cancellation-requests) or some
        lines (POST /order-partial-cancellation-requests), §O7; the shipping cost is refunded.

        Cdiscount settles the request later: follow it with order_cancellations. A refusal is
        a CancellationRefusedError saying what the seller can do; a refused line-level request
        has `whole_order_offered` set (the whole order is never cancelled here by itself).
        """
        code = CANCELLATION_CODES[check_reason(reason, tuple(CANCELLATION_CODES))]
        if lines is None:
            body: dict[str, Any] = {
                CANCELLATION_ORDER_KEY: order.order_id,
                "reason": code,
                "shippingCostRefund": True,
            }
            return self._request_cancellation(
                "/order-cancellation-requests", body, order, line_ids=(), reason=code
            )
        if not isinstance(lines, str) and not list(lines):
            raise ValueError("lines must name at least one line (None cancels the whole order)")
        chosen = lines_to_ship(order, lines, default=lambda line: False)
        body = {
            CANCELLATION_ORDER_KEY: order.order_id,
            "lines": [
                {
                    "lineId": line.line_id,
                    "offerId": _offer_id(line),
                    "reason": code,
                    "shippingCostRefund": True,
                }
                for line in chosen
            ],
        }
        return self._request_cancellation(
            "/order-partial-cancellation-requests",
            body,
            order,
            line_ids=tuple(line.line_id for line in chosen),
            reason=code,
        )

    def order_cancellations(self, order: Order) -> list[Cancellation]:
        """GET /order-cancellation-requests?orderSellerId= (§O7): the order's requests, with
        where Cdiscount stands on each (a status it does not settle reads as pending)."""
        operation = "GET /order-cancellation-requests"
        params = {CANCELLATION_ORDER_KEY: order.order_id}
        items = listed_items(
            self._api_call("GET", "/order-cancellation-requests", params=params).data
        )
        if items is None:
            raise self._error(MalformedResponseError, f"{operation}: the answer is not a list")
        found = [
            read_cancellation_request(item, order_id=order.order_id)
            for item in items
            if isinstance(item, dict)
        ]
        # Tolerated: a server ignoring the filter answers with other orders' requests too.
        return [request for request in found if request.order_id == order.order_id]

    def refund_allowance(self, order: Order) -> RefundAllowance:
        """GET /orders/{orderId}/commercial-gestures-available-amounts (§O8)."""
        path = f"/orders/{_segment(order.order_id)}/commercial-gestures-available-amounts"
        allowance = read_refund_allowance(self._api_call("GET", path).data, order.order_id)
        if allowance is None:
            raise self._error(
                MalformedResponseError, f"GET {path}: the answer holds no allowableAmount"
            )
        return allowance

    def order_refund(
        self,
        order: Order,
        *,
        lines: Sequence[str] | None = None,
        amount: Decimal | None = None,
        reason: AfterSaleReason,
        details: str = "",
    ) -> Refund:
        """POST /order-commercial-gesture-requests (§O8): a commercial gesture after shipment.

        Octopia refunds amounts, not lines: `lines` without an amount is a gesture of those
        lines' total (products only), the lines named in reasonDetails. A reason Octopia has
        no code for goes as Other with its label. Cdiscount refuses more than the allowance,
        or an order not Shipped/Delivered: a RefundRefusedError.
        """
        reason = check_reason(reason)
        details = details.strip() if isinstance(details, str) else ""
        if lines is not None:
            chosen = lines_to_ship(order, lines, default=lambda line: False)
            if not chosen:
                raise ValueError("lines must name at least one line")
            if amount is None:
                amount = sum((line.total_price for line in chosen), Decimal("0"))
            named = "lines " + ", ".join(line.sku for line in chosen)
            details = f"{named}: {details}" if details else named
        if amount is None:
            raise ValueError("give an amount, or the lines to refund")
        if not isinstance(amount, Decimal):
            raise TypeError("amount must be a Decimal")
        if not amount.is_finite() or amount <= 0:
            raise ValueError("amount must be more than 0")
        code = GESTURE_CODES.get(reason, OTHER_GESTURE_CODE)
        if reason is AfterSaleReason.OTHER and not details:
            raise ValueError("details are required when the reason is Other")
        if code == OTHER_GESTURE_CODE and reason is not AfterSaleReason.OTHER:
            details = f"{reason.label}: {details}" if details else reason.label
        body: dict[str, Any] = {
            "orderId": order.order_id,
            "reason": code,
            "amount": _json_amount(amount),
        }
        if details:
            body["reasonDetails"] = details
        path = "/order-commercial-gesture-requests"
        try:
            result = self._api_call("POST", path, body=body)
        except RejectedError as exc:
            sentence = _refund_refusal(exc.status, order, amount)
            refused = RefundItem(
                kind="gesture",
                state=Outcome.REFUSED,
                amount=amount,
                motive=code,
                message=sentence,
                cdiscount_message=exc.cdiscount_message,
            )
            result = Refund(
                refund_id=None,
                order_id=order.order_id,
                state=Outcome.REFUSED,
                amount=amount,
                items=(refused,),
                status=str(exc.status or ""),
                reason_code=code,
                message=exc.cdiscount_message,
            )
            raise self._refused(exc, RefundRefusedError, sentence, result=result) from None
        data = result.data if isinstance(result.data, dict) else {}
        refund = read_refund(data, order_id=order.order_id)
        if refund is None:  # not reached: the order id is given
            raise self._error(MalformedResponseError, f"POST {path}: unreadable answer")
        amount = refund.amount if refund.amount is not None else amount
        return replace(
            refund,
            refund_id=refund.refund_id or _location_id(result, path),
            amount=amount,
            reason_code=refund.reason_code or code,
            items=tuple(
                replace(item, amount=amount, motive=item.motive or code) for item in refund.items
            ),
        )

    def order_refunds(self, order: Order) -> list[Refund]:
        """GET /order-commercial-gesture-requests?orderId= (§O8), every cursor page."""
        operation = "GET /order-commercial-gesture-requests"
        params = {"orderId": order.order_id, "limit": GESTURE_PAGE_LIMIT}
        return [
            refund
            for items in self._cursor_pages("/order-commercial-gesture-requests", params, operation)
            for refund in (read_refund(item, order_id=order.order_id) for item in items)
            if refund is not None and refund.order_id == order.order_id
        ]

    def discussions(
        self,
        *,
        since: datetime | None = None,
        open_only: bool = False,
        claims_only: bool = False,
    ) -> Iterator[Discussion]:
        """GET /discussions (§O9), every page: those updated since `since`, open ones only,
        claims only (Octopia has no graduation filter: read here). Messages come with
        discussion()."""
        params: dict[str, str] = {}
        if open_only:
            params["isOpen"] = "true"
        if since is not None:
            if since.utcoffset() is None:
                raise ValueError("since must be an aware datetime")
            params["updatedAtMin"] = _iso_utc(since)
        return (
            discussion
            for discussion in self._discussion_pages(params)
            if discussion.is_claim or not claims_only
        )

    def discussion(self, discussion_id: str) -> Discussion:
        """GET /discussions/{id} (§O9): the discussion with its messages, oldest first."""
        path = f"/discussions/{_segment(discussion_id, 'discussion_id')}"
        data = self._api_call("GET", path).data
        # Tolerated: {"discussion": {...}, "messages": [...]} as well as one object.
        if isinstance(data, dict) and isinstance(data.get("discussion"), dict):
            data = {**data["discussion"], "messages": data.get("messages") or []}
        discussion = read_discussion(data)
        if discussion is None:
            raise self._error(MalformedResponseError, f"GET {path}: the answer is no discussion")
        return discussion

    def discussion_reply(self, discussion_id: str, body: str) -> None:
        """POST /messages (§O9): answer the customer on this discussion."""
        discussion_id = _required(discussion_id, "discussion_id")
        message = {
            "discussionId": discussion_id,
            "body": _required(body, "body"),
            "receiver": "Customer",
        }
        try:
            self._api_call("POST", "/messages", body=message)
        except RejectedError as exc:
            advice = _DISCUSSION_REFUSALS.get(exc.status, "check the text and that it is open")
            sentence = f"Cdiscount refused the message on discussion {discussion_id}: {advice}"
            raise self._refused(exc, RejectedError, sentence) from None

    def discussion_close(self, discussion_id: str) -> CloseResult:
        """PATCH /discussions/{id} (§O9) with a JSON Patch setting isOpen to false.

        A refusal is an outcome with a sentence, as on the Marketplace API, not an error.
        """
        path = f"/discussions/{_segment(discussion_id, 'discussion_id')}"
        discussion_id = discussion_id.strip()
        try:
            self._api_call(
                "PATCH",
                path,
                body=[{"op": "replace", "path": "/isOpen", "value": False}],
                headers={"Content-Type": JSON_PATCH_CONTENT_TYPE},
            )
        except RejectedError as exc:
            advice = _DISCUSSION_REFUSALS.get(exc.status, "it may be closed already or escalated")
            words = f" (Cdiscount: {exc.cdiscount_message})" if exc.cdiscount_message else ""
            return CloseResult(
                discussion_id=discussion_id,
                status=str(exc.status) if exc.status is not None else None,
                outcome=NOT_FOUND if exc.status == 404 else REFUSED,
                message=f"Cdiscount refused to close discussion {discussion_id}: {advice}{words}",
            )
        return CloseResult(
            discussion_id=discussion_id,
            status=None,
            outcome=CLOSED,
            message=f"Discussion {discussion_id} is closed.",
        )

    def _request_cancellation(
        self,
        path: str,
        body: dict[str, Any],
        order: Order,
        *,
        line_ids: tuple[str, ...],
        reason: str,
    ) -> Cancellation:
        try:
            result = self._api_call("POST", path, body=body)
        except RejectedError as exc:
            sentence, whole_order_offered = _cancellation_refusal(exc.status, order, line_ids)
            raise self._refused(
                exc,
                CancellationRefusedError,
                sentence,
                whole_order_offered=whole_order_offered,
            ) from None
        data = result.data if isinstance(result.data, dict) else {}
        request = read_cancellation_request(
            data, order_id=order.order_id, line_ids=line_ids, reason=reason
        )
        if request.request_id is None:
            request = replace(request, request_id=_location_id(result, path))
        logger.info(
            "Octopia: cancellation of order %s%s requested (%s)",
            order.order_id,
            f" lines {', '.join(line_ids)}" if line_ids else "",
            request.request_id or "no request id",
        )
        return request

    def _discussion_pages(self, params: Mapping[str, str]) -> Iterator[Discussion]:
        operation = "GET /discussions"
        for page_index, items in self._pages("/discussions", params, operation):
            for item in items:
                discussion = read_discussion(item)
                if discussion is None:
                    logger.warning(
                        "%s page %d: a discussion without an id, skipped", operation, page_index
                    )
                else:
                    yield discussion

    def _cursor_pages(
        self, path: str, params: Mapping[str, Any], operation: str
    ) -> Iterator[list[Any]]:
        """Items of a cursor-paged listing (§O8): `cursor` from the body or the Link rel="next"
        header, until there is none; a cursor seen twice ends it as malformed."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = dict(params) if cursor is None else {**params, "cursor": cursor}
            result = self._api_call("GET", path, params=page)
            items = listed_items(result.data)
            if items is None:
                raise self._error(MalformedResponseError, f"{operation}: the answer is not a list")
            yield items
            cursor = _next_cursor(result)
            if not items or cursor is None:
                return
            if cursor in seen:
                raise self._error(
                    MalformedResponseError, f"{operation}: the cursor {cursor!r} came back twice"
                )
            seen.add(cursor)

    def _refused(
        self, exc: RejectedError, cls: type[RejectedError], sentence: str, **extra: Any
    ) -> RejectedError:
        """`exc` (Octopia's refusal) as `cls`, led by a sentence the seller can act on."""
        error = self._error(
            cls, sentence, cdiscount_message=exc.cdiscount_message, trace_id=exc.trace_id, **extra
        )
        error.status, error.body = exc.status, exc.body
        return error

    # -- orders -----------------------------------------------------------------------------

    def _order_pages(self, params: Mapping[str, str]) -> Iterator[Order]:
        operation = "GET /orders"
        for page_index, items in self._pages("/orders", {**params, "sort": "updatedAt"}, operation):
            # The whole page is read before its first order is handed out.
            orders = [self._order_from(item, f"{operation} page {page_index}") for item in items]
            yield from orders

    def _page_items(self, data: Any, operation: str, page_index: int) -> list[Any]:
        if data is None:  # 204 or an empty body: no orders
            return []
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            return data["items"]
        raise self._error(
            MalformedResponseError,
            f"{operation}: page {page_index} is not an object holding an items list",
        )

    def _order_from(self, data: Any, operation: str) -> Order:
        try:
            return read_order(data)
        except OrderDataError as exc:
            raise self._error(MalformedResponseError, f"{operation}: {exc}") from None

    def _set_approval(self, order: Order, approval: str) -> None:
        # §O4 [unconfirmed route and body; one public SDK uses exactly this]; 200 or 204.
        self._api_call(
            "POST",
            f"/orders/{_segment(order.order_id)}/approval-status",
            body={"approval_status": approval},
        )

    # -- token ------------------------------------------------------------------------------

    def _request_token(self) -> Token:
        operation = "Octopia token"
        response = self._send(
            "POST",
            self._auth_url,
            operation=operation,
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        status = response.status_code
        if 200 <= status < 300:
            return self._token_from(response, operation)
        payload = json_or_none(response)
        error_code = payload.get("error") if isinstance(payload, dict) else None
        description = oauth_description(payload)
        # §O1: bad credentials answer 401, sometimes 400, with error=invalid_client.
        if status in (401, 403) or (status == 400 and error_code in _CREDENTIAL_ERRORS):
            raise self._error(
                InvalidCredentialsError,
                f"{operation}: Octopia refused the client ID or client secret (HTTP {status})",
                response=response,
                cdiscount_message=description,
            )
        raise self._transient_error(
            response, operation, cdiscount_message=description
        ) or self._unexpected_error(response, operation, cdiscount_message=description)

    def _token_from(self, response: requests.Response, operation: str) -> Token:
        payload = self._decode_json(response, operation)
        access_token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(access_token, str) or not access_token.strip():
            raise self._error(
                MalformedResponseError,
                f"{operation}: the answer holds no access_token",
                response=response,
            )
        # Redact it from here on, even if the rest of the answer turns out to be bad.
        self._known_tokens.add(access_token)
        lifetime = DEFAULT_TOKEN_LIFETIME
        expires_in = payload.get("expires_in")
        if expires_in is not None:
            seconds = positive_seconds(expires_in)
            if seconds is None:
                raise self._error(
                    MalformedResponseError,
                    f"{operation}: expires_in is not a positive number of seconds",
                    response=response,
                )
            lifetime = timedelta(seconds=seconds)
        received_at = utc_now()
        return Token(value=access_token, expires_at=received_at + lifetime, received_at=received_at)

    # -- the API funnel ---------------------------------------------------------------------

    def _metric_operation(self, operation: str) -> str:
        # "GET /orders/123/shipments" -> "GET /orders/{id}/shipments": Octopia paths alternate
        # collection and id (§O2), and an id per label would make one series per order.
        method, _, path = operation.partition(" ")
        if not path.startswith("/"):
            return operation
        segments = path.strip("/").split("/")
        named = [s if i % 2 == 0 else "{id}" for i, s in enumerate(segments)]
        return f"{method} /{'/'.join(named)}"

    def _api_call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """Every Octopia API operation comes through here (headers per §O2, one auth retry)."""
        operation = f"{method} {path}"
        url = f"{self._api_url}{path}"
        data = json.dumps(body) if body is not None else None

        def send(token: str) -> ApiResponse:
            request_headers = {
                "Authorization": f"Bearer {token}",
                "SellerId": self._seller_id,
                "Accept": "application/json",
            }
            if data is not None:
                request_headers["Content-Type"] = "application/json"
            request_headers.update(headers or {})
            response = self._send(
                method, url, operation=operation, params=params, data=data, headers=request_headers
            )
            return self._read_api_response(response, operation)

        return self._with_token(operation, send)

    def _read_api_response(self, response: requests.Response, operation: str) -> ApiResponse:
        status = response.status_code
        if 200 <= status < 300:
            data = None
            if status != 204 and response.content.strip():
                data = self._decode_json(response, operation)
            return ApiResponse(status, data, response.headers, response.links)
        cdiscount_message, trace_id = problem_details(response)
        if status == 401:
            raise self._error(
                TokenRejectedError,
                f"{operation}: Octopia rejected the access token (HTTP 401)",
                response=response,
                cdiscount_message=cdiscount_message or www_authenticate_description(response),
                trace_id=trace_id,
            )
        if status == 403:
            raise self._error(
                PermissionDeniedError,
                f"{operation}: this API client may not act for Seller ID {self._seller_id}"
                " (HTTP 403)",
                response=response,
                cdiscount_message=cdiscount_message,
                trace_id=trace_id,
            )
        details = {"cdiscount_message": cdiscount_message, "trace_id": trace_id}
        raise self._transient_error(response, operation, **details) or self._unexpected_error(
            response, operation, **details
        )

    def _unexpected_error(
        self,
        response: requests.Response,
        operation: str,
        *,
        cdiscount_message: str | None = None,
        trace_id: str | None = None,
    ) -> CdiscountError:
        """Any other 4xx is a refusal of this request; 1xx/3xx are off-protocol."""
        status = response.status_code
        cls = RejectedError if 400 <= status < 500 else MalformedResponseError
        verb = "rejected the request" if cls is RejectedError else "gave an unexpected answer"
        return self._error(
            cls,
            f"{operation}: Octopia {verb} (HTTP {status})",
            response=response,
            cdiscount_message=cdiscount_message,
            trace_id=trace_id,
        )

    def _decode_json(self, response: requests.Response, operation: str) -> Any:
        if "json" not in media_type(response):
            raise self._error(
                MalformedResponseError,
                f"{operation}: expected JSON, got content type "
                f"{media_type(response) or 'none'!r} (HTTP {response.status_code})",
                response=response,
            )
        try:
            return json.loads(response.content)
        except ValueError:
            raise self._error(
                MalformedResponseError,
                f"{operation}: the answer is not valid JSON (HTTP {response.status_code})",
                response=response,
            ) from None

    def _seller_info_from(self, data: Any, *, operation: str) -> SellerInfo:
        info = read_seller_info(data, self._seller_id)
        if info is None:
            raise self._error(
                MalformedResponseError, f"{operation}: the answer holds no seller profile"
            )
        return info

    def _secrets(self) -> list[str]:
        return [self._client_secret, *super()._secrets()]


def _iso_utc(moment: datetime) -> str:
    """§O4: ISO 8601 UTC with Z, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _segment(value: str, what: str = "order_id") -> str:
    """An id as one path segment: a slash or a ? in it cannot reach another route."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is required")
    return quote(value.strip(), safe="")


def _required(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is required")
    return value.strip()


def _offer_id(line: OrderLine) -> str:
    """§O7 partial cancellation `offerId` [unconfirmed which id]: the seller's offer reference."""
    return line.sku


def _cancellation_refusal(
    status: int | None, order: Order, line_ids: tuple[str, ...]
) -> tuple[str, bool]:
    """(the sentence for the seller, whether to offer a whole-order cancellation).

    Octopia documents no refusal codes for §O7: 404 reads as an unknown order or line, 409 as
    an order past cancelling; any other refusal of a line-level request as Cdiscount taking
    whole orders only (a hub reported so), unless the order is known to be past cancelling.
    """
    reference = order.reference
    past_cancelling = order.closed or order.status not in CANCELLABLE_STATUSES
    if status == 404:
        return (
            f"Cdiscount does not know order {reference} or one of its lines: "
            "refresh the order and try again",
            False,
        )
    if status == 409 or past_cancelling:
        return (
            f"Cdiscount refused to cancel order {reference}: it can no longer be cancelled "
            "(shipped, delivered or already cancelled); refresh the order",
            False,
        )
    if line_ids:
        return (
            f"Cdiscount refused the cancellation of some lines of order {reference} "
            f"(line {', '.join(line_ids)}): only a whole-order cancellation is possible",
            True,
        )
    return (
        f"Cdiscount refused to cancel order {reference}: check the reason given",
        False,
    )


def _refund_refusal(status: int | None, order: Order, value: Decimal) -> str:
    reference = order.reference
    if status == 404:
        return f"Cdiscount does not know order {reference}: refresh the order and try again"
    return (
        f"Cdiscount refused the refund of {amount(value)} {order.currency} on order {reference}: "
        "it may exceed what may still be refunded (see the available amount), or the order is "
        "not shipped yet"
    )


# §O9 refusals of a message or a close, by status.
_DISCUSSION_REFUSALS = {
    404: "Cdiscount does not know this discussion; refresh the messages",
    409: "the discussion is closed or escalated to Cdiscount; answer it in the seller portal",
}


def _location_id(result: ApiResponse, path: str) -> str | None:
    """The created resource's id from Location / Content-Location, when the body has none."""
    location = result.headers.get("Location") or result.headers.get("Content-Location")
    _, found, rest = urlsplit(location or "").path.rstrip("/").rpartition(f"{path}/")
    return unquote(rest) if found and rest and "/" not in rest else None


def _next_cursor(result: ApiResponse) -> str | None:
    """§O8 cursor paging: nextCursor in the body, else the cursor of the Link rel="next" URL."""
    if isinstance(result.data, dict):
        for key in ("nextCursor", "cursor", "next"):
            value = result.data.get(key)
            if isinstance(value, str) and value.strip() and "://" not in value:
                return value.strip()
    link = result.links.get("next", {}).get("url")
    if link:
        cursor = parse_qs(urlsplit(link).query).get("cursor")
        if cursor and cursor[0].strip():
            return cursor[0].strip()
    return None


def _offer_json(offer: OfferUpdate) -> dict[str, Any]:
    """One offer request of §O5, keys in the spec's order."""
    body: dict[str, Any] = {
        "sellerExternalReference": offer.sku,
        "product": {"gtin": offer.ean, "reference": offer.sku},
        "condition": offer.condition,
        "quantity": offer.quantity,
    }
    # Exclude Price Upload: no price at all; a price goes with its full tax list (§O5).
    if offer.price is not None:
        price: dict[str, Any] = {"price": _json_amount(offer.price)}
        if offer.origin_price is not None:
            price["originPrice"] = _json_amount(offer.origin_price)
        price["taxes"] = [
            {"code": "VAT", "value": _json_amount(offer.vat_rate)},
            {"code": "Ecotax", "value": _json_amount(offer.ecotax)},
            {"code": "Deatax", "value": _json_amount(offer.deatax)},
        ]
        body["price"] = price
    if offer.shipping_fee is not None:
        body["deliveryModes"] = [
            {
                "code": TRACKED_DELIVERY_MODE,
                "cost": _json_amount(offer.shipping_fee),
                "additionalCost": _json_amount(offer.additional_shipping_fee or Decimal("0")),
            }
        ]
    body["preparationTime"] = offer.preparation_time
    return body


def _json_amount(value: Decimal) -> float:
    """§O5 wants JSON numbers: cents-rounded, then a float (its shortest repr is exact here)."""
    return float(amount(value))
