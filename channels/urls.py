from django.urls import path

from . import views

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
]
