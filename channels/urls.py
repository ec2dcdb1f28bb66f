from django.urls import path, register_converter

from . import views


class AcceptanceDecisionConverter:
    """Only the two decisions match: any other word is a 404, never a refusal."""

    regex = "accept|refuse"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class HeldDecisionConverter(AcceptanceDecisionConverter):
    """Release or discard held offers: any other word is a 404."""

    regex = "release|discard"


register_converter(AcceptanceDecisionConverter, "acceptance_decision")
register_converter(HeldDecisionConverter, "held_decision")

app_name = "channels"

urlpatterns = [
    path("", views.company_list, name="company_list"),
    path("companies/<int:company_id>/", views.company_settings, name="company_settings"),
    path(
        "companies/<int:company_id>/cdiscount/settings/",
        views.general_settings,
        name="general_settings",
    ),
    path(
        "companies/<int:company_id>/cdiscount/settings/edit/",
        views.general_settings_edit,
        name="general_settings_edit",
    ),
    path(
        "companies/<int:company_id>/cdiscount/actions/get-token/",
        views.action_get_token,
        name="action_get_token",
    ),
    path(
        "companies/<int:company_id>/cdiscount/actions/test-token/",
        views.action_test_token,
        name="action_test_token",
    ),
    path(
        "companies/<int:company_id>/cdiscount/actions/download-orders/",
        views.action_download_orders,
        name="action_download_orders",
    ),
    path("companies/<int:company_id>/jobs/", views.job_list, name="job_list"),
    path("companies/<int:company_id>/jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path(
        "companies/<int:company_id>/jobs/<int:job_id>/status/",
        views.job_status,
        name="job_status",
    ),
    path(
        "companies/<int:company_id>/jobs/<int:job_id>/output.csv",
        views.job_output,
        name="job_output",
    ),
    path(
        "companies/<int:company_id>/cdiscount/actions/upload-inventory/",
        views.action_upload_inventory,
        name="action_upload_inventory",
    ),
    path(
        "companies/<int:company_id>/cdiscount/switch-api/",
        views.api_switch,
        name="api_switch",
    ),
    path(
        "companies/<int:company_id>/cdiscount/switch-api/credentials/",
        views.api_switch_credentials,
        name="api_switch_credentials",
    ),
    path(
        "companies/<int:company_id>/cdiscount/switch-api/test/",
        views.api_switch_test,
        name="api_switch_test",
    ),
    path(
        "companies/<int:company_id>/cdiscount/switch-api/preview/",
        views.api_switch_preview,
        name="api_switch_preview",
    ),
    path(
        "companies/<int:company_id>/cdiscount/switch-api/switch/",
        views.api_switch_do,
        name="api_switch_do",
    ),
    path(
        "companies/<int:company_id>/cdiscount/preview-upload/",
        views.inventory_preview,
        name="inventory_preview",
    ),
    path("companies/<int:company_id>/products/", views.product_list, name="product_list"),
    path(
        "companies/<int:company_id>/products/import/",
        views.product_import,
        name="product_import",
    ),
    path(
        "companies/<int:company_id>/products/export.csv",
        views.product_export,
        name="product_export",
    ),
    path(
        "companies/<int:company_id>/products/held/<held_decision:decision>/",
        views.held_offers_decide_view,
        name="held_offers_decide",
    ),
    path(
        "companies/<int:company_id>/products/<int:product_id>/",
        views.product_edit,
        name="product_edit",
    ),
    path(
        "companies/<int:company_id>/cdiscount/actions/upload-fulfillment/",
        views.action_upload_fulfillment,
        name="action_upload_fulfillment",
    ),
    path(
        "companies/<int:company_id>/orders/import-shipments/",
        views.shipment_import,
        name="shipment_import",
    ),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "notifications/<int:notification_id>/dismiss/",
        views.notification_dismiss,
        name="notification_dismiss",
    ),
    path(
        "companies/<int:company_id>/orders/acceptance/<int:request_id>/<acceptance_decision:decision>/",
        views.acceptance_decide_view,
        name="acceptance_decide",
    ),
    path(
        "companies/<int:company_id>/orders/<int:order_id>/timeline.json",
        views.order_timeline_export,
        name="order_timeline_export",
    ),
    path("companies/<int:company_id>/orders/", views.order_list, name="order_list"),
    path(
        "companies/<int:company_id>/orders/<int:order_id>/",
        views.order_detail,
        name="order_detail",
    ),
]
