"""One request in, one response out: logging, injected faults, then the service's own handler."""

from __future__ import annotations

import logging
import time

from . import aftersale_octopia, control, marketplace, octopia, soap
from .exchange import Request, Response, Surface
from .faults import InjectedFault
from .octopia import problem
from .paths import surface_of
from .redaction import redacted_entry
from .state import SimulatorState

logger = logging.getLogger("channels.simulator")

# Imported for its routes: Octopia's after-sale operations (§O7-§O9).
_AFTERSALE_MODULES = (aftersale_octopia,)

_HANDLERS = {
    Surface.OCTOPIA_AUTH: octopia.token_endpoint,
    Surface.OCTOPIA_API: octopia.api,
    Surface.STS: marketplace.sts,
    Surface.SOAP: marketplace.soap_endpoint,
}

# What a truncated body looks like when the normal answer had none to truncate.
_GARBAGE = {
    Surface.OCTOPIA_AUTH: (b'{"access_to', "application/json"),
    Surface.OCTOPIA_API: (b'{"ite', "application/json"),
    Surface.STS: (b'<string xmlns="http://schemas.micro', "text/plain"),
    Surface.SOAP: (b'<s:Envelope xmlns:s="http://sch', soap.XML_CONTENT_TYPE),
    Surface.OTHER: (b"\x00\xff", "application/octet-stream"),
}


def handle(state: SimulatorState, request: Request) -> Response | None:
    """The response to send, or None to close the connection without one."""
    surface = surface_of(request.path)
    if surface is Surface.CONTROL:
        return control.handle(state, request)

    state.record_request(
        {
            "time": state.now().isoformat(),
            "method": request.method,
            "path": request.path,
            **redacted_entry(headers=request.headers, query=request.query, body=request.text),
        }
    )
    fault = state.take_fault(
        request.path, carries_token=surface in (Surface.OCTOPIA_API, Surface.SOAP)
    )
    if fault is not None:
        logger.info("injecting fault %s on %s %s", fault.kind, request.method, request.path)
        if fault.kind == "drop":
            return None
        if fault.kind == "latency":
            time.sleep(fault.seconds or 0)
        elif fault.kind != "malformed":
            return _fault_response(fault, surface)

    handler = _HANDLERS.get(surface)
    if handler is None:
        response = Response.text(404, f"Nothing simulated at {request.path}\n")
    else:
        try:
            response = handler(state, request)
        except Exception:
            # A simulator bug still answers the way the real service fails, and is logged.
            logger.exception("simulator error on %s %s", request.method, request.path)
            response = _server_error(surface)
    if fault is not None and fault.kind == "malformed":
        response = _garble(response, surface)
    return response


def _fault_response(fault: InjectedFault, surface: Surface) -> Response:
    if fault.kind == "server_error":
        return _server_error(surface)
    if fault.kind == "rate_limit":
        headers = {"Retry-After": str(fault.retry_after if fault.retry_after is not None else 1)}
        if surface in (Surface.OCTOPIA_AUTH, Surface.OCTOPIA_API):
            return problem(429, "Too many requests: retry later.", headers=headers)
        return Response.text(429, "Too Many Requests", headers=headers)
    if fault.kind == "expired_token":
        if surface is Surface.SOAP:
            return soap.token_fault(soap.TOKEN_UNKNOWN).response()
        return octopia.unauthorized()
    raise ValueError(f"fault kind {fault.kind!r} has no canned response")


def _server_error(surface: Surface) -> Response:
    if surface in (Surface.OCTOPIA_AUTH, Surface.OCTOPIA_API):
        return problem(500, "An unexpected error occurred.")
    if surface is Surface.SOAP:
        return soap.internal_error_fault().response()
    return Response.text(500, soap.INTERNAL_ERROR)


def _garble(response: Response, surface: Surface) -> Response:
    """A 200 whose body is cut short: the same content type, unparseable content."""
    garbage, default_type = _GARBAGE.get(surface, _GARBAGE[Surface.OTHER])
    body = response.body[: len(response.body) // 2] if len(response.body) > 2 else garbage
    return Response(200, body, response.content_type or default_type)
