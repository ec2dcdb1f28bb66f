"""The offer store's Python interface and control endpoints, for tests and other processes."""

from decimal import Decimal

import pytest
import requests

from channels.simulator import SimulatorState
from channels.simulator.catalogue import PRODUCTS

from .helpers import TIMEOUT, octopia_call, octopia_token
from .test_octopia_offers import CHANNEL, full_offer

SELLER = "98979"
LOGIN = "demo-api"


def control(simulator, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{simulator.url}/_simulator{path}", timeout=TIMEOUT, **kwargs)


def upsert(simulator, offers) -> str:
    token = octopia_token(simulator)
    package_id = octopia_call(
        simulator, "POST", "/offer-packages", token, {"packageType": "Upsert"}, headers=CHANNEL
    ).json()["packageId"]
    path = f"/offer-packages/{package_id}/offer-requests"
    assert octopia_call(simulator, "POST", path, token, offers).status_code == 202
    patch = octopia_call(
        simulator, "PATCH", f"/offer-packages/{package_id}", token, {"state": "Ready"}
    )
    assert patch.status_code == 204
    return package_id


def test_catalogue_and_spec_eans_are_known_to_every_seller():
    state = SimulatorState.with_demo_accounts()

    known = state.known_eans("octopia", SELLER)

    assert {product.ean for product in PRODUCTS} <= known
    assert {"3760452700039", "3760452700046"} <= known
    assert known == state.known_eans("marketplace", "someone-else-api")


def test_added_eans_are_known_to_that_seller_of_that_api_only():
    state = SimulatorState.with_demo_accounts()
    baseline = len(state.known_eans("octopia", SELLER))

    total = state.add_known_eans("octopia", SELLER, ["1234567890128", "1234567890135"])

    assert total == baseline + 2
    assert "1234567890128" in state.known_eans("octopia", SELLER)
    assert "1234567890128" not in state.known_eans("octopia", "12345")
    assert "1234567890128" not in state.known_eans("marketplace", LOGIN)


def test_unknown_api_is_refused():
    state = SimulatorState.with_demo_accounts()

    for call in (
        lambda: state.offers_for("amazon", SELLER),
        lambda: state.offer_packages("amazon", SELLER),
        lambda: state.add_known_eans("amazon", SELLER, ["1"]),
        lambda: state.ignore_next_offer_updates("amazon", SELLER, "SKU-1"),
    ):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(ValueError):
        state.ignore_next_offer_updates("octopia", SELLER, "SKU-1", count=0)
    with pytest.raises(ValueError):
        state.package_integration_delay = -1


def test_offers_for_and_offer_packages_records(simulator):
    simulator.state.package_integration_delay = 0
    package_id = upsert(simulator, [full_offer()])

    offers = simulator.state.offers_for("octopia", SELLER)
    [package] = simulator.state.offer_packages("octopia", SELLER)

    offer = offers["SKU-1"]
    assert {"ean", "quantity", "price", "shipping", "state", "updated_at"} <= set(offer)
    assert (offer["ean"], offer["quantity"], offer["price"]) == (
        "3760452700039",
        7,
        Decimal("19.90"),
    )
    assert offer["state"] == "Active"
    assert package["id"] == package_id
    assert (package["type"], package["state"]) == ("Upsert", "Integrated")
    assert package["offers"][0]["sellerExternalReference"] == "SKU-1"
    assert package["results"] == [
        {
            "sku": "SKU-1",
            "ean": "3760452700039",
            "status": "Integrated",
            "codes": ["8000"],
            "entries": [{"code": "8000", "property": "Offer", "message": "Offer created"}],
            "at": package["integrated_at"],
        }
    ]
    # Copies: changing them changes nothing in the simulator.
    offer["quantity"] = 99
    package["offers"].clear()
    assert simulator.state.offers_for("octopia", SELLER)["SKU-1"]["quantity"] == 7
    assert simulator.state.offer_packages("octopia", SELLER)[0]["offers"]


def test_ignored_creation_is_reported_but_never_stored(simulator):
    simulator.state.package_integration_delay = 0
    simulator.state.ignore_next_offer_updates("octopia", SELLER, "SKU-1")

    upsert(simulator, [full_offer()])

    [package] = simulator.state.offer_packages("octopia", SELLER)
    assert package["results"][0]["codes"] == ["8000"]
    assert simulator.state.offers_for("octopia", SELLER) == {}


def test_reset_forgets_offers_packages_and_added_eans(simulator):
    simulator.state.package_integration_delay = 0
    simulator.state.add_known_eans("octopia", SELLER, ["1234567890128"])
    upsert(simulator, [full_offer()])

    simulator.state.reset()

    assert simulator.state.offers_for("octopia", SELLER) == {}
    assert simulator.state.offer_packages("octopia", SELLER) == []
    assert "1234567890128" not in simulator.state.known_eans("octopia", SELLER)
    assert simulator.state.package_integration_delay == 0


def test_status_counts_offers_and_packages(simulator):
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-1", ean="1", quantity=2)

    status = control(simulator, "GET", "/").json()

    assert status["offers"] == {"octopia": 0, "marketplace": 1}
    assert status["offer_packages"] == {"octopia": 0, "marketplace": 0}
    assert status["package_integration_delay"] == 30


def test_demo_data_sellers_already_sell_the_catalogue():
    state = SimulatorState.with_demo_data()

    for api, seller in (("octopia", SELLER), ("marketplace", LOGIN)):
        offers = state.offers_for(api, seller)
        assert set(offers) == {product.sku for product in PRODUCTS}
        assert offers[PRODUCTS[0].sku]["price"] == PRODUCTS[0].price


def test_a_hundred_thousand_offers_per_seller(simulator):
    token = octopia_token(simulator)
    for n in range(100_000):
        simulator.state.add_offer(
            api="octopia", seller=SELLER, sku=f"SKU-{n}", ean=f"{n:013d}", quantity=n % 9
        )

    last = octopia_call(
        simulator, "GET", "/offers", token, params={"pageIndex": 1000, "pageSize": 100}
    )

    assert [item["sellerExternalReference"] for item in last.json()["items"]][-1] == "SKU-99999"
    assert "Link" not in last.headers
    assert len(simulator.state.offers_for("octopia", SELLER)) == 100_000


# Control endpoints


def test_control_known_eans(simulator):
    response = control(
        simulator,
        "POST",
        "/known-eans",
        json={"api": "octopia", "seller": SELLER, "eans": ["1234567890128"]},
    )

    assert response.status_code == 200
    assert response.json()["known"] == len(simulator.state.known_eans("octopia", SELLER))
    assert "1234567890128" in simulator.state.known_eans("octopia", SELLER)
    bad = control(simulator, "POST", "/known-eans", json={"api": "octopia", "seller": SELLER})
    assert bad.status_code == 400


def test_control_offers_and_packages(simulator):
    simulator.state.package_integration_delay = 0
    package_id = upsert(simulator, [full_offer()])

    offers = control(simulator, "GET", "/offers", params={"api": "octopia", "seller": SELLER})
    packages = control(
        simulator, "GET", "/offer-packages", params={"api": "octopia", "seller": SELLER}
    )

    assert offers.status_code == 200
    assert Decimal(offers.json()["offers"]["SKU-1"]["price"]) == Decimal("19.90")
    assert offers.json()["offers"]["SKU-1"]["quantity"] == 7
    assert packages.json()["packages"][0]["id"] == package_id
    assert packages.json()["packages"][0]["results"][0]["codes"] == ["8000"]
    assert control(simulator, "GET", "/offers", params={"api": "octopia"}).status_code == 400
    missing_api = control(simulator, "GET", "/offer-packages", params={"api": "x", "seller": "1"})
    assert missing_api.status_code == 400


def test_control_add_offer_and_ignore_updates(simulator):
    created = control(
        simulator,
        "POST",
        "/offers",
        json={
            "api": "marketplace",
            "seller": LOGIN,
            "sku": "SKU-1",
            "ean": "3760452700039",
            "quantity": 5,
            "price": "12.50",
        },
    )
    ignored = control(
        simulator,
        "POST",
        "/offers/ignore-updates",
        json={"api": "marketplace", "seller": LOGIN, "sku": "SKU-1", "count": 2},
    )

    assert created.status_code == 201
    assert created.json()["offer"]["price"] == "12.50"
    assert created.json()["offer"]["shipping"][0]["mode"] == "Tracked"
    assert ignored.status_code == 200
    bad = control(simulator, "POST", "/offers", json={"api": "marketplace", "seller": LOGIN})
    assert bad.status_code == 400


def test_control_offer_package_settings(simulator):
    response = control(
        simulator,
        "POST",
        "/offer-packages/settings",
        json={"package_integration_delay": 5, "marketplace_pending_status": "IntegrationPending"},
    )

    assert response.json() == {
        "package_integration_delay": 5,
        "marketplace_pending_status": "IntegrationPending",
    }
    assert simulator.state.package_integration_delay == 5
    refused = control(
        simulator, "POST", "/offer-packages/settings", json={"package_integration_delay": -1}
    )
    assert refused.status_code == 400
