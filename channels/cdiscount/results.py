"""Typed results of the client's operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Token:
    """An access token as issued; the value stays out of repr so it cannot reach a log line."""

    value: str = field(repr=False)
    expires_at: datetime  # aware, UTC
    received_at: datetime  # aware, UTC


@dataclass(frozen=True)
class SellerInfo:
    """The seller's profile, as the token validity probe returns it (§O3, §M3)."""

    seller_id: str | None
    shop_name: str | None
    login: str | None
    raw: dict[str, Any]
