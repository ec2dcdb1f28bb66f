"""Django admin for staff: secrets are never shown or edited here (PRODUCT.md §2, §7)."""

from django.contrib import admin

from .models import CdiscountAccount, Company, Membership, SettingsChange


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


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
