"""Validation for every page and the command line (which runs the same forms)."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels.cdiscount.errors import CdiscountError

from .models import MAX_FEE, MAX_SAFETY_QTY, CdiscountAccount, CdiscountApi, Job, Product

FEE_MESSAGE = _(
    "Enter an amount in euros from 0 to 9999.99, with at most two decimals (for example 4,99)."
)
SAFETY_QTY_MESSAGE = _("Enter a whole number from 0 to 100000.")


class EuroAmountField(forms.DecimalField):
    """A fee in euros; accepts French input ("4,99", "4,99 €") as sellers type it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", MAX_FEE)
        kwargs.setdefault("error_messages", {})
        for key in (
            "invalid",
            "min_value",
            "max_value",
            "max_digits",
            "max_decimal_places",
            "max_whole_digits",
            "required",
        ):
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
            raise ValidationError(FEE_MESSAGE, code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                value.quantize(Decimal("0.01"))
            except InvalidOperation:
                raise ValidationError(FEE_MESSAGE, code="invalid") from None


class GeneralSettingsForm(forms.ModelForm):
    """The Edit form of General Settings. The password is write-only: blank keeps the stored one."""

    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Octopia: the client secret. Marketplace API: the password of the -api login. "
            "Leave blank to keep the stored one."
        ),
    )
    safety_qty = forms.IntegerField(
        label=_("Safety Qty"),
        min_value=0,
        max_value=MAX_SAFETY_QTY,
        error_messages={
            "invalid": SAFETY_QTY_MESSAGE,
            "min_value": SAFETY_QTY_MESSAGE,
            "max_value": SAFETY_QTY_MESSAGE,
            "required": SAFETY_QTY_MESSAGE,
        },
    )
    shipping_fee = EuroAmountField(label=_("Shipping Fee"))
    additional_shipping_fee = EuroAmountField(label=_("Additional Shipping Fee"))

    class Meta:
        model = CdiscountAccount
        fields = [
            "enabled",
            "api",
            "username",
            "password",
            "seller_id",
            "safety_qty",
            "shipping_fee",
            "additional_shipping_fee",
            "enable_inventory_upload",
            "exclude_price_upload",
            "enable_order_download",
            "allow_unpaid_order",
            "enable_order_fulfillment_upload",
            "accept_orders_automatically",
        ]
        help_texts = {
            "username": _(
                "Octopia: the client ID. Marketplace API: the API login, your seller login "
                "followed by -api."
            ),
            "seller_id": _("Octopia only: your numeric seller ID, shown in the seller portal."),
        }
        widgets = {"api": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stored_password = self.instance.password if self.instance.pk else ""
        self.fields["username"].widget.attrs["autocomplete"] = "off"

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def clean_seller_id(self):
        value = self.cleaned_data["seller_id"].strip()
        if value and not value.isdigit():
            raise ValidationError(_("The Seller ID is a number, for example 98979."))
        return value

    def clean_password(self):
        # Blank keeps the stored secret (PRODUCT.md §2: write-only).
        return self.cleaned_data["password"] or self._stored_password

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("enabled"):
            return cleaned
        api = cleaned.get("api")
        if not cleaned.get("username"):
            self.add_error("username", _("Enter the username before ticking Enabled."))
        if not cleaned.get("password"):
            self.add_error("password", _("Enter the password before ticking Enabled."))
        if (
            api == CdiscountApi.OCTOPIA
            and not cleaned.get("seller_id")
            and "seller_id" not in (self.errors)
        ):
            self.add_error("seller_id", _("Enter the Seller ID before ticking Enabled."))
        credentials_changed = any(
            cleaned.get(name) != getattr(self.instance, name)
            for name in CdiscountAccount.CREDENTIAL_FIELDS
            if name in cleaned
        )
        if not self.instance.access_token:
            self.add_error(
                "enabled",
                _("Get a token first (Actions → Get Token), then tick Enabled."),
            )
        elif credentials_changed:
            self.add_error(
                "enabled",
                _(
                    "New credentials need a new token: save them with Enabled unticked, use "
                    "Actions → Get Token, then tick Enabled."
                ),
            )
        return cleaned

    def changes(self) -> dict:
        """The validated values, for account_settings_update."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OrderFilterForm(forms.Form):
    """The Orders list's filters; an invalid value is ignored with a message, never a crash."""

    q = forms.CharField(label=_("Order number"), required=False, max_length=64)
    status = forms.CharField(label=_("Cdiscount state"), required=False, max_length=64)
    paid = forms.ChoiceField(
        label=_("Paid"),
        required=False,
        choices=[("", _("All")), ("yes", _("Paid")), ("no", _("Unpaid"))],
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)


class JobFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Job.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Job.Status.choices]
    )


def gtin_is_valid(value: str) -> bool:
    """GTIN-8/12/13/14 (EAN) with its check digit."""
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in value]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


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


class ProductRowForm(forms.Form):
    """One product, from a CSV row or the page (PRODUCT.md §4 columns)."""

    sku = forms.CharField(max_length=100)
    ean = forms.CharField(max_length=14)
    title = forms.CharField(max_length=300, required=False)
    quantity = forms.IntegerField(
        min_value=0,
        max_value=10_000_000,
        error_messages={"invalid": _("Enter a whole number of 0 or more.")},
    )
    price = EuroAmountField(max_digits=10, max_value=Decimal("99999999.99"))
    safety_qty = forms.IntegerField(
        min_value=0,
        max_value=MAX_SAFETY_QTY,
        required=False,
        error_messages={
            "invalid": SAFETY_QTY_MESSAGE,
            "min_value": SAFETY_QTY_MESSAGE,
            "max_value": SAFETY_QTY_MESSAGE,
        },
    )
    cdiscount_price = EuroAmountField(
        max_digits=10, max_value=Decimal("99999999.99"), required=False
    )
    excluded = CsvBooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("price", "cdiscount_price"):
            message = _("Enter a price in euros, for example 19,90.")
            self.fields[name].error_messages.update(
                {key: message for key in self.fields[name].error_messages if key != "required"}
            )

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if not sku:
            raise ValidationError(_("The SKU cannot be empty."))
        return sku

    def clean_ean(self):
        ean = self.cleaned_data["ean"].strip()
        if not gtin_is_valid(ean):
            raise ValidationError(
                _(
                    "%(ean)s is not a valid EAN: 8, 12, 13 or 14 digits, the last one being the "
                    "check digit."
                )
                % {"ean": ean}
            )
        return ean

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price <= 0:
            raise ValidationError(_("The price must be above 0."))
        return price


class ProductOverridesForm(forms.ModelForm):
    """The per-product overrides editable on the Products page."""

    cdiscount_price = EuroAmountField(
        label=_("price on Cdiscount"),
        max_digits=10,
        max_value=Decimal("99999999.99"),
        required=False,
    )

    class Meta:
        model = Product
        fields = ["safety_qty", "cdiscount_price", "excluded"]


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class ShipmentForm(forms.Form):
    """The Ship form of the order page, and a row of a shipments CSV file."""

    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100)
    tracking_url = forms.URLField(
        assume_scheme="https",
        label=_("Tracking URL"),
        required=False,
        max_length=500,
        help_text=_("Leave blank to use the carrier's own tracking page, where it is known."),
    )
    ship_date = forms.DateField(
        label=_("Ship date"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter the date as 2026-11-27 or 27/11/2026.")},
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["tracking_number"].widget.attrs["autocomplete"] = "off"

    def clean_tracking_number(self):
        value = "".join(self.cleaned_data["tracking_number"].split())
        if not value:
            raise ValidationError(_("Enter the tracking number."))
        return value

    def clean_carrier(self):
        from .services.fulfillment import carrier_match, carriers_for
        from .services.messages import cdiscount_error_sentence

        typed = self.cleaned_data["carrier"].strip()
        try:
            carrier = carrier_match(self.account, typed)
            names = ", ".join(c.name for c in carriers_for(self.account))
        except CdiscountError as exc:
            raise ValidationError(
                _("Cdiscount's list of carriers could not be read: %(why)s")
                % {"why": cdiscount_error_sentence(exc)}
            ) from None
        if carrier is None:
            raise ValidationError(
                _("%(carrier)s is not a carrier Cdiscount knows. Choose one of: %(names)s.")
                % {"carrier": typed, "names": names}
            )
        return carrier.name

    def clean_ship_date(self):
        value = self.cleaned_data["ship_date"]
        if value > timezone.localdate() + timedelta(days=1):
            raise ValidationError(_("The ship date cannot be in the future."))
        return value

    def shipment_input(self):
        from .services.fulfillment import ShipmentInput

        return ShipmentInput(
            carrier=self.cleaned_data["carrier"],
            tracking_number=self.cleaned_data["tracking_number"],
            tracking_url=self.cleaned_data.get("tracking_url") or "",
            ship_date=self.cleaned_data["ship_date"],
        )


# The General Settings page, panel by panel (PRODUCT.md §1): each option with the one-line
# description shown beside it, in the read-only view and in the Edit form alike.
SETTINGS_PANELS = (
    (
        "credentials",
        _("Credentials"),
        (
            (
                "enabled",
                _(
                    "The company is live on Cdiscount: automatic updates are sent and received "
                    "only when on."
                ),
            ),
            ("api", _("Which Cdiscount API this account uses.")),
            (
                "username",
                _(
                    "Octopia: the client ID. Marketplace API: the API login, your seller login "
                    "followed by -api."
                ),
            ),
            (
                "password",
                _("Octopia: the client secret. Marketplace API: the password of the -api login."),
            ),
            ("seller_id", _("Octopia only: your numeric seller ID.")),
        ),
    ),
    (
        "options",
        _("Options"),
        (
            ("safety_qty", _("Default safety quantity for products on Cdiscount.")),
            ("shipping_fee", _("Default shipping fee.")),
            ("additional_shipping_fee", _("Default additional shipping fee.")),
        ),
    ),
    (
        "controls",
        _("Controls"),
        (
            ("enable_inventory_upload", _("Send inventory updates automatically.")),
            ("exclude_price_upload", _("Stop sending prices automatically.")),
            ("enable_order_download", _("Download orders automatically.")),
            ("allow_unpaid_order", _("Also download unpaid orders.")),
            (
                "enable_order_fulfillment_upload",
                _("Send tracking information and ship date automatically."),
            ),
            (
                "accept_orders_automatically",
                _(
                    "Accept orders when every SKU is known and in stock; off, you accept or "
                    "refuse each one on the Orders page."
                ),
            ),
        ),
    ),
)


def settings_panels(account: CdiscountAccount, form: GeneralSettingsForm | None = None):
    """The panels' rows: with `form`, its bound fields; without, the values to show (a secret
    only as whether one is stored)."""
    panels = []
    for key, title, options in SETTINGS_PANELS:
        rows = []
        for name, description in options:
            model_field = CdiscountAccount._meta.get_field(name)
            row = {"name": name, "label": model_field.verbose_name, "help": description}
            if form is not None:
                row["field"] = form[name]
                if form.fields[name].help_text:
                    row["help"] = ""  # the field says it under the input
            elif name == "seller_id" and not account.is_octopia:
                continue
            elif name == "password":
                row.update(kind="password", value=account.has_password)
            elif name == "api":
                row.update(kind="text", value=account.get_api_display())
            elif isinstance(model_field, models.BooleanField):
                row.update(kind="bool", value=getattr(account, name))
            elif isinstance(model_field, models.DecimalField):
                row.update(kind="money", value=getattr(account, name))
            else:
                row.update(kind="text", value=getattr(account, name))
            rows.append(row)
        panels.append({"id": key, "title": title, "rows": rows})
    return panels
