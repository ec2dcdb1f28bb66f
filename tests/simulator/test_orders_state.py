"""The order store's Python interface and its state machines on the simulator clock."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from channels.simulator import SimulatorState
from channels.simulator.catalogue import CARRIERS_BY_LABEL, PRODUCTS, ean13

OCTOPIA_SELLER = "98979"
LOGIN = "demo-api"

LINES = [
    {
        "sku": "SKU-1",
        "ean": "3760452700039",
        "quantity": 2,
        "unit_price": "19.90",
        "name": "Bouilloire électrique",
        "shipping_cost": "4.90",
    },
    {
        "sku": "SKU-2",
        "ean": "3760452700046",
        "quantity": 1,
        "unit_price": Decimal("5.00"),
        "name": "Câble USB-C",
    },
]


@pytest.fixture
def state() -> SimulatorState:
    return SimulatorState.with_demo_accounts()


def valid_ean(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and ean13(code[:12]) == code


def test_new_state_and_demo_accounts_hold_no_orders(state):
    assert SimulatorState().orders_for("octopia", OCTOPIA_SELLER) == []
    assert state.orders_for("octopia", OCTOPIA_SELLER) == []
    assert state.orders_for("marketplace", LOGIN) == []
    assert state.status()["orders"] == {"octopia": 0, "marketplace": 0}


def test_demo_data_has_a_few_dozen_orders_in_mixed_states():
    state = SimulatorState.with_demo_data()

    for api, seller in (("octopia", OCTOPIA_SELLER), ("marketplace", LOGIN)):
        orders = state.orders_for(api, seller)
        assert 24 <= len(orders) <= 60
        assert len({order["status"] for order in orders}) >= 5
    assert not state.autopilot


def test_seed_is_reproducible_and_realistic(state):
    first = state.seed_orders(api="octopia", seller=OCTOPIA_SELLER, count=1000, seed=5)
    other = SimulatorState.with_demo_accounts()
    second = other.seed_orders(api="octopia", seller=OCTOPIA_SELLER, count=1000, seed=5)

    assert [state.order("octopia", i)["status"] for i in first] == [
        other.order("octopia", i)["status"] for i in second
    ]
    orders = state.orders_for("octopia", OCTOPIA_SELLER)
    assert len(orders) == 1000
    statuses = Counter(order["status"] for order in orders)
    assert {"WaitingAcceptance", "Accepted", "InPreparation", "Shipped", "Cancelled"} <= set(
        statuses
    )
    lines = [line for order in orders for line in order["lines"]]
    assert all(valid_ean(line["ean"]) for line in lines)
    assert any(line["quantity"] > 1 for line in lines)
    assert any(len(order["lines"]) > 1 for order in orders)
    assert all(order["order_id"].startswith("SCID01") for order in orders)
    assert any(line["status"] == "CancelRequest" for line in lines)
    assert all(valid_ean(product.ean) for product in PRODUCTS)


def test_seeded_orders_carry_addresses_only_once_paid(state):
    state.seed_orders(api="octopia", seller=OCTOPIA_SELLER, count=300, seed=9)

    for order in state.orders_for("octopia", OCTOPIA_SELLER):
        assert order["paid"] == (order["paid_at"] is not None)
        if order["status"] in ("InPreparation", "Shipped", "Delivered"):
            assert order["paid"]
        if order["status"] in ("WaitingAcceptance", "Accepted", "Processing", "Refused"):
            assert not order["paid"]
        if order["status"] in ("Shipped", "Delivered"):
            assert order["parcels"][0]["carrier_name"] in CARRIERS_BY_LABEL


def test_seed_with_a_status_and_created_within(state):
    now = state.now()
    ids = state.seed_orders(
        api="marketplace",
        seller=LOGIN,
        count=50,
        status="WaitingForShipmentAcceptation",
        lines_per_order=(2, 3),
        created_within=86400,
        seed=1,
    )

    for order_id in ids:
        order = state.order("marketplace", order_id)
        assert order["status"] == "WaitingForShipmentAcceptation"
        assert 2 <= len(order["lines"]) <= 3
        assert now - timedelta(days=1, minutes=1) <= order["created_at"] <= now
        assert order["commission"] > 0
        assert order["total_amount"] == order["products_total"] + order["shipping_total"]


def test_seed_refuses_bad_arguments(state):
    with pytest.raises(ValueError):
        state.seed_orders(api="amazon", seller="x", count=1)
    with pytest.raises(ValueError):
        state.seed_orders(api="octopia", seller="x", count=1, status="Shipped-ish")
    with pytest.raises(ValueError):
        state.seed_orders(api="octopia", seller="x", count=1, lines_per_order=(0, 2))


def test_seeding_ten_thousand_then_paging_returns_each_order_once(state):
    state.seed_orders(api="octopia", seller=OCTOPIA_SELLER, count=10_000, seed=3)
    statuses = ["InPreparation", "Shipped", "WaitingAcceptance"]
    expected = {
        o["order_id"]
        for o in state.orders_for("octopia", OCTOPIA_SELLER)
        if o["status"] in statuses
    }

    seen, page_index = [], 1
    while True:
        page, total = state.octopia_orders_page(
            OCTOPIA_SELLER,
            statuses=statuses,
            updated_min=None,
            updated_max=None,
            page_index=page_index,
            page_size=100,
        )
        # The page is found by binary search: a deep page reads no more than a shallow one.
        assert state.last_orders_walked <= len(statuses) * 100 + 64
        seen.extend(page)
        if len(page) < 100:
            break
        page_index += 1

    assert total == len(expected)
    assert [o.order_id for o in seen] == list(dict.fromkeys(o.order_id for o in seen))
    assert {o.order_id for o in seen} == expected
    assert all(a.updated_at <= b.updated_at for a, b in zip(seen, seen[1:], strict=False))


def test_add_order_with_exact_lines(state):
    order_id = state.add_order(
        api="octopia",
        seller=OCTOPIA_SELLER,
        status="InPreparation",
        lines=[*LINES[:1], {**LINES[1], "status": "CancelRequest"}],
        order_id="SCID01TESTORDER0001",
    )

    order = state.order("octopia", order_id)
    assert order_id == "SCID01TESTORDER0001"
    assert order["status"] == "InPreparation"
    assert order["paid"]
    assert [(line["sku"], line["status"]) for line in order["lines"]] == [
        ("SKU-1", "InPreparation"),
        ("SKU-2", "CancelRequest"),
    ]
    assert order["lines"][0]["total_price"] == Decimal("39.80")
    assert order["lines"][0]["shipping_cost"] == Decimal("4.90")
    assert order["lines"][1]["shipping_cost"] == Decimal("0.00")
    with pytest.raises(ValueError):
        state.add_order(api="octopia", seller="1", status="Shipped", lines=LINES, order_id=order_id)


def test_add_order_refuses_bad_lines(state):
    for lines in ([], [{**LINES[0], "quantity": 0}], [{"sku": "x"}], [{**LINES[0], "oops": 1}]):
        with pytest.raises(ValueError):
            state.add_order(api="octopia", seller="1", status="Accepted", lines=lines)


def test_order_returns_a_copy(state):
    order_id = state.add_order(api="octopia", seller="1", status="Accepted", lines=LINES)

    copy = state.order("octopia", order_id)
    copy["status"] = "Shipped"
    copy["lines"].clear()

    assert state.order("octopia", order_id)["status"] == "Accepted"
    assert len(state.order("octopia", order_id)["lines"]) == 2
    with pytest.raises(KeyError):
        state.order("octopia", "SCID-NOPE")


def test_set_order_status_moves_updated_at_to_now(state):
    order_id = state.add_order(api="octopia", seller="1", status="InPreparation", lines=LINES)
    state.advance_clock(600)

    state.set_order_status("octopia", order_id, "Shipped")

    order = state.order("octopia", order_id)
    assert order["status"] == "Shipped"
    assert abs(order["updated_at"] - state.now()) < timedelta(seconds=2)
    assert order["history"][-1]["cause"] == "control"
    assert order["parcels"]  # a shipped order has its parcel
    with pytest.raises(ValueError):
        state.set_order_status("octopia", order_id, "ShippedBySeller")


# State machines on the simulator clock


def test_octopia_accepted_becomes_paid_after_the_payment_delay(state):
    order_id = state.add_order(
        api="octopia", seller=OCTOPIA_SELLER, status="WaitingAcceptance", lines=LINES
    )
    state.octopia_approve(OCTOPIA_SELLER, order_id, "Accepted")
    accepted = state.order("octopia", order_id)
    assert (accepted["status"], accepted["paid"]) == ("Accepted", False)

    state.advance_clock(state.payment_delay - 5)
    assert state.order("octopia", order_id)["status"] == "Accepted"
    state.advance_clock(10)

    paid = state.order("octopia", order_id)
    assert paid["status"] == "InPreparation"
    assert paid["paid"]
    assert {line["status"] for line in paid["lines"]} == {"InPreparation"}
    # The change happened when it was due, and that is the order's updatedAt.
    assert paid["updated_at"] == accepted["updated_at"] + timedelta(seconds=state.payment_delay)
    assert [change["status"] for change in paid["history"]][-2:] == ["Accepted", "InPreparation"]


def test_octopia_not_accepted_within_two_days_is_cancelled(state):
    order_id = state.add_order(
        api="octopia", seller=OCTOPIA_SELLER, status="WaitingAcceptance", lines=LINES
    )
    created = state.order("octopia", order_id)["created_at"]

    state.advance_clock(2 * 86400 - 10)
    assert state.order("octopia", order_id)["status"] == "WaitingAcceptance"
    state.advance_clock(20)

    order = state.order("octopia", order_id)
    assert order["status"] == "Cancelled"
    assert order["updated_at"] == created + timedelta(days=2)
    assert order["history"][-1]["cause"] == "timeout"


def test_settings_apply_to_orders_already_waiting(state):
    order_id = state.add_order(
        api="octopia", seller=OCTOPIA_SELLER, status="WaitingAcceptance", lines=LINES
    )
    state.acceptance_timeout = 3600
    state.payment_delay = 60

    state.advance_clock(3601)

    assert state.order("octopia", order_id)["status"] == "Cancelled"


def test_an_order_created_long_ago_is_cancelled_at_the_first_touch(state):
    order_id = state.add_order(
        api="octopia",
        seller=OCTOPIA_SELLER,
        status="WaitingAcceptance",
        lines=LINES,
        created_at=state.now() - timedelta(days=3),
    )

    assert state.order("octopia", order_id)["status"] == "Cancelled"


def test_marketplace_flow_through_payment(state):
    state.payment_delay = 600
    order_id = state.add_order(
        api="marketplace", seller=LOGIN, status="WaitingForSellerAcceptation", lines=LINES
    )
    state.set_order_status("marketplace", order_id, "AcceptedBySeller")

    state.advance_clock(301)
    in_payment = state.order("marketplace", order_id)
    assert (in_payment["status"], in_payment["paid"]) == ("PaymentInProgress", False)
    assert {line["status"] for line in in_payment["lines"]} == {"AcceptedBySeller"}

    state.advance_clock(300)
    paid = state.order("marketplace", order_id)
    assert (paid["status"], paid["paid"]) == ("WaitingForShipmentAcceptation", True)


def test_marketplace_not_accepted_in_time_is_automatically_cancelled(state):
    order_id = state.add_order(
        api="marketplace", seller=LOGIN, status="WaitingForSellerAcceptation", lines=LINES
    )

    state.advance_clock(2 * 86400 + 1)

    order = state.order("marketplace", order_id)
    assert order["status"] == "AutomaticCancellation"
    assert {line["status"] for line in order["lines"]} == {"None"}


def test_autopilot_is_off_by_default_and_reproducible_when_on():
    def run(seed: int) -> list[tuple[str, tuple[str, ...]]]:
        state = SimulatorState.with_demo_accounts()
        assert not state.autopilot
        state.set_autopilot(True, arrival_rate=30, seed=seed)
        state.advance_clock(4 * 3600)
        orders = state.orders_for("octopia", OCTOPIA_SELLER)
        return [(o["status"], tuple(line["sku"] for line in o["lines"])) for o in orders]

    first = run(seed=11)

    assert first == run(seed=11)
    assert 60 <= len(first) <= 180  # about 30 an hour
    assert {status for status, _ in first} <= {"Processing", "WaitingAcceptance"}


def test_autopilot_cancels_a_few_accepted_orders(state):
    ids = state.seed_orders(
        api="octopia", seller=OCTOPIA_SELLER, count=300, status="WaitingAcceptance", seed=2
    )
    state.set_autopilot(True, arrival_rate=0, seed=4)
    for order_id in ids:
        state.octopia_approve(OCTOPIA_SELLER, order_id, "Accepted")

    state.advance_clock(state.payment_delay + 1)

    statuses = Counter(state.order("octopia", order_id)["status"] for order_id in ids)
    assert set(statuses) == {"InPreparation", "Cancelled"}
    assert 3 <= statuses["Cancelled"] <= 40


def test_autopilot_off_stops_arrivals(state):
    state.set_autopilot(True, arrival_rate=60, seed=1)
    state.advance_clock(3600)
    count = len(state.orders_for("marketplace", LOGIN))
    assert count > 0

    state.autopilot = False
    state.advance_clock(3600)

    assert len(state.orders_for("marketplace", LOGIN)) == count


def test_reset_drops_orders(state):
    state.seed_orders(api="octopia", seller=OCTOPIA_SELLER, count=5, seed=1)

    state.reset()

    assert state.orders_for("octopia", OCTOPIA_SELLER) == []
