"""HTTP control endpoints under /_simulator/, for `make run` and for other processes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import aftersale_marketplace as aftersale
from . import aftersale_octopia
from .exchange import Request, Response
from .paths import CONTROL_PREFIX, urls_for
from .state import SimulatorState


class _BadRequest(Exception):
    pass


def _json_body(request: Request, allowed: set[str] | None = None) -> dict[str, Any]:
    """The JSON object sent; with `allowed`, any other field is a bad request."""
    if not request.body.strip():
        return {}
    try:
        payload = json.loads(request.body)
    except ValueError as exc:
        raise _BadRequest(f"body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise _BadRequest("body must be a JSON object")
    unknown = set(payload) - (set(payload) if allowed is None else allowed)
    if unknown:
        raise _BadRequest(f"unknown fields: {sorted(unknown)}")
    return payload


def _status(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, {**state.status(), "urls": urls_for(f"http://{request.host}")})


def _requests(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, state.requests)


def _list_faults(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, {"faults": state.faults()})


def _add_fault(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request, {"kind", "count", "path_contains", "retry_after", "seconds"})
    try:
        state.inject_fault(
            body.get("kind", ""),
            count=body.get("count", 1),
            path_contains=body.get("path_contains"),
            retry_after=body.get("retry_after"),
            seconds=body.get("seconds"),
        )
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(201, {"faults": state.faults()})


def _clear_faults(state: SimulatorState, request: Request) -> Response:
    state.clear_faults()
    return Response.json(200, {"faults": []})


def _advance_clock(state: SimulatorState, request: Request) -> Response:
    seconds = _json_body(request).get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise _BadRequest("advance_seconds must be a number")
    return Response.json(200, {"now": state.advance_clock(seconds).isoformat()})


def _expire_tokens(state: SimulatorState, request: Request) -> Response:
    state.expire_all_tokens()
    return Response.json(200, {"expired": True})


def _reset(state: SimulatorState, request: Request) -> Response:
    state.reset()
    return Response.json(200, {"reset": True})


def _seed_orders(state: SimulatorState, request: Request) -> Response:
    allowed = {"api", "seller", "count", "status", "seed", "lines_per_order", "created_within"}
    body = _json_body(request, allowed)
    if not body.get("api") or not body.get("seller"):
        raise _BadRequest("api and seller are required")
    options: dict[str, Any] = {}
    if "lines_per_order" in body:
        lines = body["lines_per_order"]
        if not (isinstance(lines, list) and len(lines) == 2):
            raise _BadRequest("lines_per_order must be [low, high]")
        options["lines_per_order"] = tuple(lines)
    if "created_within" in body:
        options["created_within"] = body["created_within"]
    try:
        ids = state.seed_orders(
            api=body["api"],
            seller=str(body["seller"]),
            count=body.get("count", 10),
            status=body.get("status"),
            seed=body.get("seed"),
            **options,
        )
    except (TypeError, ValueError) as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(201, {"count": len(ids), "order_ids": ids})


def _link_sellers(state: SimulatorState, request: Request) -> Response:
    """One seller with both kinds of credentials: both APIs show the same orders."""
    body = _json_body(request)
    octopia_seller, login = body.get("octopia_seller"), body.get("marketplace_login")
    if not octopia_seller or not isinstance(login, str) or not login:
        raise _BadRequest("octopia_seller and marketplace_login are required")
    try:
        state.link_sellers(str(octopia_seller), login)
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(200, {"linked_sellers": [list(p) for p in state.linked_sellers()]})


def _list_orders(state: SimulatorState, request: Request) -> Response:
    return _seller_records(request, state.orders_for, "orders")


def _set_order_status(state: SimulatorState, request: Request, api: str, order_id: str) -> Response:
    status = _json_body(request).get("status")
    if not isinstance(status, str):
        raise _BadRequest("status is required")
    try:
        state.set_order_status(api, order_id, status)
    except KeyError:
        return Response.json(404, {"error": f"no {api} order {order_id}"})
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(200, {"order": _jsonable(state.order(api, order_id))})


def _autopilot(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request, {"enabled", "arrival_rate", "seed"})
    enabled = body.get("enabled", state.autopilot)
    rate = body.get("arrival_rate")
    if not isinstance(enabled, bool):
        raise _BadRequest("enabled must be true or false")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
        raise _BadRequest("arrival_rate must be a number of orders an hour")
    try:
        state.set_autopilot(enabled, arrival_rate=rate, seed=body.get("seed"))
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(200, {"autopilot": state.autopilot, "arrival_rate": state.arrival_rate})


def _seller_records(request: Request, read: Callable[[str, str], Any], key: str) -> Response:
    """GET ?api=…&seller=…: what `read(api, seller)` holds, under `key`."""
    api, seller = request.query.get("api"), request.query.get("seller")
    if not api or not seller:
        raise _BadRequest("the api and seller query parameters are required")
    try:
        records = read(api, seller)
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(200, {key: _jsonable(records)})


def _list_offers(state: SimulatorState, request: Request) -> Response:
    return _seller_records(request, state.offers_for, "offers")


def _add_offer(state: SimulatorState, request: Request) -> Response:
    allowed = {"api", "seller", "sku", "ean", "quantity", "price", "shipping", "condition"}
    body = _json_body(request, allowed)
    missing = [name for name in ("api", "seller", "sku", "ean", "quantity") if name not in body]
    if missing:
        raise _BadRequest(f"missing fields: {missing}")
    try:
        state.add_offer(**{**body, "seller": str(body["seller"])})
    except (TypeError, ValueError, ArithmeticError, KeyError) as exc:
        raise _BadRequest(str(exc)) from exc
    offers = state.offers_for(body["api"], str(body["seller"]))
    return Response.json(201, {"offer": _jsonable(offers[body["sku"]])})


def _list_offer_packages(state: SimulatorState, request: Request) -> Response:
    return _seller_records(request, state.offer_packages, "packages")


def _add_known_eans(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request)
    api, seller, eans = body.get("api"), body.get("seller"), body.get("eans")
    if not api or not seller:
        raise _BadRequest("api and seller are required")
    if not isinstance(eans, list) or not all(isinstance(ean, str) for ean in eans):
        raise _BadRequest("eans must be a list of strings")
    try:
        known = state.add_known_eans(api, str(seller), eans)
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(200, {"known": known})


def _ignore_offer_updates(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request, {"api", "seller", "sku", "count"})
    if not body.get("api") or not body.get("seller") or not body.get("sku"):
        raise _BadRequest("api, seller and sku are required")
    try:
        state.ignore_next_offer_updates(
            body["api"], str(body["seller"]), body["sku"], body.get("count", 1)
        )
    except ValueError as exc:
        raise _BadRequest(str(exc)) from exc
    return Response.json(200, {"ignored": True})


def _offer_package_settings(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request, {"package_integration_delay", "marketplace_pending_status"})
    if "package_integration_delay" in body:
        try:
            state.package_integration_delay = body["package_integration_delay"]
        except ValueError as exc:
            raise _BadRequest(str(exc)) from exc
    if "marketplace_pending_status" in body:
        status = body["marketplace_pending_status"]
        if status not in (None, "IntegrationPending"):
            raise _BadRequest("marketplace_pending_status must be null or IntegrationPending")
        state.marketplace_pending_status = status
    return Response.json(
        200,
        {
            "package_integration_delay": state.package_integration_delay,
            "marketplace_pending_status": state.marketplace_pending_status,
        },
    )


# After the sale on the Marketplace API (§M8–§M10): what customers do, raised for tests.


def _after_sale(action: Callable[[], Any], status: int = 200) -> Response:
    try:
        return Response.json(status, _jsonable(action()))
    except ValueError as exc:  # aftersale.ControlError among them
        raise _BadRequest(str(exc)) from exc


def _customer_cancellation(state: SimulatorState, request: Request, order_id: str) -> Response:
    body = _json_body(request)
    return _after_sale(
        lambda: aftersale.customer_cancellation(
            state, order_id, line_ids=body.get("line_ids"), settle=bool(body.get("settle"))
        )
    )


def _vouchers(state: SimulatorState, request: Request, order_id: str) -> Response:
    return _after_sale(lambda: aftersale.vouchers_of(state, order_id))


def _discussions(state: SimulatorState, request: Request) -> Response:
    if request.method == "GET":
        return _after_sale(lambda: aftersale.discussions_of(state, request.query.get("login", "")))
    body = _json_body(request)
    return _after_sale(lambda: aftersale.open_discussion(state, body), 201)


def _discussion_message(state: SimulatorState, request: Request, discussion_id: str) -> Response:
    body = _json_body(request)
    return _after_sale(lambda: aftersale.add_message(state, int(discussion_id), body), 201)


def _seed_after_sale(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request)
    return _after_sale(
        lambda: aftersale.seed(
            state,
            str(body.get("login", "")),
            rate=float(body.get("rate", 0.2)),
            seed_value=body.get("seed"),
        )
    )


def _octopia_aftersale(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, _jsonable(aftersale_octopia.control_snapshot(state)))


def _aftersale_call(
    action: Callable[[SimulatorState, dict[str, Any]], Any],
) -> Callable[..., Response]:
    """A control endpoint running an after-sale action on the JSON body."""

    def endpoint(state: SimulatorState, request: Request) -> Response:
        try:
            result = action(state, _json_body(request))
        except KeyError as exc:
            return Response.json(404, {"error": f"no such order: {exc.args[0]}"})
        except ValueError as exc:
            raise _BadRequest(str(exc)) from exc
        return Response.json(200, _jsonable(result))

    return endpoint


def _jsonable(value: Any) -> Any:
    """Records hold datetimes and Decimals: ISO 8601 strings and exact decimal strings."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


_ROUTES: dict[str, dict[str, Callable[[SimulatorState, Request], Response]]] = {
    "/": {"GET": _status},
    "/requests": {"GET": _requests},
    "/faults": {"GET": _list_faults, "POST": _add_fault, "DELETE": _clear_faults},
    "/clock": {"POST": _advance_clock},
    "/expire-tokens": {"POST": _expire_tokens},
    "/reset": {"POST": _reset},
    "/orders": {"GET": _list_orders},
    "/orders/seed": {"POST": _seed_orders},
    "/orders/link": {"POST": _link_sellers},
    "/autopilot": {"POST": _autopilot},
    "/offers": {"GET": _list_offers, "POST": _add_offer},
    "/offers/ignore-updates": {"POST": _ignore_offer_updates},
    "/offer-packages": {"GET": _list_offer_packages},
    "/offer-packages/settings": {"POST": _offer_package_settings},
    "/known-eans": {"POST": _add_known_eans},
    "/marketplace/discussions": {"GET": _discussions, "POST": _discussions},
    "/marketplace/after-sale/seed": {"POST": _seed_after_sale},
    # Octopia after the sale (§O7-§O9): records, settings, and what customers do.
    "/octopia/aftersale": {
        "GET": _octopia_aftersale,
        "POST": _aftersale_call(aftersale_octopia.control_settings),
    },
    "/octopia/customer-cancellation": {
        "POST": _aftersale_call(aftersale_octopia.control_customer_cancellation)
    },
    "/octopia/discussions": {"POST": _aftersale_call(aftersale_octopia.control_open_discussion)},
}
_PATTERN_ROUTES: list[tuple[re.Pattern[str], dict[str, Callable[..., Response]]]] = [
    (
        re.compile(r"^/orders/(?P<api>[^/]+)/(?P<order_id>[^/]+)/status$"),
        {"POST": _set_order_status},
    ),
    (
        re.compile(r"^/marketplace/orders/(?P<order_id>[^/]+)/customer-cancellation$"),
        {"POST": _customer_cancellation},
    ),
    (
        re.compile(r"^/marketplace/orders/(?P<order_id>[^/]+)/vouchers$"),
        {"GET": _vouchers},
    ),
    (
        re.compile(r"^/marketplace/discussions/(?P<discussion_id>[0-9]+)/messages$"),
        {"POST": _discussion_message},
    ),
]


def handle(state: SimulatorState, request: Request) -> Response:
    subpath = request.path[len(CONTROL_PREFIX) :].rstrip("/") or "/"
    methods = _ROUTES.get(subpath)
    groups: dict[str, str] = {}
    if methods is None:
        for pattern, pattern_methods in _PATTERN_ROUTES:
            if match := pattern.match(subpath):
                methods, groups = pattern_methods, match.groupdict()
                break
        else:
            return Response.json(404, {"error": f"no control endpoint at {request.path}"})
    handler = methods.get(request.method)
    if handler is None:
        return Response.json(
            405, {"error": f"{request.method} not allowed"}, headers={"Allow": ", ".join(methods)}
        )
    try:
        return handler(state, request, **groups)
    except _BadRequest as exc:
        return Response.json(400, {"error": str(exc)})
