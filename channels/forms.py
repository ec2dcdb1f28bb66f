"""Validation for every page and the command line (which runs the same forms)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MAX_FEE, MAX_SAFETY_QTY, CdiscountAccount, CdiscountApi

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
