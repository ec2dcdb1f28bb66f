from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dateformat import time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedTextField

MAX_SAFETY_QTY = 100_000
MAX_FEE = Decimal("9999.99")


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.DEFAULT_COMPANY_TIME_ZONE
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="companies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"


class CdiscountApi(models.TextChoices):
    OCTOPIA = "octopia", _("Octopia Seller API v2")
    MARKETPLACE = "marketplace", _("Cdiscount Marketplace API (legacy)")


def guard_min_price_field(label) -> models.DecimalField:
    """A guard's minimum price (account or product); blank: only a price of 0 is held."""
    return models.DecimalField(
        label,
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )


def guard_percent_field(label, **default) -> models.PositiveSmallIntegerField:
    """A guard's whole percentage, 1 to 100; blank turns it off (or defers to the account)."""
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        **default,
    )


class CdiscountAccount(models.Model):
    """A company's Cdiscount connection: the General Settings page
    (docs/architecture.md, General Settings)."""

    # The credentials of each API generation, both kept: a seller may switch back and forth, and
    # a secret of one API is never sent to the other (docs/architecture.md, Credentials).
    API_CREDENTIAL_FIELDS = {
        "octopia": ("octopia_client_id", "octopia_client_secret", "octopia_seller_id"),
        "marketplace": ("marketplace_login", "marketplace_password"),
    }
    # The fields that scripts and older code name the same on both APIs, by API.
    GENERIC_CREDENTIALS = {
        "octopia": {
            "username": "octopia_client_id",
            "password": "octopia_client_secret",
            "seller_id": "octopia_seller_id",
        },
        "marketplace": {"username": "marketplace_login", "password": "marketplace_password"},
    }
    PASSWORD_FIELDS = ("octopia_client_secret", "marketplace_password")
    SECRET_FIELDS = (*PASSWORD_FIELDS, "access_token")

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="cdiscount_account"
    )
    # Credentials
    enabled = models.BooleanField(_("Enabled"), default=False)
    api = models.CharField(
        _("API"), max_length=20, choices=CdiscountApi.choices, default=CdiscountApi.OCTOPIA
    )
    octopia_client_id = models.CharField(_("Client ID"), max_length=200, blank=True)
    octopia_client_secret = EncryptedTextField(_("Client Secret"), blank=True)
    octopia_seller_id = models.CharField(_("Seller ID"), max_length=32, blank=True)
    marketplace_login = models.CharField(_("API Login"), max_length=200, blank=True)
    marketplace_password = EncryptedTextField(_("API Password"), blank=True)
    # The live token, of the current API only: a switch of API drops it (a token of one API is
    # useless to the other) and the switch page gets one for the new API in the same step.
    access_token = EncryptedTextField(_("Access Token"), blank=True)
    token_received_at = models.DateTimeField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_message = models.CharField(max_length=500, blank=True)
    # Options
    safety_qty = models.PositiveIntegerField(
        _("Safety Qty"), default=0, validators=[MaxValueValidator(MAX_SAFETY_QTY)]
    )
    shipping_fee = models.DecimalField(
        _("Shipping Fee"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_FEE)],
    )
    additional_shipping_fee = models.DecimalField(
        _("Additional Shipping Fee"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_FEE)],
    )
    # Controls
    enable_inventory_upload = models.BooleanField(_("Enable Inventory Upload"), default=False)
    exclude_price_upload = models.BooleanField(_("Exclude Price Upload"), default=False)
    enable_order_download = models.BooleanField(_("Enable Order Download"), default=False)
    allow_unpaid_order = models.BooleanField(_("Allow UnPaid Order"), default=False)
    enable_order_fulfillment_upload = models.BooleanField(
        _("Enable Order Fulfillment Upload"), default=False
    )
    # Off: every order awaiting acceptance waits for the seller (docs/architecture.md,
    # Acceptance).
    accept_orders_automatically = models.BooleanField(
        _("Accept orders automatically"), default=True
    )
    # Guards: an offer that trips one is held, not sent (docs/architecture.md, Guards).
    guard_min_price = guard_min_price_field(_("Minimum price"))
    guard_max_drop = guard_percent_field(_("Maximum price drop"), default=30)
    guard_breaker = guard_percent_field(_("Catalogue breaker"), default=20)
    # Account health: repeated authentication failures pause automatic sync
    # (docs/architecture.md, Account health).
    auth_failures = models.PositiveIntegerField(default=0)
    sync_paused_at = models.DateTimeField(null=True, blank=True)
    sync_paused_reason = models.TextField(blank=True)
    # The fees Cdiscount last accepted on the offers: a change sends full offers again.
    offers_shipping_fee = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    offers_additional_shipping_fee = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Cdiscount account")

    def __str__(self) -> str:
        return f"Cdiscount account of {self.company}"

    @property
    def is_octopia(self) -> bool:
        return self.api == CdiscountApi.OCTOPIA

    def credential_fields(self, api: str | None = None) -> tuple[str, ...]:
        """The credential fields of `api` (default: the account's current API)."""
        return self.API_CREDENTIAL_FIELDS[api or self.api]

    def credential_field(self, generic: str, api: str | None = None) -> str | None:
        """The field that `username`, `password` or `seller_id` means on `api`; None for the
        Seller ID of the Marketplace API, which has none."""
        return self.GENERIC_CREDENTIALS[api or self.api].get(generic)

    def _generic(self, generic: str) -> str:
        name = self.credential_field(generic)
        return getattr(self, name) if name else ""

    def _set_generic(self, generic: str, value: str) -> None:
        name = self.credential_field(generic)
        if name is None:
            raise AttributeError(f"the {self.api} API has no {generic}")
        setattr(self, name, value)

    # The current API's credentials under the names both APIs share (the client factory, the
    # token actions, test fixtures).
    username = property(
        lambda self: self._generic("username"), lambda self, v: self._set_generic("username", v)
    )
    password = property(
        lambda self: self._generic("password"), lambda self, v: self._set_generic("password", v)
    )
    seller_id = property(
        lambda self: self._generic("seller_id"), lambda self, v: self._set_generic("seller_id", v)
    )

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    def has_credentials_for(self, api: str | None = None) -> bool:
        """Whether every credential field of `api` (default: the current one) is filled in."""
        return all(getattr(self, name) for name in self.credential_fields(api))

    @property
    def has_credentials(self) -> bool:
        return self.has_credentials_for()

    @property
    def other_api(self) -> str:
        return CdiscountApi.MARKETPLACE if self.is_octopia else CdiscountApi.OCTOPIA

    @property
    def has_token(self) -> bool:
        return bool(self.access_token)

    @property
    def token_is_current(self) -> bool:
        return bool(
            self.access_token and self.token_expires_at and self.token_expires_at > timezone.now()
        )

    @property
    def masked_token(self) -> str:
        return mask_secret(self.access_token)


def mask_secret(value: str) -> str:
    """First 4 and last 4 characters only
    (docs/architecture.md, Secrets); short values are fully hidden."""
    if not value:
        return ""
    if len(value) <= 12:
        return "…" * 3
    return f"{value[:4]}…{value[-4:]}"


# Fields of older versions that the history of changes still names.
REMOVED_FIELD_LABELS = {
    "username": _("Username"),
    "password": _("Password"),
    "seller_id": _("Seller ID"),
}


class SettingsChange(models.Model):
    """Who changed which General Settings fields, and when; never the secret values."""

    class Source(models.TextChoices):
        WEB = "web", _("web")
        CLI = "cli", _("command line")
        ACTION = "action", _("action")
        ADMIN = "admin", _("admin")

    account = models.ForeignKey(
        CdiscountAccount, on_delete=models.CASCADE, related_name="settings_changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    fields = models.JSONField(default=list)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{', '.join(self.fields)} changed at {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def field_labels(self) -> list[str]:
        """The changed fields as the page labels them, in the active language."""
        labels = []
        for name in self.fields:
            try:
                labels.append(str(CdiscountAccount._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:  # a field since removed: its old label, else its name
                labels.append(str(REMOVED_FIELD_LABELS.get(name, name)))
        return labels


class Product(models.Model):
    """A product of the seller's catalogue, offered on Cdiscount by EAN
    (docs/architecture.md, Products and CSV files).

    Beside the seller's own data it keeps what Cdiscount last accepted for the offer, what is
    on its way in a package, and the last offer error, so that only changes are sent.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("SKU"), max_length=100)
    ean = models.CharField(_("EAN"), max_length=14, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    quantity = models.PositiveIntegerField(_("available quantity"), default=0)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=Decimal("0"))
    # Per-product overrides
    safety_qty = models.PositiveIntegerField(
        _("safety quantity"), null=True, blank=True, validators=[MaxValueValidator(MAX_SAFETY_QTY)]
    )
    cdiscount_price = models.DecimalField(
        _("price on Cdiscount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    excluded = models.BooleanField(_("excluded from Cdiscount"), default=False)
    guard_min_price = guard_min_price_field(_("minimum price"))
    guard_max_drop = guard_percent_field(_("maximum price drop"))
    # What Cdiscount last accepted
    accepted_quantity = models.PositiveIntegerField(null=True, blank=True)
    accepted_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Drift: what reconciliation last found on Cdiscount when it differed
    drift_found_at = models.DateTimeField(null=True, blank=True)
    drift_note = models.CharField(max_length=300, blank=True)
    # What is on its way (in a package whose results are not in yet)
    pending_package = models.ForeignKey(
        "OfferPackage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last rejection: the offer as it was refused (fees None: sent without fees). It is not
    # sent again until one of these values changes, on a full resend or by the reconciliation.
    rejected_ean = models.CharField(max_length=14, blank=True)
    rejected_quantity = models.PositiveIntegerField(null=True, blank=True)
    rejected_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rejected_shipping_fee = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    rejected_additional_shipping_fee = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    offer_error_code = models.CharField(max_length=20, blank=True)
    offer_error_message = models.TextField(blank=True)
    offer_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["company", "sku"], name="unique_product_sku")
        ]

    def __str__(self) -> str:
        return self.sku


class HeldOffer(models.Model):
    """An offer the guards kept from an upload, and the seller's decision on it.

    Held: not sent, listed on the Products page. Released: sent by the next upload as it was
    held, despite the guards, once. Discarded: not sent while the product's offer stays as it
    was held; a change of its quantity or price is judged afresh (docs/architecture.md, Guards).
    """

    class Reason(models.TextChoices):
        MIN_PRICE = "min_price", _("below the minimum price")
        PRICE_DROP = "price_drop", _("price drop")
        CATALOGUE = "catalogue", _("catalogue breaker")

    class State(models.TextChoices):
        HELD = "held", _("held")
        RELEASED = "released", _("released")
        DISCARDED = "discarded", _("discarded")

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="held_offer")
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # The figures of the sentence shown to the seller (money and percentages as strings).
    figures = models.JSONField(default=dict, blank=True)
    held_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["product__sku"]

    def __str__(self) -> str:
        return f"{self.product_id} {self.state}"


class OfferPackage(models.Model):
    """A package of offer updates sent to Cdiscount, and its integration result."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        INTEGRATED = "integrated", _("Integrated")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("No result")

    account = models.ForeignKey(
        CdiscountAccount, on_delete=models.CASCADE, related_name="offer_packages"
    )
    job = models.ForeignKey("Job", null=True, on_delete=models.SET_NULL, related_name="packages")
    package_id = models.CharField(max_length=64, blank=True)
    full = models.BooleanField(default=False)
    offer_count = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    cdiscount_state = models.CharField(max_length=40, blank=True)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    # Marketplace API: the zip Cdiscount downloads, at an unguessable URL, for a day (§M6).
    download_token = models.CharField(max_length=64, blank=True, db_index=True)
    file_path = models.CharField(max_length=500, blank=True)
    shipping_fee = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    additional_shipping_fee = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"package {self.package_id or self.pk}"


class OfferPackageItem(models.Model):
    """One offer a package carried, and Cdiscount's verdict on it."""

    package = models.ForeignKey(OfferPackage, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    accepted = models.BooleanField(null=True)
    error_code = models.CharField(max_length=20, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["package", "product"]),
            models.Index(fields=["package", "sku"]),
        ]


class Job(models.Model):
    """One run of a background job, manual or scheduled (docs/architecture.md, The job record)."""

    class Kind(models.TextChoices):
        TOKEN_REFRESH = "token_refresh", _("Token refresh")
        ORDER_DOWNLOAD = "order_download", _("Order download")
        INVENTORY_UPLOAD = "inventory_upload", _("Inventory upload")
        FULFILLMENT_UPLOAD = "fulfillment_upload", _("Fulfillment upload")
        ORDER_RESWEEP = "order_resweep", _("Order re-sweep")
        OFFER_RECONCILIATION = "offer_reconciliation", _("Offer reconciliation")
        PRODUCTS_IMPORT = "products_import", _("Products import")
        SHIPMENTS_IMPORT = "shipments_import", _("Shipments import")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Manual")
        SCHEDULED = "scheduled", _("Scheduled")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETRYING = "retrying", _("Retrying")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        PARTIAL_SUCCESS = "partial_success", _("Partial Success")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED = "skipped", _("Skipped")

    # CSV imports: started by hand only (never scheduled), on our own database only (no
    # Cdiscount call, so no credentials needed), with the uploaded file in options["upload"].
    IMPORT_KINDS = (Kind.PRODUCTS_IMPORT, Kind.SHIPMENTS_IMPORT)
    FINISHED = (
        Status.COMPLETED,
        Status.PARTIAL_SUCCESS,
        Status.FAILED,
        Status.CANCELLED,
        Status.SKIPPED,
    )
    # Transient Cdiscount errors (connection, 5xx, 429) are tried this many times in all.
    MAX_ATTEMPTS = 5

    account = models.ForeignKey(CdiscountAccount, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULED)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    progress = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    trace_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Retrying: when the next attempt is due.
    next_try_at = models.DateTimeField(null=True, blank=True)
    # Touched while a worker runs the job; a silent job lost its worker (services/runs.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The full text of the last error (Cdiscount's own words, already redacted by the client).
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"Job #{self.pk} {self.kind} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def status_label(self) -> str:
        """The status as a seller reads it; a retrying job says which attempt comes when (in
        the time zone of the request, the company's)."""
        if self.status == self.Status.RETRYING and self.next_try_at:
            return gettext("Retrying: attempt %(n)d of %(max)d, next try at %(time)s") % {
                "n": self.attempts + 1,
                "max": self.MAX_ATTEMPTS,
                "time": time_format(timezone.localtime(self.next_try_at), "H:i"),
            }
        return str(self.get_status_display())


class JobLog(models.Model):
    """One line per record a job handled, with an error flag (the job's output)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="logs")
    created_at = models.DateTimeField(default=timezone.now)
    record = models.CharField(max_length=100, blank=True)
    message = models.TextField()
    is_error = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class JobLock(models.Model):
    """At most one running job per account and kind; expires so a killed worker frees it."""

    account = models.ForeignKey(CdiscountAccount, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30, choices=Job.Kind.choices)
    job = models.ForeignKey(Job, null=True, on_delete=models.SET_NULL)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "kind"], name="unique_job_lock")]


class SyncCursor(models.Model):
    """Where an incremental job resumes: moved only by a successful run.

    One per API generation: after a switch, the newly chosen API's first run has no cursor and
    looks back as a first run does (docs/architecture.md).
    """

    account = models.ForeignKey(CdiscountAccount, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30, choices=Job.Kind.choices)
    api = models.CharField(max_length=20, choices=CdiscountApi.choices)
    position = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "api"], name="unique_sync_cursor")
        ]


class Order(models.Model):
    """A Cdiscount order, upserted by (account, reference): never a duplicate, whichever API
    generation brought it.

    `reference` is the marketplace order reference both APIs share (the Marketplace API's
    OrderNumber, Octopia's `reference`); each API's own id is kept beside it: `octopia_order_id`
    (blank until the order is seen through Octopia) and, for the Marketplace API, the reference
    itself. `order_number` is the id of the API the order last came through (`api`).
    """

    account = models.ForeignKey(CdiscountAccount, on_delete=models.CASCADE, related_name="orders")
    order_number = models.CharField(_("order number"), max_length=64)
    reference = models.CharField(_("reference"), max_length=64)
    octopia_order_id = models.CharField(_("Octopia order id"), max_length=64, blank=True)
    api = models.CharField(
        _("last downloaded through"), max_length=20, choices=CdiscountApi.choices, blank=True
    )
    status = models.CharField(_("Cdiscount state"), max_length=64)
    paid = models.BooleanField(_("paid"), default=False)
    closed = models.BooleanField(default=False)
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    cdiscount_updated_at = models.DateTimeField(null=True, blank=True)
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    customer_name = models.CharField(max_length=200, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    shipping_address = models.JSONField(null=True, blank=True)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    commission = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    raw_payload = models.TextField(blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_changed_at = models.DateTimeField(default=timezone.now)
    # Set when the daily re-sweep, not the incremental download, found the order.
    missed_at = models.DateTimeField(null=True, blank=True)
    missed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "reference"], name="unique_order_reference")
        ]
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["account", "-ordered_at"]),
        ]

    def __str__(self) -> str:
        return self.reference or self.order_number

    def id_for(self, api: str) -> str:
        """The id `api` knows this order by: blank when it was never seen through Octopia."""
        return order_id_for(api, reference=self.reference, octopia_order_id=self.octopia_order_id)

    @property
    def api_ids(self) -> list[str]:
        """Every id the order is known by (its events are recorded under any of them)."""
        return list(
            dict.fromkeys(filter(None, [self.reference, self.octopia_order_id, self.order_number]))
        )


def order_id_for(api: str, *, reference: str, octopia_order_id: str) -> str:
    return octopia_order_id if api == CdiscountApi.OCTOPIA else reference


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(max_length=64)
    sku = models.CharField(_("SKU"), max_length=100)
    ean = models.CharField(_("EAN"), max_length=14, blank=True)
    name = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    total_price = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    status = models.CharField(max_length=64, blank=True)
    seller_fulfilled = models.BooleanField(default=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_id"], name="unique_order_line")
        ]


class AcceptanceRequest(models.Model):
    """An order that arrived awaiting the seller's acceptance, and what was decided.

    Kept even when unpaid orders are not imported: the pending ones form the "awaiting your
    acceptance" list, so the seller can accept or refuse before Cdiscount cancels
    (docs/architecture.md, Acceptance).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting your acceptance")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        CLOSED = "closed", _("No longer awaiting acceptance")

    account = models.ForeignKey(
        CdiscountAccount, on_delete=models.CASCADE, related_name="acceptance_requests"
    )
    # As on Order: keyed by the reference both APIs share, with the id of the API that last
    # listed it and the Octopia id beside it, so a decision carries over a switch.
    order_number = models.CharField(max_length=64)
    reference = models.CharField(max_length=64)
    octopia_order_id = models.CharField(max_length=64, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    raw_payload = models.TextField(blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ordered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "reference"], name="unique_acceptance_request"
            )
        ]

    def __str__(self) -> str:
        return self.reference or self.order_number

    def id_for(self, api: str) -> str:
        return order_id_for(api, reference=self.reference, octopia_order_id=self.octopia_order_id)


class Carrier(models.Model):
    """A carrier Cdiscount accepts for this account: the list the Ship form offers.

    Stored, so that no page asks Cdiscount while it renders; refreshed by the jobs (see
    services/carriers.py).
    """

    account = models.ForeignKey(CdiscountAccount, on_delete=models.CASCADE, related_name="carriers")
    code = models.CharField(max_length=50, blank=True)
    name = models.CharField(max_length=100)
    default_url = models.CharField(_("default tracking URL"), max_length=500, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="unique_account_carrier")
        ]

    def __str__(self) -> str:
        return self.name


class Shipment(models.Model):
    """The seller's shipment of an order, and whether Cdiscount confirmed it
    (docs/architecture.md, Fulfillment upload)."""

    class UploadStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        CONFIRMED = "confirmed", _("Confirmed by Cdiscount")
        REJECTED = "rejected", _("Rejected by Cdiscount")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipment")
    carrier = models.CharField(_("carrier"), max_length=100)
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True)
    ship_date = models.DateField(_("ship date"))
    line_ids = models.JSONField(default=list, blank=True)
    upload_status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    rejection_reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["upload_status"])]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class Notification(models.Model):
    """An account problem shown under the bell until someone dismisses it
    (docs/architecture.md, Account health)."""

    class Kind(models.TextChoices):
        CREDENTIALS = "credentials", _("Credentials refused")
        SYNC_PAUSED = "sync_paused", _("Automatic sync paused")
        TRACKING = "tracking", _("Tracking upload rejected")
        ACCEPTANCE = "acceptance", _("Order awaiting acceptance")
        JOB_FAILED = "job_failed", _("Job failed")
        JOB_RETRYING = "job_retrying", _("Job retrying")
        TOKEN = "token", _("Token cannot be renewed")
        UPLOAD_HELD = "upload_held", _("Upload held")
        OFFERS_REJECTED = "offers_rejected", _("Offers rejected")
        CLAIM = "claim", _("New customer claim")
        MESSAGE_DEADLINE = "message_deadline", _("Customer message to answer")

    account = models.ForeignKey(
        CdiscountAccount, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message[:80]


class Delivery(models.TextChoices):
    """How a user hears of one kind of notification by e-mail."""

    AT_ONCE = "at_once", _("At once")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("Off")


class NotificationPreference(models.Model):
    """A user's choice for one kind; kinds without a row use the default delivery."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {self.delivery}"


class NotificationMail(models.Model):
    """One announcement to one user: sent at once or in the daily digest, never twice.

    `key` names the occurrence (the bell entry and what happened); the unique constraint on
    (user, key) is what keeps a retried job or a re-run digest from mailing it again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="mails")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    message = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_notification_mail")
        ]
        indexes = [models.Index(fields=["user", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.key}"


class OrderEvent(models.Model):
    """One exchange with Cdiscount about an order: the order's timeline (for support)."""

    class Kind(models.TextChoices):
        DOWNLOADED = "downloaded", _("Downloaded")
        UPDATED = "updated", _("Updated")
        MISSED = "missed", _("Found by the re-sweep")
        ACCEPTANCE = "acceptance", _("Acceptance")
        REFUSAL = "refusal", _("Refusal")
        SHIPMENT = "shipment", _("Shipment upload")

    account = models.ForeignKey(CdiscountAccount, on_delete=models.CASCADE)
    order_number = models.CharField(max_length=64, db_index=True)
    job = models.ForeignKey("Job", null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ok = models.BooleanField(default=True)
    message = models.TextField(blank=True)
    trace_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["account", "order_number"])]

    def __str__(self) -> str:
        return f"{self.order_number} {self.kind}"

    @classmethod
    def of(
        cls,
        *,
        account_id: int,
        order_number: str,
        kind: str,
        message: str,
        ok: bool = True,
        exc=None,
        job=None,
    ) -> "OrderEvent":
        """An unsaved event, with the Cdiscount trace id of `exc` when it failed."""
        return cls(
            account_id=account_id,
            order_number=order_number,
            job=job,
            kind=kind,
            ok=ok,
            message=message[:1000],
            trace_id=(getattr(exc, "trace_id", None) or "")[:100],
        )


class CdiscountCallCount(models.Model):
    """How many HTTP calls to Cdiscount got each status, per operation, since the install: the
    counter behind the metrics endpoint, written by every process that calls Cdiscount
    (docs/architecture.md, Metrics). No account, order or secret in it."""

    operation = models.CharField(max_length=100)
    # The HTTP status, or "no_answer" when the connection failed or timed out.
    status = models.CharField(max_length=10)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operation", "status"], name="call_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.status}: {self.count}"
