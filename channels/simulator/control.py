"""HTTP control endpoints under /_simulator/, for `make run` and for other processes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .exchange import Request, Response
from .paths import CONTROL_PREFIX, urls_for
from .state import SimulatorState


class _BadRequest(Exception):
    pass


def _json_body(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        payload = json.loads(request.body)
    except ValueError as exc:
        raise _BadRequest(f"body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise _BadRequest("body must be a JSON object")
    return payload


def _status(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, {**state.status(), "urls": urls_for(f"http://{request.host}")})


def _requests(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, state.requests)


def _list_faults(state: SimulatorState, request: Request) -> Response:
    return Response.json(200, {"faults": state.faults()})


def _add_fault(state: SimulatorState, request: Request) -> Response:
    body = _json_body(request)
    unknown = set(body) - {"kind", "count", "path_contains", "retry_after", "seconds"}
    if unknown:
        raise _BadRequest(f"unknown fields: {sorted(unknown)}")
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


_ROUTES: dict[str, dict[str, Callable[[SimulatorState, Request], Response]]] = {
    "/": {"GET": _status},
    "/requests": {"GET": _requests},
    "/faults": {"GET": _list_faults, "POST": _add_fault, "DELETE": _clear_faults},
    "/clock": {"POST": _advance_clock},
    "/expire-tokens": {"POST": _expire_tokens},
    "/reset": {"POST": _reset},
}


def handle(state: SimulatorState, request: Request) -> Response:
    subpath = request.path[len(CONTROL_PREFIX) :].rstrip("/") or "/"
    methods = _ROUTES.get(subpath)
    if methods is None:
        return Response.json(404, {"error": f"no control endpoint at {request.path}"})
    handler = methods.get(request.method)
    if handler is None:
        return Response.json(
            405, {"error": f"{request.method} not allowed"}, headers={"Allow": ", ".join(methods)}
        )
    try:
        return handler(state, request)
    except _BadRequest as exc:
        return Response.json(400, {"error": str(exc)})
