"""After the sale on the Marketplace API, end to end: MarketplaceClient against the simulator
over real HTTP (§M8 cancellations, §M9 refund vouchers, §M10 discussions and claims)."""

from decimal import Decimal

import pytest
import requests

from channels.cdiscount import MarketplaceClient
from channels.cdiscount.aftersale import (
    ALREADY_CLOSED,
    CANCELLATION_PENDING,
    CLOSED,
    LAST_ANSWER_MISSING,
    NOT_FOUND,
    AfterSaleReason,
    Outcome,
)
from channels.cdiscount.errors import CancellationRefusedError, RefundRefusedError
from channels.simulator import DEMO_MARKETPLACE

LOGIN = DEMO_MARKETPLACE["login"]
LINES = [
    {"sku": "SKU-1", "ean": "3760452700039", "quantity": 2, "unit_price": "19.90", "name": "A"},
    {"sku": "SKU-2", "ean": "3760452700046", "quantity": 1, "unit_price": "12.50", "name": "B"},
]


@pytest.fixture
def client(simulator):
    urls = simulator.urls
    with MarketplaceClient(
        sts_url=urls["CDISCOUNT_STS_URL"],
        soap_url=urls["CDISCOUNT_SOAP_URL"],
        login=LOGIN,
        password=DEMO_MARKETPLACE["password"],
    ) as marketplace_client:
        yield marketplace_client


def add_order(simulator, status):
    return simulator.state.add_order(api="marketplace", seller=LOGIN, status=status, lines=LINES)


def control(simulator, method, path, **json):
    response = requests.request(
        method, f"{simulator.url}/_simulator{path}", json=json or None, timeout=5
    )
    assert response.status_code < 300, response.text
    return response.json()


# -- §M8: cancelling before shipment ----------------------------------------------------------


def test_cancel_a_paid_order_refunds_every_line(simulator, client):
    number = add_order(simulator, "WaitingForShipmentAcceptation")

    result = client.order_cancel(client.get_order(number), reason=AfterSaleReason.OUT_OF_STOCK)

    assert (result.status, result.line_ids) == ("ShipmentRefusedBySeller", ("SKU-1", "SKU-2"))
    order = client.get_order(number)
    assert order.status == "ShipmentRefusedBySeller" and order.closed
    assert {(line.status, line.quantity) for line in order.lines} == {
        ("RefundedAfterShipmentRefused", 0)
    }


def test_cancel_before_acceptance_refuses_the_order(simulator, client):
    number = add_order(simulator, "WaitingForSellerAcceptation")

    result = client.order_cancel(client.get_order(number), reason=AfterSaleReason.PRICE_ERROR)

    assert result.status == "RefusedBySeller"
    assert client.get_order(number).status == "RefusedBySeller"


def test_an_order_no_longer_cancellable_is_a_sentence(simulator, client):
    number = add_order(simulator, "WaitingForShipmentAcceptation")
    order = client.get_order(number)
    simulator.state.set_order_status("marketplace", number, "Shipped")

    with pytest.raises(CancellationRefusedError) as refused:
        client.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK)

    assert str(refused.value).startswith(
        f"Cdiscount would not cancel order {number}: it is no longer cancellable"
    )
    assert "OrderStateIncoherent" in refused.value.cdiscount_message
    assert client.get_order(number).status == "Shipped"


def test_cancelling_some_lines_only_says_to_cancel_the_whole_order(simulator, client):
    number = add_order(simulator, "WaitingForShipmentAcceptation")

    with pytest.raises(CancellationRefusedError, match="cancel the whole order instead") as no:
        client.order_cancel(
            client.get_order(number), lines=["SKU-2"], reason=AfterSaleReason.OUT_OF_STOCK
        )

    assert no.value.whole_order_offered
    assert client.get_order(number).status == "WaitingForShipmentAcceptation"


# -- customer cancellations and claims read on the order --------------------------------------


def test_a_customer_cancellation_reads_on_the_lines_then_cancels_the_order(simulator, client):
    number = add_order(simulator, "WaitingForShipmentAcceptation")
    control(
        simulator, "POST", f"/marketplace/orders/{number}/customer-cancellation", line_ids=["SKU-2"]
    )

    lines = {line.sku: line.status for line in client.get_order(number).lines}
    assert lines == {"SKU-1": "AcceptedBySeller", "SKU-2": "CancellationRequestPending"}

    control(simulator, "POST", f"/marketplace/orders/{number}/customer-cancellation", settle=True)
    order = client.get_order(number)
    assert order.status == "CancelledByCustomer" and order.closed
    assert {line.status for line in order.lines} == {"RefundedAfterCustomerCancellation"}


def test_a_claim_flags_the_order_and_its_line(simulator, client):
    number = add_order(simulator, "Shipped")
    assert client.get_order(number).has_claims is False

    control(
        simulator,
        "POST",
        "/marketplace/discussions",
        order_id=number,
        kind="Claim",
        claim_type="DamagedProduct",
        line_ids=["SKU-1"],
        content="Arrivé cassé.",
    )

    order = client.get_order(number)
    assert order.has_claims is True
    assert {line.sku: line.has_claim for line in order.lines} == {"SKU-1": True, "SKU-2": False}


# -- §M9: refund vouchers ---------------------------------------------------------------------


def test_refund_a_whole_line_and_a_gesture(simulator, client):
    number = add_order(simulator, "Shipped")
    order = client.get_order(number)

    result = client.order_refund(
        order, lines=["SKU-2"], amount=Decimal("5.00"), reason=AfterSaleReason.LATE_DELIVERY
    )

    assert [(item.kind, item.accepted) for item in result.items] == [
        ("line", True),
        ("gesture", True),
    ]
    assert result.items[0].amount == Decimal("12.5")
    refunded = client.get_order(number)
    assert {line.sku: line.status for line in refunded.lines}["SKU-2"] == "RefundedAfterShipping"
    assert [(v.amount, v.motive_id, v.source) for v in refunded.vouchers] == [
        (Decimal("12.5"), None, "Seller"),
        (Decimal("5"), "135", "Seller"),
    ]


def test_a_gesture_above_the_allowed_amount_is_refused_with_a_sentence(simulator, client):
    number = add_order(simulator, "Shipped")

    with pytest.raises(RefundRefusedError) as refused:
        client.order_refund(
            client.get_order(number), amount=Decimal("500.00"), reason=AfterSaleReason.OTHER
        )

    (item,) = refused.value.result.items
    assert not item.accepted
    assert item.message.startswith("Cdiscount refused the gesture of 500.00 EUR: Cdiscount")
    assert "dépasse le montant remboursable" in item.cdiscount_message
    assert client.get_order(number).vouchers == ()


def test_a_partial_refusal_returns_what_passed_and_what_did_not(simulator, client):
    number = add_order(simulator, "Shipped")
    order = client.get_order(number)
    client.order_refund(order, lines=["SKU-1"], reason=AfterSaleReason.DAMAGED_PRODUCT)

    # SKU-1 is already refunded.
    result = client.order_refund(order, lines=["SKU-1", "SKU-2"], reason=AfterSaleReason.OTHER)

    assert [(item.sku, item.accepted) for item in result.items] == [
        ("SKU-1", False),
        ("SKU-2", True),
    ]
    assert "déjà remboursée" in result.refused[0].cdiscount_message
    assert result.state == Outcome.PARTIAL
    assert len(client.get_order(number).vouchers) == 2


def test_refunding_an_order_not_shipped_is_refused(simulator, client):
    number = add_order(simulator, "WaitingForShipmentAcceptation")

    with pytest.raises(RefundRefusedError, match="refunds are for shipped orders"):
        client.order_refund(
            client.get_order(number), lines=["SKU-1"], reason=AfterSaleReason.CUSTOMER_REQUEST
        )


# -- §M10: discussions ------------------------------------------------------------------------


def test_discussions_arrive_over_time_and_filter(simulator, client):
    shipped = add_order(simulator, "Shipped")
    other = add_order(simulator, "Shipped")
    control(
        simulator,
        "POST",
        "/marketplace/discussions",
        order_id=shipped,
        kind="Claim",
        claim_type="PackageNotReceived",
        content="Pas reçu.",
        follow_ups=[{"after_seconds": 3600, "content": "Toujours rien ?"}],
    )
    control(simulator, "POST", "/marketplace/discussions", order_id=other, content="Question")

    (claim,) = client.list_discussions(discussion_type="Claim")
    assert (claim.order_id, claim.typology, claim.is_claim) == (
        shipped,
        "PackageNotReceived",
        True,
    )
    assert [m.body for m in claim.messages] == ["Pas reçu."]
    assert [d.order_id for d in client.list_discussions(order_ids=[other])] == [other]

    simulator.state.advance_clock(3601)
    (claim,) = client.list_discussions(discussion_type="Claim", status="NotProcessed")
    assert [m.body for m in claim.messages] == ["Pas reçu.", "Toujours rien ?"]
    assert claim.messages[-1].sender == "Customer"


def test_close_discussions_reports_each_outcome(simulator, client):
    answered = add_order(simulator, "Shipped")
    unanswered = add_order(simulator, "Shipped")
    cancelling = add_order(simulator, "WaitingForShipmentAcceptation")
    ids = {}
    for key, number in (("a", answered), ("u", unanswered), ("c", cancelling)):
        ids[key] = control(simulator, "POST", "/marketplace/discussions", order_id=number)["id"]
    control(
        simulator,
        "POST",
        f"/marketplace/discussions/{ids['a']}/messages",
        sender_type="Seller",
        content="Expédié hier.",
    )
    control(
        simulator,
        "POST",
        f"/marketplace/orders/{cancelling}/customer-cancellation",
        line_ids=["SKU-1"],
    )
    control(
        simulator,
        "POST",
        f"/marketplace/discussions/{ids['c']}/messages",
        sender_type="Seller",
        content="Bien noté.",
    )

    results = client.close_discussions([str(ids["a"]), str(ids["u"]), str(ids["c"]), "1"])

    assert [(r.outcome, r.closed) for r in results] == [
        (CLOSED, True),
        (LAST_ANSWER_MISSING, False),
        (CANCELLATION_PENDING, False),
        (NOT_FOUND, False),
    ]
    assert "answer it on the Cdiscount seller portal" in results[1].message
    (again,) = client.close_discussions([str(ids["a"])])
    assert again.outcome == ALREADY_CLOSED
    (closed,) = client.list_discussions(status="Closed")
    assert closed.discussion_id == str(ids["a"]) and closed.closed_at is not None
