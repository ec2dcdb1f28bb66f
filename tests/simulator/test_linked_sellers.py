"""One seller holding both kinds of credentials: one order book that both APIs show, each with
its own ids, states and shapes; what is done through one API shows through the other."""

import requests

from channels.simulator import SimulatorState

from .helpers import (
    TIMEOUT,
    c,
    el,
    marketplace_token,
    octopia_call,
    octopia_get,
    octopia_token,
    soap_call,
    soap_result,
)
from .test_marketplace_orders import LINES, outcomes, validate, validate_order

SELLER, LOGIN = "98979", "demo-api"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"


def control(simulator, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{simulator.url}/_simulator{path}", timeout=TIMEOUT, **kwargs)


def link(simulator) -> None:
    response = control(
        simulator,
        "POST",
        "/orders/link",
        json={"octopia_seller": SELLER, "marketplace_login": LOGIN},
    )
    assert response.status_code == 200, response.text
    assert response.json()["linked_sellers"] == [[SELLER, LOGIN]]


def marketplace_order(simulator, token: str, number: str):
    """The order as GetOrderList shows it, asked for by its OrderNumber."""
    response = soap_call(
        simulator,
        "GetOrderList",
        token,
        el(
            "orderFilter",
            el("FetchOrderLines", text="true"),
            el(
                "OrderReferenceList",
                el("string", text=number, namespace=ARRAYS),
            ),
        ),
    )
    assert response.status_code == 200, response.text
    (order,) = soap_result(response, "GetOrderList").findall(f"{c('OrderList')}/{c('Order')}")
    return order


def test_both_apis_list_the_same_orders_with_their_own_ids(simulator):
    link(simulator)
    simulator.state.seed_orders(api="octopia", seller=SELLER, count=12, seed=7)

    octopia = {o["reference"]: o for o in simulator.state.orders_for("octopia", SELLER)}
    marketplace = {o["order_id"]: o for o in simulator.state.orders_for("marketplace", LOGIN)}

    # The Marketplace OrderNumber is Octopia's reference; Octopia has its own orderId.
    assert set(octopia) == set(marketplace) and len(octopia) == 12
    for reference, order in octopia.items():
        twin = marketplace[reference]
        assert twin["reference"] == reference != order["order_id"]
        assert [line["sku"] for line in twin["lines"]] == [line["sku"] for line in order["lines"]]
        assert twin["total_amount"] == order["total_amount"]
        assert twin["paid"] == order["paid"]


def test_an_unlinked_seller_keeps_two_order_books(simulator):
    simulator.state.add_order(api="octopia", seller=SELLER, status="InPreparation", lines=LINES)
    assert simulator.state.orders_for("marketplace", LOGIN) == []


def test_a_shipment_through_octopia_shows_through_the_marketplace_api(simulator):
    link(simulator)
    number = simulator.state.add_order(
        api="marketplace", seller=LOGIN, status="WaitingForShipmentAcceptation", lines=LINES
    )
    order_id = simulator.state.twin_order_id("marketplace", number)
    token = octopia_token(simulator)
    octopia = octopia_get(simulator, f"/orders/{order_id}", token).json()
    assert octopia["reference"] == number and octopia["status"] == "InPreparation"

    response = octopia_call(
        simulator,
        "POST",
        f"/orders/{order_id}/shipments",
        token,
        [{"parcelNumber": "6A12345678901", "carrierName": "Colissimo", "orderLineIds": []}],
    )
    assert response.status_code == 201, response.text

    order = marketplace_order(simulator, marketplace_token(simulator), number)
    assert order.findtext(c("OrderState")) == "Shipped"
    parcels = simulator.state.order("marketplace", number)["parcels"]
    assert [parcel["parcel_number"] for parcel in parcels] == ["6A12345678901"]
    # Shipping again through the other API is refused: it is the same order.
    again = validate(
        simulator,
        marketplace_token(simulator),
        validate_order(
            number,
            "Shipped",
            skus=("SKU-1", "SKU-2"),
            line_state="ShippedBySeller",
            carrier="Colissimo",
            tracking="6A12345678901",
        ),
    )
    (outcome,) = outcomes(again)
    assert outcome.findtext(c("Validated")) == "false"


def test_an_acceptance_through_the_marketplace_api_shows_through_octopia(simulator):
    link(simulator)
    order_id = simulator.state.add_order(
        api="octopia", seller=SELLER, status="WaitingAcceptance", lines=LINES
    )
    number = simulator.state.twin_order_id("octopia", order_id)
    token = marketplace_token(simulator)
    assert marketplace_order(simulator, token, number).findtext(c("OrderState")) == (
        "WaitingForSellerAcceptation"
    )

    result = validate(simulator, token, validate_order(number, "AcceptedBySeller"))
    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "true"

    octopia = octopia_get(simulator, f"/orders/{order_id}", octopia_token(simulator)).json()
    assert octopia["status"] == "Accepted"
    # Time moves the one order: paid in both views.
    simulator.state.advance_clock(simulator.state.payment_delay + 1)
    assert simulator.state.order("octopia", order_id)["status"] == "InPreparation"
    assert simulator.state.order("marketplace", number)["status"] == (
        "WaitingForShipmentAcceptation"
    )


def test_a_reset_unlinks_except_the_demo_seller():
    demo = SimulatorState.with_demo_data()
    assert demo.linked_sellers() == [(SELLER, LOGIN)]
    assert len(demo.orders_for("octopia", SELLER)) == len(demo.orders_for("marketplace", LOGIN))
    demo.reset()
    assert demo.linked_sellers() == [(SELLER, LOGIN)]

    state = SimulatorState.with_demo_accounts()
    state.link_sellers(SELLER, LOGIN)
    state.reset()
    assert state.linked_sellers() == []
