"""Octopia offers over HTTP: offer packages and their integration (§O5), reading offers (§O6)."""

import re
from decimal import Decimal

import pytest

from .helpers import octopia_call, octopia_token
from .test_octopia import assert_problem

SELLER = "98979"
CHANNEL = {"salesChannelId": "CDISFR"}
EAN_1, EAN_2 = "3760452700039", "3760452700046"  # §O5's examples, known by default
TAXES = [
    {"code": "VAT", "value": 20.0},
    {"code": "Ecotax", "value": 0.0},
    {"code": "Deatax", "value": 0.0},
]


@pytest.fixture
def token(simulator) -> str:
    return octopia_token(simulator)


def full_offer(sku="SKU-1", ean=EAN_1, quantity=7, price=19.90, **changes) -> dict:
    """A full offer as §O5 shows it."""
    offer = {
        "sellerExternalReference": sku,
        "product": {"gtin": ean, "reference": sku},
        "condition": "New",
        "quantity": quantity,
        "price": {"price": price, "originPrice": 24.90, "taxes": TAXES},
        "deliveryModes": [{"code": "THD", "cost": 4.90, "additionalCost": 1.50}],
        "preparationTime": 2,
    }
    offer.update(changes)
    return offer


def new_package(simulator, token, package_type="Upsert") -> str:
    response = octopia_call(
        simulator, "POST", "/offer-packages", token, {"packageType": package_type}, headers=CHANNEL
    )
    assert response.status_code == 201, response.text
    return response.json()["packageId"]


def send(simulator, token, package_id, offers) -> None:
    path = f"/offer-packages/{package_id}/offer-requests"
    response = octopia_call(simulator, "POST", path, token, offers)
    assert response.status_code == 202, response.text


def ready(simulator, token, package_id) -> None:
    response = octopia_call(
        simulator, "PATCH", f"/offer-packages/{package_id}", token, {"state": "Ready"}
    )
    assert response.status_code == 204, response.text


def package_state(simulator, token, package_id) -> str:
    response = octopia_call(simulator, "GET", f"/offer-packages/{package_id}", token)
    assert response.status_code == 200, response.text
    assert response.json()["packageId"] == package_id
    return response.json()["state"]


def results(simulator, token, package_id, **params) -> list[dict]:
    path = f"/offer-packages/{package_id}/offer-requests-results"
    response = octopia_call(simulator, "GET", path, token, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def integrate(simulator, token, offers, package_type="Upsert") -> str:
    """A whole package, integrated: the delay runs out on the simulator clock."""
    package_id = new_package(simulator, token, package_type)
    send(simulator, token, package_id, offers)
    ready(simulator, token, package_id)
    simulator.state.advance_clock(simulator.state.package_integration_delay)
    assert package_state(simulator, token, package_id) in ("Integrated", "Rejected")
    return package_id


def codes(items) -> dict[str, list[str]]:
    return {
        item["sellerExternalReference"]: [r["resultCode"] for r in item["results"]]
        for item in items
    }


# Creating and filling packages


def test_create_package_answers_201_with_its_id_and_location(simulator, token):
    response = octopia_call(
        simulator, "POST", "/offer-packages", token, {"packageType": "Update"}, headers=CHANNEL
    )

    assert response.status_code == 201
    package_id = response.json()["packageId"]
    assert package_id
    assert response.headers["Content-Location"] == f"/offer-packages/{package_id}"
    assert package_state(simulator, token, package_id) == "WaitingForCompletion"
    assert simulator.state.offer_packages("octopia", SELLER)[0]["type"] == "Update"


@pytest.mark.parametrize(
    "headers, body",
    [
        ({}, {"packageType": "Upsert"}),
        ({"salesChannelId": "AMZFR"}, {"packageType": "Upsert"}),
        (CHANNEL, {"packageType": "Full"}),
        (CHANNEL, {}),
    ],
)
def test_create_package_needs_the_channel_header_and_a_known_type(simulator, token, headers, body):
    response = octopia_call(simulator, "POST", "/offer-packages", token, body, headers=headers)

    assert_problem(response, 400)
    assert simulator.state.offer_packages("octopia", SELLER) == []


def test_offer_requests_take_at_most_1000_offers(simulator, token):
    package_id = new_package(simulator, token)
    path = f"/offer-packages/{package_id}/offer-requests"
    offers = [full_offer(sku=f"SKU-{n}") for n in range(1001)]

    assert_problem(octopia_call(simulator, "POST", path, token, offers), 400)
    assert octopia_call(simulator, "POST", path, token, offers[:1000]).status_code == 202
    assert len(simulator.state.offer_packages("octopia", SELLER)[0]["offers"]) == 1000


@pytest.mark.parametrize(
    "body",
    [
        {"sellerExternalReference": "SKU-1"},
        [],
        [{"quantity": 3}],
        ["SKU-1"],
        [{"sellerExternalReference": " "}],
    ],
)
def test_offer_requests_must_be_an_array_of_offers_with_a_reference(simulator, token, body):
    package_id = new_package(simulator, token)

    response = octopia_call(
        simulator, "POST", f"/offer-packages/{package_id}/offer-requests", token, body
    )

    assert_problem(response, 400)


def test_a_package_holds_at_most_40000_offers(simulator, token):
    package_id = new_package(simulator, token)
    batch = [full_offer(sku=f"SKU-{n}") for n in range(1000)]
    for _ in range(40):
        send(simulator, token, package_id, batch)

    response = octopia_call(
        simulator, "POST", f"/offer-packages/{package_id}/offer-requests", token, batch[:1]
    )

    body = assert_problem(response, 400)
    assert "40000" in body["detail"]


def test_offers_are_added_only_while_waiting_for_completion(simulator, token):
    package_id = new_package(simulator, token)
    send(simulator, token, package_id, [full_offer()])
    ready(simulator, token, package_id)

    response = octopia_call(
        simulator, "POST", f"/offer-packages/{package_id}/offer-requests", token, [full_offer()]
    )

    assert_problem(response, 400)
    again = octopia_call(
        simulator, "PATCH", f"/offer-packages/{package_id}", token, {"state": "Ready"}
    )
    assert_problem(again, 400)


def test_patch_takes_only_the_ready_state(simulator, token):
    package_id = new_package(simulator, token)

    response = octopia_call(
        simulator, "PATCH", f"/offer-packages/{package_id}", token, {"state": "Integrated"}
    )

    assert_problem(response, 400)
    assert package_state(simulator, token, package_id) == "WaitingForCompletion"


def test_unknown_or_foreign_package_is_404(simulator, token):
    simulator.state.add_octopia_client("other-client", "other-secret", "12345")
    other_token = octopia_token(simulator, client_id="other-client", client_secret="other-secret")
    package_id = new_package(simulator, token)

    for path in (
        f"/offer-packages/{package_id}",
        f"/offer-packages/{package_id}/offer-requests-results",
    ):
        assert_problem(octopia_call(simulator, "GET", path, other_token, seller_id="12345"), 404)
    assert_problem(octopia_call(simulator, "GET", "/offer-packages/nope", token), 404)
    send_elsewhere = octopia_call(
        simulator,
        "POST",
        f"/offer-packages/{package_id}/offer-requests",
        other_token,
        [full_offer()],
        seller_id="12345",
    )
    assert_problem(send_elsewhere, 404)


# Integration on the simulator clock


def test_integration_goes_ready_pending_integrated_on_the_clock(simulator, token):
    package_id = new_package(simulator, token)
    send(simulator, token, package_id, [full_offer()])
    ready(simulator, token, package_id)

    assert package_state(simulator, token, package_id) == "Ready"
    simulator.state.advance_clock(10)
    assert package_state(simulator, token, package_id) == "IntegrationPending"
    assert simulator.state.offers_for("octopia", SELLER) == {}
    simulator.state.advance_clock(20)
    assert package_state(simulator, token, package_id) == "Integrated"
    offer = simulator.state.offers_for("octopia", SELLER)["SKU-1"]
    assert offer["quantity"] == 7
    assert offer["price"] == Decimal("19.90")
    assert offer["ean"] == EAN_1
    assert offer["shipping"] == [
        {"mode": "THD", "cost": Decimal("4.90"), "additional_cost": Decimal("1.50")}
    ]
    assert offer["state"] == "Active"


def test_a_waiting_package_never_integrates(simulator, token):
    package_id = new_package(simulator, token)
    send(simulator, token, package_id, [full_offer()])

    simulator.state.advance_clock(3600)

    assert package_state(simulator, token, package_id) == "WaitingForCompletion"
    assert simulator.state.offers_for("octopia", SELLER) == {}


def test_zero_delay_integrates_on_the_next_call(simulator, token):
    simulator.state.package_integration_delay = 0
    package_id = new_package(simulator, token)
    send(simulator, token, package_id, [full_offer()])
    ready(simulator, token, package_id)

    assert package_state(simulator, token, package_id) == "Integrated"


def test_results_before_integration_ends_are_400(simulator, token):
    package_id = new_package(simulator, token)
    path = f"/offer-packages/{package_id}/offer-requests-results"
    assert_problem(octopia_call(simulator, "GET", path, token), 400)
    send(simulator, token, package_id, [full_offer()])
    ready(simulator, token, package_id)
    assert_problem(octopia_call(simulator, "GET", path, token), 400)
    simulator.state.advance_clock(10)

    body = assert_problem(octopia_call(simulator, "GET", path, token), 400)

    assert "IntegrationPending" in body["detail"]


def test_created_then_updated(simulator, token):
    created = integrate(simulator, token, [full_offer()])
    update = {
        "sellerExternalReference": "SKU-1",
        "quantity": 3,
        "price": {"price": 17.50, "taxes": TAXES},
    }
    updated = integrate(simulator, token, [update], package_type="Update")

    assert results(simulator, token, created) == [
        {
            "sellerExternalReference": "SKU-1",
            "integrationStatus": "Integrated",
            "results": [{"resultCode": "8000", "message": "Offer created"}],
        }
    ]
    assert codes(results(simulator, token, updated)) == {"SKU-1": ["9000"]}
    offer = simulator.state.offers_for("octopia", SELLER)["SKU-1"]
    assert (offer["quantity"], offer["price"]) == (3, Decimal("17.50"))
    assert offer["updated_at"] > offer["created_at"]


def test_update_of_stock_alone_keeps_the_price(simulator, token):
    integrate(simulator, token, [full_offer()])

    integrate(simulator, token, [{"sellerExternalReference": "SKU-1", "quantity": 0}], "Update")

    offer = simulator.state.offers_for("octopia", SELLER)["SKU-1"]
    assert (offer["quantity"], offer["price"]) == (0, Decimal("19.90"))


def test_upsert_without_price_is_accepted(simulator, token):
    offer = full_offer()
    del offer["price"]  # Exclude Price Upload (§O5)

    package_id = integrate(simulator, token, [offer])

    assert codes(results(simulator, token, package_id)) == {"SKU-1": ["8000"]}
    assert simulator.state.offers_for("octopia", SELLER)["SKU-1"]["price"] is None


@pytest.mark.parametrize(
    "offer, code",
    [
        (full_offer(ean="1234567890128"), "4001"),
        (full_offer(quantity=-1), "4003"),
        (full_offer(quantity=2.5), "4003"),
        (full_offer(quantity="7"), "4003"),
        (full_offer(price=0), "4004"),
        (full_offer(price=-3), "4004"),
        (full_offer(deliveryModes=[{"code": "NTHD", "cost": 2.90}]), "4005"),
        (full_offer(deliveryModes=[]), "4005"),
        (full_offer(product={"reference": "SKU-1"}), "4006"),
        (full_offer() | {"price": {"price": 19.90}}, "4007"),
    ],
)
def test_upsert_rejections(simulator, token, offer, code):
    package_id = integrate(simulator, token, [offer, full_offer(sku="SKU-OK", ean=EAN_2)])

    items = results(simulator, token, package_id)
    assert items[0]["integrationStatus"] == "Rejected"
    assert code in [r["resultCode"] for r in items[0]["results"]]
    assert all(r["message"] for r in items[0]["results"])
    assert items[1]["integrationStatus"] == "Integrated"
    assert package_state(simulator, token, package_id) == "Integrated"
    assert set(simulator.state.offers_for("octopia", SELLER)) == {"SKU-OK"}


def test_upsert_without_quantity_is_rejected(simulator, token):
    offer = full_offer()
    del offer["quantity"]

    package_id = integrate(simulator, token, [offer])

    assert codes(results(simulator, token, package_id)) == {"SKU-1": ["4006"]}


def test_update_of_an_offer_never_integrated_is_rejected(simulator, token):
    package_id = new_package(simulator, token, "Upsert")
    send(simulator, token, package_id, [full_offer()])  # not Ready: never integrated

    update = integrate(
        simulator, token, [{"sellerExternalReference": "SKU-1", "quantity": 3}], "Update"
    )

    items = results(simulator, token, update)
    assert codes(items) == {"SKU-1": ["4002"]}
    assert items[0]["integrationStatus"] == "Rejected"
    assert package_state(simulator, token, update) == "Rejected"


def test_a_package_with_no_valid_offer_ends_rejected(simulator, token):
    package_id = integrate(simulator, token, [full_offer(ean="1234567890128")])

    assert package_state(simulator, token, package_id) == "Rejected"
    assert codes(results(simulator, token, package_id)) == {"SKU-1": ["4001"]}


def test_an_empty_package_ends_rejected(simulator, token):
    package_id = new_package(simulator, token)
    ready(simulator, token, package_id)
    simulator.state.advance_clock(30)

    assert package_state(simulator, token, package_id) == "Rejected"
    assert results(simulator, token, package_id) == []


def test_packages_integrate_in_order(simulator, token):
    first = new_package(simulator, token, "Upsert")
    send(simulator, token, first, [full_offer(quantity=5)])
    second = new_package(simulator, token, "Update")
    send(simulator, token, second, [{"sellerExternalReference": "SKU-1", "quantity": 9}])
    ready(simulator, token, first)
    simulator.state.advance_clock(1)
    ready(simulator, token, second)

    simulator.state.advance_clock(60)

    assert codes(results(simulator, token, first)) == {"SKU-1": ["8000"]}
    assert codes(results(simulator, token, second)) == {"SKU-1": ["9000"]}
    assert simulator.state.offers_for("octopia", SELLER)["SKU-1"]["quantity"] == 9


def test_results_are_paged_with_a_next_link(simulator, token):
    offers = [full_offer(sku=f"SKU-{n:03d}") for n in range(250)]
    package_id = integrate(simulator, token, offers)
    path = f"/offer-packages/{package_id}/offer-requests-results"

    first = octopia_call(simulator, "GET", path, token, params={"pageIndex": 1, "pageSize": 100})
    last = octopia_call(simulator, "GET", path, token, params={"pageIndex": 3, "pageSize": 100})

    assert [item["sellerExternalReference"] for item in first.json()["items"]] == [
        f"SKU-{n:03d}" for n in range(100)
    ]
    link = re.fullmatch(r'<([^>]+)>; rel="next"', first.headers["Link"]).group(1)
    assert "pageIndex=2" in link
    assert len(last.json()["items"]) == 50
    assert "Link" not in last.headers
    followed = octopia_call(simulator, "GET", link.split("/seller/v2", 1)[1], token)
    assert followed.json()["items"][0]["sellerExternalReference"] == "SKU-100"


def test_results_page_size_is_bounded(simulator, token):
    package_id = integrate(simulator, token, [full_offer()])
    path = f"/offer-packages/{package_id}/offer-requests-results"

    assert_problem(octopia_call(simulator, "GET", path, token, params={"pageSize": 1001}), 400)
    assert_problem(octopia_call(simulator, "GET", path, token, params={"pageIndex": 0}), 400)


def test_results_are_kept_three_days(simulator, token):
    package_id = integrate(simulator, token, [full_offer()])
    path = f"/offer-packages/{package_id}/offer-requests-results"
    simulator.state.advance_clock(3 * 86400 - 60)
    token = octopia_token(simulator)  # the first one expired long ago
    assert octopia_call(simulator, "GET", path, token).status_code == 200

    simulator.state.advance_clock(60)

    assert_problem(octopia_call(simulator, "GET", path, token), 404)
    assert package_state(simulator, token, package_id) == "Integrated"
    assert simulator.state.offers_for("octopia", SELLER)["SKU-1"]["quantity"] == 7


def test_ignored_update_is_reported_integrated_but_changes_nothing(simulator, token):
    integrate(simulator, token, [full_offer(quantity=7)])
    simulator.state.ignore_next_offer_updates("octopia", SELLER, "SKU-1")
    update = [{"sellerExternalReference": "SKU-1", "quantity": 2}]

    silent = integrate(simulator, token, update, "Update")
    applied = integrate(simulator, token, update, "Update")

    assert codes(results(simulator, token, silent)) == {"SKU-1": ["9000"]}
    assert codes(results(simulator, token, applied)) == {"SKU-1": ["9000"]}
    assert simulator.state.offers_for("octopia", SELLER)["SKU-1"]["quantity"] == 2


def test_ignored_updates_count_down_per_sku(simulator, token):
    integrate(simulator, token, [full_offer(), full_offer(sku="SKU-2", ean=EAN_2)])
    simulator.state.ignore_next_offer_updates("octopia", SELLER, "SKU-1", count=2)
    update = [
        {"sellerExternalReference": "SKU-1", "quantity": 1},
        {"sellerExternalReference": "SKU-2", "quantity": 1},
    ]

    integrate(simulator, token, update, "Update")
    integrate(simulator, token, update, "Update")
    stored = simulator.state.offers_for("octopia", SELLER)
    assert (stored["SKU-1"]["quantity"], stored["SKU-2"]["quantity"]) == (7, 1)
    integrate(simulator, token, update, "Update")
    assert simulator.state.offers_for("octopia", SELLER)["SKU-1"]["quantity"] == 1


def test_forty_thousand_offers_in_forty_requests(simulator, token):
    eans = [f"{n:013d}" for n in range(40_000)]
    simulator.state.add_known_eans("octopia", SELLER, eans)
    package_id = new_package(simulator, token)
    for start in range(0, 40_000, 1_000):
        batch = [
            full_offer(sku=f"SKU-{n}", ean=eans[n], quantity=n % 50)
            for n in range(start, start + 1_000)
        ]
        send(simulator, token, package_id, batch)
    ready(simulator, token, package_id)
    simulator.state.advance_clock(30)

    assert package_state(simulator, token, package_id) == "Integrated"
    stored = simulator.state.offers_for("octopia", SELLER)
    assert len(stored) == 40_000
    assert stored["SKU-39999"]["quantity"] == 39_999 % 50
    last_page = results(simulator, token, package_id, pageIndex=40, pageSize=1000)
    assert {r["resultCode"] for item in last_page for r in item["results"]} == {"8000"}


# §O6: reading offers back


def test_get_offers_has_the_spec_shape(simulator, token):
    integrate(simulator, token, [full_offer()])

    response = octopia_call(simulator, "GET", "/offers", token, params={"salesChannelId": "CDISFR"})

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["sellerExternalReference"] == "SKU-1"
    assert item["product"] == {"gtin": EAN_1}
    assert item["quantity"] == 7
    assert item["price"]["price"] == 19.90
    assert '"price": 19.90' in response.text
    assert item["deliveryModes"] == [{"code": "THD", "cost": 4.90, "additionalCost": 1.50}]
    assert item["state"] == "Active"


def test_get_offers_is_paged_like_orders(simulator, token):
    for n in range(120):
        simulator.state.add_offer(
            api="octopia", seller=SELLER, sku=f"SKU-{n:03d}", ean=f"{n:013d}", quantity=n
        )

    first = octopia_call(simulator, "GET", "/offers", token, params={"pageSize": 100})
    second = octopia_call(
        simulator, "GET", "/offers", token, params={"pageSize": 100, "pageIndex": 2}
    )

    assert len(first.json()["items"]) == 100
    assert 'rel="next"' in first.headers["Link"]
    assert [i["sellerExternalReference"] for i in second.json()["items"]] == [
        f"SKU-{n:03d}" for n in range(100, 120)
    ]
    assert "Link" not in second.headers
    too_big = octopia_call(simulator, "GET", "/offers", token, params={"pageSize": 101})
    assert_problem(too_big, 400)


def test_get_offers_by_seller_reference(simulator, token):
    integrate(simulator, token, [full_offer(), full_offer(sku="SKU-2", ean=EAN_2)])

    response = octopia_call(
        simulator, "GET", "/offers", token, params={"sellerExternalReference": "SKU-2"}
    )

    assert [i["sellerExternalReference"] for i in response.json()["items"]] == ["SKU-2"]


def test_offers_belong_to_their_api(simulator, token):
    integrate(simulator, token, [full_offer()])

    assert simulator.state.offers_for("marketplace", "demo-api") == {}
