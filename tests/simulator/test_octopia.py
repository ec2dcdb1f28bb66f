"""Octopia Seller API v2: token endpoint (§O1), call checks (§O2), validity probe (§O3)."""

import base64
import json

import pytest
import requests

from channels.simulator import DEMO_OCTOPIA

from .helpers import TIMEOUT, octopia_get, octopia_token, octopia_token_response


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assert_problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    assert body["traceId"]
    return body


def test_token_with_client_credentials(simulator):
    response = octopia_token_response(simulator)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["refresh_expires_in"] == 0
    claims = jwt_claims(body["access_token"])
    assert claims["exp"] - claims["iat"] == 7200
    assert claims["azp"] == DEMO_OCTOPIA["client_id"]


def test_each_token_request_issues_a_new_token_and_both_stay_valid(simulator):
    first, second = octopia_token(simulator), octopia_token(simulator)

    assert first != second
    assert octopia_get(simulator, "/sellers", first).status_code == 200
    assert octopia_get(simulator, "/sellers", second).status_code == 200


def test_token_accepts_client_secret_basic(simulator):
    response = requests.post(
        simulator.urls["CDISCOUNT_AUTH_URL"],
        data={"grant_type": "client_credentials"},
        auth=(DEMO_OCTOPIA["client_id"], DEMO_OCTOPIA["client_secret"]),
        timeout=TIMEOUT,
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "client_id, client_secret",
    [("demo-client", "wrong-secret"), ("unknown-client", "demo-secret"), ("demo-client", "")],
)
def test_token_with_bad_credentials_is_401_invalid_client(simulator, client_id, client_secret):
    response = octopia_token_response(simulator, client_id=client_id, client_secret=client_secret)

    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Invalid client or Invalid client credentials",
    }


@pytest.mark.parametrize(
    ("encoding", "grant_type", "error"),
    [
        pytest.param("json", "client_credentials", "invalid_request", id="sent-as-json"),
        pytest.param("data", "password", "unsupported_grant_type", id="another-grant-type"),
    ],
)
def test_token_request_of_another_shape_is_refused(simulator, encoding, grant_type, error):
    fields = {
        "grant_type": grant_type,
        "client_id": DEMO_OCTOPIA["client_id"],
        "client_secret": DEMO_OCTOPIA["client_secret"],
    }
    response = requests.post(
        simulator.urls["CDISCOUNT_AUTH_URL"], **{encoding: fields}, timeout=TIMEOUT
    )

    assert response.status_code == 400
    assert response.json()["error"] == error


def test_token_endpoint_only_takes_post(simulator):
    assert requests.get(simulator.urls["CDISCOUNT_AUTH_URL"], timeout=TIMEOUT).status_code == 405


def test_probe_with_valid_token_returns_the_seller_profile(simulator):
    response = octopia_get(simulator, "/sellers", octopia_token(simulator))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "98979"
    assert body["name"] == "Boutique Démo"


def test_probe_for_another_client_returns_its_own_seller(simulator):
    simulator.state.add_octopia_client("other-client", "other-secret", "12345", shop_name="Autre")
    token = octopia_token(simulator, client_id="other-client", client_secret="other-secret")

    response = octopia_get(simulator, "/sellers", token, seller_id="12345")

    assert response.json()["name"] == "Autre"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Bearer ", "Basic ZGVtbzpkZW1v", "not-a-scheme"],
)
def test_probe_without_a_valid_bearer_token_is_401(simulator, authorization):
    headers = {"SellerId": "98979"}
    if authorization is not None:
        headers["Authorization"] = authorization

    response = requests.get(
        simulator.urls["CDISCOUNT_API_URL"] + "/sellers", headers=headers, timeout=TIMEOUT
    )

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_probe_with_a_seller_id_the_client_may_not_act_for_is_403(simulator):
    simulator.state.add_octopia_client("other-client", "other-secret", "12345")

    response = octopia_get(simulator, "/sellers", octopia_token(simulator), seller_id="12345")

    body = assert_problem(response, 403)
    assert "12345" in body["detail"]


def test_probe_without_seller_id_header_is_400(simulator):
    response = octopia_get(simulator, "/sellers", octopia_token(simulator), seller_id=None)

    assert_problem(response, 400)


def test_token_expires_by_the_simulator_clock(simulator):
    token = octopia_token(simulator)

    simulator.state.advance_clock(7199)
    assert octopia_get(simulator, "/sellers", token).status_code == 200
    simulator.state.advance_clock(1)
    assert_problem(octopia_get(simulator, "/sellers", token), 401)


def test_shortened_token_lifetime(simulator):
    simulator.state.token_lifetime_octopia = 60
    response = octopia_token_response(simulator)
    token = response.json()["access_token"]

    assert response.json()["expires_in"] == 60
    simulator.state.advance_clock(61)
    assert octopia_get(simulator, "/sellers", token).status_code == 401


def test_expire_all_tokens(simulator):
    token = octopia_token(simulator)

    simulator.state.expire_all_tokens()

    assert octopia_get(simulator, "/sellers", token).status_code == 401
    assert octopia_get(simulator, "/sellers", octopia_token(simulator)).status_code == 200


def test_unknown_resource_is_404_problem(simulator):
    assert_problem(octopia_get(simulator, "/nothing-here", octopia_token(simulator)), 404)


def test_wrong_method_is_405_problem(simulator):
    response = requests.delete(
        simulator.urls["CDISCOUNT_API_URL"] + "/sellers",
        headers={"Authorization": f"Bearer {octopia_token(simulator)}", "SellerId": "98979"},
        timeout=TIMEOUT,
    )

    assert_problem(response, 405)


def test_an_accept_header_without_json_is_406(simulator):
    response = requests.get(
        simulator.urls["CDISCOUNT_API_URL"] + "/sellers",
        headers={
            "Authorization": f"Bearer {octopia_token(simulator)}",
            "SellerId": "98979",
            "Accept": "application/xml",
        },
        timeout=TIMEOUT,
    )

    assert_problem(response, 406)


def test_each_problem_has_its_own_trace_id(simulator):
    first = octopia_get(simulator, "/sellers", None).json()["traceId"]
    second = octopia_get(simulator, "/sellers", None).json()["traceId"]

    assert first != second
