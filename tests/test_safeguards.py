"""Never oversell, never miss an order: reservations, re-sweep, deadlines, dry run, timeline."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from channels.models import AcceptanceRequest, Job, Notification, Order, OrderEvent, Product
from channels.services.inventory import offer_package_poll
from channels.services.jobs import job_create, job_run
from channels.simulator.catalogue import PRODUCTS
from tests.orders_support import AWAITING, PAID, SELLER, add_order, download

pytestmark = pytest.mark.django_db
MUG_EAN = PRODUCTS[0].ean


def run(account, kind) -> Job:
    job = job_create(account=account, kind=kind, trigger="manual")
    return job_run(job_id=job.pk)


def upload(simulator, account) -> Job:
    job = run(account, Job.Kind.INVENTORY_UPLOAD)
    for package in job.packages.all():
        while not offer_package_poll(package_pk=package.pk):
            simulator.state.advance_clock(60)
    job.refresh_from_db()
    return job


@pytest.fixture
def account(simulator, octopia_account):
    simulator.state.package_integration_delay = 0
    octopia_account.safety_qty = 0
    octopia_account.enable_inventory_upload = True
    octopia_account.enable_order_download = True
    octopia_account.save()
    return octopia_account


def test_a_sale_between_two_uploads_is_never_offered_again(simulator, account):
    Product.objects.create(
        company=account.company, sku="SKU-MUG", ean=MUG_EAN, quantity=10, price=Decimal("12.50")
    )
    upload(simulator, account)
    assert simulator.state.offers_for("octopia", SELLER["octopia"])["SKU-MUG"]["quantity"] == 10
    # 2 mugs sold on Cdiscount; the back office has not counted them yet
    add_order(
        simulator,
        "octopia",
        PAID["octopia"],
        lines=[
            {"sku": "SKU-MUG", "ean": MUG_EAN, "quantity": 2, "unit_price": "12.50", "name": "Mug"}
        ],
    )
    download(account)
    job = upload(simulator, account)
    assert job.counts["sent"] == 1
    assert simulator.state.offers_for("octopia", SELLER["octopia"])["SKU-MUG"]["quantity"] == 8
    assert upload(simulator, account).counts["sent"] == 0
    # shipped: the reservation ends, and the back office now shows 8 on hand
    order = Order.objects.get()
    order.closed = True
    order.status = "Shipped"
    order.save()
    Product.objects.filter(sku="SKU-MUG").update(quantity=8)
    assert upload(simulator, account).counts["sent"] == 0  # still 8: nothing re-raised


def test_the_products_page_shows_available_reserved_and_what_cdiscount_should_show(
    simulator, account, alice_client
):
    Product.objects.create(
        company=account.company,
        sku="SKU-MUG",
        ean=MUG_EAN,
        quantity=10,
        price=Decimal("12.50"),
        safety_qty=1,
    )
    add_order(
        simulator,
        "octopia",
        PAID["octopia"],
        lines=[
            {"sku": "SKU-MUG", "ean": MUG_EAN, "quantity": 3, "unit_price": "12.50", "name": "Mug"}
        ],
    )
    download(account)
    body = alice_client.get(reverse("channels:product_list", args=[account.company_id]))
    row = body.content.decode().split('data-sku="SKU-MUG"')[1].split("</tr>")[0]
    assert '<td data-field="reserved">3</td>' in row
    assert '<td data-field="to_send">6 @ 12.50 €' in row


def test_an_order_hidden_from_the_incremental_window_is_found_by_the_resweep(
    simulator, account, alice_client
):
    download(account)  # the cursor is now
    simulator.state.advance_clock(-2 * 3600)  # Cdiscount lists an order dated two hours ago
    number = add_order(simulator, "octopia", PAID["octopia"])
    simulator.state.advance_clock(2 * 3600)
    assert download(account).counts.get("new", 0) == 0
    assert not Order.objects.filter(order_number=number).exists()
    job = run(account, Job.Kind.ORDER_RESWEEP)
    assert job.status == Job.Status.COMPLETED, job.message
    assert "1 missed orders found" in job.message
    order = Order.objects.get(order_number=number)
    assert order.missed_at is not None
    assert "before the window of the incremental download" in order.missed_reason
    page = alice_client.get(reverse("channels:order_list", args=[account.company_id]))
    assert "Missed orders found by the daily re-sweep" in page.content.decode()
    assert run(account, Job.Kind.ORDER_RESWEEP).counts.get("new", 0) == 0


def test_an_order_near_its_acceptance_deadline_alerts_and_can_be_accepted_by_hand(
    simulator, account, alice_client
):
    created = timezone.now() - timedelta(hours=44)  # 4 hours left of the 2 days
    number = simulator.state.add_order(
        api="octopia",
        seller=SELLER["octopia"],
        status=AWAITING["octopia"],
        created_at=created,
        lines=[
            {
                "sku": "UNKNOWN-SKU",
                "ean": MUG_EAN,
                "quantity": 1,
                "unit_price": "9.90",
                "name": "Objet inconnu",
            }
        ],
    )
    download(account)
    request = AcceptanceRequest.objects.get(order_number=number)
    assert request.status == AcceptanceRequest.Status.PENDING
    assert abs(request.deadline - (created + timedelta(days=2))) < timedelta(seconds=2)
    alert = Notification.objects.get(kind=Notification.Kind.ACCEPTANCE)
    assert "must be accepted or refused before" in alert.message
    download(account)
    assert Notification.objects.filter(kind=Notification.Kind.ACCEPTANCE).count() == 1
    page = alice_client.get(reverse("channels:order_list", args=[account.company_id]))
    body = page.content.decode()
    assert "Awaiting your acceptance" in body and "badge bad" in body
    assert "hours" in body.split('data-field="time_left"')[1].split("</td>")[0]
    response = alice_client.post(
        reverse("channels:acceptance_decide", args=[account.company_id, request.pk, "accept"]),
        follow=True,
    )
    assert "accepted" in response.content.decode()
    assert simulator.state.order("octopia", number)["status"] != AWAITING["octopia"]
    request.refresh_from_db()
    assert request.status == AcceptanceRequest.Status.ACCEPTED and request.decided_by == "alice"


def awaiting_request(simulator, account) -> AcceptanceRequest:
    number = add_order(
        simulator,
        "octopia",
        AWAITING["octopia"],
        lines=[
            {"sku": "UNKNOWN-SKU", "ean": MUG_EAN, "quantity": 1, "unit_price": "9.90", "name": "x"}
        ],
    )
    download(account)
    return AcceptanceRequest.objects.get(order_number=number)


def test_refuse_by_hand(simulator, account, alice_client):
    request = awaiting_request(simulator, account)
    alice_client.post(
        reverse("channels:acceptance_decide", args=[account.company_id, request.pk, "refuse"])
    )
    assert simulator.state.order("octopia", request.order_number)["status"] == "Refused"


@pytest.mark.parametrize("word", ["acept", "Accept", "refused", "yes", "delete"])
def test_a_decision_word_other_than_accept_or_refuse_is_a_404(
    simulator, account, alice_client, word
):
    request = awaiting_request(simulator, account)
    url = reverse("channels:acceptance_decide", args=[account.company_id, request.pk, "accept"])
    response = alice_client.post(url.replace("/accept/", f"/{word}/"))
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == AcceptanceRequest.Status.PENDING
    assert simulator.state.order("octopia", request.order_number)["status"] == AWAITING["octopia"]


@pytest.mark.parametrize("decision", ["accept", "refuse"])
def test_a_get_never_decides(simulator, account, alice_client, decision):
    request = awaiting_request(simulator, account)
    response = alice_client.get(
        reverse("channels:acceptance_decide", args=[account.company_id, request.pk, decision])
    )
    assert response.status_code == 405
    request.refresh_from_db()
    assert request.status == AcceptanceRequest.Status.PENDING
    assert simulator.state.order("octopia", request.order_number)["status"] == AWAITING["octopia"]


def test_the_dry_run_shows_what_would_be_sent_and_sends_nothing(simulator, account, alice_client):
    Product.objects.create(
        company=account.company,
        sku="SKU-MUG",
        ean=MUG_EAN,
        quantity=10,
        price=Decimal("12.50"),
        safety_qty=3,
    )
    out = io.StringIO()
    call_command(
        "cdiscount",
        "upload-inventory",
        "--company",
        str(account.company_id),
        "--dry-run",
        "--json",
        stdout=out,
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows == [
        {
            "sku": "SKU-MUG",
            "ean": MUG_EAN,
            "quantity": 7,
            "computed": "max(0, 10 − 0 − 3)",
            "price": "12.50",
            "shipping_fee": "0.00",
            "additional_shipping_fee": "0.00",
            "full": True,
        }
    ]
    page = alice_client.get(reverse("channels:inventory_preview", args=[account.company_id]))
    assert "max(0, 10 − 0 − 3)" in page.content.decode()
    assert not [r for r in simulator.state.requests if "offer-packages" in r["path"]]
    assert not Job.objects.exists()


def test_the_order_timeline_and_its_redacted_export(simulator, account, alice_client):
    from datetime import date

    from channels.services.fulfillment import ShipmentInput, shipment_record

    number = add_order(simulator, "octopia", PAID["octopia"])
    download(account)
    order = Order.objects.get(order_number=number)
    shipment_record(order=order, data=ShipmentInput("Colissimo", "6A42", "", date.today()))
    simulator.state.inject_fault("server_error", count=1, path_contains="/shipments")
    run(account, Job.Kind.FULFILLMENT_UPLOAD)
    run(account, Job.Kind.FULFILLMENT_UPLOAD)
    kinds = list(OrderEvent.objects.filter(order_number=number).values_list("kind", "ok"))
    assert kinds == [("downloaded", True), ("shipment", False), ("shipment", True)]
    page = alice_client.get(reverse("channels:order_detail", args=[account.company_id, order.pk]))
    assert "Shipment upload" in page.content.decode()
    export = alice_client.get(
        reverse("channels:order_timeline_export", args=[account.company_id, order.pk])
    )
    text = export.content.decode()
    data = json.loads(text)
    assert len(data["events"]) == 3 and data["events"][1]["trace_id"]
    assert data["shipment"]["tracking_number"] == "6A42"
    customer = order.shipping_address or order.billing_address
    for value in (
        order.customer_name,
        customer.get("last_name"),
        customer.get("line1"),
        customer.get("phone"),
        customer.get("email"),
        customer.get("postal_code"),
    ):
        if value:
            assert value not in text
    token = type(account).objects.get(pk=account.pk).access_token
    assert token not in text


@pytest.mark.parametrize("api_name", ["octopia"])
def test_a_silently_ignored_offer_update_is_caught_and_corrected(simulator, account, api_name):
    Product.objects.create(
        company=account.company, sku="SKU-MUG", ean=MUG_EAN, quantity=10, price=Decimal("12.50")
    )
    Product.objects.create(
        company=account.company,
        sku="SKU-TEA",
        ean=PRODUCTS[1].ean,
        quantity=4,
        price=Decimal("8.90"),
    )
    upload(simulator, account)
    # Cdiscount answers "Integrated" for the next update of SKU-MUG but keeps the old stock.
    simulator.state.ignore_next_offer_updates(api_name, SELLER[api_name], "SKU-MUG")
    Product.objects.filter(sku="SKU-MUG").update(quantity=3)
    job = upload(simulator, account)
    assert job.counts["accepted"] == 1
    offers = simulator.state.offers_for(api_name, SELLER[api_name])
    assert offers["SKU-MUG"]["quantity"] == 10  # the silent failure
    assert Product.objects.get(sku="SKU-MUG").accepted_quantity == 3  # what we were told
    job = run(account, Job.Kind.OFFER_RECONCILIATION)
    for package in job.packages.all():
        while not offer_package_poll(package_pk=package.pk):
            simulator.state.advance_clock(60)
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED, job.message
    assert job.message.startswith("1 offers drifted.")
    assert job.counts["drifted"] == 1 and job.counts["sent"] == 1
    mug = Product.objects.get(sku="SKU-MUG")
    assert mug.drift_found_at is not None and "Cdiscount showed 10" in mug.drift_note
    assert simulator.state.offers_for(api_name, SELLER[api_name])["SKU-MUG"]["quantity"] == 3
    assert run(account, Job.Kind.OFFER_RECONCILIATION).message == "0 offers drifted."


@pytest.mark.django_db(transaction=True)
def test_marketplace_drift_is_caught_and_corrected(
    simulator, marketplace_account, live_server, settings
):
    settings.PUBLIC_BASE_URL = live_server.url  # Cdiscount downloads the zip from the app
    simulator.state.package_integration_delay = 0
    account = marketplace_account
    account.safety_qty = 0
    account.enable_inventory_upload = True
    account.save()
    Product.objects.create(
        company=account.company, sku="SKU-MUG", ean=MUG_EAN, quantity=10, price=Decimal("12.50")
    )
    upload(simulator, account)
    simulator.state.ignore_next_offer_updates("marketplace", SELLER["marketplace"], "SKU-MUG")
    Product.objects.filter(sku="SKU-MUG").update(quantity=6)
    upload(simulator, account)
    offers = simulator.state.offers_for("marketplace", SELLER["marketplace"])
    assert offers["SKU-MUG"]["quantity"] == 10
    job = run(account, Job.Kind.OFFER_RECONCILIATION)
    for package in job.packages.all():
        while not offer_package_poll(package_pk=package.pk):
            simulator.state.advance_clock(60)
    job.refresh_from_db()
    assert job.counts["drifted"] == 1, job.message
    offers = simulator.state.offers_for("marketplace", SELLER["marketplace"])
    assert offers["SKU-MUG"]["quantity"] == 6
