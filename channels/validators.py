"""Row validation shared by the pages' forms and the services (CSV imports, the command line).

Plain functions over one row: each validates and normalises the values and returns them, or
raises ValidationError with the sentence a seller reads. This module imports neither the forms
nor the services, so that both can call it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .formfields import MAX_PRICE, SAFETY_QTY_MESSAGE, CsvBooleanField, EuroAmountField
from .models import MAX_SAFETY_QTY, Carrier

Checks = Mapping[str, Callable[[Any], Any]]


def ascii_digits(value: str) -> bool:
    """Only 0-9: `str.isdigit` also accepts "²" and Arabic-Indic digits, which Cdiscount refuses."""
    return value.isascii() and value.isdigit()


def row_validate(
    fields: Mapping[str, forms.Field], checks: Checks, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Each field read as its form field reads it, then its check; every bad field is reported
    at once, as ValidationError({field: [messages]})."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, field in fields.items():
        try:
            value = field.clean(field.widget.value_from_datadict(data, {}, name))
            values[name] = checks[name](value) if name in checks else value
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return values


# Products --------------------------------------------------------------------------------------
PRICE_MESSAGE = _("Enter a price in euros, for example 19,90.")


def gtin_is_valid(value: str) -> bool:
    """GTIN-8/12/13/14 (EAN) with its check digit."""
    if not ascii_digits(value) or len(value) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in value]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _price_field(*, required: bool) -> EuroAmountField:
    field = EuroAmountField(max_digits=10, max_value=MAX_PRICE, required=required)
    # A blank price keeps the fee sentence; every other problem gets the price one.
    field.error_messages.update(
        {key: PRICE_MESSAGE for key in field.error_messages if key != "required"}
    )
    return field


def product_row_fields() -> dict[str, forms.Field]:
    """One product, from a CSV row (docs/architecture.md, Products and CSV files)."""
    return {
        "sku": forms.CharField(max_length=100),
        "ean": forms.CharField(max_length=14),
        "title": forms.CharField(max_length=300, required=False),
        "quantity": forms.IntegerField(
            min_value=0,
            max_value=10_000_000,
            error_messages={"invalid": _("Enter a whole number of 0 or more.")},
        ),
        "price": _price_field(required=True),
        "safety_qty": forms.IntegerField(
            min_value=0,
            max_value=MAX_SAFETY_QTY,
            required=False,
            error_messages={
                "invalid": SAFETY_QTY_MESSAGE,
                "min_value": SAFETY_QTY_MESSAGE,
                "max_value": SAFETY_QTY_MESSAGE,
            },
        ),
        "cdiscount_price": _price_field(required=False),
        "excluded": CsvBooleanField(required=False),
    }


def product_sku_clean(value: str) -> str:
    sku = value.strip()
    if not sku:
        raise ValidationError(_("The SKU cannot be empty."))
    return sku


def product_ean_clean(value: str) -> str:
    ean = value.strip()
    if not gtin_is_valid(ean):
        raise ValidationError(
            _(
                "%(ean)s is not a valid EAN: 8, 12, 13 or 14 digits, the last one being the "
                "check digit."
            )
            % {"ean": ean}
        )
    return ean


def product_price_clean(value: Decimal | None) -> Decimal | None:
    if value is not None and value <= 0:
        raise ValidationError(_("The price must be above 0."))
    return value


PRODUCT_ROW_CHECKS: Checks = {
    "sku": product_sku_clean,
    "ean": product_ean_clean,
    "price": product_price_clean,
    "cdiscount_price": product_price_clean,
}


def product_row_validate(
    data: Mapping[str, Any], *, fields: Mapping[str, forms.Field] | None = None
) -> dict[str, Any]:
    """The product's values by column; a column left out of the row reads as blank.

    A caller validating many rows builds `product_row_fields()` once and passes them."""
    return row_validate(fields or product_row_fields(), PRODUCT_ROW_CHECKS, data)


# Shipments -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShipmentInput:
    carrier: str
    tracking_number: str
    tracking_url: str
    ship_date: date

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "ShipmentInput":
        """From the cleaned values of the Ship form or of a CSV row."""
        return cls(
            carrier=values["carrier"],
            tracking_number=values["tracking_number"],
            tracking_url=values.get("tracking_url") or "",
            ship_date=values["ship_date"],
        )


def shipment_row_fields() -> dict[str, forms.Field]:
    """The Ship form's fields, which are also the columns of a shipments CSV row."""
    return {
        "carrier": forms.CharField(label=_("Carrier"), max_length=100),
        "tracking_number": forms.CharField(
            label=_("Tracking number"),
            max_length=100,
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
        ),
        "tracking_url": forms.URLField(
            assume_scheme="https",
            label=_("Tracking URL"),
            required=False,
            max_length=500,
            help_text=_("Leave blank to use the carrier's own tracking page, where it is known."),
        ),
        "ship_date": forms.DateField(
            label=_("Ship date"),
            input_formats=["%Y-%m-%d", "%d/%m/%Y"],
            error_messages={"invalid": _("Enter the date as 2026-11-27 or 27/11/2026.")},
        ),
    }


def carrier_match(carriers: Sequence[Carrier], typed: str) -> Carrier | None:
    """The carrier with that name or code, whatever the case and spacing."""
    wanted = " ".join(typed.split()).casefold()
    for carrier in carriers:
        if wanted in (carrier.name.casefold(), carrier.code.casefold()):
            return carrier
    return None


def shipment_carrier_find(typed: str, carriers: Sequence[Carrier]) -> Carrier | None:
    """The account's carrier named `typed`. With no stored list yet (it arrives with the next
    sync) any name is taken as typed: None."""
    if not carriers:
        return None
    carrier = carrier_match(carriers, typed)
    if carrier is None:
        raise ValidationError(
            _("%(carrier)s is not a carrier Cdiscount knows. Choose one of: %(names)s.")
            % {"carrier": typed, "names": ", ".join(c.name for c in carriers)}
        )
    return carrier


def shipment_carrier_clean(value: str, carriers: Sequence[Carrier]) -> str:
    """Cdiscount's own spelling of the carrier, or the name as typed while there is no list."""
    typed = value.strip()
    carrier = shipment_carrier_find(typed, carriers)
    return carrier.name if carrier else typed


def shipment_tracking_number_clean(value: str) -> str:
    number = "".join(value.split())
    if not number:
        raise ValidationError(_("Enter the tracking number."))
    return number


def shipment_ship_date_clean(value: date) -> date:
    if value > timezone.localdate() + timedelta(days=1):
        raise ValidationError(_("The ship date cannot be in the future."))
    return value


def shipment_row_validate(data: Mapping[str, Any], *, carriers: Sequence[Carrier]) -> ShipmentInput:
    """A shipment as the Ship form reads it; `carriers` is the account's stored list."""
    values = row_validate(
        shipment_row_fields(),
        {
            "carrier": lambda value: shipment_carrier_clean(value, carriers),
            "tracking_number": shipment_tracking_number_clean,
            "ship_date": shipment_ship_date_clean,
        },
        data,
    )
    return ShipmentInput.of(values)
