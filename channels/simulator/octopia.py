"""Octopia Seller API v2 (CDISCOUNT_API.md §O): the Keycloak token endpoint and the REST API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .exchange import Request, Response
from .paths import OCTOPIA_API_PREFIX
from .state import OCTOPIA, OctopiaClient, SimulatorState

PROBLEM_JSON = "application/problem+json; charset=utf-8"

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
    status: int, detail: str | None = None, *, headers: dict[str, str] | None = None
) -> Response:
    """An RFC 7807 error with the `traceId` support asks for (§O2)."""
    problem_type, title = _PROBLEM_TYPES.get(status, ("about:blank", "Error"))
    payload: dict[str, Any] = {"type": problem_type, "title": title, "status": status}
    if detail:
        payload["detail"] = detail
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
    if request.body and request.content_type != "application/json":
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
