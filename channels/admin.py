"""Django admin for staff: secrets are never shown or edited here (PRODUCT.md §2, §7)."""

from django.contrib import admin

from .models import CdiscountAccount, Company, Job, Membership, Order, Product, SettingsChange
from .services.accounts import account_create


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
    list_display = ("company", "api", "enabled", "username", "masked_token", "token_expires_at")
    list_filter = ("api", "enabled")
    exclude = ("password", "access_token")
    readonly_fields = (
        "masked_token",
        "token_received_at",
        "token_expires_at",
        "last_check_at",
        "last_check_ok",
        "last_check_message",
    )


@admin.register(SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    list_display = ("account", "user", "source", "changed_at", "fields")
    readonly_fields = ("account", "user", "source", "changed_at", "fields")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: staff look, the jobs and services write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "kind", "trigger", "status", "created_at", "finished_at")
    list_filter = ("kind", "status", "trigger")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("order_number", "reference", "account", "status", "paid", "ordered_at")
    list_filter = ("status", "paid")
    search_fields = ("order_number", "reference")
    exclude = ("raw_payload",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "ean", "company", "quantity", "price", "excluded", "accepted_at")
    search_fields = ("sku", "ean", "title")
    list_filter = ("excluded",)
