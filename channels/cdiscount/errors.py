"""The client's error tree, grouped by what the caller should do
(docs/architecture.md, The Cdiscount client).

- TransientError: try again later (Celery retry with backoff; never sooner than retry_after).
- AuthenticationError: get a new token, or ask the seller for working credentials.
- PermissionDeniedError: the seller must fix the Seller ID or the API account's rights.
- RejectedError: Cdiscount said no to this request; retrying the same request will not help.
- MalformedResponseError: the answer is not what the protocol promises.

Messages never hold a password, client secret or token: the clients redact them before raising.
"""

from __future__ import annotations

BODY_LIMIT = 2000


class CdiscountError(Exception):
    """Base of every error the Cdiscount client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        cdiscount_message: str | None = None,
        trace_id: str | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # Cdiscount's own words (error_description, problem title/detail, faultstring, ...).
        self.cdiscount_message = cdiscount_message
        # Octopia's traceId: support asks for it (docs/cdiscount-api.md §O2).
        self.trace_id = trace_id
        self.body = body[:BODY_LIMIT] if body is not None else None

    def __str__(self) -> str:
        return self.message


class TransientError(CdiscountError):
    """Worth retrying later: the request may succeed unchanged."""


class CdiscountConnectionError(TransientError):
    """Connection refused, reset or dropped, or no answer within the timeout."""


class ServerError(TransientError):
    """HTTP 5xx (or a SOAP fault that is not the caller's fault)."""


class RateLimitError(TransientError):
    """HTTP 429; retry_after holds the Retry-After header in seconds when Cdiscount sent one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AuthenticationError(CdiscountError):
    """Credentials or token problem."""


class InvalidCredentialsError(AuthenticationError):
    """The token endpoint refused the credentials (client ID/secret, or API login/password)."""


class TokenRejectedError(AuthenticationError):
    """The API said the token is missing, expired or invalid (Octopia 401, SOAP token fault)."""


class PermissionDeniedError(CdiscountError):
    """Octopia 403: this API client may not act for this Seller ID, or lacks the role."""


class RejectedError(CdiscountError):
    """Cdiscount refused the request itself (400/404/validation, OperationSuccess=false)."""


class CancellationRefusedError(RejectedError):
    """Cdiscount refused a cancellation request; `whole_order_offered` is True when only some
    lines were asked for and the seller should be offered to cancel the whole order instead."""

    def __init__(self, message: str, *, whole_order_offered: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.whole_order_offered = whole_order_offered


class RefundRefusedError(RejectedError):
    """Cdiscount refused a refund: nothing of it passed. `result` (an aftersale.Refund, when
    Cdiscount answered item by item) holds each item's own answer."""

    def __init__(self, message: str, *, result: object | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.result = result


class NotSupportedError(CdiscountError):
    """This API generation cannot do the operation; the message says where the seller can."""


class MalformedResponseError(CdiscountError):
    """The answer could not be parsed, or lacks elements the protocol requires."""


__all__ = [
    "AuthenticationError",
    "CancellationRefusedError",
    "CdiscountConnectionError",
    "CdiscountError",
    "InvalidCredentialsError",
    "MalformedResponseError",
    "NotSupportedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefundRefusedError",
    "RejectedError",
    "ServerError",
    "TokenRejectedError",
    "TransientError",
]
