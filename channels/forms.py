"""Validation for every page and the command line (which runs the same forms).

A shipment or product row is checked by the plain validators (validators.py) that the CSV
imports call too; forms never import services.
"""

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .formfields import (
    MAX_PRICE,
    SAFETY_QTY_MESSAGE,
    EuroAmountField,
    GuardPercentField,
    min_price_field,
)
from .models import (
    MAX_SAFETY_QTY,
    CdiscountAccount,
    CdiscountApi,
    Company,
    Delivery,
    Job,
    Notification,
    Product,
)
from .selectors import carriers_for_account
from .services.csv_import import csv_import_max_bytes, file_too_large_sentence
from .validators import (
    PRICE_MESSAGE,
    ShipmentInput,
    ascii_digits,
    product_price_clean,
    shipment_carrier_clean,
    shipment_row_fields,
    shipment_ship_date_clean,
    shipment_tracking_number_clean,
)

# Longer than any real secret; bounds what is encrypted, stored and sent.
MAX_PASSWORD_LENGTH = 256
PASSWORD_LENGTH_MESSAGE = _("The password can have at most 256 characters.")


def refuse_control_characters(value: str) -> None:
    """Names and logins are shown and sent as typed: no tabs, line breaks or terminal codes."""
    if any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in value):
        raise ValidationError(
            _("Remove the control characters (tabs, line breaks…)."), code="control_characters"
        )


def _password_field(label, help_text) -> forms.CharField:
    """A write-only secret: never rendered back, blank keeps the stored one."""
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=MAX_PASSWORD_LENGTH,
        error_messages={"max_length": PASSWORD_LENGTH_MESSAGE},
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


# What each credential field is called in Cdiscount's portals, under the input and in the
# read-only view alike.
CREDENTIAL_HELP = {
    "octopia_client_id": _("The client ID of your API account in the Octopia seller portal."),
    "octopia_client_secret": _("The client secret of that API account."),
    "octopia_seller_id": _("Your numeric seller ID, shown in the Octopia seller portal."),
    "marketplace_login": _("Your seller login followed by -api, for example myshop-api."),
    "marketplace_password": _("The password of that -api login."),
}
CREDENTIAL_API = {
    name: api for api, names in CdiscountAccount.API_CREDENTIAL_FIELDS.items() for name in names
}
KEEP_STORED = _("Leave blank to keep the stored one.")


class CredentialRules:
    """The rules of the credential fields, for every form that edits them (the Edit form, the
    switch page, the admin)."""

    def _credentials_prepare(self, stored) -> None:
        """Remembers the stored secrets (a blank secret keeps them); logins are not autofilled."""
        self._stored_secrets = {
            name: getattr(stored, name) if stored else ""
            for name in CdiscountAccount.PASSWORD_FIELDS
        }
        for name in ("octopia_client_id", "marketplace_login"):
            if name in self.fields:
                self.fields[name].widget.attrs["autocomplete"] = "off"

    def _clean_login(self, name):
        value = self.cleaned_data[name].strip()
        refuse_control_characters(value)
        return value

    def clean_octopia_client_id(self):
        return self._clean_login("octopia_client_id")

    def clean_marketplace_login(self):
        return self._clean_login("marketplace_login")

    def clean_octopia_seller_id(self):
        value = self.cleaned_data["octopia_seller_id"].strip()
        if value and not ascii_digits(value):
            raise ValidationError(_("The Seller ID is a number, for example 98979."))
        return value

    # Blank keeps the stored secret (write-only).
    def clean_octopia_client_secret(self):
        return (
            self.cleaned_data["octopia_client_secret"]
            or self._stored_secrets["octopia_client_secret"]
        )

    def clean_marketplace_password(self):
        return (
            self.cleaned_data["marketplace_password"]
            or self._stored_secrets["marketplace_password"]
        )

    def secret_typed(self) -> bool:
        """Whether the seller typed a secret, which a refused form cannot show again."""
        return self.is_bound and any(
            self.data.get(name) for name in CdiscountAccount.PASSWORD_FIELDS
        )


class GeneralSettingsForm(CredentialRules, forms.ModelForm):
    """The Edit form of General Settings. Secrets are write-only: blank keeps the stored one.

    Only the chosen API's credentials are read: the other API's stay as stored, whatever the
    request carries for them. With `token_follows` (Save and Get Token) Enabled does not need a
    token already stored: the caller saves only once Cdiscount issued one for these values.
    """

    octopia_client_secret = _password_field(
        _("Client Secret"),
        format_lazy("{} {}", CREDENTIAL_HELP["octopia_client_secret"], KEEP_STORED),
    )
    marketplace_password = _password_field(
        _("API Password"),
        format_lazy("{} {}", CREDENTIAL_HELP["marketplace_password"], KEEP_STORED),
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
    guard_min_price = min_price_field(_("Minimum price"))
    guard_max_drop = GuardPercentField(
        label=_("Maximum price drop"),
        message=_(
            "Enter a whole percentage from 1 to 100, for example 30 (100: any drop); leave "
            "blank to turn this guard off."
        ),
    )
    guard_breaker = GuardPercentField(
        label=_("Catalogue breaker"),
        message=_(
            "Enter a whole percentage from 1 to 100, for example 20; leave blank to turn the "
            "breaker off."
        ),
    )

    class Meta:
        model = CdiscountAccount
        fields = [
            "enabled",
            "api",
            "octopia_client_id",
            "octopia_client_secret",
            "octopia_seller_id",
            "marketplace_login",
            "marketplace_password",
            "safety_qty",
            "shipping_fee",
            "additional_shipping_fee",
            "enable_inventory_upload",
            "exclude_price_upload",
            "enable_order_download",
            "allow_unpaid_order",
            "enable_order_fulfillment_upload",
            "accept_orders_automatically",
            "guard_min_price",
            "guard_max_drop",
            "guard_breaker",
        ]
        help_texts = {
            name: text
            for name, text in CREDENTIAL_HELP.items()
            if name not in ("octopia_client_secret", "marketplace_password")
        }
        widgets = {"api": forms.RadioSelect}

    def __init__(self, data=None, *args, token_follows: bool = False, **kwargs):
        instance = kwargs.get("instance")
        stored = instance if instance is not None and instance.pk else None
        if data is not None and stored is not None:
            chosen = data.get("api") if data.get("api") in CdiscountApi.values else stored.api
            other = (
                CdiscountApi.MARKETPLACE if chosen == CdiscountApi.OCTOPIA else CdiscountApi.OCTOPIA
            )
            data = data.copy()
            for name in stored.credential_fields(other):
                # The other API's fields are not the seller's to change here: as stored.
                data[name] = (
                    "" if name in CdiscountAccount.PASSWORD_FIELDS else getattr(stored, name)
                )
        super().__init__(data, *args, **kwargs)
        self.token_follows = token_follows
        self._credentials_prepare(stored)

    @property
    def chosen_api(self) -> str:
        if self.is_bound and self.data.get("api") in CdiscountApi.values:
            return self.data["api"]
        return self.instance.api

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("enabled"):
            return cleaned
        api = cleaned.get("api") or self.instance.api
        missing = [
            name for name in CdiscountAccount.API_CREDENTIAL_FIELDS[api] if not cleaned.get(name)
        ]
        for name in missing:
            if name not in self.errors:
                self.add_error(
                    name,
                    _("Enter the %(field)s before ticking Enabled.")
                    % {"field": self.fields[name].label},
                )
        if self.token_follows:
            return cleaned
        credentials_changed = any(
            cleaned.get(name) != getattr(self.instance, name)
            for name in ("api", *CdiscountAccount.API_CREDENTIAL_FIELDS[api])
            if name in cleaned
        )
        if not self.instance.access_token:
            self.add_error(
                "enabled",
                _("Get a token first: use Save and Get Token (or Actions → Get Token)."),
            )
        elif credentials_changed:
            self.add_error(
                "enabled",
                _("New credentials need a new token: use Save and Get Token."),
            )
        return cleaned

    def changes(self) -> dict:
        """The validated values, for account_settings_update: the chosen API's credentials only."""
        other = (
            CdiscountApi.MARKETPLACE
            if self.chosen_api == CdiscountApi.OCTOPIA
            else CdiscountApi.OCTOPIA
        )
        ignored = CdiscountAccount.API_CREDENTIAL_FIELDS[other]
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name not in ignored}


class ApiCredentialsForm(CredentialRules, forms.ModelForm):
    """One API generation's credentials, entered on the switch page while the other API stays
    live: saving them changes neither the live API nor its token."""

    octopia_client_secret = GeneralSettingsForm.base_fields["octopia_client_secret"]
    marketplace_password = GeneralSettingsForm.base_fields["marketplace_password"]

    class Meta:
        model = CdiscountAccount
        fields = [
            name for names in CdiscountAccount.API_CREDENTIAL_FIELDS.values() for name in names
        ]
        help_texts = GeneralSettingsForm.Meta.help_texts

    def __init__(self, *args, api: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.api = api
        for name in list(self.fields):
            if name not in CdiscountAccount.API_CREDENTIAL_FIELDS[api]:
                del self.fields[name]
        self._credentials_prepare(self.instance)

    def changes(self) -> dict:
        return dict(self.cleaned_data)


class AccountAdminForm(CredentialRules, forms.ModelForm):
    """The staff's admin form of an account: the page's rules for the values Cdiscount reads."""

    class Meta:
        model = CdiscountAccount
        # The page's fields but the secrets: they are never shown or edited in the admin.
        fields = [
            name
            for name in GeneralSettingsForm.Meta.fields
            if name not in CdiscountAccount.PASSWORD_FIELDS
        ]


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


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notification: at once, in the daily digest, or off."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Notification.Kind.choices)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(label=labels[kind], choices=Delivery.choices)


class ProductOverridesForm(forms.ModelForm):
    """The per-product overrides editable on the Products page."""

    cdiscount_price = EuroAmountField(
        label=_("price on Cdiscount"),
        max_digits=10,
        max_value=MAX_PRICE,
        required=False,
        error_messages=dict.fromkeys(EuroAmountField.MESSAGE_KEYS, PRICE_MESSAGE),
    )
    guard_min_price = min_price_field(_("minimum price"))
    guard_max_drop = GuardPercentField(
        label=_("maximum price drop"),
        message=_(
            "Enter a whole percentage from 1 to 100, for example 30 (100: any drop); leave "
            "blank to use the Guards of General Settings."
        ),
    )

    class Meta:
        model = Product
        fields = ["safety_qty", "cdiscount_price", "excluded", "guard_min_price", "guard_max_drop"]

    def clean_cdiscount_price(self):
        return product_price_clean(self.cleaned_data["cdiscount_price"])


class CompanyForm(forms.ModelForm):
    """A new company (the command line's company-create)."""

    class Meta:
        model = Company
        fields = ["name"]
        error_messages = {"name": {"required": _("The company name cannot be empty.")}}

    def clean_name(self):
        name = self.cleaned_data["name"]
        refuse_control_characters(name)
        return name


class LoginCreateForm(forms.ModelForm):
    """A login for a company (the command line's user-create; the password from stdin)."""

    password = forms.CharField(
        strip=False,
        max_length=MAX_PASSWORD_LENGTH,
        error_messages={
            "max_length": PASSWORD_LENGTH_MESSAGE,
            "required": _("Give the password on standard input."),
        },
    )

    class Meta:
        model = get_user_model()
        fields = ["username"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            self.instance.username = cleaned.get("username", "")
            try:
                validate_password(cleaned["password"], self.instance)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), error_messages={"required": _("Choose a CSV file to import.")}
    )

    def __init__(self, *args, uploads_too_large=(), **kwargs):
        """`uploads_too_large`: the fields whose file was dropped on arrival for its size."""
        super().__init__(*args, **kwargs)
        if "file" in uploads_too_large:
            self.fields["file"].error_messages["required"] = file_too_large_sentence()

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > csv_import_max_bytes():
            raise ValidationError(file_too_large_sentence())
        return file


class ShipmentForm(forms.Form):
    """The Ship form of the order page: the fields and checks of a shipments CSV row
    (validators.shipment_row_validate), against the account's stored carrier list."""

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(shipment_row_fields())
        self.carriers = carriers_for_account(account)

    def clean_carrier(self):
        return shipment_carrier_clean(self.cleaned_data["carrier"], self.carriers)

    def clean_tracking_number(self):
        return shipment_tracking_number_clean(self.cleaned_data["tracking_number"])

    def clean_ship_date(self):
        return shipment_ship_date_clean(self.cleaned_data["ship_date"])

    def shipment_input(self) -> ShipmentInput:
        return ShipmentInput.of(self.cleaned_data)


# The General Settings page, panel by panel (docs/architecture.md, General Settings): each option
# with the one-line description shown beside it, in the read-only view and in the Edit form alike.
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
            (
                "api",
                _(
                    "Which Cdiscount API this account uses. To move a live account to the other "
                    "one, use Actions → Switch API."
                ),
            ),
            *CREDENTIAL_HELP.items(),
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
    (
        "guards",
        _("Guards"),
        (
            (
                "guard_min_price",
                _("An offer priced below it is held, not sent. A price of 0 is never sent."),
            ),
            (
                "guard_max_drop",
                _("An offer whose price falls more than this below the last accepted is held."),
            ),
            (
                "guard_breaker",
                _(
                    "An upload taking more than this share of your in-stock offers to 0 is held "
                    "whole."
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
            row = {
                "name": name,
                "label": model_field.verbose_name,
                "help": description,
                "api": CREDENTIAL_API.get(name, ""),
            }
            if form is not None:
                row["field"] = form[name]
                # The chosen API's credentials only; app.js shows the other set when the API
                # choice changes.
                row["hidden"] = row["api"] not in ("", form.chosen_api)
                if form.fields[name].help_text:
                    row["help"] = ""  # the field says it under the input
            elif row["api"] not in ("", account.api):
                continue
            elif name in CdiscountAccount.PASSWORD_FIELDS:
                row.update(kind="password", value=bool(getattr(account, name)))
            elif name == "api":
                row.update(kind="text", value=account.get_api_display())
            elif isinstance(model_field, models.BooleanField):
                row.update(kind="bool", value=getattr(account, name))
            elif isinstance(model_field, models.DecimalField):
                row.update(kind="money", value=getattr(account, name))
            elif name in ("guard_max_drop", "guard_breaker"):
                row.update(kind="percent", value=getattr(account, name))
            else:
                row.update(kind="text", value=getattr(account, name))
            rows.append(row)
        panels.append({"id": key, "title": title, "rows": rows})
    return panels
