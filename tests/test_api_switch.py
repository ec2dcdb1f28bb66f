"""Credentials per API generation, Save and Get Token, and the guided switch page."""

import io
import json
import re

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import translation

from channels.models import CdiscountAccount, Order, SettingsChange
from channels.services.api_switch import orders_preview_for_api
from channels.services.secrets import secrets_unreadable
from channels.services.tokens import account_get_token
from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA
from tests.orders_support import PAID, add_order

OCTOPIA_FIELDS = {
    "octopia_client_id": DEMO_OCTOPIA["client_id"],
    "octopia_client_secret": DEMO_OCTOPIA["client_secret"],
    "octopia_seller_id": DEMO_OCTOPIA["seller_id"],
}
MARKETPLACE_FIELDS = {
    "marketplace_login": DEMO_MARKETPLACE["login"],
    "marketplace_password": DEMO_MARKETPLACE["password"],
}
# The rest of the Edit form as it stands, so that only the credentials change.
OPTIONS = {
    "safety_qty": "0",
    "shipping_fee": "0",
    "additional_shipping_fee": "0",
    "accept_orders_automatically": "on",
    "guard_max_drop": "30",
    "guard_breaker": "20",
}


def url(name, company, **query):
    path = reverse(f"channels:{name}", args=[company.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def stored(account) -> CdiscountAccount:
    return CdiscountAccount.objects.get(pk=account.pk)


def both_apis(account) -> CdiscountAccount:
    """The account on Octopia with the demo credentials of both APIs stored."""
    for name, value in {**OCTOPIA_FIELDS, **MARKETPLACE_FIELDS}.items():
        setattr(account, name, value)
    account.api = "octopia"
    account.save()
    return account


def cli(*args, stdin=None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("cdiscount", *args, stdout=out)
    return out.getvalue()


# Credentials per API -----------------------------------------------------------------------


def test_the_edit_form_shows_the_chosen_apis_fields_only(alice_client, acme):
    body = alice_client.get(url("general_settings_edit", acme)).content.decode()
    assert 'data-api="octopia"' in body and 'data-api="marketplace"' in body
    for row in body.split("<tr")[1:]:
        if 'data-api="marketplace"' in row.split(">", 1)[0]:
            assert " hidden" in row.split(">", 1)[0]
        if 'data-api="octopia"' in row.split(">", 1)[0]:
            assert " hidden" not in row.split(">", 1)[0]
    view = alice_client.get(url("general_settings", acme)).content.decode()
    assert "Client ID" in view and "API Login" not in view


def test_choosing_the_other_api_keeps_each_apis_credentials_and_reuses_no_secret(
    alice_client, octopia_account
):
    acme = octopia_account.company
    # The seller picks the Marketplace API and types its login, not its password.
    post = {"api": "marketplace", "marketplace_login": "shop-api", **OPTIONS}
    post.update(octopia_client_id="tampered", octopia_client_secret="tampered")
    response = alice_client.post(url("general_settings_edit", acme), post)
    assert response.status_code == 302
    account = stored(octopia_account)
    assert account.api == "marketplace"
    assert account.marketplace_login == "shop-api"
    assert account.marketplace_password == ""  # the Octopia secret is never taken as password
    # The Octopia credentials stay as they were, whatever the request carried for them.
    assert account.octopia_client_id == DEMO_OCTOPIA["client_id"]
    assert account.octopia_client_secret == DEMO_OCTOPIA["client_secret"]
    assert not account.has_credentials
    response = alice_client.post(url("action_get_token", acme), follow=True)
    assert "Enter the API Password under Edit first" in response.content.decode()
    change = SettingsChange.objects.get(account=account)
    assert change.fields == ["api", "marketplace_login"]
    # Back to Octopia: its credentials are all there, the secret not typed again (the browser
    # sends the rows it hid with their stored values, and the secret blank).
    post = {
        "api": "octopia",
        "octopia_client_id": DEMO_OCTOPIA["client_id"],
        "octopia_seller_id": DEMO_OCTOPIA["seller_id"],
        "marketplace_login": "shop-api",
        **OPTIONS,
    }
    assert alice_client.post(url("general_settings_edit", acme), post).status_code == 302
    account = stored(account)
    assert account.has_credentials
    assert account.marketplace_login == "shop-api"


def test_changing_the_other_apis_credentials_keeps_the_live_token(
    simulator, alice_client, octopia_account
):
    acme = octopia_account.company
    alice_client.post(url("action_get_token", acme))
    token = stored(octopia_account).access_token
    assert token
    response = alice_client.post(url("api_switch_credentials", acme), MARKETPLACE_FIELDS)
    assert response.status_code == 302
    account = stored(octopia_account)
    assert account.access_token == token
    assert account.api == "octopia"
    assert account.marketplace_password == DEMO_MARKETPLACE["password"]
    assert SettingsChange.objects.get(account=account).fields == [
        "marketplace_login",
        "marketplace_password",
    ]


def test_the_client_takes_the_current_apis_credentials_only(simulator, octopia_account):
    both_apis(octopia_account)
    octopia_account.marketplace_password = "not-the-octopia-secret"
    octopia_account.api = "marketplace"
    octopia_account.save()
    result = account_get_token(account_id=octopia_account.pk)
    assert not result.ok
    assert "Marketplace API login and password" in result.message
    sent = json.dumps(simulator.state.requests, default=str)
    assert DEMO_OCTOPIA["client_secret"] not in sent


def test_new_secret_fields_are_encrypted_checked_and_reencrypted(acme, settings):
    account = acme.cdiscount_account
    account.marketplace_password = "legacy-password"
    account.octopia_client_secret = "octopia-secret"
    account.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT octopia_client_secret, marketplace_password FROM channels_cdiscountaccount "
            "WHERE id = %s",
            [account.pk],
        )
        row = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in row)
    assert "legacy-password" not in row[1]
    old_key = settings.FIELD_ENCRYPTION_KEY
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = new_key
    assert {str(value) for value in secrets_unreadable()} == {
        f"octopia_client_secret of Cdiscount account {account.pk}",
        f"marketplace_password of Cdiscount account {account.pk}",
    }
    settings.FIELD_ENCRYPTION_KEY = f"{new_key},{old_key}"
    out = io.StringIO()
    call_command("cdiscount", "reencrypt-secrets", stdout=out)
    assert "2 secrets re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEY = new_key
    assert secrets_unreadable() == []
    assert stored(account).marketplace_password == "legacy-password"


def test_the_admin_shows_both_apis_logins_and_no_secret(client, octopia_account, django_user_model):
    both_apis(octopia_account)
    staff = django_user_model.objects.create_superuser("root", "root@example.com", "x-9Kq!pw")
    client.force_login(staff)
    body = client.get(
        reverse("admin:channels_cdiscountaccount_change", args=[octopia_account.pk])
    ).content.decode()
    assert DEMO_OCTOPIA["client_id"] in body and DEMO_MARKETPLACE["login"] in body
    assert DEMO_OCTOPIA["client_secret"] not in body
    assert DEMO_MARKETPLACE["password"] not in body
    assert 'name="marketplace_password"' not in body


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_todays_credentials_to_the_current_apis_fields():
    executor = MigrationExecutor(connection)
    executor.migrate([("channels", "0016_guards")])
    old = executor.loader.project_state([("channels", "0016_guards")]).apps
    Company = old.get_model("channels", "Company")
    Account = old.get_model("channels", "CdiscountAccount")
    octopia = Account.objects.create(
        company=Company.objects.create(name="O"),
        api="octopia",
        username="client-1",
        password="secret-1",
        seller_id="98979",
    )
    legacy = Account.objects.create(
        company=Company.objects.create(name="M"),
        api="marketplace",
        username="shop-api",
        password="legacy-pw",
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("channels", "0017_credentials_per_api")])
    executor.loader.build_graph()
    octopia, legacy = stored(octopia), stored(legacy)
    assert (octopia.octopia_client_id, octopia.octopia_client_secret) == ("client-1", "secret-1")
    assert octopia.octopia_seller_id == "98979"
    assert (octopia.marketplace_login, octopia.marketplace_password) == ("", "")
    assert (legacy.marketplace_login, legacy.marketplace_password) == ("shop-api", "legacy-pw")
    assert (legacy.octopia_client_id, legacy.octopia_client_secret) == ("", "")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT marketplace_password FROM channels_cdiscountaccount WHERE id = %s", [legacy.pk]
        )
        assert cursor.fetchone()[0].startswith("fernet:")
    call_command("migrate", verbosity=0)


# Save and Get Token --------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["octopia", "marketplace"])
def test_save_and_get_token_connects_and_enables_in_one_step(simulator, alice_client, acme, api):
    fields = OCTOPIA_FIELDS if api == "octopia" else MARKETPLACE_FIELDS
    post = {"api": api, **fields, **OPTIONS, "enabled": "on", "get_token": "1"}
    response = alice_client.post(url("general_settings_edit", acme), post, follow=True)
    body = response.content.decode()
    assert "General Settings saved. Token received, valid until" in body
    account = stored(acme.cdiscount_account)
    assert account.enabled and account.api == api
    assert account.token_is_current
    assert account.has_credentials
    # The Ship form's carriers came with the token, as after Get Token.
    assert account.carriers.exists()


def test_save_and_get_token_refused_saves_nothing_and_keeps_what_was_typed(
    simulator, alice_client, acme
):
    post = {
        "api": "marketplace",
        "marketplace_login": "typed-login-api",
        "marketplace_password": "wrong-password",
        "safety_qty": "7",
        "shipping_fee": "4,99",
        "additional_shipping_fee": "1",
        "enabled": "on",
        "get_token": "1",
    }
    response = alice_client.post(url("general_settings_edit", acme), post)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Get Token failed, so nothing was saved." in body
    assert "Marketplace API login and password" in body
    assert 'value="typed-login-api"' in body
    assert 'value="7"' in body and 'value="4,99"' in body
    assert "wrong-password" not in body
    assert "type it once more before saving" in body
    account = stored(acme.cdiscount_account)
    assert account.api == "octopia" and not account.enabled
    assert account.marketplace_login == "" and account.safety_qty == 0
    assert not SettingsChange.objects.exists()


def test_a_refused_plain_save_keeps_the_typed_values(alice_client, acme):
    post = {
        "api": "octopia",
        "octopia_client_id": "typed-client",
        "octopia_client_secret": "typed-secret",
        "octopia_seller_id": "98979",
        "safety_qty": "3",
        "shipping_fee": "2",
        "additional_shipping_fee": "1",
        "enabled": "on",
    }
    response = alice_client.post(url("general_settings_edit", acme), post)
    body = response.content.decode()
    assert "Get a token first: use Save and Get Token" in body
    assert 'value="typed-client"' in body and 'value="98979"' in body and 'value="3"' in body
    assert "typed-secret" not in body
    assert "The password you typed is never shown again" in body
    assert re.search(r'<input[^>]*name="enabled"[^>]*checked', body)
    assert stored(acme.cdiscount_account).octopia_client_id == ""


def test_a_refused_save_without_a_typed_password_does_not_mention_it(alice_client, acme):
    post = {"api": "octopia", "octopia_client_id": "x", "safety_qty": "-1", **OPTIONS}
    post["safety_qty"] = "-1"
    body = alice_client.post(url("general_settings_edit", acme), post).content.decode()
    assert "Nothing was saved" in body
    assert "never shown again" not in body


# The command line --------------------------------------------------------------------------


def test_cli_generic_keys_apply_to_the_api_named_in_the_command(acme, monkeypatch):
    company = str(acme.pk)
    cli("settings", "--company", company, "username=client-1", "password=secret-1", "seller_id=7")
    cli(
        "settings",
        "--company",
        company,
        "api=marketplace",
        "username=shop-api",
        "password=-",
        stdin="legacy-pw\n",
        monkeypatch=monkeypatch,
    )
    account = stored(acme.cdiscount_account)
    assert account.api == "marketplace"
    assert (account.marketplace_login, account.marketplace_password) == ("shop-api", "legacy-pw")
    assert (account.octopia_client_id, account.octopia_client_secret) == ("client-1", "secret-1")
    assert account.octopia_seller_id == "7"
    # Without api=, the current API's (now the Marketplace API's).
    line = cli("settings", "--company", company, "username=other-api")
    assert "legacy-pw" not in line and "secret-1" not in line
    account = stored(account)
    assert account.marketplace_login == "other-api" and account.octopia_client_id == "client-1"
    with pytest.raises(CommandError, match="the marketplace API has none"):
        cli("settings", "--company", company, "seller_id=5")
    # The per-API names work too.
    cli("settings", "--company", company, "octopia_client_id=client-2")
    assert stored(account).octopia_client_id == "client-2"
    assert stored(account).api == "marketplace"


# The switch page ---------------------------------------------------------------------------


SWITCH_POSTS = ["api_switch_credentials", "api_switch_test", "api_switch_preview", "api_switch_do"]


def test_the_switch_page_is_in_the_actions_menu_and_scoped(client, alice_client, charlie, acme):
    body = alice_client.get(url("general_settings", acme)).content.decode()
    assert url("api_switch", acme) in body and "Switch API" in body
    assert alice_client.get(url("api_switch", acme)).status_code == 200
    for name in SWITCH_POSTS:
        assert alice_client.get(url(name, acme)).status_code == 405
    client.force_login(charlie)
    assert client.get(url("api_switch", acme)).status_code == 404
    for name in SWITCH_POSTS:
        assert client.post(url(name, acme)).status_code == 404


@pytest.mark.parametrize("name", SWITCH_POSTS)
def test_switch_posts_need_the_csrf_token(alice, acme, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(url(name, acme)).status_code == 403


def test_the_test_uses_the_other_api_and_leaves_the_live_token(
    simulator, alice_client, octopia_account
):
    acme = both_apis(octopia_account).company
    alice_client.post(url("action_get_token", acme))
    live = stored(octopia_account).access_token
    body = alice_client.post(url("api_switch_test", acme)).content.decode()
    assert "Cdiscount Marketplace API (legacy) accepted these credentials" in body
    assert "The current API stays live." in body
    account = stored(octopia_account)
    assert account.access_token == live and account.api == "octopia"
    # Refused credentials are told with the Marketplace API's advice; nothing changes.
    account.marketplace_password = "wrong"
    account.save()
    body = alice_client.post(url("api_switch_test", acme)).content.decode()
    assert "the test failed" in body and "API Login and API Password" in body
    assert stored(account).access_token == live


def test_the_preview_matches_orders_by_reference_and_counts_offers(
    simulator, alice_client, octopia_account
):
    acme = both_apis(octopia_account).company
    known = add_order(simulator, "marketplace", PAID["marketplace"])
    unknown = add_order(simulator, "marketplace", PAID["marketplace"])
    # An order stored through Octopia: its own id, the marketplace reference beside it.
    stored_order = Order.objects.create(
        account=octopia_account, order_number="OCTO-ID-1", reference=known, status="InPreparation"
    )
    preview = orders_preview_for_api(octopia_account, "marketplace")
    assert preview.ok, preview.problem
    assert [row.reference for row in preview.matched] == [known]
    assert preview.matched[0].stored_id == stored_order.pk
    assert [row.reference for row in preview.not_stored] == [unknown]
    assert preview.offers is not None
    body = alice_client.post(url("api_switch_preview", acme)).content.decode()
    assert f'data-reference="{unknown}"' in body
    assert reverse("channels:order_detail", args=[acme.pk, stored_order.pk]) in body
    assert Order.objects.count() == 1  # nothing stored
    assert stored(octopia_account).api == "octopia"


def test_switch_then_switch_back_keeps_both_credentials_and_records_history(
    simulator, alice_client, alice, octopia_account
):
    acme = both_apis(octopia_account).company
    octopia_account.enabled = True
    octopia_account.save()
    alice_client.post(url("action_get_token", acme))
    octopia_token = stored(octopia_account).access_token

    response = alice_client.post(url("api_switch_do", acme), follow=True)
    body = response.content.decode()
    assert "Cdiscount Marketplace API (legacy) is now the live API." in body
    # The full resend is proposed, with its dry run.
    assert url("inventory_preview", acme, full=1) in body
    assert 'id="resend-button"' in body
    account = stored(octopia_account)
    assert account.api == "marketplace" and account.enabled
    assert account.token_is_current and account.access_token != octopia_token
    assert account.octopia_client_secret == DEMO_OCTOPIA["client_secret"]
    assert account.marketplace_password == DEMO_MARKETPLACE["password"]

    body = alice_client.post(url("api_switch_do", acme), follow=True).content.decode()
    assert "Octopia Seller API v2 is now the live API." in body
    account = stored(account)
    assert account.api == "octopia" and account.token_is_current and account.enabled
    assert account.marketplace_login == DEMO_MARKETPLACE["login"]
    assert account.marketplace_password == DEMO_MARKETPLACE["password"]
    changes = list(SettingsChange.objects.filter(account=account).order_by("id"))
    assert [(c.fields, c.source, c.user) for c in changes] == [
        (["api"], "action", alice),
        (["api"], "action", alice),
    ]


def test_a_switch_cdiscount_refuses_leaves_the_live_api_as_it_was(
    simulator, alice_client, octopia_account
):
    acme = both_apis(octopia_account).company
    alice_client.post(url("action_get_token", acme))
    live = stored(octopia_account).access_token
    octopia_account.refresh_from_db()
    octopia_account.marketplace_password = "wrong"
    octopia_account.save()
    body = alice_client.post(url("api_switch_do", acme), follow=True).content.decode()
    assert "Not switched" in body
    account = stored(octopia_account)
    assert account.api == "octopia" and account.access_token == live
    assert not SettingsChange.objects.filter(account=account).exists()


def test_the_switch_needs_the_other_apis_credentials_first(alice_client, octopia_account):
    acme = octopia_account.company
    body = alice_client.get(url("api_switch", acme)).content.decode()
    assert "credentials missing" in body
    assert 'id="switch-button" disabled' in body
    body = alice_client.post(url("api_switch_do", acme), follow=True).content.decode()
    assert (
        "Enter the API Login, API Password of Cdiscount Marketplace API (legacy) in step 1" in body
    )
    assert stored(octopia_account).api == "octopia"


def test_a_refused_credentials_form_on_the_switch_page_says_the_password_is_not_echoed(
    alice_client, octopia_account
):
    acme = octopia_account.company
    post = {"marketplace_login": "bad\x1blogin", "marketplace_password": "typed-pw"}
    body = alice_client.post(url("api_switch_credentials", acme), post).content.decode()
    assert "control characters" in body
    assert "typed-pw" not in body and "type it once more" in body
    assert stored(octopia_account).marketplace_login == ""


def test_new_strings_are_translated_to_french(alice_client, acme):
    with translation.override("fr"):
        assert translation.gettext("Switch API") != "Switch API"
        assert translation.gettext("Save and Get Token") != "Save and Get Token"
        message = translation.gettext("Get Token failed, so nothing was saved.")
        assert message != "Get Token failed, so nothing was saved."
