"""The HTTP control endpoints under /_simulator/."""

import requests

from .helpers import TIMEOUT, get_seller_information, marketplace_token, octopia_get, octopia_token


def control(simulator, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{simulator.url}/_simulator{path}", timeout=TIMEOUT, **kwargs)


def test_status_lists_accounts_without_secrets(simulator):
    response = control(simulator, "GET", "/")

    assert response.status_code == 200
    body = response.json()
    assert body["accounts"]["octopia"] == [
        {"client_id": "demo-client", "seller_id": "98979", "shop_name": "Boutique Démo"}
    ]
    assert body["accounts"]["marketplace"] == [{"login": "demo-api", "shop_name": "Boutique Démo"}]
    assert body["urls"] == simulator.urls
    assert body["token_lifetime_octopia"] == 7200
    assert "demo-secret" not in response.text
    assert "demo-password" not in response.text


def test_requests_returns_the_log_and_leaves_control_calls_out(simulator):
    token = octopia_token(simulator)
    octopia_get(simulator, "/sellers", token)
    control(simulator, "GET", "/")

    log = control(simulator, "GET", "/requests").json()

    assert [(entry["method"], entry["path"]) for entry in log] == [
        ("POST", "/auth/realms/maas/protocol/openid-connect/token"),
        ("GET", "/seller/v2/sellers"),
    ]
    assert log[1]["headers"]["SellerId"] == "98979"


def test_inject_and_clear_faults(simulator):
    token = octopia_token(simulator)

    response = control(
        simulator,
        "POST",
        "/faults",
        json={"kind": "rate_limit", "count": 2, "path_contains": "/sellers", "retry_after": 7},
    )
    assert response.status_code == 201
    assert response.json()["faults"] == [
        {
            "kind": "rate_limit",
            "count": 2,
            "path_contains": "/sellers",
            "retry_after": 7,
            "seconds": None,
        }
    ]
    first = octopia_get(simulator, "/sellers", token)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")

    assert control(simulator, "DELETE", "/faults").status_code == 200
    assert octopia_get(simulator, "/sellers", token).status_code == 200
    assert control(simulator, "GET", "/faults").json() == {"faults": []}


def test_latency_fault_over_http(simulator):
    control(simulator, "POST", "/faults", json={"kind": "latency", "seconds": 0.2})

    assert simulator.state.faults()[0]["seconds"] == 0.2


def test_bad_fault_requests_are_400(simulator):
    for payload in ({"kind": "nope"}, {"kind": "drop", "count": 0}, {"kind": "drop", "x": 1}):
        response = control(simulator, "POST", "/faults", json=payload)
        assert response.status_code == 400
        assert response.json()["error"]
    assert control(simulator, "POST", "/faults", data="not json").status_code == 400
    assert simulator.state.faults() == []


def test_advance_clock_expires_tokens(simulator):
    octopia = octopia_token(simulator)
    soap = marketplace_token(simulator)

    response = control(simulator, "POST", "/clock", json={"advance_seconds": 7200})

    assert response.status_code == 200
    assert response.json()["now"]
    assert octopia_get(simulator, "/sellers", octopia).status_code == 401
    assert get_seller_information(simulator, soap).status_code == 200
    control(simulator, "POST", "/clock", json={"advance_seconds": 172800})
    assert get_seller_information(simulator, soap).status_code == 500


def test_advance_clock_needs_a_number(simulator):
    assert control(simulator, "POST", "/clock", json={"advance_seconds": "1h"}).status_code == 400


def test_expire_tokens(simulator):
    token = octopia_token(simulator)

    assert control(simulator, "POST", "/expire-tokens").status_code == 200

    assert octopia_get(simulator, "/sellers", token).status_code == 401


def test_reset_clears_log_faults_tokens_and_clock_but_keeps_accounts(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("server_error", count=3)
    simulator.state.advance_clock(3600)

    assert control(simulator, "POST", "/reset").status_code == 200

    assert simulator.state.requests == []
    assert simulator.state.faults() == []
    assert control(simulator, "GET", "/").json()["clock_offset_seconds"] == 0
    assert octopia_get(simulator, "/sellers", token).status_code == 401
    assert octopia_get(simulator, "/sellers", octopia_token(simulator)).status_code == 200


def test_unknown_control_path_and_method(simulator):
    assert control(simulator, "GET", "/nothing").status_code == 404
    response = control(simulator, "GET", "/reset")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_faults_never_hit_control_endpoints(simulator):
    simulator.state.inject_fault("drop", count=5)

    assert control(simulator, "GET", "/").status_code == 200
    assert control(simulator, "GET", "/requests").json() == []
