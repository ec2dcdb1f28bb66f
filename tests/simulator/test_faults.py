"""Injected faults: each kind, on each surface, with count and path filters."""

import json
import time

import pytest
import requests
from lxml import etree

from .helpers import (
    SOAP_ENV,
    get_seller_information,
    marketplace_token,
    octopia_get,
    octopia_token,
    octopia_token_response,
    read_fault,
    read_sts_token,
    sts_response,
)

DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param("server_error", 500, id="server-error-is-500"),
        pytest.param("expired_token", 401, id="expired-token-is-401"),
    ],
)
def test_a_fault_on_the_octopia_api_is_a_problem_once(simulator, fault, status):
    token = octopia_token(simulator)
    simulator.state.inject_fault(fault)

    response = octopia_get(simulator, "/sellers", token)

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["traceId"]
    assert octopia_get(simulator, "/sellers", token).status_code == 200


def test_server_error_on_soap_is_an_internal_error_fault(simulator):
    token = marketplace_token(simulator)
    simulator.state.inject_fault("server_error")

    response = get_seller_information(simulator, token)

    assert response.status_code == 500
    namespace, code, message = read_fault(response)
    assert (namespace, code) == (DISPATCHER, "InternalServiceFault")
    assert message.startswith(
        "The server was unable to process the request due to an internal error"
    )


def test_server_error_hits_token_endpoints_too(simulator):
    simulator.state.inject_fault("server_error", count=2)

    assert octopia_token_response(simulator).status_code == 500
    assert sts_response(simulator).status_code == 500
    assert octopia_token_response(simulator).status_code == 200


def test_count_applies_the_fault_that_many_times(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("server_error", count=3)

    statuses = [octopia_get(simulator, "/sellers", token).status_code for _ in range(4)]

    assert statuses == [500, 500, 500, 200]


def test_path_contains_filters_requests(simulator):
    simulator.state.inject_fault("server_error", path_contains="/sellers")

    token = octopia_token(simulator)  # the token endpoint does not match

    assert octopia_get(simulator, "/sellers", token).status_code == 500
    assert octopia_get(simulator, "/sellers", token).status_code == 200


def test_faults_apply_in_the_order_they_were_injected(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("rate_limit")
    simulator.state.inject_fault("server_error")

    statuses = [octopia_get(simulator, "/sellers", token).status_code for _ in range(3)]

    assert statuses == [429, 500, 200]


@pytest.mark.parametrize("retry_after, expected", [(None, "1"), (30, "30")])
def test_rate_limit_is_429_with_retry_after(simulator, retry_after, expected):
    token = octopia_token(simulator)
    simulator.state.inject_fault("rate_limit", retry_after=retry_after)

    response = octopia_get(simulator, "/sellers", token)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == expected
    assert response.json()["status"] == 429


def test_rate_limit_on_the_marketplace_api(simulator):
    token = marketplace_token(simulator)
    simulator.state.inject_fault("rate_limit", retry_after=5, count=2)

    assert sts_response(simulator).headers["Retry-After"] == "5"
    assert get_seller_information(simulator, token).status_code == 429


def test_latency_delays_then_answers_normally(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("latency", seconds=0.3)

    started = time.monotonic()
    response = octopia_get(simulator, "/sellers", token)

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_latency_beyond_the_client_timeout_times_out(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("latency", seconds=1)

    with pytest.raises(requests.Timeout):
        octopia_get(simulator, "/sellers", token, timeout=0.2)


def test_drop_closes_the_connection_without_a_response(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("drop")

    with pytest.raises(requests.ConnectionError):
        octopia_get(simulator, "/sellers", token)
    assert octopia_get(simulator, "/sellers", token).status_code == 200


def test_drop_on_a_kept_alive_session(simulator):
    with requests.Session() as session:
        url = simulator.urls["CDISCOUNT_STS_URL"]
        params = {"realm": simulator.urls["CDISCOUNT_SOAP_URL"]}
        auth = ("demo-api", "demo-password")
        assert session.get(url, params=params, auth=auth, timeout=5).status_code == 200
        simulator.state.inject_fault("drop")

        with pytest.raises(requests.ConnectionError):
            session.get(url, params=params, auth=auth, timeout=5)
        assert session.get(url, params=params, auth=auth, timeout=5).status_code == 200


def test_malformed_json(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("malformed")

    response = octopia_get(simulator, "/sellers", token)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_malformed_token_response(simulator):
    simulator.state.inject_fault("malformed", path_contains="/openid-connect/token")

    response = octopia_token_response(simulator)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_malformed_sts_token(simulator):
    simulator.state.inject_fault("malformed")

    response = sts_response(simulator)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert read_sts_token(response) is None


def test_malformed_soap(simulator):
    token = marketplace_token(simulator)
    simulator.state.inject_fault("malformed")

    response = get_seller_information(simulator, token)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


def test_malformed_applies_to_an_error_answer_too(simulator):
    simulator.state.inject_fault("malformed")

    response = octopia_get(simulator, "/sellers", "bad-token")

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_expired_token_on_soap_is_a_token_fault(simulator):
    token = marketplace_token(simulator)
    simulator.state.inject_fault("expired_token")

    response = get_seller_information(simulator, token)

    assert response.status_code == 500
    assert read_fault(response) == (
        SOAP_ENV,
        "RequestTokenValidationError",
        "Your token does not exist, please renew your token id.",
    )


def test_expired_token_waits_for_a_call_that_carries_a_token(simulator):
    simulator.state.inject_fault("expired_token")

    token = octopia_token(simulator)  # not consumed by the token endpoint
    marketplace_token(simulator)

    assert octopia_get(simulator, "/sellers", token).status_code == 401


def test_clear_faults(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("server_error", count=5)

    simulator.state.clear_faults()

    assert octopia_get(simulator, "/sellers", token).status_code == 200


@pytest.mark.parametrize(
    "kind, options",
    [
        ("explode", {}),
        ("server_error", {"count": 0}),
        ("rate_limit", {"retry_after": -1}),
        ("latency", {"seconds": -2}),
    ],
)
def test_invalid_faults_are_refused(simulator, kind, options):
    with pytest.raises(ValueError):
        simulator.state.inject_fault(kind, **options)
