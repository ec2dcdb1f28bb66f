"""OctopiaClient against mocked HTTP: what it sends (§O1-O3) and how it reads every failure."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from unittest import mock
from urllib.parse import parse_qs

import pytest
import requests

from channels.cdiscount import OctopiaClient, SellerInfo, Token, errors
from tests.cdiscount.support import (
    TokenLog,
    assert_no_secret,
    assert_token_kept,
    assert_token_replaced,
    get_fresh_token,
)

AUTH_URL = "https://auth.octopia-io.net/auth/realms/maas/protocol/openid-connect/token"
API_URL = "https://api.octopia-io.net/seller/v2"
SELLERS_URL = f"{API_URL}/sellers"
CLIENT_ID = "acme-octopia-client"
CLIENT_SECRET = "Zq8-client-SECRET-4f7a91c2e3"
SELLER_ID = "98979"
OLD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbGQifQ.OLD-signature-aaaa"
NEW_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJuZXcifQ.NEW-signature-bbbb"
SECRETS = (CLIENT_SECRET, OLD_TOKEN, NEW_TOKEN)

TOKEN_ANSWER = {
    "access_token": NEW_TOKEN,
    "expires_in": 7200,
    "refresh_expires_in": 0,
    "token_type": "Bearer",
    "not-before-policy": 0,
    "scope": "profile email",
}
SELLER_ANSWER = {
    "id": "98979",
    "name": "Acme Maison",
    "legalName": "ACME MAISON SAS",
    "status": "Active",
    "salesChannels": [{"id": "CDISFR"}],
}
PROBLEM_JSON = "application/problem+json"


def problem(status, title, detail=None, trace_id="00-4bf92f3577b34da6a3ce929d0e0e4736-01"):
    body = {"type": "https://api.octopia-io.net/problems", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["traceId"] = trace_id
    return json.dumps(body)


def problem_answer(status, title, detail=None, **options):
    """A mocked answer's status, content type and problem-details body, for rsps.get/post."""
    return {
        "status": status,
        "content_type": PROBLEM_JSON,
        "body": problem(status, title, detail, **options),
    }


# What the API answers to a call made with an expired token.
TOKEN_EXPIRED = problem_answer(401, "Unauthorized", "The token is expired")


def make_client(**overrides):
    options = {
        "auth_url": AUTH_URL,
        "api_url": API_URL,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "seller_id": SELLER_ID,
        "token": OLD_TOKEN,
        "timeout": 12.5,
    }
    options.update(overrides)
    return OctopiaClient(**options)


def add_token_ok(rsps, token=NEW_TOKEN):
    rsps.post(AUTH_URL, json={**TOKEN_ANSWER, "access_token": token})


def assert_api_request(request, token):
    """§O2: exactly these headers on an API call without a body."""
    assert request.method == "GET"
    assert request.url == SELLERS_URL
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert request.headers["SellerId"] == SELLER_ID
    assert request.headers["Accept"] == "application/json"
    assert "Content-Type" not in request.headers
    assert request.body is None
    assert request.req_kwargs["timeout"] == 12.5


# -- O1: token ------------------------------------------------------------------------------


def test_get_token_posts_client_credentials_and_stores_the_token(rsps):
    add_token_ok(rsps)
    received = TokenLog()
    client = make_client(token=None, token_store=received)

    token = get_fresh_token(client, value=NEW_TOKEN, lifetime=timedelta(seconds=7200))

    assert len(rsps.calls) == 1
    request = rsps.calls[0].request
    assert request.method == "POST"
    assert request.url == AUTH_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert parse_qs(request.body, strict_parsing=True) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }
    assert request.req_kwargs["timeout"] == 12.5

    assert received == [token]


def test_get_token_always_asks_even_with_a_current_token(rsps):
    add_token_ok(rsps)
    client = make_client(token=OLD_TOKEN)
    assert client.get_token().value == NEW_TOKEN
    assert client.token == NEW_TOKEN


def test_get_token_without_expires_in_assumes_two_hours(rsps):
    rsps.post(AUTH_URL, json={"access_token": NEW_TOKEN, "token_type": "Bearer"})
    token = make_client().get_token()
    assert token.expires_at - token.received_at == timedelta(hours=2)


def test_token_repr_hides_the_value():
    now = datetime.now(UTC)
    token = Token(value=NEW_TOKEN, expires_at=now, received_at=now)
    assert NEW_TOKEN not in repr(token)
    assert NEW_TOKEN not in repr(make_client(token=NEW_TOKEN))


@pytest.mark.parametrize("status", [400, 401])
def test_get_token_bad_credentials(rsps, status, cdiscount_logs):
    rsps.post(
        AUTH_URL,
        status=status,
        json={
            "error": "invalid_client",
            "error_description": "Invalid client or Invalid client credentials",
        },
    )
    received = TokenLog()
    client = make_client(token_store=received)

    with pytest.raises(errors.InvalidCredentialsError) as caught:
        client.get_token()

    exc = caught.value
    assert isinstance(exc, errors.AuthenticationError)
    assert exc.status == status
    assert exc.cdiscount_message == "Invalid client or Invalid client credentials"
    assert client.token == OLD_TOKEN  # the stored token is left as it was
    assert received == []
    assert_no_secret(exc, cdiscount_logs, *SECRETS)


def test_get_token_other_400_is_a_rejected_request(rsps):
    rsps.post(
        AUTH_URL,
        status=400,
        json={"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"},
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_token()
    assert caught.value.cdiscount_message == "Unsupported grant_type"


def test_get_token_server_error(rsps):
    rsps.post(AUTH_URL, status=503, body="<html><body>Service Unavailable</body></html>")
    with pytest.raises(errors.ServerError) as caught:
        make_client().get_token()
    assert caught.value.status == 503
    assert isinstance(caught.value, errors.TransientError)


def test_get_token_rate_limited(rsps):
    rsps.post(AUTH_URL, status=429, headers={"Retry-After": "120"}, body="")
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().get_token()
    assert caught.value.retry_after == 120.0


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", "<html><body>Login</body></html>"),
        ("application/json", '{"access_token": '),
        ("application/json", json.dumps({"token_type": "Bearer", "expires_in": 7200})),
        ("application/json", json.dumps(["not", "an", "object"])),
    ],
    ids=["html", "truncated-json", "no-access-token", "json-list"],
)
def test_get_token_malformed_answer(rsps, content_type, body, cdiscount_logs):
    rsps.post(AUTH_URL, status=200, content_type=content_type, body=body)
    client = make_client()
    with pytest.raises(errors.MalformedResponseError):
        client.get_token()
    assert client.token == OLD_TOKEN


def test_get_token_bad_expires_in_does_not_leak_the_new_token(rsps, cdiscount_logs):
    rsps.post(AUTH_URL, json={"access_token": "brand-new-token-value-0042", "expires_in": "soon"})
    client = make_client()
    with pytest.raises(errors.MalformedResponseError) as caught:
        client.get_token()
    assert client.token == OLD_TOKEN
    assert_no_secret(caught.value, cdiscount_logs, "brand-new-token-value-0042", *SECRETS)


def test_get_token_answer_with_wrong_content_type_does_not_leak_it(rsps, cdiscount_logs):
    fresh = "eyJhbGciOiJSUzI1NiJ9.never-seen-before.sig"
    rsps.post(
        AUTH_URL,
        content_type="text/plain",
        body=json.dumps({**TOKEN_ANSWER, "access_token": fresh}),
    )
    with pytest.raises(errors.MalformedResponseError) as caught:
        make_client().get_token()
    assert '"access_token": "***"' in caught.value.body
    assert_no_secret(caught.value, cdiscount_logs, fresh, *SECRETS)


# -- O3: GET /sellers ---------------------------------------------------------------------


def test_get_seller_info_sends_the_api_headers(rsps):
    rsps.get(SELLERS_URL, json=SELLER_ANSWER)
    client = make_client()

    info = client.get_seller_info()

    assert len(rsps.calls) == 1
    assert_api_request(rsps.calls[0].request, OLD_TOKEN)
    assert info == SellerInfo(
        seller_id="98979", shop_name="Acme Maison", login=None, raw=SELLER_ANSWER
    )


@pytest.mark.parametrize(
    ("answer", "expected_id", "expected_name"),
    [
        ({"id": 98979, "name": "Acme Maison"}, "98979", "Acme Maison"),
        ({"sellerId": "98979", "shopName": "Acme Maison"}, "98979", "Acme Maison"),
        ([{"id": "11111", "name": "Other"}, {"id": "98979", "name": "Acme"}], "98979", "Acme"),
        ({"items": [{"id": "98979", "name": "Acme"}], "itemsPerPage": 1}, "98979", "Acme"),
        ({"name": "Acme"}, None, "Acme"),
    ],
    ids=["numeric-id", "other-keys", "list-picks-own-seller", "items-envelope", "no-id"],
)
def test_get_seller_info_reads_the_profile_tolerantly(rsps, answer, expected_id, expected_name):
    rsps.get(SELLERS_URL, json=answer)
    info = make_client().get_seller_info()
    assert (info.seller_id, info.shop_name) == (expected_id, expected_name)
    assert isinstance(info.raw, dict)


def test_get_seller_info_without_token_gets_one_first(rsps):
    add_token_ok(rsps)
    rsps.get(SELLERS_URL, json=SELLER_ANSWER)
    tokens = TokenLog()
    client = make_client(token=None, token_store=tokens)

    client.get_seller_info()

    assert [call.request.url for call in rsps.calls] == [AUTH_URL, SELLERS_URL]
    assert_api_request(rsps.calls[1].request, NEW_TOKEN)
    assert len(tokens) == 1
    assert client.token == NEW_TOKEN


def test_without_token_and_auto_refresh_off_nothing_is_sent(rsps):
    client = make_client(token=None, auto_refresh=False)
    with pytest.raises(errors.TokenRejectedError):
        client.get_seller_info()
    assert len(rsps.calls) == 0


def test_expired_token_is_refreshed_once_and_the_call_retried(rsps):
    rsps.get(SELLERS_URL, **TOKEN_EXPIRED)
    add_token_ok(rsps)
    rsps.get(SELLERS_URL, json=SELLER_ANSWER)
    tokens = TokenLog()
    client = make_client(token_store=tokens)

    info = client.get_seller_info()

    assert info.shop_name == "Acme Maison"
    assert [(c.request.method, c.request.url) for c in rsps.calls] == [
        ("GET", SELLERS_URL),
        ("POST", AUTH_URL),
        ("GET", SELLERS_URL),
    ]
    assert_api_request(rsps.calls[0].request, OLD_TOKEN)
    assert_api_request(rsps.calls[2].request, NEW_TOKEN)
    assert_token_replaced(client, tokens, NEW_TOKEN)


def test_a_rejected_token_is_replaced_by_the_one_the_store_holds(rsps):
    rsps.get(SELLERS_URL, **problem_answer(401, "No", "x"))
    rsps.get(SELLERS_URL, json=SELLER_ANSWER)
    now = datetime.now(UTC)
    shared = Token(value=NEW_TOKEN, expires_at=now + timedelta(hours=2), received_at=now)
    asked = []

    class SharedStore:
        """Another client of the account renewed the token already."""

        def renew(self, *, held, fetch):
            asked.append(held)
            return shared

        def save(self, token):
            raise AssertionError("nothing was fetched, nothing to save")

    client = make_client(token_store=SharedStore())

    assert client.get_seller_info().shop_name == "Acme Maison"
    assert asked == [OLD_TOKEN]  # the store is told which token was rejected
    assert [c.request.url for c in rsps.calls] == [SELLERS_URL, SELLERS_URL]  # no token request
    assert_api_request(rsps.calls[1].request, NEW_TOKEN)
    assert client.token == NEW_TOKEN


def test_second_auth_failure_raises(rsps, cdiscount_logs):
    unauthorized = problem_answer(401, "Unauthorized", "Invalid token")
    rsps.get(SELLERS_URL, **unauthorized)
    add_token_ok(rsps)
    rsps.get(SELLERS_URL, **unauthorized)
    tokens = TokenLog()

    with pytest.raises(errors.TokenRejectedError) as caught:
        make_client(token_store=tokens).get_seller_info()

    assert len(rsps.calls) == 3
    assert len(tokens) == 1
    assert caught.value.status == 401
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_freshly_fetched_token_rejected_is_not_fetched_again(rsps):
    add_token_ok(rsps)
    rsps.get(SELLERS_URL, **problem_answer(401, "Unauthorized"))
    with pytest.raises(errors.TokenRejectedError):
        make_client(token=None).get_seller_info()
    assert len(rsps.calls) == 2


def test_auto_refresh_off_reports_the_stored_token_honestly(rsps, cdiscount_logs):
    rsps.get(
        SELLERS_URL,
        **problem_answer(401, "Unauthorized", "The token is expired", trace_id="trace-401-abc"),
    )
    tokens = TokenLog()
    client = make_client(auto_refresh=False, token_store=tokens)

    with pytest.raises(errors.TokenRejectedError) as caught:
        client.get_seller_info()

    assert_token_kept(rsps, client, tokens, OLD_TOKEN)
    assert caught.value.cdiscount_message == "Unauthorized: The token is expired"
    assert caught.value.trace_id == "trace-401-abc"


def test_401_without_body_reads_www_authenticate(rsps):
    rsps.get(
        SELLERS_URL,
        status=401,
        body="",
        headers={
            "WWW-Authenticate": (
                'Bearer error="invalid_token", error_description="The token expired"'
            )
        },
    )
    with pytest.raises(errors.TokenRejectedError) as caught:
        make_client(auto_refresh=False).get_seller_info()
    assert caught.value.cdiscount_message == "The token expired"


def test_403_wrong_seller_is_permission_denied_without_refresh(rsps, cdiscount_logs):
    rsps.get(
        SELLERS_URL,
        **problem_answer(
            403, "Forbidden", "Seller 98979 is not linked to this client", trace_id="trace-403"
        ),
    )
    tokens = TokenLog()

    with pytest.raises(errors.PermissionDeniedError) as caught:
        make_client(token_store=tokens).get_seller_info()

    exc = caught.value
    assert len(rsps.calls) == 1
    assert tokens == []
    assert exc.status == 403
    assert exc.cdiscount_message == "Forbidden: Seller 98979 is not linked to this client"
    assert exc.trace_id == "trace-403"
    assert "98979" in str(exc)
    assert "trace-403" in cdiscount_logs.text  # support asks for the trace id (§O2)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error(rsps, status):
    rsps.get(
        SELLERS_URL,
        **problem_answer(status, "Internal Server Error", trace_id="trace-5xx"),
    )
    client = make_client()
    with pytest.raises(errors.ServerError) as caught:
        client.get_seller_info()
    assert caught.value.status == status
    assert caught.value.trace_id == "trace-5xx"
    assert len(rsps.calls) == 1  # no retry in-process: Celery retries later


def test_rate_limited_with_retry_after_seconds(rsps):
    rsps.get(
        SELLERS_URL,
        headers={"Retry-After": "17"},
        **problem_answer(429, "Too Many Requests"),
    )
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().get_seller_info()
    assert caught.value.retry_after == 17.0
    assert caught.value.status == 429
    assert isinstance(caught.value, errors.TransientError)
    assert len(rsps.calls) == 1


def test_rate_limited_with_retry_after_http_date(rsps):
    later = datetime.now(UTC) + timedelta(seconds=90)
    rsps.get(SELLERS_URL, status=429, headers={"Retry-After": format_datetime(later, usegmt=True)})
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().get_seller_info()
    assert 80 <= caught.value.retry_after <= 90


def test_rate_limited_without_retry_after(rsps):
    rsps.get(SELLERS_URL, status=429, body="")
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().get_seller_info()
    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ConnectionError("Connection refused"),
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"),
    ],
    ids=["read-timeout", "connect-timeout", "refused", "dropped"],
)
def test_transport_failures_are_connection_errors(rsps, failure, cdiscount_logs):
    rsps.get(SELLERS_URL, body=failure)
    with pytest.raises(errors.CdiscountConnectionError) as caught:
        make_client().get_seller_info()
    assert isinstance(caught.value, errors.TransientError)
    assert caught.value.status is None
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_token_endpoint_timeout_is_a_connection_error(rsps):
    rsps.post(AUTH_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(errors.CdiscountConnectionError) as caught:
        make_client().get_token()
    assert "12.5 s" in str(caught.value)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"id": "98979", "name": '),
        ("text/html", "<html><body>Maintenance</body></html>"),
        ("application/json", "\xff\xfe not json"),
    ],
    ids=["truncated-json", "html", "garbage"],
)
def test_malformed_answer(rsps, content_type, body):
    rsps.get(SELLERS_URL, status=200, content_type=content_type, body=body)
    with pytest.raises(errors.MalformedResponseError) as caught:
        make_client().get_seller_info()
    assert caught.value.status == 200


def test_answer_without_a_profile_is_malformed(rsps):
    rsps.get(SELLERS_URL, json=[])
    with pytest.raises(errors.MalformedResponseError):
        make_client().get_seller_info()


def test_not_found_is_rejected_with_problem_details(rsps):
    rsps.get(
        SELLERS_URL,
        **problem_answer(404, "Not Found", "No seller profile", trace_id="trace-404"),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_seller_info()
    assert caught.value.cdiscount_message == "Not Found: No seller profile"
    assert caught.value.trace_id == "trace-404"
    assert "trace-404" in str(caught.value)


def test_validation_errors_are_kept(rsps):
    body = json.loads(problem(400, "One or more validation errors occurred."))
    body["errors"] = {"pageSize": ["The field pageSize must be between 1 and 100."]}
    rsps.get(SELLERS_URL, status=400, content_type=PROBLEM_JSON, body=json.dumps(body))
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_seller_info()
    assert "pageSize: The field pageSize must be between 1 and 100." in (
        caught.value.cdiscount_message
    )


def test_redirect_is_not_followed(rsps):
    rsps.get(SELLERS_URL, status=302, headers={"Location": "https://elsewhere.example/sellers"})
    with pytest.raises(errors.MalformedResponseError):
        make_client().get_seller_info()
    assert len(rsps.calls) == 1


# -- secrets ----------------------------------------------------------------------------------


def test_secrets_echoed_by_the_server_are_redacted(rsps, cdiscount_logs):
    """Even when Cdiscount quotes the token or the secret back, nothing leaks."""
    rsps.get(
        SELLERS_URL,
        **problem_answer(401, "Unauthorized", f"Token {OLD_TOKEN} expired"),
    )
    rsps.post(
        AUTH_URL,
        status=401,
        json={
            "error": "invalid_client",
            "error_description": f"Invalid client secret {CLIENT_SECRET}",
            "client_secret": CLIENT_SECRET,
        },
    )
    with pytest.raises(errors.InvalidCredentialsError) as caught:
        make_client().get_seller_info()
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)
    assert "***" in caught.value.cdiscount_message


def test_server_error_page_quoting_secrets_is_redacted(rsps, cdiscount_logs):
    rsps.get(
        SELLERS_URL,
        status=500,
        content_type="text/plain",
        body=f"Unhandled: Authorization=Bearer {OLD_TOKEN}; client_secret={CLIENT_SECRET}",
    )
    with pytest.raises(errors.ServerError) as caught:
        make_client().get_seller_info()
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_successful_calls_log_no_secret(rsps, cdiscount_logs):
    rsps.get(SELLERS_URL, **problem_answer(401, "Unauthorized"))
    add_token_ok(rsps)
    rsps.get(SELLERS_URL, json=SELLER_ANSWER)
    make_client().get_seller_info()
    assert cdiscount_logs.records, "the client logs its calls"
    for secret in SECRETS:
        assert secret not in cdiscount_logs.text


def test_uses_the_given_session(rsps):
    rsps.get(SELLERS_URL, json=SELLER_ANSWER)
    session = requests.Session()
    with mock.patch.object(session, "request", wraps=session.request) as spy:
        make_client(session=session).get_seller_info()
    spy.assert_called_once()
    assert spy.call_args.kwargs["timeout"] == 12.5
