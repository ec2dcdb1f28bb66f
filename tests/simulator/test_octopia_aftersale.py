"""Octopia after the sale over HTTP (§O7-§O9): every accepted form, the refusals, the state
machines on the clock, and the control endpoints that play the customer."""

import requests

from .helpers import TIMEOUT, octopia_call, octopia_get, octopia_post, octopia_token
from .test_octopia import assert_problem

SELLER = "98979"
LINES = [
    {"sku": "SKU-1", "ean": "3760452700039", "quantity": 2, "unit_price": "10.00", "name": "A"},
    {"sku": "SKU-2", "ean": "3760452700046", "quantity": 1, "unit_price": "5.00", "name": "B"},
]


def control(simulator, method, path, **kwargs):
    return requests.request(method, f"{simulator.url}/_simulator{path}", timeout=TIMEOUT, **kwargs)


def add_order(simulator, status="InPreparation"):
    return simulator.state.add_order(api="octopia", seller=SELLER, status=status, lines=LINES)


def post_gesture(simulator, token, body):
    return octopia_post(simulator, "/order-commercial-gesture-requests", token, body)


def post_cancellation(simulator, token, body):
    return octopia_post(simulator, "/order-cancellation-requests", token, body)


def line_statuses(simulator, order_id):
    return [line["status"] for line in simulator.state.order("octopia", order_id)["lines"]]


def test_reasons_list_the_documented_code(simulator):
    token = octopia_token(simulator)
    response = octopia_get(simulator, "/cancellation-reasons", token)
    assert response.status_code == 200
    assert "seller-out-of-stock" in [reason["code"] for reason in response.json()]


def test_a_cancellation_taking_orderid_instead_of_ordersellerid_settles_on_the_clock(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator)
    created = post_cancellation(
        simulator, token, {"orderId": order_id, "reason": "seller-out-of-stock"}
    )
    assert created.status_code == 201
    request_id = created.json()["requestId"]
    listed = octopia_get(
        simulator, "/order-cancellation-requests", token, params={"orderSellerId": order_id}
    ).json()["items"]
    assert [(r["requestId"], r["status"]) for r in listed] == [(request_id, "Pending")]

    simulator.state.advance_clock(599)
    assert simulator.state.order("octopia", order_id)["status"] == "InPreparation"
    simulator.state.advance_clock(2)
    assert simulator.state.order("octopia", order_id)["status"] == "Cancelled"
    (settled,) = octopia_get(
        simulator, "/order-cancellation-requests", token, params={"orderId": order_id}
    ).json()["items"]
    assert settled["status"] == "Accepted"


def test_a_partial_cancellation_cancels_only_its_lines(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator)
    created = octopia_post(
        simulator,
        "/order-partial-cancellation-requests",
        token,
        {
            "orderSellerId": order_id,
            "lines": [{"lineId": "2", "offerId": "SKU-2", "reason": "seller-out-of-stock"}],
        },
    )
    assert created.status_code == 201
    assert created.json()["cancellationRequestId"]
    simulator.state.advance_clock(601)
    assert line_statuses(simulator, order_id) == ["InPreparation", "Cancelled"]
    assert simulator.state.order("octopia", order_id)["status"] == "InPreparation"


def test_requests_are_checked(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator)
    bad_reason = octopia_post(
        simulator, "/order-cancellation-requests", token, {"orderSellerId": order_id, "reason": "?"}
    )
    assert "reason" in assert_problem(bad_reason, 400)["errors"]
    no_lines = octopia_post(
        simulator,
        "/order-partial-cancellation-requests",
        token,
        {"orderSellerId": order_id, "reason": "seller-out-of-stock", "lines": []},
    )
    assert "lines" in assert_problem(no_lines, 400)["errors"]
    unknown = post_cancellation(
        simulator, token, {"orderSellerId": "SCID-NONE", "reason": "seller-out-of-stock"}
    )
    assert_problem(unknown, 404)
    no_filter = octopia_get(simulator, "/order-cancellation-requests", token)
    assert_problem(no_filter, 400)


def test_a_shipped_order_is_no_longer_cancellable(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator, "Shipped")
    refused = post_cancellation(
        simulator, token, {"orderSellerId": order_id, "reason": "seller-out-of-stock"}
    )
    assert "Shipped" in assert_problem(refused, 409)["detail"]


def test_line_level_requests_refused_for_listed_orders_and_whole_ones_refused_after_review(
    simulator,
):
    token, order_id = octopia_token(simulator), add_order(simulator)
    settings = control(
        simulator,
        "POST",
        "/octopia/aftersale",
        json={"refuse_partial_orders": [order_id], "refuse_orders": [order_id], "settle_delay": 60},
    )
    assert settings.status_code == 200
    partial = octopia_post(
        simulator,
        "/order-partial-cancellation-requests",
        token,
        {"orderSellerId": order_id, "reason": "seller-out-of-stock", "lines": [{"lineId": "1"}]},
    )
    assert "whole order" in assert_problem(partial, 400)["detail"]
    whole = post_cancellation(
        simulator, token, {"orderSellerId": order_id, "reason": "seller-out-of-stock"}
    )
    assert whole.status_code == 201
    simulator.state.advance_clock(61)
    (request,) = control(simulator, "GET", "/octopia/aftersale").json()["cancellation_requests"]
    assert (request["status"], request["refusalReason"]) == (
        "Refused",
        "Cdiscount refused the cancellation after review.",
    )
    assert simulator.state.order("octopia", order_id)["status"] == "InPreparation"


def test_a_customer_cancellation_request_marks_the_lines_and_opens_a_discussion(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator)
    raised = control(
        simulator, "POST", "/octopia/customer-cancellation", json={"order_id": order_id}
    )
    assert raised.status_code == 200
    order = octopia_get(simulator, f"/orders/{order_id}", token).json()
    assert [line["status"] for line in order["lines"]] == ["CancelRequest", "CancelRequest"]
    assert all(line["cancellationDetails"] for line in order["lines"])
    (discussion,) = octopia_get(simulator, "/discussions", token).json()["items"]
    assert (discussion["typologyCode"], discussion["processStatus"]) == (
        "orderCancellation",
        "ToTreat",
    )
    unknown = control(
        simulator, "POST", "/octopia/customer-cancellation", json={"order_id": "SCID-NONE"}
    )
    assert unknown.status_code == 404


def test_a_gesture_above_the_allowance_is_refused_and_one_within_it_accepted(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator, "Delivered")
    path = f"/orders/{order_id}/commercial-gestures-available-amounts"
    assert octopia_get(simulator, path, token).json()["allowableAmount"] == 25.0
    too_much = post_gesture(
        simulator, token, {"orderId": order_id, "reason": "MissingProduct", "amount": 25.01}
    )
    assert "exceeds the allowable amount 25.00" in assert_problem(too_much, 400)["detail"]
    created = post_gesture(
        simulator, token, {"orderId": order_id, "reason": "DamagedProduct", "amount": 10}
    )
    assert created.status_code == 201
    gesture_id = created.json()["id"]
    assert created.headers["Location"].endswith(gesture_id)
    assert octopia_get(simulator, path, token).json()["allowableAmount"] == 15.0
    simulator.state.advance_clock(601)
    gesture = octopia_get(simulator, f"/order-commercial-gesture-requests/{gesture_id}", token)
    assert gesture.json()["status"] == "Accepted"


def test_gestures_are_checked(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator)
    other = post_gesture(simulator, token, {"orderId": order_id, "reason": "Other", "amount": 1})
    assert "reasonDetails" in assert_problem(other, 400)["errors"]
    not_shipped = post_gesture(
        simulator, token, {"orderId": order_id, "reason": "MissingProduct", "amount": 1}
    )
    assert "Shipped or Delivered" in assert_problem(not_shipped, 400)["detail"]
    cents = post_gesture(
        simulator, token, {"orderId": order_id, "reason": "MissingProduct", "amount": 1.234}
    )
    assert "amount" in assert_problem(cents, 400)["errors"]


def test_gestures_are_listed_with_a_cursor_in_the_link_header(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator, "Shipped")
    for _ in range(3):
        post_gesture(simulator, token, {"orderId": order_id, "reason": "LateDelivery", "amount": 1})
    first = octopia_get(
        simulator,
        "/order-commercial-gesture-requests",
        token,
        params={"orderId": order_id, "limit": 2},
    )
    assert len(first.json()["items"]) == 2
    following = requests.get(
        first.links["next"]["url"],
        headers={"Authorization": f"Bearer {token}", "SellerId": SELLER},
        timeout=TIMEOUT,
    )
    assert len(following.json()["items"]) == 1
    assert "next" not in following.links
    bad = octopia_get(
        simulator, "/order-commercial-gesture-requests", token, params={"cursor": "!"}
    )
    assert_problem(bad, 400)


def test_a_thread_grows_over_time_is_answered_and_closed_with_either_form(simulator):
    token, order_id = octopia_token(simulator), add_order(simulator, "Shipped")
    opened = control(
        simulator,
        "POST",
        "/octopia/discussions",
        json={
            "order_id": order_id,
            "claim": True,
            "messages": ["one", "two"],
            "interval_seconds": 60,
        },
    ).json()
    discussion_id = opened["discussionId"]
    assert opened["graduation"] == "Claim"
    path = f"/discussions/{discussion_id}"
    assert [m["body"] for m in octopia_get(simulator, path, token).json()["messages"]] == ["one"]
    simulator.state.advance_clock(61)
    assert [m["body"] for m in octopia_get(simulator, path, token).json()["messages"]] == [
        "one",
        "two",
    ]
    answered = octopia_post(
        simulator,
        "/messages",
        token,
        {"discussionId": discussion_id, "body": "Sorry", "receiver": "Customer"},
    )
    assert answered.status_code == 201
    treated = octopia_get(simulator, "/discussions", token, params={"processStatus": "Treated"})
    assert [d["discussionId"] for d in treated.json()["items"]] == [discussion_id]

    patch = octopia_call(
        simulator,
        "PATCH",
        path,
        token,
        data='[{"op": "replace", "path": "/isOpen", "value": false}]',
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert patch.status_code == 204
    plain = octopia_call(simulator, "PATCH", path, token, {"isOpen": False})
    assert plain.status_code == 204
    assert (
        octopia_get(simulator, "/discussions", token, params={"isOpen": "true"}).json()["items"]
        == []
    )
    closed = octopia_post(
        simulator, "/messages", token, {"discussionId": discussion_id, "body": "x"}
    )
    assert_problem(closed, 409)


def test_discussions_are_paged_and_belong_to_their_seller(simulator):
    token = octopia_token(simulator)
    for _ in range(3):
        control(simulator, "POST", "/octopia/discussions", json={"seller": SELLER})
    control(simulator, "POST", "/octopia/discussions", json={"seller": "other-seller"})
    pages = [
        octopia_get(simulator, "/discussions", token, params={"pageIndex": i, "pageSize": 2}).json()
        for i in (1, 2)
    ]
    assert [len(page["items"]) for page in pages] == [2, 1]
    assert_problem(octopia_get(simulator, "/discussions/D-NONE", token), 404)


def test_a_reset_forgets_the_after_sale_records(simulator):
    control(simulator, "POST", "/octopia/discussions", json={"seller": SELLER})
    simulator.state.reset()
    assert control(simulator, "GET", "/octopia/aftersale").json()["discussions"] == []
