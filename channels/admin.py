"""Django admin for staff: secrets are never shown or edited here
(docs/architecture.md, Secrets)."""

from django.contrib import admin

from .forms import AccountAdminForm
from .models import CdiscountAccount, Company, Job, Membership, Order, Product, SettingsChange
from .services.accounts import account_create, account_settings_update


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            account_create(company=obj)  # every company has its account from the start


@admin.register(CdiscountAccount)
class CdiscountAccountAdmin(admin.ModelAdmin):
    """The General Settings a staff member may correct; every change lands in the page's history
    like one made on the page. What the jobs keep (token, failure counter, pause, what Cdiscount
    last accepted) is shown, never edited: the services own it."""

    list_display = (
        "company",
        "api",
        "enabled",
        "octopia_client_id",
        "marketplace_login",
        "masked_token",
        "token_expires_at",
    )
    list_filter = ("api", "enabled")
    form = AccountAdminForm
    readonly_fields = (
        "company",
        "masked_token",
        "token_received_at",
        "token_expires_at",
        "last_check_at",
        "last_check_ok",
        "last_check_message",
        "auth_failures",
        "sync_paused_at",
        "sync_paused_reason",
        "offers_shipping_fee",
        "offers_additional_shipping_fee",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False  # an account comes with its company

    def save_model(self, request, obj, form, change):
        # The form has set its values on `obj`; the service compares them with the stored row.
        account_settings_update(
            account=obj,
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            user=request.user,
            source=SettingsChange.Source.ADMIN,
        )
        obj.refresh_from_db()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: staff look, the jobs and services write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SettingsChange)
class SettingsChangeAdmin(ReadOnlyAdmin):
    list_display = ("account", "user", "source", "changed_at", "fields")
    list_filter = ("source",)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "kind", "trigger", "status", "created_at", "finished_at")
    list_filter = ("kind", "status", "trigger")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "octopia_order_id",
        "api",
        "account",
        "status",
        "paid",
        "ordered_at",
    )
    list_filter = ("status", "paid")
    search_fields = ("order_number", "reference", "octopia_order_id")
    exclude = ("raw_payload",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "ean", "company", "quantity", "price", "excluded", "accepted_at")
    search_fields = ("sku", "ean", "title")
    list_filter = ("excluded",)
    # What Cdiscount last accepted, rejected or has on its way decides what the next upload
    # sends: the inventory job keeps it.
    readonly_fields = (
        "company",
        "accepted_quantity",
        "accepted_price",
        "accepted_at",
        "drift_found_at",
        "drift_note",
        "pending_package",
        "rejected_quantity",
        "rejected_price",
        "offer_error_code",
        "offer_error_message",
        "offer_error_at",
        "updated_at",
    )

    def get_readonly_fields(self, request, obj=None):
        # A product added here needs its company; it stays with it afterwards.
        fields = self.readonly_fields
        return fields if obj is not None else tuple(f for f in fields if f != "company")
