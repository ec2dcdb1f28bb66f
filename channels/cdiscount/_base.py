"""What both API generations share: the HTTP funnel, the token-refresh-retry rule, redaction.

Every HTTP call of either client goes through `_send` (one session, one timeout, transport
failures mapped to CdiscountConnectionError); every authenticated operation goes through
`_with_token`, the only place that renews a token. Where tokens are kept between clients is
the caller's business: it hands the client a TokenStore.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import requests

from .errors import (
    CdiscountConnectionError,
    CdiscountError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    TokenRejectedError,
)
from .protocols import TokenStore
from .results import Token

logger = logging.getLogger("channels.cdiscount")

T = TypeVar("T")
# Told of every HTTP exchange: (operation, HTTP status, or None when no answer came). Handed in
# by the caller, as the token store is; the app counts calls with it (docs/architecture.md,
# Metrics).
CallObserver = Callable[[str, int | None], None]
E = TypeVar("E", bound=CdiscountError)

REDACTED = "***"
# Token answers carry secrets under these keys: hidden even before the client knows the value.
_SECRET_JSON_KEYS = re.compile(
    r'("(?:access_token|refresh_token|id_token|client_secret|password)"\s*:\s*)"[^"]*"'
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - utc_now()).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def response_text(response: requests.Response) -> str:
    # Decoded without charset sniffing: bodies kept for errors only, sniffing large ones is slow.
    return response.content.decode(response.encoding or "utf-8", errors="replace")


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


class UnsharedTokenStore:
    """The store of a client on its own: every renewal asks Cdiscount, nothing is kept."""

    def renew(self, *, held: str | None, fetch: Callable[[], Token]) -> Token:
        return fetch()

    def save(self, token: Token) -> None:
        return None


class BaseClient:
    """Shared machinery; subclasses implement `_request_token` and their operations."""

    _api_label = "Cdiscount"

    def __init__(
        self,
        *,
        token: str | None,
        timeout: float,
        auto_refresh: bool,
        token_store: TokenStore | None,
        session: requests.Session | None,
        observer: CallObserver | None = None,
    ) -> None:
        self._observer = observer
        self._token_value: str | None = token or None
        self._timeout = timeout
        self._auto_refresh = auto_refresh
        self._token_store: TokenStore = UnsharedTokenStore() if token_store is None else token_store
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        # Every token this client has held: an old one echoed back must be redacted too.
        self._known_tokens: set[str] = {token} if token else set()

    # -- public -----------------------------------------------------------------------------

    @property
    def token(self) -> str | None:
        """The current token string, or None before the first Get Token."""
        return self._token_value

    def get_token(self) -> Token:
        """Always asks the token endpoint; keeps the token and hands it to the token store."""
        token = self._fetch_token()
        self._token_store.save(token)
        self._use(token)
        return token

    def renew_token(self) -> Token:
        """Replaces the token held: by one the token store already has (another client renewed
        it meanwhile), else by a new one the store fetches through this client."""
        token = self._token_store.renew(held=self._token_value, fetch=self._fetch_token)
        self._use(token)
        return token

    def close(self) -> None:
        """Closes the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} token={'set' if self._token_value else 'none'}>"

    # -- for subclasses -----------------------------------------------------------------------

    def _request_token(self) -> Token:
        raise NotImplementedError

    def _fetch_token(self) -> Token:
        """One request to the token endpoint."""
        token = self._request_token()
        self._known_tokens.add(token.value)
        logger.info(
            "%s: new token received, valid until %s",
            self._api_label,
            token.expires_at.isoformat(),
        )
        return token

    def _use(self, token: Token) -> None:
        self._token_value = token.value
        self._known_tokens.add(token.value)

    def _secrets(self) -> list[str]:
        """Values that must never appear in an exception or a log line."""
        return list(self._known_tokens)

    def _with_token(self, operation: str, call: Callable[[str], T]) -> T:
        """Runs `call(token)`; on a rejected token, refreshes once and retries once.

        At most one renewal per operation: a token obtained just now for this call is not
        replaced again when rejected (token requests are rate limited, §O1).
        """
        fetched_now = False
        if self._token_value is None:
            if not self._auto_refresh:
                raise self._error(
                    TokenRejectedError, f"{operation}: no access token (use Get Token first)"
                )
            self.renew_token()
            fetched_now = True
        try:
            return call(self._token_value)
        except TokenRejectedError:
            if not self._auto_refresh or fetched_now:
                raise
            logger.warning("%s: token rejected; getting a new token and retrying once", operation)
        # Outside the except block so a second failure is not chained onto the first.
        self.renew_token()
        return call(self._token_value)

    def _metric_operation(self, operation: str) -> str:
        """The operation as the observer is told it: without ids, so the names stay few."""
        return operation

    def _observe(self, operation: str, status: int | None) -> None:
        if self._observer is None:
            return
        try:
            self._observer(self._metric_operation(operation), status)
        except Exception:
            # Counting calls must never break one.
            logger.warning("%s: the call observer failed", operation, exc_info=True)

    def _send(self, method: str, url: str, *, operation: str, **kwargs: Any) -> requests.Response:
        """The HTTP funnel: one session, always the timeout, transport failures mapped; the
        observer hears of every exchange, answered or not."""
        status: int | None = None
        try:
            response = self._transmit(method, url, operation=operation, **kwargs)
            status = response.status_code
            return response
        finally:
            self._observe(operation, status)

    def _transmit(
        self, method: str, url: str, *, operation: str, **kwargs: Any
    ) -> requests.Response:
        host = urlsplit(url).netloc
        started = time.monotonic()
        try:
            # No redirects: a redirected POST could carry the client secret to another host.
            response = self._session.request(
                method, url, timeout=self._timeout, allow_redirects=False, **kwargs
            )
        except requests.exceptions.Timeout as exc:
            raise self._error(
                CdiscountConnectionError,
                f"{operation}: no answer from {host} within {self._timeout:g} s "
                f"({type(exc).__name__})",
            ) from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise self._error(
                CdiscountConnectionError,
                f"{operation}: connection to {host} failed or was dropped ({type(exc).__name__})",
            ) from exc
        except requests.exceptions.ContentDecodingError as exc:
            raise self._error(
                MalformedResponseError,
                f"{operation}: the answer from {host} could not be decoded",
            ) from exc
        except requests.exceptions.RequestException as exc:
            # Not chained: some of these (InvalidHeader) quote header values, i.e. the token.
            raise self._error(
                CdiscountError,
                f"{operation}: the request to {host} could not be sent ({type(exc).__name__})",
            ) from None
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("%s -> HTTP %s in %.0f ms", operation, response.status_code, elapsed_ms)
        return response

    def _transient_error(
        self,
        response: requests.Response,
        operation: str,
        *,
        cdiscount_message: str | None = None,
        trace_id: str | None = None,
    ) -> CdiscountError | None:
        """The error for a 429 or 5xx (same meaning on every endpoint of both generations)."""
        status = response.status_code
        if status == 429:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
            return self._error(
                RateLimitError,
                f"{operation}: too many requests (HTTP 429){wait}",
                response=response,
                cdiscount_message=cdiscount_message,
                trace_id=trace_id,
                retry_after=retry_after,
            )
        if status >= 500:
            return self._error(
                ServerError,
                f"{operation}: Cdiscount server error (HTTP {status}), retry later",
                response=response,
                cdiscount_message=cdiscount_message,
                trace_id=trace_id,
            )
        return None

    def _error(
        self,
        cls: type[E],
        message: str,
        *,
        response: requests.Response | None = None,
        cdiscount_message: str | None = None,
        trace_id: str | None = None,
        **extra: Any,
    ) -> E:
        """Builds an error with secrets redacted everywhere, and logs it with its trace id."""
        cdiscount_message = self._redact(cdiscount_message)
        if cdiscount_message:
            message = f"{message}: {cdiscount_message}"
        if trace_id:
            message = f"{message} [trace id {trace_id}]"
        message = self._redact(message)
        body = self._redact(response_text(response)) if response is not None else None
        error = cls(
            message,
            status=response.status_code if response is not None else None,
            cdiscount_message=cdiscount_message,
            trace_id=trace_id,
            body=body,
            **extra,
        )
        logger.warning("%s (%s)", message, cls.__name__)
        return error

    def _redact(self, text: str | None) -> str | None:
        if not text:
            return text
        # Longest first, so a secret that contains another is hidden whole.
        for secret in sorted(filter(None, self._secrets()), key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return _SECRET_JSON_KEYS.sub(rf'\1"{REDACTED}"', text)
