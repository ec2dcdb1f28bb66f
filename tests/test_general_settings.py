"""General Settings: view, Edit → Save, every validation rule, secrecy, history."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from channels.checks import refuse_to_start_on_key_errors
from channels.models import CdiscountAccount, SettingsChange

TOKEN = "eyJhbGciOiJSUzI1NiJ9.payload-of-a-long-token.signature-XYZW"


def edit_url(company):
    return reverse("channels:general_settings_edit", args=[company.pk])


def view_url(company):
    return reverse("channels:general_settings", args=[company.pk])


# What `username`, `password` and `seller_id` are called on each API's form fields.
GENERIC = ("username", "password", "seller_id")


def form_field(name, api="octopia"):
    return CdiscountAccount.GENERIC_CREDENTIALS[api].get(name, name)


def valid_post(**overrides):
    """The Edit form's POST; `username`, `password` and `seller_id` name the chosen API's fields."""
    data = {
        "api": "octopia",
        "username": "client-id-1",
        "password": "",
        "seller_id": "98979",
        "safety_qty": "2",
        "shipping_fee": "4.90",
        "additional_shipping_fee": "1.50",
    }
    data.update(overrides)
    api = data["api"] if data["api"] in CdiscountAccount.GENERIC_CREDENTIALS else "octopia"
    post = {}
    for key, value in data.items():
        if key in GENERIC:
            key = CdiscountAccount.GENERIC_CREDENTIALS[api].get(key)
        if key is not None and value is not None:
            post[key] = value
    return post


def give_token(account, value=TOKEN, hours=2):
    account.access_token = value
    account.token_received_at = timezone.now()
    account.token_expires_at = timezone.now() + timedelta(hours=hours)
    account.save()


def test_read_only_view_shows_the_three_panels_with_the_article_labels(alice_client, acme):
    body = alice_client.get(view_url(acme)).content.decode()
    for label in (
        "Credentials",
        "Options",
        "Controls",
        "Enabled",
        "Client ID",
        "Client Secret",
        "Access Token",
        "Safety Qty",
        "Shipping Fee",
        "Additional Shipping Fee",
        "Enable Inventory Upload",
        "Exclude Price Upload",
        "Enable Order Download",
        "Allow UnPaid Order",
        "Enable Order Fulfillment Upload",
        "Get Token",
        "Test Token Validity",
        "Edit",
        "API",
        "Seller ID",
        "Download Orders",
    ):
        assert label in body, label
    assert "<input" not in body.split("Credentials", 1)[1].split("History", 1)[0].replace(
        'type="hidden"', ""
    ).replace("csrfmiddlewaretoken", "")


def test_edit_and_save_every_field(alice_client, acme):
    response = alice_client.post(
        edit_url(acme),
        valid_post(
            api="marketplace",
            username="shop-api",
            password="s3cret-pass",
            seller_id="",
            safety_qty="5",
            shipping_fee="4,99",
            additional_shipping_fee="2",
            enable_inventory_upload="on",
            exclude_price_upload="on",
            enable_order_download="on",
            allow_unpaid_order="on",
            enable_order_fulfillment_upload="on",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == view_url(acme)
    account = acme.cdiscount_account
    account.refresh_from_db()
    assert account.api == "marketplace"
    assert account.username == "shop-api"
    assert account.password == "s3cret-pass"
    assert account.safety_qty == 5
    assert account.shipping_fee == Decimal("4.99")
    assert account.additional_shipping_fee == Decimal("2.00")
    assert account.enable_inventory_upload and account.exclude_price_upload
    assert account.enable_order_download and account.allow_unpaid_order
    assert account.enable_order_fulfillment_upload
    assert not account.enabled
    body = alice_client.get(view_url(acme)).content.decode()
    assert "General Settings saved." in body
    assert "4.99 €" in body
    assert "shop-api" in body


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("safety_qty", "-1", "Enter a whole number from 0 to 100000."),
        ("safety_qty", "100001", "Enter a whole number from 0 to 100000."),
        ("safety_qty", "2.5", "Enter a whole number from 0 to 100000."),
        ("safety_qty", "abc", "Enter a whole number from 0 to 100000."),
        ("shipping_fee", "-0,01", "Enter an amount in euros from 0 to 9999.99"),
        ("shipping_fee", "10000", "Enter an amount in euros from 0 to 9999.99"),
        ("shipping_fee", "4,999", "Enter an amount in euros from 0 to 9999.99"),
        ("shipping_fee", "quatre", "Enter an amount in euros from 0 to 9999.99"),
        ("additional_shipping_fee", "1,2,3", "Enter an amount in euros from 0 to 9999.99"),
        ("additional_shipping_fee", "", "Enter an amount in euros from 0 to 9999.99"),
        ("seller_id", "98a79", "The Seller ID is a number"),
        ("api", "soap", "Select a valid choice"),
    ],
)
def test_each_validation_rule_rejects_with_a_message_and_saves_nothing(
    alice_client, acme, field, value, message
):
    before = SettingsChange.objects.count()
    response = alice_client.post(edit_url(acme), valid_post(username="new-user", **{field: value}))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert f'id="error-{form_field(field)}"' in body
    assert "Nothing was saved" in body
    acme.cdiscount_account.refresh_from_db()
    assert acme.cdiscount_account.username == ""  # the valid fields were not saved either
    assert SettingsChange.objects.count() == before


@pytest.mark.parametrize("typed", ["4,99", "4.99", " 4,99 € ", "4,9"])
def test_french_decimal_input_is_accepted(alice_client, acme, typed):
    alice_client.post(edit_url(acme), valid_post(shipping_fee=typed))
    acme.cdiscount_account.refresh_from_db()
    assert acme.cdiscount_account.shipping_fee in (Decimal("4.99"), Decimal("4.90"))


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"seller_id": "98979²"}, "seller_id", "The Seller ID is a number"),
        ({"seller_id": "٩٨٩٧٩"}, "seller_id", "The Seller ID is a number"),
        ({"password": "x" * 100_000}, "password", "at most 256 characters"),
        ({"username": "u" * 201}, "username", "at most 200 characters"),
        ({"username": "client\x1b[31m-id"}, "username", "control characters"),
    ],
)
def test_input_rules_refuse_odd_digits_long_and_control_values(
    alice_client, acme, overrides, field, message
):
    response = alice_client.post(edit_url(acme), valid_post(**overrides))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[form_field(field)])
    acme.cdiscount_account.refresh_from_db()
    assert acme.cdiscount_account.username == ""


def test_password_blank_keeps_the_stored_one_and_is_never_rendered(alice_client, acme):
    account = acme.cdiscount_account
    account.password = "the-stored-secret"
    account.save()
    edit_page = alice_client.get(edit_url(acme)).content.decode()
    assert "the-stored-secret" not in edit_page
    alice_client.post(edit_url(acme), valid_post(password=""))
    account.refresh_from_db()
    assert account.password == "the-stored-secret"
    view_page = alice_client.get(view_url(acme)).content.decode()
    assert "the-stored-secret" not in view_page
    assert "Stored (hidden)" in view_page


def test_token_is_masked_to_first_and_last_four(alice_client, acme):
    give_token(acme.cdiscount_account)
    for url in (view_url(acme), edit_url(acme)):
        body = alice_client.get(url).content.decode()
        assert TOKEN not in body
        assert "eyJh…XYZW" in body
    assert "valid until" in alice_client.get(view_url(acme)).content.decode()


def test_token_cannot_be_edited_through_the_form(alice_client, acme):
    alice_client.post(edit_url(acme), valid_post(access_token="forged-token-value-123456"))
    acme.cdiscount_account.refresh_from_db()
    assert acme.cdiscount_account.access_token == ""


def test_enabled_refused_without_a_token(alice_client, acme):
    response = alice_client.post(edit_url(acme), valid_post(password="pw", enabled="on"))
    assert response.status_code == 200
    assert "Get a token first: use Save and Get Token" in response.content.decode()
    acme.cdiscount_account.refresh_from_db()
    assert not acme.cdiscount_account.enabled


def test_enabled_refused_without_seller_id_for_octopia(alice_client, acme):
    give_token(acme.cdiscount_account)
    response = alice_client.post(
        edit_url(acme), valid_post(password="pw", seller_id="", enabled="on")
    )
    assert "Enter the Seller ID before ticking Enabled." in response.content.decode()


def test_enabled_saved_with_credentials_and_a_token(alice_client, acme):
    account = acme.cdiscount_account
    account.username, account.password, account.seller_id = "client-id-1", "pw", "98979"
    account.save()
    give_token(account)
    response = alice_client.post(edit_url(acme), valid_post(enabled="on"))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.enabled
    assert account.access_token == TOKEN


def test_new_credentials_drop_the_old_token_and_cannot_be_enabled_at_once(alice_client, acme):
    account = acme.cdiscount_account
    account.username, account.password, account.seller_id = "client-id-1", "pw", "98979"
    account.save()
    give_token(account)
    response = alice_client.post(edit_url(acme), valid_post(username="other-id", enabled="on"))
    assert "New credentials need a new token" in response.content.decode()
    alice_client.post(edit_url(acme), valid_post(username="other-id"))
    account.refresh_from_db()
    assert account.username == "other-id"
    assert account.access_token == "" and account.token_expires_at is None


def test_history_records_who_and_which_fields_but_no_secret(alice_client, acme, alice):
    alice_client.post(edit_url(acme), valid_post(password="super-secret-pw", safety_qty="9"))
    change = SettingsChange.objects.get(account=acme.cdiscount_account)
    assert change.user == alice
    assert set(change.fields) >= {"octopia_client_secret", "safety_qty", "octopia_client_id"}
    assert "super-secret-pw" not in str(change.fields)
    body = alice_client.get(view_url(acme)).content.decode()
    assert "alice" in body and "Safety Qty" in body


def test_secrets_are_not_readable_in_the_database_row(acme):
    account = acme.cdiscount_account
    account.password = "plain-password-value"
    account.access_token = TOKEN
    account.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT octopia_client_secret, access_token FROM channels_cdiscountaccount "
            "WHERE id = %s",
            [account.pk],
        )
        stored_password, stored_token = cursor.fetchone()
    assert "plain-password-value" not in stored_password
    assert TOKEN not in stored_token
    assert stored_password.startswith("fernet:")
    account.refresh_from_db()
    assert account.password == "plain-password-value"


def test_cancel_returns_to_the_read_only_view(alice_client, acme):
    body = alice_client.get(edit_url(acme)).content.decode()
    assert f'id="cancel-button" href="{view_url(acme)}"' in body


def test_a_zero_safety_quantity_shows_as_zero(alice_client, acme):
    body = alice_client.get(view_url(acme)).content.decode()
    assert '<td data-field="safety_qty">0</td>' in body


# A key other than the one that encrypted the stored secrets.
OTHER_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE="


def stored_ciphertext(account) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT octopia_client_secret FROM channels_cdiscountaccount WHERE id = %s",
            [account.pk],
        )
        return cursor.fetchone()[0]


def test_a_wrong_key_is_refused_by_the_system_check(acme, settings):
    account = acme.cdiscount_account
    account.password = "plain-password-value"
    account.save()
    call_command("check")  # the right key passes

    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(SystemCheckError, match="channels.E002.*cannot decrypt the stored secrets"):
        call_command("check")
    # gunicorn and Celery, which do not act on system checks, refuse through the same check.
    with pytest.raises(ImproperlyConfigured, match="cannot decrypt"):
        refuse_to_start_on_key_errors()


@pytest.mark.parametrize("key", ["not-a-key", "", f"{OTHER_KEY},short"])
def test_a_malformed_key_is_refused_by_the_system_check(db, settings, key):
    settings.FIELD_ENCRYPTION_KEY = key
    with pytest.raises(SystemCheckError, match="channels.E001"):
        call_command("check")


def test_a_save_never_overwrites_a_secret_the_key_cannot_read(alice_client, acme, settings):
    account = acme.cdiscount_account
    account.password = "plain-password-value"
    account.save()
    ciphertext = stored_ciphertext(account)
    right_key = settings.FIELD_ENCRYPTION_KEY

    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    # The page's Save with the password left blank, and the command line's settings change.
    response = alice_client.post(edit_url(acme), valid_post(safety_qty="7"))
    assert response.status_code == 302
    call_command("cdiscount", "settings", "--company", str(acme.pk), "safety_qty=8")
    account.refresh_from_db()
    account.save()

    assert account.safety_qty == 8
    assert stored_ciphertext(account) == ciphertext
    change = SettingsChange.objects.filter(account=account).first()
    assert "octopia_client_secret" not in change.fields
    settings.FIELD_ENCRYPTION_KEY = right_key
    account.refresh_from_db()
    assert account.password == "plain-password-value"


def test_a_new_password_replaces_a_secret_the_key_cannot_read(alice_client, acme, settings):
    account = acme.cdiscount_account
    account.password = "lost-password"
    account.save()
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY

    alice_client.post(edit_url(acme), valid_post(password="new-password"))

    account.refresh_from_db()
    assert account.password == "new-password"


def test_key_rotation_old_key_second_then_reencrypt_then_drop_it(acme, settings):
    old_key = settings.FIELD_ENCRYPTION_KEY
    account = acme.cdiscount_account
    account.password = "plain-password-value"
    account.access_token = TOKEN
    account.save()

    settings.FIELD_ENCRYPTION_KEY = f"{OTHER_KEY}, {old_key}"
    account.refresh_from_db()
    assert account.password == "plain-password-value"
    call_command("check")
    out = io.StringIO()
    call_command("cdiscount", "reencrypt-secrets", stdout=out)
    assert "2 secrets re-encrypted" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    call_command("check")
    account.refresh_from_db()
    assert account.password == "plain-password-value"
    assert account.access_token == TOKEN
    assert not SettingsChange.objects.filter(account=account).exists()


def test_reencrypt_refuses_a_secret_no_key_reads_unless_told_to_forget_it(acme, settings):
    account = acme.cdiscount_account
    account.password = "lost-password"
    account.save()
    ciphertext = stored_ciphertext(account)
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY

    unreadable = "no key decrypts the octopia_client_secret of Cdiscount account"
    with pytest.raises(CommandError, match=unreadable):
        call_command("cdiscount", "reencrypt-secrets", stdout=io.StringIO())
    assert stored_ciphertext(account) == ciphertext

    call_command("cdiscount", "reencrypt-secrets", "--forget-unreadable", stdout=io.StringIO())
    assert stored_ciphertext(account) == ""
    assert SettingsChange.objects.get(account=account).fields == ["octopia_client_secret"]
    call_command("check")


def test_a_marketplace_password_with_accents_and_a_colon_gets_a_token(
    simulator, alice_client, acme
):
    """Entered in the form, sent by the client, read by the simulated STS: UTF-8 end to end."""
    simulator.state.add_marketplace_login("accent-api", "pässwörd:é")
    response = alice_client.post(
        edit_url(acme),
        valid_post(api="marketplace", username="accent-api", password="pässwörd:é", seller_id=""),
    )
    assert response.status_code == 302
    response = alice_client.post(reverse("channels:action_get_token", args=[acme.pk]), follow=True)
    assert "Token received" in response.content.decode()
    acme.cdiscount_account.refresh_from_db()
    assert acme.cdiscount_account.has_token


def test_accept_orders_automatically_is_on_by_default_and_switched_off_by_edit(
    alice_client, acme, alice
):
    body = alice_client.get(view_url(acme)).content.decode()
    controls = body.split('id="panel-controls"', 1)[1].split("</section>", 1)[0]
    assert "Accept orders automatically" in controls
    assert 'data-field="accept_orders_automatically"><span class="check on"' in controls
    edit = alice_client.get(edit_url(acme)).content.decode()
    assert 'name="accept_orders_automatically" id="id_accept_orders_automatically" checked' in edit
    alice_client.post(edit_url(acme), valid_post(accept_orders_automatically=None))
    account = acme.cdiscount_account
    account.refresh_from_db()
    assert account.accept_orders_automatically is False
    assert "accept_orders_automatically" in SettingsChange.objects.get(account=account).fields
    body = alice_client.get(view_url(acme)).content.decode()
    assert 'data-field="accept_orders_automatically"><span class="check off"' in body
    history = body.split('id="panel-history"', 1)[1]
    assert "Accept orders automatically" in history
    with translation.override("en"):  # the request's French does not outlive it in this thread
        french = alice_client.get(view_url(acme), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Accepter les commandes automatiquement" in french
