"""After the sale through the one AfterSaleClient protocol, end to end over real HTTP against the
simulator: the same test body for both API generations (`api` runs each test once per API)."""

from decimal import Decimal

import pytest
import requests

from channels.cdiscount import AfterSaleReason, MarketplaceClient, OctopiaClient, Outcome, errors
from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA

LINES = [
    {"sku": "SKU-1", "ean": "3760452700039", "quantity": 2, "unit_price": "19.90", "name": "A"},
    {"sku": "SKU-2", "ean": "3760452700046", "quantity": 1, "unit_price": "12.50", "name": "B"},
]
# Each API's own order states for: not shipped yet (cancellable), shipped.
STATES = {
    "octopia": {"cancellable": "InPreparation", "shipped": "Shipped"},
    "marketplace": {"cancellable": "WaitingForShipmentAcceptation", "shipped": "Shipped"},
}
SELLERS = {"octopia": DEMO_OCTOPIA["seller_id"], "marketplace": DEMO_MARKETPLACE["login"]}
# Longer than the simulator takes to settle a request (Octopia; the Marketplace API settles
# at once).
SETTLING = 601


@pytest.fixture
def client(simulator, api):
    urls = simulator.urls
    if api == "octopia":
        made = OctopiaClient(
            auth_url=urls["CDISCOUNT_AUTH_URL"],
            api_url=urls["CDISCOUNT_API_URL"],
            client_id=DEMO_OCTOPIA["client_id"],
            client_secret=DEMO_OCTOPIA["client_secret"],
            seller_id=DEMO_OCTOPIA["seller_id"],
        )
    else:
        made = MarketplaceClient(
            sts_url=urls["CDISCOUNT_STS_URL"],
            soap_url=urls["CDISCOUNT_SOAP_URL"],
            login=DEMO_MARKETPLACE["login"],
            password=DEMO_MARKETPLACE["password"],
        )
    with made:
        yield made


def new_order(simulator, api, client, state):
    order_id = simulator.state.add_order(
        api=api, seller=SELLERS[api], status=STATES[api][state], lines=LINES
    )
    return client.get_order(order_id)


def control(simulator, path, body):
    response = requests.post(f"{simulator.url}/_simulator{path}", json=body, timeout=5)
    assert response.status_code < 300, response.text
    return response.json()


def customer_claims(simulator, api, order, text):
    """The customer opens a claim on the order (each simulator's own control)."""
    if api == "octopia":
        control(
            simulator,
            "/octopia/discussions",
            {"order_id": order.order_id, "claim": True, "messages": [text]},
        )
    else:
        control(
            simulator,
            "/marketplace/discussions",
            {"order_id": order.order_id, "kind": "Claim", "claim_type": "Other", "content": text},
        )


def seller_answers_on_the_portal(simulator, api, discussion_id, text):
    assert api == "marketplace"  # Octopia answers through its API
    control(
        simulator,
        f"/marketplace/discussions/{discussion_id}/messages",
        {"sender_type": "Seller", "content": text},
    )


def test_the_reasons_are_the_shared_vocabulary(client):
    reasons = {reason.reason for reason in client.cancellation_reasons()}
    assert AfterSaleReason.OUT_OF_STOCK in reasons
    assert AfterSaleReason.OUT_OF_STOCK.label == "Out of stock"


def test_a_whole_order_is_cancelled_and_followed_until_accepted(simulator, api, client):
    order = new_order(simulator, api, client, "cancellable")

    cancellation = client.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK)

    assert cancellation.order_id == order.order_id
    assert cancellation.state in (Outcome.PENDING, Outcome.ACCEPTED)
    simulator.state.advance_clock(SETTLING)
    (followed,) = client.order_cancellations(order)
    assert followed.state == Outcome.ACCEPTED
    assert client.get_order(order.order_id).closed


def test_an_order_no_longer_cancellable_is_refused_with_a_sentence(simulator, api, client):
    order = new_order(simulator, api, client, "shipped")

    with pytest.raises(errors.CancellationRefusedError) as refused:
        client.order_cancel(order, reason=AfterSaleReason.OUT_OF_STOCK)

    assert f"cancel order {order.reference}: it " in str(refused.value)
    assert "no longer" in str(refused.value)
    assert not refused.value.whole_order_offered
    assert client.order_cancellations(order) == []
    assert client.get_order(order.order_id).status == STATES[api]["shipped"]


def test_a_refund_above_the_allowance_is_refused_item_by_item(simulator, api, client):
    order = new_order(simulator, api, client, "shipped")
    allowance = client.refund_allowance(order)
    assert allowance.amount == order.total_amount

    with pytest.raises(errors.RefundRefusedError) as refused:
        client.order_refund(
            order, amount=allowance.amount + Decimal("1"), reason=AfterSaleReason.MISSING_PRODUCT
        )

    (item,) = refused.value.result.items
    assert (item.kind, item.state, item.amount) == (
        "gesture",
        Outcome.REFUSED,
        allowance.amount + Decimal("1"),
    )
    assert str(refused.value).startswith(
        f"Cdiscount refused the {'refund' if api == 'octopia' else 'gesture'} of "
        f"{allowance.amount + 1:.2f} EUR"
    )
    assert client.order_refunds(order) == []
    assert client.refund_allowance(order).amount == order.total_amount


def test_a_refund_of_one_line_is_a_partial_refund_of_the_order(simulator, api, client):
    order = new_order(simulator, api, client, "shipped")
    line = order.lines[0]

    refund = client.order_refund(
        order, lines=[line.line_id], reason=AfterSaleReason.MISSING_PRODUCT
    )

    assert refund.state in (Outcome.PENDING, Outcome.ACCEPTED)
    assert (refund.amount, refund.refused) == (line.total_price, ())
    simulator.state.advance_clock(SETTLING)
    (made,) = client.order_refunds(order)
    assert (made.state, made.amount) == (Outcome.ACCEPTED, line.total_price)
    left = client.refund_allowance(order).amount
    assert left == order.total_amount - line.total_price


def test_a_claim_is_listed_read_answered_and_closed(simulator, api, client):
    order = new_order(simulator, api, client, "shipped")
    customer_claims(simulator, api, order, "Broken.")

    (found,) = client.discussions(open_only=True, claims_only=True)
    assert (found.order_id, found.is_claim, found.open) == (order.order_id, True, True)
    thread = client.discussion(found.discussion_id)
    assert [(m.sender, m.body) for m in thread.messages] == [("Customer", "Broken.")]
    assert thread.to_answer and thread.last_customer_message_at is not None

    try:
        client.discussion_reply(found.discussion_id, "A new one leaves today.")
    except errors.NotSupportedError as exc:
        assert "seller portal" in str(exc)
        seller_answers_on_the_portal(simulator, api, found.discussion_id, "A new one leaves.")
    assert not client.discussion(found.discussion_id).to_answer

    closed = client.discussion_close(found.discussion_id)
    assert (closed.discussion_id, closed.closed) == (found.discussion_id, True)
    assert list(client.discussions(open_only=True)) == []
    assert not client.discussion(found.discussion_id).open
