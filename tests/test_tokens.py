"""Get Token and Test Token Validity over real HTTP against the simulator, both API generations."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import CdiscountAccount
from channels.services.tokens import account_get_token, account_test_token


@pytest.fixture
def account(api_account) -> CdiscountAccount:
    """The account of each API generation (tests/conftest.py), under the name used here."""
    return api_account


def stored(account) -> CdiscountAccount:
    return CdiscountAccount.objects.get(pk=account.pk)


def with_old_token(account, value="old-token-0123456789abcdef0123456789"):
    account.access_token = value
    account.token_received_at = timezone.now() - timedelta(hours=1)
    account.token_expires_at = timezone.now() + timedelta(hours=1)
    account.save()
    return value


def test_get_token_stores_the_token_and_its_expiry(simulator, account):
    result = account_get_token(account_id=account.pk)
    assert result.ok, result.message
    assert "valid until" in result.message
    saved = stored(account)
    assert saved.access_token
    lifetime = saved.token_expires_at - saved.token_received_at
    expected = timedelta(hours=2) if saved.is_octopia else timedelta(hours=48)
    assert abs(lifetime - expected) < timedelta(minutes=1)
    # what the simulator received is the protocol's token request
    token_requests = [r for r in simulator.state.requests if r["method"] in ("GET", "POST")]
    assert token_requests, "no request reached the simulator"


def test_get_token_then_test_token_is_valid_with_the_shop_name(simulator, account):
    assert account_get_token(account_id=account.pk).ok
    result = account_test_token(account_id=account.pk)
    assert result.ok, result.message
    assert "Boutique Démo" in result.message
    saved = stored(account)
    assert saved.last_check_ok is True
    assert saved.last_check_at is not None


def test_bad_credentials_give_the_portal_advice_and_keep_the_old_token(simulator, account):
    old = with_old_token(account)
    account.password = "wrong-password"
    account.save()
    result = account_get_token(account_id=account.pk)
    assert not result.ok
    assert "Octopia seller portal" in result.message
    assert "Connection information" in result.message
    assert "wrong-password" not in result.message
    assert stored(account).access_token == old


def test_wrong_seller_id_is_refused_with_403(simulator, octopia_account):
    octopia_account.seller_id = "11111"
    octopia_account.save()
    assert account_get_token(account_id=octopia_account.pk).ok
    result = account_test_token(account_id=octopia_account.pk)
    assert not result.ok
    assert "Seller ID" in result.message
    assert stored(octopia_account).last_check_ok is False


def test_expired_token_is_reported_and_not_refreshed_by_the_check(simulator, account):
    assert account_get_token(account_id=account.pk).ok
    token = stored(account).access_token
    simulator.state.advance_clock(3 * 24 * 3600)
    result = account_test_token(account_id=account.pk)
    assert not result.ok
    assert "invalid or expired" in result.message
    assert "Get Token" in result.message
    assert stored(account).access_token == token


def test_server_error_ends_in_a_clear_message_and_keeps_the_token(simulator, account):
    old = with_old_token(account)
    simulator.state.inject_fault("server_error", count=1)
    result = account_get_token(account_id=account.pk)
    assert not result.ok
    assert "try again in a few minutes" in result.message
    assert stored(account).access_token == old


def test_timeout_ends_in_a_clear_message_and_keeps_the_token(simulator, account, settings):
    settings.CDISCOUNT_TIMEOUT = 0.3
    old = with_old_token(account)
    simulator.state.inject_fault("latency", count=1, seconds=1.5)
    result = account_get_token(account_id=account.pk)
    assert not result.ok
    assert "could not be reached" in result.message
    assert stored(account).access_token == old


def test_malformed_answer_is_reported(simulator, account):
    old = with_old_token(account)
    simulator.state.inject_fault("malformed", count=1)
    result = account_get_token(account_id=account.pk)
    assert not result.ok
    assert "could not be read" in result.message
    assert stored(account).access_token == old


def test_rate_limit_tells_when_to_retry(simulator, account):
    simulator.state.inject_fault("rate_limit", count=1, retry_after=30)
    result = account_get_token(account_id=account.pk)
    assert not result.ok
    assert "30 seconds" in result.message


def test_server_error_during_the_check_is_recorded(simulator, account):
    assert account_get_token(account_id=account.pk).ok
    simulator.state.inject_fault("server_error", count=1)
    result = account_test_token(account_id=account.pk)
    assert not result.ok
    assert "could not be checked" in result.message
    assert stored(account).last_check_ok is False


def test_missing_credentials_are_named_without_calling_cdiscount(simulator, acme):
    result = account_get_token(account_id=acme.cdiscount_account.pk)
    assert not result.ok
    assert "Username" in result.message and "Password" in result.message
    assert simulator.state.requests == []


def test_no_secret_reaches_the_logs(simulator, account, caplog):
    caplog.set_level(logging.DEBUG)
    assert account_get_token(account_id=account.pk).ok
    token = stored(account).access_token
    account_test_token(account_id=account.pk)
    account.password = "wrong-password"
    account.save()
    account_get_token(account_id=account.pk)
    for secret in (token, "wrong-password", "demo-secret", "demo-password"):
        assert secret not in caplog.text


def test_the_actions_answer_with_messages_on_the_page(simulator, alice_client, acme, account):
    response = alice_client.post(reverse("channels:action_get_token", args=[acme.pk]), follow=True)
    body = response.content.decode()
    assert "Token received, valid until" in body
    token = stored(account).access_token
    assert token not in body
    assert f"{token[:4]}…{token[-4:]}" in body
    response = alice_client.post(reverse("channels:action_test_token", args=[acme.pk]), follow=True)
    assert "The token is valid (shop: Boutique Démo)" in response.content.decode()


def test_a_token_renewed_by_another_worker_is_reused_not_fetched_again(simulator, account):
    from channels.services.clients import cdiscount_client_for

    assert account_get_token(account_id=account.pk).ok
    worker_a = cdiscount_client_for(stored(account))
    # Another worker renews the token meanwhile; worker A still holds the old one.
    assert account_get_token(account_id=account.pk).ok
    renewed = stored(account).access_token
    # Several tokens may be valid at once: make the held one be refused.
    simulator.state.inject_fault("expired_token", count=1)
    seen = len(simulator.state.requests)
    info = worker_a.get_seller_info()
    assert info.shop_name == "Boutique Démo"
    assert worker_a.token == renewed
    token_paths = ("/token", "httpIssue.svc/")
    after = simulator.state.requests[seen:]
    assert len(after) == 2  # the refused call and its retry, no token request
    assert not [r for r in after if r["path"].endswith(token_paths)]
