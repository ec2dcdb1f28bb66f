"""Form fields shared by the forms and the row validators: French input as sellers type it."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MAX_FEE

FEE_MESSAGE = _(
    "Enter an amount in euros from 0 to 9999.99, with at most two decimals (for example 4,99)."
)
SAFETY_QTY_MESSAGE = _("Enter a whole number from 0 to 100000.")
MIN_PRICE_MESSAGE = _(
    "Enter an amount in euros above 0, for example 1,00; leave blank for no minimum but 0."
)
MAX_PRICE = Decimal("99999999.99")


class EuroAmountField(forms.DecimalField):
    """A fee in euros; accepts French input ("4,99", "4,99 €") as sellers type it."""

    MESSAGE_KEYS = (
        "invalid",
        "min_value",
        "max_value",
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
        "required",
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", MAX_FEE)
        kwargs.setdefault("error_messages", {})
        for key in self.MESSAGE_KEYS:
            kwargs["error_messages"].setdefault(key, FEE_MESSAGE)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
            value = value.replace(",", ".")
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                value.quantize(Decimal("0.01"))
            except InvalidOperation:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def min_price_field(label) -> EuroAmountField:
    """A guard's minimum price: optional, above 0."""
    return EuroAmountField(
        label=label,
        max_digits=10,
        min_value=Decimal("0.01"),
        max_value=MAX_PRICE,
        required=False,
        error_messages=dict.fromkeys(EuroAmountField.MESSAGE_KEYS, MIN_PRICE_MESSAGE),
    )


class GuardPercentField(forms.IntegerField):
    """A guard's whole percentage, 1 to 100, optional; "30 %" is read as 30."""

    def __init__(self, *, message, **kwargs):
        kwargs.setdefault("required", False)
        kwargs["error_messages"] = dict.fromkeys(("invalid", "min_value", "max_value"), message)
        super().__init__(min_value=1, max_value=100, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("%", "").replace("\u00a0", "").strip()
        return super().to_python(value)


class CsvBooleanField(forms.Field):
    """true/false as a spreadsheet writes it: 1/0, yes/no, oui/non; blank is false."""

    TRUE = {"1", "true", "yes", "y", "oui", "o", "x"}
    FALSE = {"", "0", "false", "no", "n", "non"}

    def to_python(self, value):
        text = (value or "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("Write true or false."), code="invalid")
