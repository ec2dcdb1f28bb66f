"""Octopia Seller API v2 (REST/JSON), CDISCOUNT_API.md §O."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests

from ._base import BaseClient, media_type, utc_now
from .errors import (
    CdiscountError,
    InvalidCredentialsError,
    MalformedResponseError,
    PermissionDeniedError,
    RejectedError,
    TokenRejectedError,
)
from .results import SellerInfo, Token

# §O: "tokens last 2 hours"; used only when the token answer leaves out expires_in.
DEFAULT_TOKEN_LIFETIME = timedelta(hours=2)
# OAuth error codes by which the token endpoint says the client ID or secret is wrong (§O1).
_CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client"})
_WWW_AUTH_DESCRIPTION = re.compile(r'error_description="([^"]*)"')


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
        payload = _json_or_none(response)
        error_code = payload.get("error") if isinstance(payload, dict) else None
        description = _oauth_description(payload)
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
            seconds = _positive_seconds(expires_in)
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
        cdiscount_message, trace_id = _problem_details(response)
        if status == 401:
            raise self._error(
                TokenRejectedError,
                f"{operation}: Octopia rejected the access token (HTTP 401)",
                response=response,
                cdiscount_message=cdiscount_message or _www_authenticate_description(response),
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
        # §O3: the shape is unconfirmed; accept one profile, a list, or {"items": [...]}.
        raw = data
        candidates = data
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            candidates = data["items"]
        elif isinstance(data, list):
            raw = {"items": data}
        if isinstance(candidates, list):
            profiles = [item for item in candidates if isinstance(item, dict)]
            mine = [p for p in profiles if _text(p, "id", "sellerId") == self._seller_id]
            candidates = (mine or profiles or [None])[0]
        if not isinstance(candidates, dict):
            raise self._error(
                MalformedResponseError, f"{operation}: the answer holds no seller profile"
            )
        return SellerInfo(
            seller_id=_text(candidates, "id", "sellerId"),
            shop_name=_text(candidates, "name", "shopName", "sellerName"),
            login=_text(candidates, "login"),
            raw=raw,
        )

    def _secrets(self) -> list[str]:
        return [self._client_secret, *super()._secrets()]


def _text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` holding a scalar, as a string (ids may come as numbers)."""
    for key in keys:
        value = data.get(key)
        if value is None or isinstance(value, bool | dict | list):
            continue
        text = str(value).strip()
        if text:
            return text
    return None


def _positive_seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _json_or_none(response: requests.Response) -> Any:
    """Error bodies are read whatever their content type says; None when not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _oauth_description(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    return _text(payload, "error_description", "error")


def _problem_details(response: requests.Response) -> tuple[str | None, str | None]:
    """(message, traceId) from an RFC 7807 problem body (§O2); tolerant of other JSON."""
    payload = _json_or_none(response)
    if not isinstance(payload, dict):
        return None, None
    title = _text(payload, "title")
    detail = _text(payload, "detail", "message")
    parts = [title] if title else []
    if detail and detail != title:
        parts.append(detail)
    parts.extend(_validation_errors(payload.get("errors")))
    message = ": ".join(parts[:2])
    if len(parts) > 2:
        message = f"{message} ({'; '.join(parts[2:])})"
    return message or None, _text(payload, "traceId", "trace_id")


def _validation_errors(errors: Any) -> list[str]:
    """`errors` as `{"field": ["msg"]}` (ASP.NET) or a list of strings/objects."""
    found: list[str] = []
    if isinstance(errors, dict):
        for field, messages in errors.items():
            if isinstance(messages, str):
                messages = [messages]
            if isinstance(messages, list):
                found.extend(f"{field}: {m}" for m in messages if isinstance(m, str))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                text = _text(item, "message", "detail", "title")
                if text:
                    found.append(text)
    return found


def _www_authenticate_description(response: requests.Response) -> str | None:
    match = _WWW_AUTH_DESCRIPTION.search(response.headers.get("WWW-Authenticate", ""))
    return match.group(1) if match else None
