"""`manage.py cdiscount ...`: the same forms and services as the pages."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from channels.models import CdiscountAccount, Company, Membership, SettingsChange
from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA


def run(*args, stdin: str | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("cdiscount", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_company_create_prints_the_id():
    company_id = int(run("company-create", "Maison Dupont"))
    company = Company.objects.get(pk=company_id)
    assert company.name == "Maison Dupont"
    assert CdiscountAccount.objects.filter(company=company).exists()


@pytest.mark.django_db
def test_user_create_reads_the_password_from_stdin(monkeypatch):
    company_id = int(run("company-create", "Maison Dupont"))
    line = run(
        "user-create",
        "marie",
        "--company",
        str(company_id),
        stdin="a-long-password-42\n",
        monkeypatch=monkeypatch,
    )
    assert "marie" in line
    user = User.objects.get(username="marie")
    assert user.check_password("a-long-password-42")
    assert list(user.companies.values_list("pk", flat=True)) == [company_id]


@pytest.mark.django_db
def test_user_create_refuses_a_weak_password(monkeypatch):
    company_id = int(run("company-create", "Maison Dupont"))
    with pytest.raises(CommandError, match="too short|too common"):
        run(
            "user-create",
            "marie",
            "--company",
            str(company_id),
            stdin="123\n",
            monkeypatch=monkeypatch,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,message",
    [
        ("M" * 201, "at most 200 characters"),
        ("Maison\x1b[2J Dupont", "control characters"),
        ("   ", "The company name cannot be empty."),
    ],
)
def test_company_create_refuses_odd_names_in_one_line(name, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        run("company-create", name)
    assert "Nothing created." in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    "username,password,message",
    [
        ("m" * 151, "a-long-password-42", "at most 150 characters"),
        ("marie\tdupont", "a-long-password-42", "Enter a valid username"),
        ("alice", "a-long-password-42", "already exists"),
        ("marie", "p" * 100_000, "at most 256 characters"),
        ("marie", "", "Give the password on standard input."),
    ],
)
def test_user_create_refuses_bad_input_in_one_line(alice, monkeypatch, username, password, message):
    company = alice.companies.get()
    with pytest.raises(CommandError, match=message):
        run(
            "user-create",
            username,
            "--company",
            str(company.pk),
            stdin=password + "\n",
            monkeypatch=monkeypatch,
        )
    assert not Membership.objects.exclude(user=alice).exists()


def test_settings_password_dash_reads_the_secret_from_stdin(acme, monkeypatch):
    line = run(
        "settings",
        "--company",
        str(acme.pk),
        "username=client-1",
        "password=-",
        stdin="secret-from-stdin\n",
        monkeypatch=monkeypatch,
    )
    assert "secret-from-stdin" not in line
    assert "octopia_client_secret=(set)" in line
    assert CdiscountAccount.objects.get(company=acme).password == "secret-from-stdin"
    assert SettingsChange.objects.get(account__company=acme).fields == [
        "octopia_client_id",
        "octopia_client_secret",
    ]
    with pytest.raises(CommandError, match="Give the password on standard input"):
        run("settings", "--company", str(acme.pk), "password=-", stdin="", monkeypatch=monkeypatch)


def test_settings_show_masks_secrets(acme):
    account = acme.cdiscount_account
    account.password = "hidden-pw"
    account.access_token = "abcd-very-long-token-value-wxyz"
    account.save()
    line = run("settings", "--company", str(acme.pk))
    assert "octopia_client_secret=(set)" in line
    assert "marketplace_password=(not set)" in line
    assert "hidden-pw" not in line
    assert "abcd-very-long-token-value-wxyz" not in line
    assert "access_token=abcd…wxyz" in line
    data = json.loads(run("settings", "--company", str(acme.pk), "--json"))
    assert data["settings"]["safety_qty"] == "0"


def test_settings_change_goes_through_the_form_and_history(acme):
    run(
        "settings",
        "--company",
        str(acme.pk),
        "username=client-1",
        "password=pw-1",
        "seller_id=98979",
        "shipping_fee=4,99",
        "safety_qty=3",
        "enable_order_download=true",
    )
    account = CdiscountAccount.objects.get(company=acme)
    assert account.username == "client-1"
    assert account.password == "pw-1"
    assert str(account.shipping_fee) == "4.99"
    assert account.safety_qty == 3
    assert account.enable_order_download is True
    change = SettingsChange.objects.get(account=account)
    assert change.source == "cli"
    assert "pw-1" not in json.dumps(change.fields)


def test_settings_bad_value_prints_the_page_message_and_saves_nothing(acme):
    with pytest.raises(CommandError) as excinfo:
        run("settings", "--company", str(acme.pk), "username=client-1", "shipping_fee=10000")
    assert "Enter an amount in euros from 0 to 9999.99" in str(excinfo.value)
    assert "Nothing saved" in str(excinfo.value)
    assert CdiscountAccount.objects.get(company=acme).username == ""


def test_settings_refuses_enabled_without_token(acme):
    with pytest.raises(CommandError, match="Get a token first"):
        run("settings", "--company", str(acme.pk), "enabled=true")


@pytest.mark.parametrize("pair", ["colour=blue", "enabled=yes", "novalue"])
def test_settings_refuses_unknown_keys_and_bad_booleans(acme, pair):
    with pytest.raises(CommandError):
        run("settings", "--company", str(acme.pk), pair)


def test_unknown_company_is_an_error(db):
    with pytest.raises(CommandError, match="No company with id 999"):
        run("settings", "--company", "999")


@pytest.mark.parametrize("api", ["octopia", "marketplace"])
def test_get_token_and_test_token_from_the_command_line(simulator, acme, api):
    if api == "octopia":
        creds = [
            f"username={DEMO_OCTOPIA['client_id']}",
            f"password={DEMO_OCTOPIA['client_secret']}",
            f"seller_id={DEMO_OCTOPIA['seller_id']}",
        ]
    else:
        creds = [
            f"username={DEMO_MARKETPLACE['login']}",
            f"password={DEMO_MARKETPLACE['password']}",
        ]
    run("settings", "--company", str(acme.pk), f"api={api}", *creds)
    assert "Token received" in run("get-token", "--company", str(acme.pk))
    data = json.loads(run("test-token", "--company", str(acme.pk), "--json"))
    assert data["ok"] is True
    run("settings", "--company", str(acme.pk), "enabled=true")
    assert CdiscountAccount.objects.get(company=acme).enabled


def test_get_token_failure_exits_non_zero(simulator, acme):
    run("settings", "--company", str(acme.pk), "username=nobody", "password=nothing", "seller_id=1")
    with pytest.raises(CommandError):
        run("get-token", "--company", str(acme.pk))


def test_all_runs_every_enabled_account_only(simulator, octopia_account, other_co):
    assert "Token received" in run("get-token", "--company", str(octopia_account.company_id))
    octopia_account.refresh_from_db()
    octopia_account.enabled = True
    octopia_account.save()
    lines = run("test-token", "--all").splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"company {octopia_account.company_id}:")


@pytest.mark.django_db
def test_settings_switches_automatic_acceptance_off_and_on():
    company_id = int(run("company-create", "Maison Dupont"))
    assert "accept_orders_automatically=true" in run("settings", "--company", str(company_id))
    line = run("settings", "--company", str(company_id), "accept_orders_automatically=false")
    assert "accept_orders_automatically=false" in line
    account = CdiscountAccount.objects.get(company_id=company_id)
    assert account.accept_orders_automatically is False
    change = SettingsChange.objects.get(account=account)
    assert (change.fields, change.source) == (["accept_orders_automatically"], "cli")
    with pytest.raises(CommandError, match="write true or false"):
        run("settings", "--company", str(company_id), "accept_orders_automatically=no")
    run("settings", "--company", str(company_id), "accept_orders_automatically=true")
    account.refresh_from_db()
    assert account.accept_orders_automatically is True
