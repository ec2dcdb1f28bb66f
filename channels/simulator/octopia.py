"""Octopia Seller API v2
(docs/cdiscount-api.md §O): the Keycloak token endpoint and the REST API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .catalogue import CARRIERS
from .exchange import Request, Response
from .offers import (
    MAX_OFFERS_PER_REQUEST,
    PACKAGE_TYPES,
    OfferResult,
    PackageRefused,
    StoredOffer,
    UnknownPackage,
)
from .orders import FLOWS, IllegalTransition, Order, UnknownOrder
from .paths import OCTOPIA_API_PREFIX
from .state import OCTOPIA, OctopiaClient, SimulatorState

PROBLEM_JSON = "application/problem+json; charset=utf-8"
JSON_PATCH = "application/json-patch+json"

# The default problem types an ASP.NET Core API (Octopia's, judging by `traceId`) sends.
_PROBLEM_TYPES = {
    400: ("https://tools.ietf.org/html/rfc7231#section-6.5.1", "Bad Request"),
    401: ("https://tools.ietf.org/html/rfc7235#section-3.1", "Unauthorized"),
    403: ("https://tools.ietf.org/html/rfc7231#section-6.5.3", "Forbidden"),
    404: ("https://tools.ietf.org/html/rfc7231#section-6.5.4", "Not Found"),
    405: ("https://tools.ietf.org/html/rfc7231#section-6.5.5", "Method Not Allowed"),
    406: ("https://tools.ietf.org/html/rfc7231#section-6.5.6", "Not Acceptable"),
    415: ("https://tools.ietf.org/html/rfc7231#section-6.5.13", "Unsupported Media Type"),
    429: ("https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"),
    500: ("https://tools.ietf.org/html/rfc7231#section-6.6.1", "Internal Server Error"),
}

# Signs the simulator's JWTs; nothing verifies the signature but the token looks like the real one.
_SIGNING_KEY = secrets.token_bytes(32)


def problem(
    status: int,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    """An RFC 7807 error with the `traceId` support asks for (§O2)."""
    problem_type, title = _PROBLEM_TYPES.get(status, ("about:blank", "Error"))
    if errors:
        title = "One or more validation errors occurred."  # ASP.NET Core's model validation
    payload: dict[str, Any] = {"type": problem_type, "title": title, "status": status}
    if detail:
        payload["detail"] = detail
    if errors:
        payload["errors"] = errors
    payload["traceId"] = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
    return Response.json(status, payload, content_type=PROBLEM_JSON, headers=headers)


def unauthorized(detail: str = "The access token is missing, invalid or expired.") -> Response:
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


# §O1: the token endpoint


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json(
        status,
        {"error": error, "error_description": description},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def token_endpoint(state: SimulatorState, request: Request) -> Response:
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "HTTP method not allowed")
    # Keycloak only reads a form body: JSON leaves every parameter missing.
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(400, "invalid_request", "Missing form parameter: grant_type")
    form = dict(parse_qsl(request.text, keep_blank_values=True))
    if "grant_type" not in form:
        return _oauth_error(400, "invalid_request", "Missing form parameter: grant_type")

    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = request.basic_credentials()
    if basic is not None:  # client_secret_basic: the other client authentication Keycloak takes
        client_id, client_secret = basic
    client = (
        state.authenticate_octopia(client_id, client_secret)
        if client_id is not None and client_secret is not None
        else None
    )
    if client is None:
        return _oauth_error(401, "invalid_client", "Invalid client or Invalid client credentials")
    if form["grant_type"] != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")

    issuer = f"http://{request.host}/auth/realms/maas"
    now = int(state.now().timestamp())
    lifetime = state.token_lifetime_octopia
    claims = {
        "exp": now + lifetime,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "aud": "account",
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}/{client.client_id}")),
        "typ": "Bearer",
        "azp": client.client_id,
        "scope": "profile email",
        "clientId": client.client_id,
    }
    access_token = _jwt(claims)
    state.issue_token(OCTOPIA, client.client_id, access_token)
    return Response.json(
        200,
        {
            "access_token": access_token,
            "expires_in": lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(claims: dict[str, Any]) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


# §O2: every API call

Handler = Callable[..., Response]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler for `method` on a path below the API prefix (groups become kwargs)."""

    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


def api(state: SimulatorState, request: Request) -> Response:
    """Authenticate, check SellerId, then dispatch to the route's handler."""
    subpath = request.path[len(OCTOPIA_API_PREFIX) :] or "/"
    matched = [(m, match, h) for m, rx, h in _ROUTES if (match := rx.match(subpath))]
    if not matched:
        return problem(404, f"No resource at {request.path}.")

    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    token = state.live_token(OCTOPIA, value.strip()) if scheme.lower() == "bearer" else None
    client = state.octopia_client(token.principal) if token else None
    if client is None:
        return unauthorized()

    seller_id = (request.headers.get("SellerId") or "").strip()
    if not seller_id:
        return problem(400, "The SellerId header is required.")
    if seller_id != client.seller_id:
        return problem(403, f"This client may not act for seller {seller_id}.")

    accept = request.headers.get("Accept")
    if accept and not any(
        kind.split(";")[0].strip() in ("application/json", "application/*", "*/*")
        for kind in accept.split(",")
    ):
        return problem(406, "This API answers application/json only.")
    # A JSON Patch (§O9 closing a discussion) may come with its own media type.
    if request.body and request.content_type not in ("application/json", JSON_PATCH):
        return problem(415, "Send the body as application/json.")

    for method, match, handler in matched:
        if method == request.method:
            return handler(state, request, client, **match.groupdict())
    return problem(405, f"{request.method} is not allowed on {request.path}.")


# §O3: the token validity probe


@route("GET", "/sellers")
def get_sellers(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    return Response.json(
        200,
        {
            "id": client.seller_id,
            "name": client.shop_name,
            "status": "Active",
            "salesChannels": [{"id": "CDISFR", "name": "Cdiscount France"}],
        },
    )


# §O4: orders

SALES_CHANNEL = "CDISFR"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


class _Invalid(Exception):
    """A request the API refuses with a 400 validation problem."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.errors = {field_name: [message]}


@route("GET", "/orders")
def list_orders(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    query = request.query
    try:
        page_index = _int_param(query, "pageIndex", 1)
        page_size = _page_size(query, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        updated_min = _instant_param(query, "updatedAtMin")
        updated_max = _instant_param(query, "updatedAtMax")
        statuses = _statuses_param(query)
        sort = query.get("sort")
        if sort is not None and sort.strip() not in ("updatedAt", ""):
            raise _Invalid("sort", f"The value '{sort}' is not valid for sort: use updatedAt.")
    except _Invalid as invalid:
        return problem(400, errors=invalid.errors)

    channel = query.get("salesChannelId")
    if channel is not None and channel != SALES_CHANNEL:
        orders, total = [], 0  # every order the simulator holds is sold on cdiscount.com
    else:
        orders, total = state.octopia_orders_page(
            client.seller_id,
            statuses=statuses,
            updated_min=updated_min,
            updated_max=updated_max,
            page_index=page_index,
            page_size=page_size,
        )
    headers = _next_link(request, page_index, page_size, total)
    payload = {"itemsPerPage": page_size, "items": [order_json(order) for order in orders]}
    return money_json(200, payload, headers=headers)


@route("GET", "/orders/(?P<order_id>[^/]+)")
def get_order(
    state: SimulatorState, request: Request, client: OctopiaClient, order_id: str
) -> Response:
    order = state.find_order(OCTOPIA, client.seller_id, order_id)
    if order is None:
        return problem(404, f"Order {order_id} was not found.")
    return money_json(200, order_json(order))


@route("POST", "/orders/(?P<order_id>[^/]+)/approval-status")
def set_approval_status(
    state: SimulatorState, request: Request, client: OctopiaClient, order_id: str
) -> Response:
    body = _json_body(request)
    # [unconfirmed] §O4: the one public SDK sends approval_status; take the camelCase too.
    decision = None
    if isinstance(body, dict):
        decision = body.get("approval_status", body.get("approvalStatus"))
    if decision not in ("Accepted", "Refused"):
        return problem(
            400,
            errors={"approval_status": ["The approval_status field must be Accepted or Refused."]},
        )
    try:
        state.octopia_approve(client.seller_id, order_id, decision)
    except UnknownOrder:
        return problem(404, f"Order {order_id} was not found.")
    except IllegalTransition as refused:
        return problem(400, str(refused))
    return Response(204)


@route("POST", "/orders/(?P<order_id>[^/]+)/shipments")
def create_shipments(
    state: SimulatorState, request: Request, client: OctopiaClient, order_id: str
) -> Response:
    body = _json_body(request)
    # [unconfirmed] §O4: an array of parcels or a single parcel object; take both.
    items = body if isinstance(body, list) else [body]
    try:
        if not items:
            raise _Invalid("parcels", "At least one parcel is required.")
        parcels = [_parcel(index, item) for index, item in enumerate(items)]
    except _Invalid as invalid:
        return problem(400, errors=invalid.errors)
    try:
        shipped = state.octopia_ship(client.seller_id, order_id, parcels)
    except UnknownOrder:
        return problem(404, f"Order {order_id} was not found.")
    except IllegalTransition as refused:
        return problem(400, str(refused))
    return Response.json(
        201,
        [
            {
                "parcelNumber": parcel.parcel_number,
                "carrierName": parcel.carrier_name,
                "trackingUrl": parcel.tracking_url,
                "orderLineIds": list(parcel.line_ids),
            }
            for parcel in shipped
        ],
    )


@route("GET", "/carriers")
def list_carriers(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    return Response.json(200, [{"code": c.code, "label": c.label} for c in CARRIERS])


# §O5: offers, stock and price, in offer packages

DEFAULT_RESULTS_PAGE_SIZE = 100
MAX_RESULTS_PAGE_SIZE = 1_000  # the spec sets no maximum: take up to one request's worth


@route("POST", "/offer-packages")
def create_offer_package(
    state: SimulatorState, request: Request, client: OctopiaClient
) -> Response:
    channel = (request.headers.get("salesChannelId") or "").strip()
    if channel != SALES_CHANNEL:
        message = (
            "The salesChannelId header is required."
            if not channel
            else f"The sales channel '{channel}' is not valid: use {SALES_CHANNEL}."
        )
        return problem(400, errors={"salesChannelId": [message]})
    body = _json_body(request)
    package_type = body.get("packageType") if isinstance(body, dict) else None
    if package_type not in PACKAGE_TYPES[OCTOPIA]:
        return problem(
            400, errors={"packageType": ["The packageType field must be Update or Upsert."]}
        )
    package_id = state.create_offer_package(OCTOPIA, client.seller_id, package_type)
    return Response.json(
        201,
        {"packageId": package_id},
        headers={"Content-Location": f"/offer-packages/{package_id}"},
    )


@route("POST", "/offer-packages/(?P<package_id>[^/]+)/offer-requests")
def add_offer_requests(
    state: SimulatorState, request: Request, client: OctopiaClient, package_id: str
) -> Response:
    try:
        # Decimals, not floats: 19.90 stays 19.90.
        items = json.loads(request.body, parse_float=Decimal)
    except ValueError:
        items = None
    try:
        if not isinstance(items, list):
            raise _Invalid("offers", "The body must be a JSON array of offers.")
        if not items:
            raise _Invalid("offers", "At least one offer is required.")
        if len(items) > MAX_OFFERS_PER_REQUEST:
            raise _Invalid(
                "offers",
                f"At most {MAX_OFFERS_PER_REQUEST} offers per request; this one has {len(items)}.",
            )
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise _Invalid(f"[{index}]", "An offer must be a JSON object.")
            reference = item.get("sellerExternalReference")
            if not isinstance(reference, str) or not reference.strip():
                raise _Invalid(
                    f"[{index}].sellerExternalReference",
                    "The sellerExternalReference field is required.",
                )
    except _Invalid as invalid:
        return problem(400, errors=invalid.errors)
    try:
        state.add_offer_requests(OCTOPIA, client.seller_id, package_id, items)
    except UnknownPackage:
        return problem(404, f"Offer package {package_id} was not found.")
    except PackageRefused as refused:
        return problem(400, str(refused))
    return Response(202)


@route("PATCH", "/offer-packages/(?P<package_id>[^/]+)")
def update_offer_package(
    state: SimulatorState, request: Request, client: OctopiaClient, package_id: str
) -> Response:
    body = _json_body(request)
    if not isinstance(body, dict) or body.get("state") != "Ready":
        return problem(400, errors={"state": ["The state field must be Ready."]})
    try:
        state.mark_offer_package_ready(OCTOPIA, client.seller_id, package_id)
    except UnknownPackage:
        return problem(404, f"Offer package {package_id} was not found.")
    except PackageRefused as refused:
        return problem(400, str(refused))
    return Response(204)


@route("GET", "/offer-packages/(?P<package_id>[^/]+)")
def get_offer_package(
    state: SimulatorState, request: Request, client: OctopiaClient, package_id: str
) -> Response:
    package = state.offer_package(OCTOPIA, client.seller_id, package_id)
    if package is None:
        return problem(404, f"Offer package {package_id} was not found.")
    return Response.json(200, {"packageId": package.package_id, "state": package.state})


@route("GET", "/offer-packages/(?P<package_id>[^/]+)/offer-requests-results")
def get_offer_requests_results(
    state: SimulatorState, request: Request, client: OctopiaClient, package_id: str
) -> Response:
    try:
        page_index = _int_param(request.query, "pageIndex", 1)
        page_size = _page_size(request.query, DEFAULT_RESULTS_PAGE_SIZE, MAX_RESULTS_PAGE_SIZE)
    except _Invalid as invalid:
        return problem(400, errors=invalid.errors)
    package = state.offer_package(OCTOPIA, client.seller_id, package_id)
    if package is None:
        return problem(404, f"Offer package {package_id} was not found.")
    if not package.finished:
        return problem(
            400,
            f"The offer package {package_id} is {package.state}: its results are available once "
            "it is Integrated or Rejected.",
        )
    if package.results is None:
        return problem(
            404, f"The results of offer package {package_id} are no longer kept (3 days)."
        )
    start = (page_index - 1) * page_size
    page = package.results[start : start + page_size]
    headers = _next_link(request, page_index, page_size, len(package.results))
    return Response.json(200, {"items": [_result_json(r) for r in page]}, headers=headers)


def _result_json(result: OfferResult) -> dict[str, Any]:
    return {
        "sellerExternalReference": result.sku,
        "integrationStatus": result.status,
        "results": [{"resultCode": e.code, "message": e.message} for e in result.entries],
    }


# §O6: reading offers back


@route("GET", "/offers")
def list_offers(state: SimulatorState, request: Request, client: OctopiaClient) -> Response:
    query = request.query
    try:
        page_index = _int_param(query, "pageIndex", 1)
        page_size = _page_size(query, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    except _Invalid as invalid:
        return problem(400, errors=invalid.errors)
    channel = query.get("salesChannelId")
    reference = query.get("sellerExternalReference")
    if channel is not None and channel != SALES_CHANNEL:
        offers, total = [], 0
    else:
        offers, total = state.offers_page(
            OCTOPIA,
            client.seller_id,
            skus=[reference] if reference else None,
            offset=(page_index - 1) * page_size,
            limit=page_size,
        )
    headers = _next_link(request, page_index, page_size, total)
    payload = {"itemsPerPage": page_size, "items": [offer_json(offer) for offer in offers]}
    return money_json(200, payload, headers=headers)


def offer_json(offer: StoredOffer) -> dict[str, Any]:
    """An offer in the §O6 shape [unconfirmed]; amounts are Decimals for `money_json`."""
    price = None
    if offer.price is not None:
        price = {"price": offer.price}
        if offer.details.get("originPrice") is not None:
            price["originPrice"] = offer.details["originPrice"]
    return {
        "sellerExternalReference": offer.sku,
        "product": {"gtin": offer.ean},
        "condition": offer.condition,
        "quantity": offer.quantity,
        "price": price,
        "deliveryModes": [
            {"code": mode.mode, "cost": mode.cost, "additionalCost": mode.additional_cost}
            for mode in offer.shipping
        ],
        "preparationTime": offer.details.get("preparationTime"),
        "state": offer.state,
        "updatedAt": _instant(offer.updated_at),
    }


def _page_size(query: dict[str, str], default: int, maximum: int) -> int:
    page_size = _int_param(query, "pageSize", default)
    if page_size > maximum:
        raise _Invalid("pageSize", f"The field pageSize must be between 1 and {maximum}.")
    return page_size


def _next_link(request: Request, page_index: int, page_size: int, total: int) -> dict[str, str]:
    if page_index * page_size >= total:
        return {}
    following = urlencode({**request.query, "pageIndex": page_index + 1})
    return {"Link": f'<http://{request.host}{request.path}?{following}>; rel="next"'}


def order_json(order: Order) -> dict[str, Any]:
    """An order in the §O4 shape; amounts are Decimals, written as numbers by `money_json`."""
    # §O4: unpaid orders carry no customer address until paid.
    address = _address_json(order.customer) if order.paid else None
    parcels_by_line: dict[str, list[dict[str, Any]]] = {}
    for parcel in order.parcels:
        for line_id in parcel.line_ids:
            parcels_by_line.setdefault(line_id, []).append(
                {
                    "parcelNumber": parcel.parcel_number,
                    "carrierName": parcel.carrier_name,
                    "trackingUrl": parcel.tracking_url,
                }
            )
    return {
        "orderId": order.order_id,
        "reference": order.reference,
        "salesChannel": {"id": SALES_CHANNEL},
        "seller": {"id": order.seller},
        "status": order.status,
        "createdAt": _instant(order.created_at),
        "purchasedAt": _instant(order.created_at),
        "updatedAt": _instant(order.updated_at),
        "shippedAtMax": _instant(order.shipped_at_max),
        "currencyCode": "EUR",
        "payment": {"method": order.payment_method},
        "billingAddress": address,
        "lines": [
            {
                "orderLineId": line.line_id,
                "status": line.status,
                "quantity": line.quantity,
                "offer": {
                    "sellerProductId": line.sku,
                    "productGtin": line.ean,
                    "supplyMode": line.supply_mode,
                    "productTitle": line.name,
                },
                "totalPrice": {
                    "sellingPrice": line.total_price,
                    "shippingCost": line.shipping_cost,
                },
                "shippingAddress": address,
                "deliveryMode": {"code": order.delivery_mode},
                "parcels": parcels_by_line.get(line.line_id, []),
                # §O7: a customer's request to cancel the line.
                "cancellationDetails": {"requestedBy": "Customer", "reason": "customer-request"}
                if line.status == "CancelRequest"
                else None,
            }
            for line in order.lines
        ],
    }


def _address_json(customer: Any) -> dict[str, Any]:
    return {
        "civility": customer["civility"],
        "firstName": customer["first_name"],
        "lastName": customer["last_name"],
        "companyName": customer["company_name"],
        "addressLine1": customer["street"],
        "addressLine2": customer["address_line2"],
        "city": customer["city"],
        "postalCode": customer["postal_code"],
        "countryCode": customer["country"],
        "phone": customer["mobile"] or customer["phone"],
        "email": customer["email"],
    }


_MONEY = re.compile(r'"\\u0000(-?[0-9]+\.[0-9]{2})\\u0000"')


def money_json(status: int, payload: Any, *, headers: dict[str, str] | None = None) -> Response:
    """JSON where every Decimal is a number with two decimals (39.80, not 39.8 or "39.80")."""
    text = json.dumps(payload, ensure_ascii=False, default=_money_marker)
    body = _MONEY.sub(r"\1", text).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8", dict(headers or {}))


def _money_marker(value: object) -> str:
    if isinstance(value, Decimal):
        return f"\u0000{value:.2f}\u0000"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body) if request.body.strip() else None
    except ValueError:
        return None


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _Invalid(name, f"The value '{raw}' is not valid for {name}.") from None
    if value < 1:
        raise _Invalid(name, f"The field {name} must be at least 1.")
    return value


def _instant_param(query: dict[str, str], name: str) -> datetime | None:
    raw = query.get(name)
    if raw is None or raw.strip() == "":
        return None
    # A "+01:00" offset sent unencoded arrives as a space.
    text = raw.strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(name, f"The value '{raw}' is not a valid ISO 8601 date.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _statuses_param(query: dict[str, str]) -> list[str] | None:
    raw = query.get("status")
    if raw is None or raw.strip() == "":
        return None
    statuses = [part.strip() for part in raw.split(",") if part.strip()]
    known = FLOWS[OCTOPIA].statuses
    for status in statuses:
        if status not in known:
            raise _Invalid("status", f"The value '{status}' is not a valid order status.")
    return statuses


def _parcel(index: int, item: Any) -> dict[str, Any]:
    where = f"[{index}]"
    if not isinstance(item, dict):
        raise _Invalid(where, "A parcel must be a JSON object.")
    for name in ("parcelNumber", "carrierName"):
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(f"{where}.{name}", f"The {name} field is required.")
    tracking_url = item.get("trackingUrl")
    if tracking_url is not None and not isinstance(tracking_url, str):
        raise _Invalid(f"{where}.trackingUrl", "The trackingUrl field must be a string.")
    line_ids = item.get("orderLineIds")
    if line_ids is None:
        line_ids = []
    if not isinstance(line_ids, list) or not all(
        isinstance(line_id, str | int) and not isinstance(line_id, bool) for line_id in line_ids
    ):
        raise _Invalid(f"{where}.orderLineIds", "The orderLineIds field must be a list of ids.")
    return {
        "parcelNumber": item["parcelNumber"].strip(),
        "carrierName": item["carrierName"],
        "trackingUrl": tracking_url,
        "orderLineIds": [str(line_id) for line_id in line_ids],
    }
