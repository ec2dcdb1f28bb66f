"""The request log: what the client sent, in order, for tests to assert on."""

import base64
import time
from datetime import datetime

import requests

from .helpers import (
    TIMEOUT,
    get_seller_information,
    marketplace_token,
    octopia_get,
    octopia_token,
)


def test_log_holds_each_request_in_order(simulator):
    token = octopia_token(simulator)
    octopia_get(simulator, "/sellers", token)
    soap_token = marketplace_token(simulator)
    get_seller_information(simulator, soap_token)

    log = simulator.state.requests

    assert [(entry["method"], entry["path"]) for entry in log] == [
        ("POST", "/auth/realms/maas/protocol/openid-connect/token"),
        ("GET", "/seller/v2/sellers"),
        ("GET", "/users/httpIssue.svc/"),
        ("POST", "/MarketplaceAPIService.svc"),
    ]
    token_call, probe, sts_call, soap_call = log
    assert "grant_type=client_credentials" in token_call["body"]
    assert token_call["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert probe["headers"]["Authorization"] == "Bearer [redacted]"
    assert probe["headers"]["sellerid"] == "98979"  # lookups ignore case
    assert probe["body"] == ""
    assert sts_call["query"] == {"realm": simulator.urls["CDISCOUNT_SOAP_URL"]}
    assert sts_call["headers"]["Authorization"] == "Basic [redacted]"
    assert soap_call["headers"]["SOAPAction"].endswith('/GetSellerInformation"')
    assert "TokenId>[redacted]</" in soap_call["body"]
    assert soap_token not in soap_call["body"]
    for entry in log:
        assert datetime.fromisoformat(entry["time"]).tzinfo is not None


def test_log_time_follows_the_simulator_clock(simulator):
    simulator.state.advance_clock(86400)

    octopia_get(simulator, "/sellers", None)

    logged = datetime.fromisoformat(simulator.state.requests[0]["time"])
    assert (logged - simulator.state.now()).total_seconds() < 5
    assert (logged - datetime.now(logged.tzinfo)).total_seconds() > 86000


def test_failed_and_faulted_requests_are_logged_too(simulator):
    simulator.state.inject_fault("drop")
    try:
        octopia_get(simulator, "/sellers", None)
    except requests.ConnectionError:
        pass
    requests.get(f"{simulator.url}/nowhere", timeout=TIMEOUT)

    assert [entry["path"] for entry in simulator.state.requests] == [
        "/seller/v2/sellers",
        "/nowhere",
    ]


def test_query_strings_are_parsed(simulator):
    octopia_get(simulator, "/sellers?pageIndex=2&status=Shipped,Delivered", None)

    assert simulator.state.requests[0]["query"] == {
        "pageIndex": "2",
        "status": "Shipped,Delivered",
    }
    assert simulator.state.requests[0]["path"] == "/seller/v2/sellers"


def test_chunked_bodies_are_read(simulator):
    def chunks():
        yield b"grant_type=client_credentials&"
        yield b"client_id=demo-client&client_secret=demo-secret"

    response = requests.post(
        simulator.urls["CDISCOUNT_AUTH_URL"],
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 200
    assert simulator.state.requests[0]["body"].endswith(
        "client_id=demo-client&client_secret=[redacted]"
    )


def test_log_lines_carry_no_secrets(simulator, caplog):
    caplog.set_level("INFO", logger="channels.simulator")

    token = octopia_token(simulator)
    octopia_get(simulator, "/sellers", token)
    marketplace_token(simulator)

    # The server thread logs a request once its answer is sent: wait for the line to land.
    deadline = time.monotonic() + TIMEOUT
    while True:
        messages = "\n".join(record.getMessage() for record in caplog.records)
        logged = "GET /seller/v2/sellers" in messages and "httpIssue.svc" in messages
        if logged or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "GET /seller/v2/sellers -> 200" in messages
    for secret in ("demo-secret", "demo-password", token, "realm="):
        assert secret not in messages


def test_the_served_log_shows_no_secret(simulator):
    """GET /_simulator/requests answers anyone: no client secret, password or token in it."""
    token = octopia_token(simulator)
    octopia_get(simulator, "/sellers", token)
    soap_token = marketplace_token(simulator)
    get_seller_information(simulator, soap_token)
    # A client that sends its credentials as HTTP Basic, or as JSON.
    requests.post(
        simulator.urls["CDISCOUNT_AUTH_URL"],
        data={"grant_type": "client_credentials"},
        auth=("demo-client", "demo-secret"),
        timeout=TIMEOUT,
    )
    requests.post(
        simulator.urls["CDISCOUNT_AUTH_URL"],
        json={"client_id": "demo-client", "client_secret": "demo-secret", "password": "pw-9"},
        timeout=TIMEOUT,
    )

    served = requests.get(f"{simulator.url}/_simulator/requests", timeout=TIMEOUT)

    assert served.status_code == 200
    log = served.text
    assert len(served.json()) == 6
    basic = base64.b64encode(b"demo-api:demo-password").decode()
    for secret in ("demo-secret", "demo-password", "pw-9", token, soap_token, basic):
        assert secret not in log
    assert "Bearer [redacted]" in log and "Basic [redacted]" in log
    assert "demo-client" in log  # what is not secret stays, for a developer to read
