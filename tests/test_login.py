"""Log-in throttling, idle sessions, and log-out as a POST."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed log-ins: log-in is locked for 15 minutes."


def log_in(client: Client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_user_name_even_for_the_right_one(client, alice):
    for attempt in range(4):
        response = log_in(client, "alice", f"wrong-{attempt}")
        assert response.status_code == 200 and "correct username and password" in (
            response.content.decode()
        )
    fifth = log_in(client, "alice", "wrong-5")
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()

    refused = log_in(client, "alice", PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert LOCKED in page and 'value="alice"' in page
    assert SESSION_KEY not in client.session
    # The user name is locked from any address.
    assert log_in(Client(), "alice", PASSWORD, address="198.51.100.7").status_code == 429


def test_the_lock_ends_after_the_lockout_time(client, alice):
    for attempt in range(5):
        log_in(client, "alice", f"wrong-{attempt}")
    assert log_in(client, "alice", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(alice.pk)


def test_the_lockout_time_is_a_setting(client, alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    for attempt in range(5):
        response = log_in(client, "alice", f"wrong-{attempt}")
    assert "locked for 1 minute." in response.content.decode()


def test_an_address_guessing_across_user_names_is_throttled(client, alice):
    bob = UserFactory(username="bob")
    for n in range(5):
        log_in(client, f"someone-{n}", "guess")
    # Neither alice nor bob failed once, but this address has.
    assert log_in(client, "alice", PASSWORD).status_code == 429
    assert log_in(client, "bob", PASSWORD).status_code == 429
    assert log_in(Client(), bob.username, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_success_clears_the_user_names_failures_not_the_addresss(client, alice):
    """Four guesses at bob, a log-in as alice from the same address, four more guesses: the
    address is locked all the same."""
    UserFactory(username="bob")
    for n in range(4):
        log_in(client, "bob", f"guess-{n}")
    assert log_in(Client(), "alice", PASSWORD).status_code == 302
    assert log_in(client, "bob", "guess-4").status_code == 429

    for n in range(4):
        log_in(Client(), "alice", f"typo-{n}", address="203.0.113.5")
    assert log_in(Client(), "alice", PASSWORD, address="203.0.113.5").status_code == 302
    # alice's typos are forgiven by her log-in: a fifth one is an ordinary failure.
    assert log_in(Client(), "alice", "typo-5", address="203.0.113.5").status_code == 200


def test_a_session_expires_after_the_idle_time_and_each_request_extends_it(alice_client, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600 and settings.SESSION_SAVE_EVERY_REQUEST
    response = alice_client.get(reverse("channels:company_list"))
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    session = alice_client.session
    session.set_expiry(-1)  # idle past its age
    session.save()
    response = alice_client.get(reverse("channels:company_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_log_out_is_a_post_with_its_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(reverse("channels:company_list")).content.decode()
    logout_form = f'<form action="{reverse("logout")}" method="post">'
    assert logout_form + '<input type="hidden" name="csrfmiddlewaretoken"' in page
    assert client.get(reverse("logout")).status_code == 405
    assert SESSION_KEY in client.session
    assert client.post(reverse("logout")).status_code == 403  # no CSRF token
    assert SESSION_KEY in client.session
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and SESSION_KEY not in client.session
