"""What both API generations share about orders: argument checks, money, dates, addresses.

The readers raise OrderDataError; each client turns it into a MalformedResponseError (logged and
redacted by its own `_error`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .results import Address, Order, OrderLine

# §M4: the Marketplace API speaks naive Paris time.
PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
_ONE_SECOND = timedelta(seconds=1)
# ISO 8601 as both APIs write it: WCF sends up to 7 fraction digits, Octopia a Z or an offset.
_ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


class OrderDataError(ValueError):
    """An order in Cdiscount's answer lacks what the protocol promises, or holds nonsense."""


# -- arguments ------------------------------------------------------------------------------


def check_range(updated_from: datetime, updated_to: datetime) -> tuple[datetime, datetime]:
    """The range in UTC, widened to whole seconds (both APIs take seconds)."""
    for name, value in (("updated_from", updated_from), ("updated_to", updated_to)):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime")
    start = updated_from.astimezone(UTC).replace(microsecond=0)
    end = updated_to.astimezone(UTC)
    if end.microsecond:
        end = end.replace(microsecond=0) + _ONE_SECOND
    if start > end:
        raise ValueError("updated_from is after updated_to")
    return start, end


def check_statuses(statuses: Sequence[str] | None, every: tuple[str, ...]) -> tuple[str, ...]:
    """The statuses to ask for: all of `every` when None; unknown names are passed through."""
    if statuses is None:
        return every
    if isinstance(statuses, str):
        raise TypeError("statuses must be a sequence of status names, not one string")
    names = tuple(dict.fromkeys(str(status).strip() for status in statuses))
    if not names or not all(names):
        raise ValueError("statuses must name at least one status (None means all)")
    return names


def check_shipment(carrier: str, tracking_number: str) -> None:
    if not carrier or not carrier.strip():
        raise ValueError("carrier is required")
    if not tracking_number or not tracking_number.strip():
        raise ValueError("tracking_number is required")


def lines_to_ship(
    order: Order, line_ids: Sequence[str] | None, default: Callable[[OrderLine], bool]
) -> tuple[OrderLine, ...]:
    """The order's lines named by `line_ids` (in the order's order), or those `default` picks."""
    if line_ids is None:
        chosen = tuple(line for line in order.lines if default(line))
    else:
        if isinstance(line_ids, str):
            raise TypeError("line_ids must be a sequence of line ids, not one string")
        wanted = set(line_ids)
        unknown = sorted(wanted - {line.line_id for line in order.lines})
        if unknown:
            raise ValueError(f"order {order.reference} has no line {', '.join(unknown)}")
        chosen = tuple(line for line in order.lines if line.line_id in wanted)
    if not chosen:
        raise ValueError(f"order {order.reference}: no line to ship")
    return chosen


# -- reading answers ------------------------------------------------------------------------


def decimal_or_none(value: object, what: str) -> Decimal | None:
    """A JSON number or an XML decimal as Decimal (floats through their shortest repr)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise OrderDataError(f"{what} is not a number")
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise OrderDataError(f"{what} is not a number") from None
    if not number.is_finite():
        raise OrderDataError(f"{what} is not a number")
    return number


def required_decimal(value: object, what: str) -> Decimal:
    number = decimal_or_none(value, what)
    if number is None:
        raise OrderDataError(f"{what} is missing")
    return number


def required_quantity(value: object, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise OrderDataError(f"{what} is missing")
    number = decimal_or_none(value, what)
    if number is None or number != number.to_integral_value() or number < 0:
        raise OrderDataError(f"{what} is not a whole number")
    return int(number)


def unit_price(total: Decimal, quantity: int) -> Decimal:
    """Line total / quantity, rounded to cents (a line of 0 units keeps its total)."""
    if quantity <= 0:
        return total
    return (total / quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_datetime(text: str | None, naive_zone: ZoneInfo | timezone, what: str) -> datetime | None:
    """An ISO 8601 date-time as aware UTC; a naive one is read in `naive_zone`.

    `0001-01-01T00:00:00` (.NET's DateTime.MinValue) means "no date" (§M4): None.
    """
    if text is None or not text.strip():
        return None
    match = _ISO_DATETIME.fullmatch(text.strip())
    if match is None:
        raise OrderDataError(f"{what} is not a date-time: {text[:40]!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    if year == 1:
        return None
    fraction, offset = match.group(7), match.group(8)
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(year, month, day, hour, minute, second, microsecond)
    except ValueError:
        raise OrderDataError(f"{what} is not a date-time: {text[:40]!r}") from None
    if offset is None:
        moment = moment.replace(tzinfo=naive_zone)
    elif offset == "Z":
        moment = moment.replace(tzinfo=UTC)
    else:
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment.replace(tzinfo=timezone(-delta if offset[0] == "-" else delta))
    return moment.astimezone(UTC)


def joined(parts: Iterable[str | None], separator: str = " ") -> str | None:
    """Non-empty parts joined, repeats dropped (case-insensitively); None when nothing is left."""
    seen: dict[str, str] = {}
    for part in parts:
        if part and part.strip():
            seen.setdefault(part.strip().casefold(), part.strip())
    return separator.join(seen.values()) or None


def address_or_none(**fields: str | None) -> Address | None:
    """An Address, or None when it holds nothing to deliver to (§O4: unpaid, §M4: cancelled)."""
    address = Address(**fields)
    meaningful = (
        address.first_name,
        address.last_name,
        address.company_name,
        address.line1,
        address.line2,
        address.postal_code,
        address.city,
        address.relay_id,
    )
    return address if any(meaningful) else None
