"""Octopia after the sale end to end: the client over real HTTP against the simulator
(cancellation requests, commercial gestures, discussions; docs/cdiscount-api.md §O7-§O9)."""

from decimal import Decimal

import pytest
import requests

from channels.cdiscount import AfterSaleReason, DiscussionKind, OctopiaClient, Outcome, errors
from channels.cdiscount import octopia as octopia_module
from channels.simulator import DEMO_OCTOPIA
from channels.simulator.orders import OCTOPIA

SELLER = DEMO_OCTOPIA["seller_id"]
LINES = [
    {"sku": "SKU-MUG", "ean": "3760452700039", "quantity": 1, "unit_price": "12.00", "name": "Mug"},
    {"sku": "SKU-CUP", "ean": "3760452700046", "quantity": 2, "unit_price": "9.00", "name": "Cup"},
]


@pytest.fixture
def octopia(simulator):
    with OctopiaClient(
        auth_url=simulator.urls["CDISCOUNT_AUTH_URL"],
        api_url=simulator.urls["CDISCOUNT_API_URL"],
        client_id=DEMO_OCTOPIA["client_id"],
        client_secret=DEMO_OCTOPIA["client_secret"],
        seller_id=SELLER,
    ) as client:
        yield client


def control(simulator, path, body=None):
    base = f"{simulator.url}/_simulator"
    if body is None:
        response = requests.get(f"{base}{path}", timeout=5)
    else:
        response = requests.post(f"{base}{path}", json=body, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def new_order(simulator, octopia, status="InPreparation"):
    order_id = simulator.state.add_order(api=OCTOPIA, seller=SELLER, status=status, lines=LINES)
    return octopia.get_order(order_id)


def test_the_reasons_come_from_cdiscounts_list(simulator, octopia):
    codes = [reason.code for reason in octopia.cancellation_reasons()]
    assert "seller-out-of-stock" in codes
    (logged,) = [r for r in simulator.state.requests if r["path"].endswith("/cancellation-reasons")]
    assert logged["query"] == {
        "salesChannel": "CDISFR",
        "userType": "Seller",
        "orderStatus": "InPreparation",
    }


def test_a_whole_order_cancellation_is_pending_then_accepted_on_the_clock(simulator, octopia):
    order = new_order(simulator, octopia)
    request = octopia.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK)
    assert request.request_id and request.state == Outcome.PENDING and request.line_ids == ()
    assert octopia.get_order(order.order_id).status == "InPreparation"

    simulator.state.advance_clock(601)
    (followed,) = octopia.order_cancellations(order)
    assert (followed.request_id, followed.status, followed.state) == (
        request.request_id,
        "Accepted",
        Outcome.ACCEPTED,
    )
    assert octopia.get_order(order.order_id).status == "Cancelled"


def test_some_lines_are_cancelled_and_the_rest_still_ships(simulator, octopia):
    order = new_order(simulator, octopia)
    request = octopia.order_cancel(order, lines=["1"], reason=AfterSaleReason.OUT_OF_STOCK)
    # The simulator answers line-level requests under cancellationRequestId.
    assert request.request_id and request.line_ids == ("1",)
    simulator.state.advance_clock(601)
    after = octopia.get_order(order.order_id)
    assert after.status == "InPreparation"
    assert [line.status for line in after.lines] == ["Cancelled", "InPreparation"]
    octopia.ship_order(
        after, carrier="Colissimo", tracking_number="6A1", tracking_url="", line_ids=["2"]
    )
    assert octopia.get_order(order.order_id).status == "Shipped"


def test_a_refused_line_level_request_offers_the_whole_order(simulator, octopia):
    order = new_order(simulator, octopia)
    control(simulator, "/octopia/aftersale", {"refuse_partial_sellers": [SELLER]})
    with pytest.raises(errors.CancellationRefusedError) as refused:
        octopia.order_cancel(order, lines=["2"], reason=AfterSaleReason.OUT_OF_STOCK)
    assert refused.value.whole_order_offered
    assert str(refused.value).startswith(
        f"Cdiscount refused the cancellation of some lines of order {order.reference}"
    )
    assert "only a whole-order cancellation is possible" in str(refused.value)
    assert refused.value.trace_id
    # The whole order still can be.
    assert octopia.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK).request_id


def test_an_order_no_longer_cancellable_is_refused_with_a_sentence(simulator, octopia):
    order = new_order(simulator, octopia, status="Shipped")
    with pytest.raises(errors.CancellationRefusedError) as refused:
        octopia.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK)
    assert not refused.value.whole_order_offered
    assert "can no longer be cancelled" in str(refused.value)


def test_a_request_overtaken_by_the_shipment_is_refused_on_the_clock(simulator, octopia):
    order = new_order(simulator, octopia)
    octopia.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK)
    octopia.ship_order(order, carrier="Colissimo", tracking_number="6A2", tracking_url="")
    simulator.state.advance_clock(601)
    (followed,) = octopia.order_cancellations(order)
    assert followed.state == Outcome.REFUSED
    assert "Shipped" in followed.message
    assert octopia.get_order(order.order_id).status == "Shipped"


def test_a_customer_cancellation_request_shows_on_the_line_and_blocks_its_shipment(
    simulator, octopia
):
    order = new_order(simulator, octopia)
    raised = control(
        simulator, "/octopia/customer-cancellation", {"order_id": order.order_id, "line_ids": ["1"]}
    )
    after = octopia.get_order(order.order_id)
    assert [line.status for line in after.lines] == ["CancelRequest", "InPreparation"]
    with pytest.raises(errors.RejectedError, match="asked to cancel"):
        octopia.ship_order(
            after, carrier="Colissimo", tracking_number="6A3", tracking_url="", line_ids=["1"]
        )
    (discussion,) = [d for d in octopia.discussions() if d.typology == "orderCancellation"]
    assert discussion.discussion_id == raised["discussion_id"]
    # The seller accepts the customer's request by cancelling the line.
    octopia.order_cancel(after, lines=["1"], reason=AfterSaleReason.CUSTOMER_REQUEST)
    simulator.state.advance_clock(601)
    assert octopia.get_order(order.order_id).lines[0].status == "Cancelled"


def test_a_refund_up_to_the_allowance_is_accepted_on_the_clock(simulator, octopia):
    order = new_order(simulator, octopia, status="Shipped")
    allowance = octopia.refund_allowance(order)
    assert allowance.amount == order.total_amount
    refund = octopia.order_refund(
        order, amount=Decimal("12.50"), reason=AfterSaleReason.MISSING_PRODUCT
    )
    assert (refund.amount, refund.state) == (Decimal("12.50"), Outcome.PENDING)
    assert octopia.refund_allowance(order).amount == order.total_amount - Decimal("12.50")
    simulator.state.advance_clock(601)
    (settled,) = octopia.order_refunds(order)
    assert (settled.refund_id, settled.status, settled.state) == (
        refund.refund_id,
        "Accepted",
        Outcome.ACCEPTED,
    )


def test_a_refund_above_the_allowance_is_refused_with_a_sentence(simulator, octopia):
    order = new_order(simulator, octopia, status="Delivered")
    with pytest.raises(errors.RefundRefusedError) as refused:
        octopia.order_refund(order, amount=Decimal("31.00"), reason=AfterSaleReason.MISSING_PRODUCT)
    assert order.total_amount == Decimal("30")
    assert refused.value.status == 400
    assert str(refused.value).startswith(
        f"Cdiscount refused the refund of 31.00 EUR on order {order.reference}"
    )
    assert "exceeds the allowable amount" in str(refused.value)


def test_a_refund_before_shipment_is_refused(simulator, octopia):
    order = new_order(simulator, octopia)
    with pytest.raises(errors.RefundRefusedError, match="Shipped or Delivered"):
        octopia.order_refund(order, amount=Decimal("1.00"), reason=AfterSaleReason.MISSING_PRODUCT)


def test_a_large_refund_for_another_reason_is_refused_after_review(simulator, octopia):
    order = new_order(simulator, octopia, status="Shipped")
    refund = octopia.order_refund(
        order, amount=Decimal("25.00"), reason=AfterSaleReason.OTHER, details="Parcel lost"
    )
    simulator.state.advance_clock(601)
    (settled,) = octopia.order_refunds(order)
    assert (settled.refund_id, settled.state) == (refund.refund_id, Outcome.REFUSED)
    assert settled.message


def test_refunds_are_listed_over_cursor_pages(simulator, octopia, monkeypatch):
    monkeypatch.setattr(octopia_module, "GESTURE_PAGE_LIMIT", 2)
    order = new_order(simulator, octopia, status="Shipped")
    made = [
        octopia.order_refund(
            order, amount=Decimal("1.00"), reason=AfterSaleReason.LATE_DELIVERY
        ).refund_id
        for _ in range(5)
    ]
    assert [refund.refund_id for refund in octopia.order_refunds(order)] == made
    cursors = [
        r["query"].get("cursor")
        for r in simulator.state.requests
        if r["method"] == "GET" and r["path"].endswith("/order-commercial-gesture-requests")
    ]
    assert len(cursors) == 3 and cursors[0] is None and all(cursors[1:])


def test_a_discussion_is_listed_read_answered_and_closed(simulator, octopia):
    order = new_order(simulator, octopia, status="Shipped")
    opened = control(
        simulator,
        "/octopia/discussions",
        {
            "order_id": order.order_id,
            "claim": True,
            "typology": "productIsDamaged",
            "messages": ["The mug is broken.", "Any news?"],
            "interval_seconds": 3600,
        },
    )
    (listed,) = [d for d in octopia.discussions(open_only=True) if d.to_answer]
    assert (listed.discussion_id, listed.is_claim, listed.order_id) == (
        opened["discussionId"],
        True,
        order.order_id,
    )
    assert [m.body for m in octopia.discussion(listed.discussion_id).messages] == [
        "The mug is broken."
    ]

    simulator.state.advance_clock(3601)  # the customer writes again
    assert len(octopia.discussion(listed.discussion_id).messages) == 2

    octopia.discussion_reply(listed.discussion_id, "A new mug leaves today.")
    thread = octopia.discussion(listed.discussion_id)
    assert (thread.messages[-1].sender, thread.to_answer) == ("Seller", False)
    assert [d for d in octopia.discussions() if d.to_answer] == []

    assert octopia.discussion_close(listed.discussion_id).closed
    assert list(octopia.discussions(open_only=True)) == []
    with pytest.raises(errors.RejectedError, match="closed or escalated"):
        octopia.discussion_reply(listed.discussion_id, "One more thing")


def test_an_unanswered_discussion_is_escalated_after_three_days(simulator, octopia):
    order = new_order(simulator, octopia, status="Shipped")
    control(simulator, "/octopia/discussions", {"order_id": order.order_id})
    simulator.state.advance_clock(3 * 86400 + 1)
    (discussion,) = octopia.discussions()
    assert (discussion.raw["graduation"], discussion.kind) == ("Level_1", DiscussionKind.ESCALATED)
