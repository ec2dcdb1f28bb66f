"""Get Token and Test Token Validity over real HTTP against the simulator, both API generations."""

import logging
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from channels.cdiscount import Token, errors
from channels.models import CdiscountAccount, JobLock, Product
from channels.services.clients import cdiscount_client_for
from channels.services.token_store import TOKEN_LOCK_KIND, account_token_store
from channels.services.tokens import account_get_token, account_test_token
from channels.simulator import DEMO_OCTOPIA
from channels.simulator.paths import OCTOPIA_TOKEN_PATH, STS_PATH


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
    # What the simulator received first is the protocol's token request; then only the carrier
    # list, which a successful Get Token refreshes for the Ship form.
    request, *after = simulator.state.requests
    carrier_list = (
        ("GET", "/seller/v2/carriers")
        if saved.is_octopia
        else ("POST", "/MarketplaceAPIService.svc")
    )
    assert [(r["method"], r["path"]) for r in after] == [carrier_list]
    if saved.is_octopia:  # docs/cdiscount-api.md §O1: a client-credentials form POST
        assert (request["method"], request["path"]) == ("POST", OCTOPIA_TOKEN_PATH)
        form = parse_qs(request["body"])
        assert form["grant_type"] == ["client_credentials"]
        assert form["client_id"] == [DEMO_OCTOPIA["client_id"]]
        assert "client_secret" in form
    else:  # §M1: a GET on the STS with the SOAP service as realm, in HTTP Basic auth
        assert (request["method"], request["path"]) == ("GET", STS_PATH)
        assert request["query"] == {"realm": simulator.urls["CDISCOUNT_SOAP_URL"]}
        assert request["headers"].get("Authorization")


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
    if account.is_octopia:
        assert "Octopia seller portal" in result.message
        assert "Connection information" in result.message
        assert "Client ID and Client Secret" in result.message
    else:
        assert "Cdiscount seller space" in result.message
        assert "API Login and API Password" in result.message
        assert "Octopia" not in result.message
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


@pytest.mark.parametrize(
    ("fault", "options", "timeout", "message"),
    [
        pytest.param("server_error", {}, None, "try again in a few minutes", id="server"),
        pytest.param("latency", {"seconds": 1.5}, 0.3, "could not be reached", id="timeout"),
        pytest.param("malformed", {}, None, "could not be read", id="malformed"),
    ],
)
def test_a_failed_get_token_ends_in_a_clear_message_and_keeps_the_token(
    simulator, account, settings, fault, options, timeout, message
):
    if timeout is not None:
        settings.CDISCOUNT_TIMEOUT = timeout
    old = with_old_token(account)
    simulator.state.inject_fault(fault, count=1, **options)
    result = account_get_token(account_id=account.pk)
    assert not result.ok
    assert message in result.message
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
    assert "Client ID" in result.message and "Client Secret" in result.message
    assert "Seller ID" in result.message
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


# Single-flight renewal: one token request for many workers, and no writer kept waiting -------

TOKEN_PATHS = (OCTOPIA_TOKEN_PATH, STS_PATH)


def token_requests(simulator) -> list[dict]:
    return [r for r in simulator.state.requests if r["path"] in TOKEN_PATHS]


def in_thread(work):
    """Runs `work` in a thread of its own (its own database connection), closed at the end."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the test, which raises it
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def result_of(thread, outcome):
    thread.join(timeout=30)
    assert not thread.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def renew(account_id):
    with cdiscount_client_for(CdiscountAccount.objects.get(pk=account_id)) as client:
        return client.renew_token()


def probe(account_id):
    with cdiscount_client_for(CdiscountAccount.objects.get(pk=account_id)) as client:
        return client.get_seller_info(), client.token


def test_a_token_renewal_in_flight_does_not_block_other_writers(
    simulator, account, transactional_db
):
    old = with_old_token(account)
    simulator.state.inject_fault("latency", seconds=1.5)  # the token request: the first one
    worker = in_thread(lambda: renew(account.pk))
    # The worker is inside the token request, Cdiscount slow to answer.
    wait_for(lambda: token_requests(simulator))

    started = time.monotonic()
    CdiscountAccount.objects.filter(pk=account.pk).update(safety_qty=3)
    Product.objects.create(company=account.company, sku="WRITE-1", ean="3700000000001")
    waited = time.monotonic() - started

    assert waited < 0.5, f"a writer waited {waited:.2f} s for the token request"
    assert worker[0].is_alive(), "the renewal ended before the writes: nothing was proven"
    token = result_of(*worker)
    saved = stored(account)
    assert saved.access_token == token.value != old
    assert saved.safety_qty == 3
    assert not JobLock.objects.exists()


def test_two_workers_needing_a_token_make_one_token_request(simulator, account, transactional_db):
    assert not stored(account).access_token
    simulator.state.inject_fault("latency", seconds=1.0)  # the token request: the first one
    first = in_thread(lambda: probe(account.pk))
    wait_for(lambda: token_requests(simulator))
    second = in_thread(lambda: probe(account.pk))

    (info_a, token_a), (info_b, token_b) = result_of(*first), result_of(*second)

    assert info_a.shop_name == info_b.shop_name == "Boutique Démo"
    assert token_a == token_b == stored(account).access_token
    assert len(token_requests(simulator)) == 1
    assert not JobLock.objects.exists()


def test_a_worker_waits_for_the_token_another_one_is_fetching(simulator, account, transactional_db):
    old = with_old_token(account)
    # Another worker holds the renewal lock: this one waits instead of asking Cdiscount.
    JobLock.objects.create(
        account=account, kind=TOKEN_LOCK_KIND, expires_at=timezone.now() + timedelta(minutes=1)
    )
    waiting = in_thread(lambda: renew(account.pk))
    time.sleep(0.3)
    assert waiting[0].is_alive()
    now = timezone.now()
    renewed = Token("renewed-elsewhere-0123456789abcdef", now + timedelta(hours=2), now)
    account_token_store(account=account, token=renewed)

    assert result_of(*waiting).value == renewed.value != old
    assert token_requests(simulator) == []


def test_a_lock_left_by_a_killed_worker_is_taken_over(simulator, account, transactional_db):
    old = with_old_token(account)
    JobLock.objects.create(
        account=account, kind=TOKEN_LOCK_KIND, expires_at=timezone.now() - timedelta(seconds=1)
    )

    token = renew(account.pk)

    assert token.value != old
    assert stored(account).access_token == token.value
    assert len(token_requests(simulator)) == 1
    assert not JobLock.objects.exists()


def test_a_failed_renewal_frees_the_lock_and_keeps_the_token(simulator, account):
    old = with_old_token(account)
    simulator.state.inject_fault("server_error", count=1)
    with pytest.raises(errors.ServerError):
        renew(account.pk)
    assert stored(account).access_token == old
    assert not JobLock.objects.exists()


def test_the_client_closes_its_http_session(simulator, db, account, monkeypatch):
    closed = []
    close = requests.Session.close

    def close_and_count(session):
        closed.append(session)
        close(session)

    monkeypatch.setattr(requests.Session, "close", close_and_count)
    assert account_get_token(account_id=account.pk).ok
    assert account_test_token(account_id=account.pk).ok
    assert len(closed) == 2
