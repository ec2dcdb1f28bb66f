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


# Orders


def test_seed_orders_over_http(simulator):
    response = control(
        simulator,
        "POST",
        "/orders/seed",
        json={
            "api": "octopia",
            "seller": "98979",
            "count": 12,
            "status": "InPreparation",
            "seed": 1,
        },
    )

    assert response.status_code == 201
    ids = response.json()["order_ids"]
    assert len(ids) == response.json()["count"] == 12
    assert {simulator.state.order("octopia", i)["status"] for i in ids} == {"InPreparation"}
    assert control(simulator, "GET", "/").json()["orders"] == {"octopia": 12, "marketplace": 0}


def test_seed_orders_needs_valid_fields(simulator):
    for payload in (
        {"seller": "98979", "count": 1},
        {"api": "octopia", "seller": "98979", "count": 1, "status": "Paid"},
        {"api": "octopia", "seller": "98979", "count": -1},
        {"api": "octopia", "seller": "98979", "colour": "red"},
        {"api": "ebay", "seller": "98979"},
    ):
        response = control(simulator, "POST", "/orders/seed", json=payload)
        assert response.status_code == 400, payload
        assert response.json()["error"]


def test_list_orders_over_http(simulator):
    simulator.state.seed_orders(api="marketplace", seller="demo-api", count=3, seed=1)

    response = control(
        simulator, "GET", "/orders", params={"api": "marketplace", "seller": "demo-api"}
    )

    assert response.status_code == 200
    orders = response.json()["orders"]
    assert len(orders) == 3
    first = orders[0]
    assert first["seller"] == "demo-api"
    assert first["created_at"].endswith("+00:00")
    assert isinstance(first["total_amount"], str)  # exact decimal as a string
    assert first["lines"][0]["ean"]
    assert control(simulator, "GET", "/orders", params={"api": "octopia"}).status_code == 400


def test_set_order_status_over_http(simulator):
    (order_id,) = simulator.state.seed_orders(
        api="octopia", seller="98979", count=1, status="InPreparation", seed=1
    )

    response = control(
        simulator, "POST", f"/orders/octopia/{order_id}/status", json={"status": "Cancelled"}
    )

    assert response.status_code == 200
    assert response.json()["order"]["status"] == "Cancelled"
    assert simulator.state.order("octopia", order_id)["status"] == "Cancelled"
    bad = control(simulator, "POST", f"/orders/octopia/{order_id}/status", json={"status": "X"})
    assert bad.status_code == 400
    unknown = control(simulator, "POST", "/orders/octopia/NOPE/status", json={"status": "Shipped"})
    assert unknown.status_code == 404
    assert control(simulator, "GET", f"/orders/octopia/{order_id}/status").status_code == 405


def test_autopilot_over_http(simulator):
    response = control(simulator, "POST", "/autopilot", json={"enabled": True, "arrival_rate": 60})

    assert response.json() == {"autopilot": True, "arrival_rate": 60}
    assert simulator.state.autopilot
    simulator.state.advance_clock(3600)
    assert control(simulator, "GET", "/").json()["orders"]["octopia"] > 0

    assert (
        control(simulator, "POST", "/autopilot", json={"enabled": False}).json()["autopilot"]
        is False
    )
    assert control(simulator, "POST", "/autopilot", json={"enabled": "yes"}).status_code == 400
    assert control(simulator, "POST", "/autopilot", json={"arrival_rate": -1}).status_code == 400
