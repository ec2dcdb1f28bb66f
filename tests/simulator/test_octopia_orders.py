"""Octopia orders over HTTP (§O4): listing and paging, one order, approval, shipments, carriers."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import requests

from .helpers import TIMEOUT, octopia_get, octopia_post, octopia_token
from .test_octopia import assert_problem

SELLER = "98979"
LINES = [
    {
        "sku": "SKU-1",
        "ean": "3760452700039",
        "quantity": 2,
        "unit_price": "19.90",
        "name": "Bouilloire électrique 1,7 L",
        "shipping_cost": "4.90",
    },
    {
        "sku": "SKU-2",
        "ean": "3760452700046",
        "quantity": 1,
        "unit_price": "12.50",
        "name": "Câble USB-C 2 m",
        "shipping_cost": "0.00",
    },
]
COLISSIMO = {
    "parcelNumber": "6A12345678901",
    "carrierName": "Colissimo",
    "trackingUrl": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
    "orderLineIds": ["1", "2"],
}


@pytest.fixture
def token(simulator) -> str:
    return octopia_token(simulator)


def add(simulator, status: str, lines=LINES, **kwargs) -> str:
    return simulator.state.add_order(
        api="octopia", seller=SELLER, status=status, lines=lines, **kwargs
    )


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_order_has_the_spec_shape(simulator, token):
    order_id = add(simulator, "InPreparation")

    response = octopia_get(simulator, f"/orders/{order_id}", token)

    assert response.status_code == 200
    order = response.json(parse_float=Decimal)
    assert order["orderId"] == order_id
    assert re.fullmatch(r"\d{10}[A-Z0-9]{5}", order["reference"])
    assert order["salesChannel"] == {"id": "CDISFR"}
    assert order["seller"] == {"id": SELLER}
    assert order["status"] == "InPreparation"
    assert order["currencyCode"] == "EUR"
    assert order["payment"]["method"]
    for key in ("createdAt", "purchasedAt", "updatedAt", "shippedAtMax"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", order[key])
    billing = order["billingAddress"]
    assert set(billing) == {
        "civility",
        "firstName",
        "lastName",
        "companyName",
        "addressLine1",
        "addressLine2",
        "city",
        "postalCode",
        "countryCode",
        "phone",
        "email",
    }
    assert billing["countryCode"] == "FR"
    assert re.fullmatch(r"\d{5}", billing["postalCode"])
    first, second = order["lines"]
    assert first["orderLineId"] == "1"
    assert first["status"] == "InPreparation"
    assert first["quantity"] == 2
    assert first["offer"]["sellerProductId"] == "SKU-1"
    assert first["offer"]["productGtin"] == "3760452700039"
    assert first["offer"]["supplyMode"] == "Seller"
    assert first["totalPrice"] == {
        "sellingPrice": Decimal("39.80"),
        "shippingCost": Decimal("4.90"),
    }
    assert first["shippingAddress"] == billing
    assert first["deliveryMode"]["code"]
    assert first["parcels"] == []
    assert second["totalPrice"]["shippingCost"] == Decimal("0")


def test_amounts_are_numbers_with_two_decimals(simulator, token):
    order_id = add(simulator, "InPreparation")

    text = octopia_get(simulator, f"/orders/{order_id}", token).text

    assert '"sellingPrice": 39.80' in text
    assert '"shippingCost": 4.90' in text
    assert '"shippingCost": 0.00' in text


def test_unpaid_orders_carry_no_address(simulator, token):
    for status in ("WaitingAcceptance", "Accepted", "Processing", "Refused"):
        order = octopia_get(simulator, f"/orders/{add(simulator, status)}", token).json()
        assert order["billingAddress"] is None
        assert all(line["shippingAddress"] is None for line in order["lines"])


def test_unknown_order_and_another_sellers_order_are_404(simulator, token):
    other = simulator.state.add_order(api="octopia", seller="12345", status="Shipped", lines=LINES)

    assert_problem(octopia_get(simulator, "/orders/SCID01NOPE", token), 404)
    assert_problem(octopia_get(simulator, f"/orders/{other}", token), 404)


def test_paging_with_link_next_until_a_short_page(simulator, token):
    simulator.state.seed_orders(api="octopia", seller=SELLER, count=250, seed=1)

    seen, page_index, pages = [], 1, 0
    while True:
        response = octopia_get(
            simulator,
            "/orders",
            token,
            params={
                "salesChannelId": "CDISFR",
                "pageIndex": page_index,
                "pageSize": 100,
                "sort": "updatedAt",
            },
        )
        assert response.status_code == 200
        body = response.json()
        pages += 1
        assert body["itemsPerPage"] == 100
        seen.extend(body["items"])
        if len(body["items"]) < 100:
            assert "Link" not in response.headers
            break
        link = response.headers["Link"]
        assert link.endswith('>; rel="next"')
        assert f"pageIndex={page_index + 1}" in link
        page_index += 1

    assert pages == 3
    assert len(seen) == 250
    assert len({order["orderId"] for order in seen}) == 250
    updated = [order["updatedAt"] for order in seen]
    assert updated == sorted(updated)


def test_following_the_link_header(simulator, token):
    simulator.state.seed_orders(api="octopia", seller=SELLER, count=25, status="Shipped", seed=2)

    first = octopia_get(simulator, "/orders", token, params={"pageSize": 20, "status": "Shipped"})
    second = requests.get(
        first.links["next"]["url"],
        headers={"Authorization": f"Bearer {token}", "SellerId": SELLER},
        timeout=TIMEOUT,
    )

    assert len(first.json()["items"]) == 20
    assert len(second.json()["items"]) == 5
    assert "next" not in second.links
    ids = [o["orderId"] for o in first.json()["items"] + second.json()["items"]]
    assert len(set(ids)) == 25


def test_status_filter_is_comma_separated(simulator, token):
    simulator.state.seed_orders(api="octopia", seller=SELLER, count=120, seed=4)
    wanted = {"InPreparation", "Shipped"}

    items = octopia_get(
        simulator, "/orders", token, params={"status": "InPreparation,Shipped", "pageSize": 100}
    ).json()["items"]

    expected = [o for o in simulator.state.orders_for("octopia", SELLER) if o["status"] in wanted]
    assert {o["orderId"] for o in items} == {o["order_id"] for o in expected}
    assert {o["status"] for o in items} == wanted


def test_updated_at_window(simulator, token):
    old = add(simulator, "InPreparation")
    simulator.state.advance_clock(3600)
    recent = add(simulator, "InPreparation")
    now = simulator.state.now()

    def ids(**params):
        items = octopia_get(simulator, "/orders", token, params=params).json()["items"]
        return [item["orderId"] for item in items]

    assert ids(updatedAtMin=iso(now - timedelta(minutes=10))) == [recent]
    assert ids(updatedAtMax=iso(now - timedelta(minutes=10))) == [old]
    assert ids(updatedAtMin=iso(now - timedelta(hours=2)), updatedAtMax=iso(now)) == [old, recent]
    # Offsets other than Z are read as what they say.
    paris = (now - timedelta(minutes=10) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
    assert ids(updatedAtMin=paris) == [recent]


def test_a_change_shows_in_the_next_incremental_listing(simulator, token):
    order_id = add(simulator, "WaitingAcceptance")
    simulator.state.advance_clock(60)
    since = iso(simulator.state.now())
    simulator.state.advance_clock(60)

    assert octopia_post(
        simulator, f"/orders/{order_id}/approval-status", token, {"approval_status": "Accepted"}
    ).status_code in (200, 204)

    items = octopia_get(simulator, "/orders", token, params={"updatedAtMin": since}).json()["items"]
    assert [(item["orderId"], item["status"]) for item in items] == [(order_id, "Accepted")]


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": 101},
        {"pageSize": 0},
        {"pageIndex": 0},
        {"pageIndex": "two"},
        {"status": "Paid"},
        {"updatedAtMin": "yesterday"},
        {"sort": "createdAt"},
    ],
)
def test_bad_listing_parameters_are_400_problems(simulator, token, params):
    body = assert_problem(octopia_get(simulator, "/orders", token, params=params), 400)
    assert body["errors"]


def test_another_sales_channel_has_no_orders(simulator, token):
    add(simulator, "InPreparation")

    body = octopia_get(simulator, "/orders", token, params={"salesChannelId": "CDISBE"}).json()

    assert body["items"] == []


def test_paging_ten_thousand_orders_returns_each_once_and_reads_little(simulator, token):
    simulator.state.seed_orders(api="octopia", seller=SELLER, count=10_000, seed=8)
    # No order may change state between the pages, however long a loaded machine takes.
    simulator.state.freeze_clock()
    statuses = "InPreparation,Shipped,Delivered,WaitingAcceptance"
    expected = sum(
        1
        for o in simulator.state.orders_for("octopia", SELLER)
        if o["status"] in statuses.split(",")
    )

    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "SellerId": SELLER})
    seen, page_index = set(), 1
    while True:
        response = session.get(
            simulator.urls["CDISCOUNT_API_URL"] + "/orders",
            params={"status": statuses, "pageIndex": page_index, "pageSize": 100},
            timeout=TIMEOUT,
        )
        items = response.json()["items"]
        assert simulator.state.last_orders_walked <= 4 * 100 + 64
        for item in items:
            assert item["orderId"] not in seen
            seen.add(item["orderId"])
        if len(items) < 100:
            break
        page_index += 1

    assert len(seen) == expected


# Approval


def test_accept(simulator, token):
    order_id = add(simulator, "WaitingAcceptance")

    response = octopia_post(
        simulator, f"/orders/{order_id}/approval-status", token, {"approval_status": "Accepted"}
    )

    assert response.status_code == 204
    order = simulator.state.order("octopia", order_id)
    assert order["status"] == "Accepted"
    assert [c["cause"] for c in order["history"]][-1] == "seller"


def test_refuse_with_the_camel_case_key(simulator, token):
    order_id = add(simulator, "WaitingAcceptance")

    response = octopia_post(
        simulator, f"/orders/{order_id}/approval-status", token, {"approvalStatus": "Refused"}
    )

    assert response.status_code == 204
    order = octopia_get(simulator, f"/orders/{order_id}", token).json()
    assert order["status"] == "Refused"
    assert {line["status"] for line in order["lines"]} == {"Refused"}


@pytest.mark.parametrize("status", ["Accepted", "InPreparation", "Shipped", "Cancelled"])
def test_approval_outside_waiting_acceptance_is_400(simulator, token, status):
    order_id = add(simulator, status)

    response = octopia_post(
        simulator, f"/orders/{order_id}/approval-status", token, {"approval_status": "Accepted"}
    )

    body = assert_problem(response, 400)
    assert status in body["detail"]
    assert simulator.state.order("octopia", order_id)["status"] == status


@pytest.mark.parametrize(
    "payload", [{"approval_status": "accepted"}, {"status": "Accepted"}, ["Accepted"], {}]
)
def test_approval_with_a_bad_body_is_400(simulator, token, payload):
    order_id = add(simulator, "WaitingAcceptance")

    response = octopia_post(simulator, f"/orders/{order_id}/approval-status", token, payload)

    assert assert_problem(response, 400)["errors"]


def test_approval_of_an_unknown_order_is_404(simulator, token):
    response = octopia_post(
        simulator, "/orders/SCID01NOPE/approval-status", token, {"approval_status": "Accepted"}
    )

    assert_problem(response, 404)


# Shipments


def test_ship_with_an_array_of_parcels(simulator, token):
    order_id = add(simulator, "InPreparation")

    response = octopia_post(simulator, f"/orders/{order_id}/shipments", token, [COLISSIMO])

    assert response.status_code == 201
    order = octopia_get(simulator, f"/orders/{order_id}", token).json()
    assert order["status"] == "Shipped"
    assert {line["status"] for line in order["lines"]} == {"Shipped"}
    assert order["lines"][0]["parcels"] == [
        {
            "parcelNumber": "6A12345678901",
            "carrierName": "Colissimo",
            "trackingUrl": COLISSIMO["trackingUrl"],
        }
    ]
    record = simulator.state.order("octopia", order_id)
    assert record["parcels"][0]["line_ids"] == ["1", "2"]
    assert record["updated_at"] == record["shipped_at"]


def test_ship_with_a_single_parcel_object_and_no_line_ids(simulator, token):
    order_id = add(simulator, "InPreparation")
    parcel = {"parcelNumber": "XY123456789FR", "carrierName": "Chronopost"}

    response = octopia_post(simulator, f"/orders/{order_id}/shipments", token, parcel)

    assert response.status_code == 201
    assert response.json()[0]["orderLineIds"] == ["1", "2"]
    assert simulator.state.order("octopia", order_id)["status"] == "Shipped"


def test_partial_shipment_then_the_rest(simulator, token):
    order_id = add(simulator, "InPreparation")
    first = {**COLISSIMO, "orderLineIds": ["1"]}
    second = {**COLISSIMO, "parcelNumber": "6A12345678902", "orderLineIds": ["2"]}

    assert octopia_post(simulator, f"/orders/{order_id}/shipments", token, [first]).ok
    partial = octopia_get(simulator, f"/orders/{order_id}", token).json()
    assert partial["status"] == "InPreparation"
    assert [line["status"] for line in partial["lines"]] == ["Shipped", "InPreparation"]

    assert octopia_post(simulator, f"/orders/{order_id}/shipments", token, [second]).ok
    assert octopia_get(simulator, f"/orders/{order_id}", token).json()["status"] == "Shipped"


@pytest.mark.parametrize("status", ["WaitingAcceptance", "Accepted", "Cancelled", "Refused"])
def test_shipping_an_unpaid_order_is_400(simulator, token, status):
    order_id = add(simulator, status)

    response = octopia_post(simulator, f"/orders/{order_id}/shipments", token, [COLISSIMO])

    body = assert_problem(response, 400)
    assert status in body["detail"]
    assert simulator.state.order("octopia", order_id)["parcels"] == []


def test_shipping_with_an_unknown_carrier_is_400(simulator, token):
    order_id = add(simulator, "InPreparation")

    for carrier in ("La Poste", "COLISSIMO", "colissimo"):
        response = octopia_post(
            simulator,
            f"/orders/{order_id}/shipments",
            token,
            [{**COLISSIMO, "carrierName": carrier}],
        )
        assert "Colissimo" in assert_problem(response, 400)["detail"]
    assert simulator.state.order("octopia", order_id)["status"] == "InPreparation"


def test_shipping_again_names_the_tracking_number_already_recorded(simulator, token):
    order_id = add(simulator, "InPreparation")
    assert octopia_post(simulator, f"/orders/{order_id}/shipments", token, [COLISSIMO]).ok

    again = {**COLISSIMO, "parcelNumber": "6A99999999999"}
    response = octopia_post(simulator, f"/orders/{order_id}/shipments", token, [again])

    body = assert_problem(response, 400)
    assert "already shipped" in body["detail"]
    assert "6A12345678901" in body["detail"]
    assert len(simulator.state.order("octopia", order_id)["parcels"]) == 1


def test_a_cancel_request_line_cannot_be_shipped(simulator, token):
    lines = [LINES[0], {**LINES[1], "status": "CancelRequest"}]
    order_id = add(simulator, "InPreparation", lines=lines)

    response = octopia_post(simulator, f"/orders/{order_id}/shipments", token, [COLISSIMO])

    assert "CancelRequest" in assert_problem(response, 400)["detail"]
    only_first = {**COLISSIMO, "orderLineIds": ["1"]}
    assert octopia_post(simulator, f"/orders/{order_id}/shipments", token, only_first).ok
    order = simulator.state.order("octopia", order_id)
    assert order["status"] == "Shipped"
    assert [line["status"] for line in order["lines"]] == ["Shipped", "CancelRequest"]


def test_a_line_that_is_not_the_sellers_cannot_be_shipped(simulator, token):
    lines = [LINES[0], {**LINES[1], "supply_mode": "Fulfillment"}]
    order_id = add(simulator, "InPreparation", lines=lines)

    refused = octopia_post(simulator, f"/orders/{order_id}/shipments", token, [COLISSIMO])
    assert "Fulfillment" in assert_problem(refused, 400)["detail"]

    response = octopia_post(
        simulator, f"/orders/{order_id}/shipments", token, {**COLISSIMO, "orderLineIds": []}
    )
    assert response.status_code == 201
    assert simulator.state.order("octopia", order_id)["status"] == "Shipped"


@pytest.mark.parametrize(
    "payload",
    [
        [],
        [{"carrierName": "Colissimo"}],
        [{"parcelNumber": "6A1", "carrierName": ""}],
        [{**COLISSIMO, "orderLineIds": "1"}],
        "6A12345678901",
    ],
)
def test_malformed_shipments_are_400(simulator, token, payload):
    order_id = add(simulator, "InPreparation")

    response = octopia_post(simulator, f"/orders/{order_id}/shipments", token, payload)

    assert assert_problem(response, 400)["errors"]


def test_shipping_an_unknown_line_is_400(simulator, token):
    order_id = add(simulator, "InPreparation")

    response = octopia_post(
        simulator, f"/orders/{order_id}/shipments", token, {**COLISSIMO, "orderLineIds": ["9"]}
    )

    assert_problem(response, 400)


def test_the_body_must_be_json(simulator, token):
    order_id = add(simulator, "InPreparation")

    response = requests.post(
        simulator.urls["CDISCOUNT_API_URL"] + f"/orders/{order_id}/shipments",
        data=json.dumps([COLISSIMO]),
        headers={
            "Authorization": f"Bearer {token}",
            "SellerId": SELLER,
            "Content-Type": "text/plain",
        },
        timeout=TIMEOUT,
    )

    assert_problem(response, 415)


def test_orders_need_a_token(simulator):
    assert_problem(octopia_get(simulator, "/orders", None), 401)


# Carriers


def test_carriers_lists_french_carriers(simulator, token):
    response = octopia_get(simulator, "/carriers", token)

    assert response.status_code == 200
    carriers = response.json()
    assert {"code": "COLISSIMO", "label": "Colissimo"} in carriers
    labels = [carrier["label"] for carrier in carriers]
    for label in (
        "Chronopost",
        "La Poste - Courrier",
        "UPS",
        "DPD",
        "GLS",
        "Mondial Relay",
        "Relais Colis",
        "DHL Express",
        "TNT",
    ):
        assert label in labels
