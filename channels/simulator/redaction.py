"""The request log keeps what a developer needs to see, never a credential.

The log is served without authentication (GET /_simulator/requests), so a client secret, a
password or a token is replaced before the entry is stored: the scheme of an Authorization
header stays ("Bearer [redacted]"), and so do the names of the fields that carried secrets.
"""

from __future__ import annotations

import re
from typing import Any

from .exchange import Headers

REDACTED = "[redacted]"

# Headers whose whole value after the scheme is a credential.
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie"}
# Form fields, JSON members and query parameters that carry one.
_SECRET_NAMES = {"client_secret", "password", "access_token", "refresh_token", "tokenid"}

# client_secret=…& (form) or "client_secret": "…" (JSON).
_FORM_OR_JSON = re.compile(
    r"""(?P<name>\b(?:client_secret|password|access_token|refresh_token)["']?\s*[=:]\s*)"""
    r"""(?P<quote>["']?)(?P<value>(?:\\.|[^&"'\s,}])+)""",
    re.IGNORECASE,
)
# <TokenId>…</TokenId> or <Password>…</Password>, with or without a namespace prefix.
_XML = re.compile(
    r"(?P<open><(?P<tag>(?:[\w.-]+:)?(?:TokenId|Password))\b[^>/]*>)[^<]+(?P<close></(?P=tag)>)",
    re.IGNORECASE,
)


def _header_value(name: str, value: str) -> str:
    if name.lower() not in _CREDENTIAL_HEADERS:
        return value
    scheme, sep, _credential = value.partition(" ")
    return f"{scheme} {REDACTED}" if sep else REDACTED


def redact_body(text: str) -> str:
    # Offer bodies run to megabytes: look for the names before running the patterns.
    lowered = text.lower()
    if any(name in lowered for name in _SECRET_NAMES - {"tokenid"}):
        text = _FORM_OR_JSON.sub(lambda m: f"{m['name']}{m['quote']}{REDACTED}", text)
    if "tokenid" in lowered or "password" in lowered:
        text = _XML.sub(lambda m: f"{m['open']}{REDACTED}{m['close']}", text)
    return text


def redacted_entry(*, headers: dict[str, str], query: dict[str, str], body: str) -> dict[str, Any]:
    """The headers, query and body of a request as the log may show them."""
    return {
        "headers": Headers({name: _header_value(name, value) for name, value in headers.items()}),
        "query": {
            name: REDACTED if name.lower() in _SECRET_NAMES else value
            for name, value in query.items()
        },
        "body": redact_body(body),
    }
