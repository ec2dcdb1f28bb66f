"""Login on every page, company scoping, CSRF."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# metrics: for Prometheus, which cannot log in; a bearer token guards it (tests/test_metrics.py).
PUBLIC_URL_NAMES = {
    "login",
    "logout",
    "set_language",
    "healthz",
    "offer_package_download",
    "metrics",
}


def _app_patterns(resolver=None, prefix=""):
    """Every URL pattern of the project outside the Django admin, with its full route."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _app_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def test_every_app_url_sends_an_anonymous_visitor_to_login(client, acme):
    checked = 0
    for route, pattern in _app_patterns():
        if pattern.name in PUBLIC_URL_NAMES:
            continue
        url = "/" + route.replace("<int:company_id>", str(acme.pk))
        url = re.sub(r"<acceptance_decision:\w+>", "accept", url)
        url = re.sub(r"<held_decision:\w+>", "release", url)
        url = re.sub(r"<(?:int|str):\w+>", "1", url).replace("^", "").replace("$", "")
        assert "<" not in url, f"the walk does not know how to fill {route}"
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith(reverse("login")), url
        checked += 1
    assert checked >= 5


def test_admin_needs_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_company_list_shows_only_own_companies(alice_client, acme, other_co):
    response = alice_client.get(reverse("channels:company_list"))
    assert response.status_code == 200
    assert "Acme" in response.content.decode()
    assert "Other Co" not in response.content.decode()


def test_company_settings_has_toolbox_link_to_general_settings(alice_client, acme):
    response = alice_client.get(reverse("channels:company_settings", args=[acme.pk]))
    body = response.content.decode()
    assert "Toolbox" in body
    assert reverse("channels:general_settings", args=[acme.pk]) in body


@pytest.mark.parametrize(
    "name",
    ["channels:company_settings", "channels:general_settings", "channels:general_settings_edit"],
)
def test_stranger_gets_404(client, charlie, acme, name):
    client.force_login(charlie)
    assert client.get(reverse(name, args=[acme.pk])).status_code == 404


@pytest.mark.parametrize("name", ["channels:action_get_token", "channels:action_test_token"])
def test_stranger_cannot_run_actions(client, charlie, acme, name):
    client.force_login(charlie)
    assert client.post(reverse(name, args=[acme.pk])).status_code == 404


def test_actions_refuse_get(alice_client, acme):
    response = alice_client.get(reverse("channels:action_get_token", args=[acme.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize(
    "name",
    ["channels:general_settings_edit", "channels:action_get_token", "channels:action_test_token"],
)
def test_posts_without_csrf_token_are_refused(alice, acme, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse(name, args=[acme.pk]), {"safety_qty": "3"})
    assert response.status_code == 403
    acme.cdiscount_account.refresh_from_db()
    assert acme.cdiscount_account.safety_qty == 0


def test_login_page_logs_in_and_lands_on_companies(client, alice):
    from tests.factories import PASSWORD

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("channels:company_list")


def test_healthz_answers_without_login(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_staff_admin_never_shows_secrets(client, db, acme):
    from django.contrib.auth import get_user_model

    account = acme.cdiscount_account
    account.password = "admin-must-not-show-this"
    account.access_token = "token-admin-must-not-show-0123456789"
    account.save()
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    client.force_login(staff)
    for url in (
        f"/admin/channels/cdiscountaccount/{account.pk}/change/",
        "/admin/channels/cdiscountaccount/",
        "/admin/channels/job/",
        "/admin/channels/order/",
        "/admin/channels/product/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "admin-must-not-show-this" not in body
        assert "token-admin-must-not-show-0123456789" not in body


INTERNAL_ACCOUNT_FIELDS = (
    "company",
    "auth_failures",
    "sync_paused_at",
    "sync_paused_reason",
    "offers_shipping_fee",
    "offers_additional_shipping_fee",
    "token_received_at",
    "token_expires_at",
    "last_check_at",
    "last_check_ok",
    "last_check_message",
    "password",
    "access_token",
)


def _admin_post_data(form, **changes):
    """What the admin change form posts when a staff member changes only `changes`."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if isinstance(value, bool) or field.widget.input_type == "checkbox":
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    data.update(changes)
    return data


def test_an_admin_change_is_in_the_settings_history_and_internal_fields_stay(client, db, acme):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from channels.models import SettingsChange

    account = acme.cdiscount_account
    account.username, account.password = "client-id-1", "admin-history-secret"
    account.access_token = "token-admin-must-not-show-0123456789"
    account.auth_failures, account.sync_paused_at = 3, timezone.now()
    account.sync_paused_reason = "Cdiscount refused the credentials"
    account.save()
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    client.force_login(staff)
    url = f"/admin/channels/cdiscountaccount/{account.pk}/change/"

    form = client.get(url).context["adminform"].form
    assert not set(INTERNAL_ACCOUNT_FIELDS) & set(form.fields)
    data = _admin_post_data(
        form,
        octopia_client_id="client-id-2",
        safety_qty="4",
        # Hand-made: internal fields are not in the form, so these are ignored.
        auth_failures="0",
        sync_paused_reason="",
        octopia_client_secret="forged-password",
        marketplace_password="forged-password",
        access_token="forged-token-value-0123456789",
    )
    refused = client.post(url, {**data, "octopia_seller_id": "٩٨٩٧٩"})
    assert "The Seller ID is a number" in str(refused.context["adminform"].form.errors)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    account.refresh_from_db()
    assert (account.username, account.safety_qty) == ("client-id-2", 4)
    assert account.auth_failures == 3
    assert account.sync_paused_reason == "Cdiscount refused the credentials"
    assert account.password == "admin-history-secret"
    # New credentials, as on the page: the token issued for the old ones goes.
    assert account.access_token == ""
    change = SettingsChange.objects.get(account=account)
    assert (change.user, change.source) == (staff, "admin")
    assert sorted(change.fields) == ["octopia_client_id", "safety_qty"]
    assert "admin-history-secret" not in str(change.fields)
    assert client.get(url).status_code == 200


def test_history_and_offer_bookkeeping_cannot_be_written_in_the_admin(client, acme):
    from django.contrib.auth import get_user_model

    from channels.models import Product

    product = Product.objects.create(company=acme, sku="MUG-01", ean="3760452700039")
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    client.force_login(staff)
    assert client.get("/admin/channels/settingschange/add/").status_code == 403
    assert client.get("/admin/channels/cdiscountaccount/add/").status_code == 403
    form = client.get(f"/admin/channels/product/{product.pk}/change/").context["adminform"].form
    assert "quantity" in form.fields
    assert not {"company", "accepted_quantity", "accepted_price", "pending_package"} & set(
        form.fields
    )
    assert "company" in client.get("/admin/channels/product/add/").context["adminform"].form.fields


def test_a_company_time_zone_never_leaks_into_the_next_request(client, db):
    """One thread (the test client's) serves Tokyo's page, then the admin, then New York's."""
    from datetime import UTC, datetime

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django.utils.html import strip_tags

    from channels.models import Job
    from tests.factories import CompanyFactory, member_of

    tokyo = CompanyFactory(name="Tokyo Co", time_zone="Asia/Tokyo")
    new_york = CompanyFactory(name="New York Co", time_zone="America/New_York")
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    member_of(staff, tokyo)
    member_of(staff, new_york)
    finished = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    for company in (tokyo, new_york):
        Job.objects.create(
            account=company.cdiscount_account,
            kind=Job.Kind.ORDER_DOWNLOAD,
            status=Job.Status.COMPLETED,
            started_at=finished,
            finished_at=finished,
        )
    client.force_login(staff)

    def jobs_page(company) -> str:
        """The page's text as a seller reads it (the date and its time are two spans)."""
        html = client.get(reverse("channels:job_list", args=[company.pk])).content.decode()
        return strip_tags(html)

    assert "2026-01-15 18:30:00" in jobs_page(tokyo)
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
    # The admin shows times in the default zone (UTC), not in the zone of the page before.
    admin = client.get("/admin/channels/job/").content.decode()
    assert "9:30 a.m." in admin and "6:30 p.m." not in admin
    new_york_page = jobs_page(new_york)
    assert "2026-01-15 04:30:00" in new_york_page and "18:30" not in new_york_page
    assert "9:30 a.m." in client.get("/admin/channels/job/").content.decode()


def test_a_company_added_in_the_admin_has_its_cdiscount_account(client, db):
    from django.contrib.auth import get_user_model

    from channels.models import Company

    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    client.force_login(staff)
    response = client.post(
        "/admin/channels/company/add/",
        {
            "name": "Nouvelle Boutique",
            "time_zone": "Europe/Paris",
            "membership_set-TOTAL_FORMS": "0",
            "membership_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    company = Company.objects.get(name="Nouvelle Boutique")
    assert company.cdiscount_account.api == "octopia"


def test_pages_read_the_account_and_never_create_one(alice_client, acme):
    from channels.models import CdiscountAccount

    acme.cdiscount_account.delete()  # only possible by hand: every company is made with one
    response = alice_client.get(reverse("channels:general_settings", args=[acme.pk]))
    assert response.status_code == 404
    assert not CdiscountAccount.objects.exists()
