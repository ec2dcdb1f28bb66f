"""The request and response the simulator's handlers work with, free of any HTTP server."""

from __future__ import annotations

import base64
import binascii
import enum
import json
from dataclasses import dataclass, field
from typing import Any


class Headers(dict):
    """A plain dict of headers (keys as the client spelled them) with case-insensitive lookups.

    It stays a dict so the request log serialises as JSON unchanged.
    """

    def _key(self, name: str) -> str | None:
        if dict.__contains__(self, name):
            return name
        lowered = name.lower()
        return next((key for key in self if key.lower() == lowered), None)

    def __getitem__(self, name: str) -> str:
        key = self._key(name)
        if key is None:
            raise KeyError(name)
        return dict.__getitem__(self, key)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) is not None

    def get(self, name: str, default: Any = None) -> Any:
        key = self._key(name)
        return default if key is None else dict.__getitem__(self, key)


class Surface(enum.Enum):
    """Which part of the simulated Cdiscount a path belongs to (decides error formats)."""

    OCTOPIA_AUTH = "octopia-auth"
    OCTOPIA_API = "octopia-api"
    STS = "sts"
    SOAP = "soap"
    CONTROL = "control"
    OTHER = "other"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def host(self) -> str:
        return self.headers.get("Host") or "127.0.0.1"

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ("" when absent)."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def basic_credentials(self) -> tuple[str, str] | None:
        """(user, password) from an HTTP Basic Authorization header, or None.

        Both are UTF-8 (RFC 7617's charset="UTF-8"), as the app's client sends them. The user
        cannot contain a colon and the password can: the split is at the first colon.
        """
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        *,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status, body, content_type, dict(headers or {}))

    @classmethod
    def text(
        cls,
        status: int,
        text: str,
        *,
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> Response:
        return cls(status, text.encode("utf-8"), content_type, dict(headers or {}))
