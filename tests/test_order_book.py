"""One order book per seller: switching API generations neither loses nor doubles an order, a
line, an acceptance or a shipment. End to end over HTTP against the simulator, whose seller
holds both kinds of credentials and so sees the same orders through either API."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from channels.models import AcceptanceRequest, Job, Order, OrderLine, Shipment, SyncCursor
from channels.services.carriers import carriers_refresh
from channels.services.fulfillment import ShipmentInput, shipment_record
from channels.services.jobs import job_create, job_run
from channels.services.orders import acceptance_decide
from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA
from tests.orders_support import AWAITING, PAID, add_order, download, stock

pytestmark = pytest.mark.django_db

OTHER = {"octopia": "marketplace", "marketplace": "octopia"}
SHIPPED = {"octopia": "Shipped", "marketplace": "Shipped"}


def use_api(account, api: str) -> None:
    """The account switched to `api` with that API's demo credentials (the switch page's
    end result)."""
    account.api = api
    if api == "octopia":
        account.username = DEMO_OCTOPIA["client_id"]
        account.password = DEMO_OCTOPIA["client_secret"]
        account.seller_id = DEMO_OCTOPIA["seller_id"]
    else:
        account.username = DEMO_MARKETPLACE["login"]
        account.password = DEMO_MARKETPLACE["password"]
    account.access_token = ""
    account.token_expires_at = None
    account.save()


def upload(account) -> Job:
    job = job_create(account=account, kind=Job.Kind.FULFILLMENT_UPLOAD, trigger="manual")
    return job_run(job_id=job.pk)


def ship(order: Order, tracking: str) -> Shipment:
    shipment, _warnings = shipment_record(
        order=order, data=ShipmentInput("Colissimo", tracking, "", date.today())
    )
    return shipment


def shipments_sent(simulator, since: int) -> list[dict]:
    return [
        r
        for r in simulator.state.requests[since:]
        if r["method"] == "POST"
        and (
            r["path"].endswith("/shipments")
            or ("ValidateOrderList" in r["body"] and "ShippedBySeller" in r["body"])
        )
    ]


def acceptances_sent(simulator, since: int) -> list[dict]:
    return [
        r
        for r in simulator.state.requests[since:]
        if r["method"] == "POST"
        and (
            r["path"].endswith("/approval-status")
            or ("ValidateOrderList" in r["body"] and "AcceptedBySeller" in r["body"])
        )
    ]


def reference_of(simulator, api: str, order_id: str) -> str:
    """The reference both APIs share: the Marketplace API's OrderNumber."""
    return order_id if api == "marketplace" else simulator.state.twin_order_id(api, order_id)


@pytest.fixture
def linked(simulator):
    """The demo seller holds both kinds of credentials: one order book, two APIs."""
    simulator.state.link_sellers(DEMO_OCTOPIA["seller_id"], DEMO_MARKETPLACE["login"])
    return simulator


@pytest.mark.parametrize("first", ["octopia", "marketplace"])
def test_a_switch_keeps_one_order_book(linked, acme, first, alice):
    simulator = linked
    second = OTHER[first]
    account = acme.cdiscount_account
    use_api(account, first)
    stock(acme, SKU_MUG=50, SKU_TEA=50)

    # Through the first API: two paid orders, one accepted automatically, one waiting for the
    # seller (an unknown SKU).
    shipped_id = add_order(simulator, first, PAID[first])
    unshipped_id = add_order(simulator, first, PAID[first])
    accepted_id = add_order(simulator, first, AWAITING[first])
    waiting_id = add_order(
        simulator,
        first,
        AWAITING[first],
        lines=[
            {"sku": "SKU-NEW", "ean": "3760452700077", "quantity": 1, "unit_price": "5.00"}
            | {"name": "Nouveau"}
        ],
    )
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    carriers_refresh(account=account)
    assert Order.objects.count() == 2
    assert AcceptanceRequest.objects.get(order_number=accepted_id).status == "accepted"
    assert AcceptanceRequest.objects.get(order_number=waiting_id).status == "pending"

    shipped = Order.objects.get(order_number=shipped_id)
    ship(shipped, "6A00000000001")
    assert upload(account).counts["confirmed"] == 1
    ship(Order.objects.get(order_number=unshipped_id), "6A00000000002")  # not sent yet

    # Created 20 days ago and never downloaded through the first API (its cursor is past it).
    simulator.state.advance_clock(-20 * 86400)
    old_id = add_order(simulator, first, PAID[first])
    simulator.state.advance_clock(20 * 86400)

    lines_before = OrderLine.objects.count()
    mark = len(simulator.state.requests)
    use_api(account, second)
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message

    # No duplicate order or line; the 30-day look-back found the old order.
    references = sorted(Order.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 3
    assert OrderLine.objects.count() == lines_before + 2
    for first_id in (shipped_id, unshipped_id, old_id):
        twin_id = simulator.state.twin_order_id(first, first_id)
        order = Order.objects.get(reference=reference_of(simulator, first, first_id))
        assert order.api == second
        assert order.order_number == twin_id
        # Both ids, once the order has been seen through Octopia.
        octopia_id = first_id if first == "octopia" else twin_id
        seen_through_octopia = second == "octopia" or first_id != old_id
        assert order.octopia_order_id == (octopia_id if seen_through_octopia else "")
        assert order.lines.count() == 2
    assert SyncCursor.objects.filter(account=account, api=second).exists()
    assert SyncCursor.objects.filter(account=account).count() == 2

    # The acceptance made through the first API carries over: nothing sent again, one request.
    assert AcceptanceRequest.objects.count() == 2
    assert acceptances_sent(simulator, mark) == []
    accepted = AcceptanceRequest.objects.get(reference=reference_of(simulator, first, accepted_id))
    assert accepted.status == "accepted"

    # The shipment confirmed before the switch is not resent; the pending one goes once,
    # through the new API, under that API's id for the order.
    job = upload(account)
    assert job.counts == {"confirmed": 1, "rejected": 0, "retry": 0}, job.message
    assert upload(account).counts == {"confirmed": 0, "rejected": 0, "retry": 0}
    sent = shipments_sent(simulator, mark)
    assert len(sent) == 1
    unshipped_twin = simulator.state.twin_order_id(first, unshipped_id)
    assert unshipped_twin in sent[0]["path"] + sent[0]["body"]
    assert "6A00000000002" in sent[0]["body"]
    assert simulator.state.order(second, unshipped_twin)["status"] == SHIPPED[second]
    assert len(simulator.state.order(first, shipped_id)["parcels"]) == 1
    assert Shipment.objects.filter(upload_status="confirmed").count() == 2

    # The decision still waiting is taken through the new API.
    waiting = AcceptanceRequest.objects.get(status="pending")
    acceptance_decide(request=waiting, accept=True, user=alice)
    assert acceptances_sent(simulator, mark)
    waiting_twin = simulator.state.twin_order_id(first, waiting_id)
    assert simulator.state.order(second, waiting_twin)["status"] != AWAITING[second]


def test_the_orders_list_page_and_cli_show_the_api(linked, acme, alice_client):
    account = acme.cdiscount_account
    use_api(account, "marketplace")
    number = add_order(linked, "marketplace", PAID["marketplace"])
    download(account)
    order = Order.objects.get(reference=number)
    assert order.api == "marketplace" and order.octopia_order_id == ""
    use_api(account, "octopia")
    download(account)
    order.refresh_from_db()
    assert order.octopia_order_id == linked.state.twin_order_id("marketplace", number)
    listing = alice_client.get(f"/companies/{acme.pk}/orders/").content.decode()
    assert "Octopia Seller API v2" in listing
    page = alice_client.get(f"/companies/{acme.pk}/orders/{order.pk}/").content.decode()
    assert order.octopia_order_id in page and number in page
    out = io.StringIO()
    call_command("cdiscount", "orders", "--company", str(acme.pk), "--json", stdout=out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["api"] == "octopia"
    assert row["octopia_order_id"] == order.octopia_order_id
    assert row["marketplace_order_number"] == row["reference"] == number
    assert row["number"] == order.octopia_order_id  # the id of the API it last came through


def test_a_pending_shipment_waits_for_the_octopia_id(linked, acme):
    """Stored through the Marketplace API, shipped after a switch to Octopia before any Octopia
    download: it waits, then goes once the download brings the order's Octopia id."""
    account = acme.cdiscount_account
    use_api(account, "marketplace")
    number = add_order(linked, "marketplace", PAID["marketplace"])
    download(account)
    carriers_refresh(account=account)
    ship(Order.objects.get(reference=number), "6A00000000003")
    use_api(account, "octopia")
    mark = len(linked.state.requests)
    job = upload(account)
    assert job.counts["waiting"] == 1 and job.counts["confirmed"] == 0
    assert shipments_sent(linked, mark) == []
    download(account)
    assert upload(account).counts["confirmed"] == 1
    assert len(shipments_sent(linked, mark)) == 1
    octopia_id = linked.state.twin_order_id("marketplace", number)
    assert linked.state.order("octopia", octopia_id)["status"] == "Shipped"
    assert timezone.now() - timedelta(minutes=5) < Shipment.objects.get().confirmed_at
