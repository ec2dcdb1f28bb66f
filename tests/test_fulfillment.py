"""Shipments and the fulfillment upload against the simulator, both API generations."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from channels.forms import ShipmentForm
from channels.models import Carrier, Job, Order, Shipment
from channels.services import fulfillment
from channels.services.carriers import carriers_refresh
from channels.services.fulfillment import ShipmentInput, ShipmentRefused, shipment_record
from channels.services.jobs import job_create, job_run
from channels.services.tokens import account_get_token
from tests.orders_support import PAID, UNPAID, add_order, download

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(api_account):
    api_account.allow_unpaid_order = True
    api_account.save()
    return api_account


def upload(account) -> Job:
    job = job_create(account=account, kind=Job.Kind.FULFILLMENT_UPLOAD, trigger="manual")
    return job_run(job_id=job.pk)


def stored_order(simulator, account, api, status=None, lines=None) -> Order:
    """An order downloaded from Cdiscount, with the account's carrier list stored as the jobs
    store it."""
    number = add_order(simulator, api, status or PAID[api], lines=lines)
    download(account)
    carriers_refresh(account=account)
    return Order.objects.get(account=account, order_number=number)


def ship(order, carrier="Colissimo", tracking="6A12345678901", url="") -> Shipment:
    shipment, _warnings = shipment_record(
        order=order,
        data=ShipmentInput(carrier, tracking, url, date.today()),
    )
    return shipment


def test_a_shipment_is_confirmed_and_the_order_shipped(simulator, account, api):
    order = stored_order(simulator, account, api)
    shipment = ship(order, url="https://suivi.example/6A12345678901")
    job = upload(account)
    assert job.status == Job.Status.COMPLETED, job.message
    shipment.refresh_from_db()
    assert shipment.upload_status == Shipment.UploadStatus.CONFIRMED
    assert shipment.confirmed_at is not None
    assert simulator.state.order(api, order.order_number)["status"] == "Shipped"
    order.refresh_from_db()
    assert order.status == "Shipped"
    # a later order download keeps it shipped, and a second upload sends nothing
    assert upload(account).counts == {"confirmed": 0, "rejected": 0, "retry": 0}
    sent = [
        r
        for r in simulator.state.requests
        if r["method"] == "POST"
        and (
            r["path"].endswith("/shipments")
            or ("ValidateOrderList" in r["body"] and "ShippedBySeller" in r["body"])
        )
    ]
    assert len(sent) == 1
    body = sent[0]["body"]
    assert "6A12345678901" in body and "Colissimo" in body
    assert "https://suivi.example/6A12345678901" in body


def test_the_tracking_url_comes_from_the_carrier_when_left_blank(simulator, account, api):
    order = stored_order(simulator, account, api)
    shipment = ship(order, carrier="colissimo")  # matched case-insensitively
    assert shipment.carrier == "Colissimo"
    if api == "marketplace":
        assert "6A12345678901" in shipment.tracking_url


def test_dying_after_cdiscount_accepted_does_not_confirm_twice(
    simulator, account, api, monkeypatch
):
    order = stored_order(simulator, account, api)
    shipment = ship(order)
    real_confirm = fulfillment._confirm

    def die(shipment):
        raise RuntimeError("the worker died before recording the confirmation")

    monkeypatch.setattr(fulfillment, "_confirm", die)
    assert upload(account).status == Job.Status.FAILED  # died after Cdiscount took it
    shipment.refresh_from_db()
    assert shipment.upload_status == Shipment.UploadStatus.PENDING
    monkeypatch.setattr(fulfillment, "_confirm", real_confirm)
    job = upload(account)
    assert job.status == Job.Status.COMPLETED, job.message
    shipment.refresh_from_db()
    assert shipment.upload_status == Shipment.UploadStatus.CONFIRMED
    record = simulator.state.order(api, order.order_number)
    assert record["status"] == "Shipped"
    assert str(record).count("6A12345678901") >= 1


def test_an_order_cancelled_on_cdiscount_is_rejected_with_the_reason(simulator, account, api):
    order = stored_order(simulator, account, api)
    shipment = ship(order)
    cancelled = "Cancelled" if api == "octopia" else "CancelledByCustomer"
    simulator.state.set_order_status(api, order.order_number, cancelled)
    job = upload(account)
    assert job.status == Job.Status.FAILED
    shipment.refresh_from_db()
    assert shipment.upload_status == Shipment.UploadStatus.REJECTED
    assert cancelled in shipment.rejection_reason
    # not resent until the seller changes it
    assert upload(account).counts["rejected"] == 0
    simulator.state.set_order_status(api, order.order_number, PAID[api])
    ship(order, tracking="6A99999999999")
    assert upload(account).counts["confirmed"] == 1


def test_unpaid_orders_cannot_be_shipped(simulator, account, api):
    order = stored_order(simulator, account, api, status=UNPAID[api])
    with pytest.raises(ShipmentRefused, match="not paid"):
        ship(order)


def test_an_unknown_carrier_is_refused_with_the_list(simulator, account, api):
    order = stored_order(simulator, account, api)
    with pytest.raises(ShipmentRefused) as excinfo:
        ship(order, carrier="Pigeon Voyageur")
    assert "Pigeon Voyageur is not a carrier Cdiscount knows" in str(excinfo.value)
    assert "Colissimo" in str(excinfo.value)


def test_lines_with_a_cancellation_request_are_not_shipped(simulator, octopia_account):
    lines = [
        {
            "sku": "SKU-MUG",
            "ean": "3760452700039",
            "quantity": 1,
            "unit_price": "12.50",
            "name": "Mug",
        },
        {
            "sku": "SKU-TEA",
            "ean": "3760452700046",
            "quantity": 1,
            "unit_price": "8.90",
            "name": "Thé",
            "status": "CancelRequest",
        },
    ]
    order = stored_order(simulator, octopia_account, "octopia", lines=lines)
    shipment, warnings = shipment_record(
        order=order, data=ShipmentInput("Colissimo", "6A1", "", date.today())
    )
    assert any("SKU-TEA" in w and "cancellation request" in w for w in warnings)
    tea = order.lines.get(sku="SKU-TEA")
    assert tea.line_id not in shipment.line_ids


def test_transient_errors_leave_the_shipment_pending(simulator, account, api):
    order = stored_order(simulator, account, api)
    shipment = ship(order)
    simulator.state.inject_fault("server_error", count=1)
    job = upload(account)
    assert job.counts["retry"] == 1
    shipment.refresh_from_db()
    assert shipment.upload_status == Shipment.UploadStatus.PENDING
    assert shipment.attempts == 1
    assert upload(account).counts["confirmed"] == 1


def test_ship_form_on_the_order_page(simulator, alice_client, acme, octopia_account):
    order = stored_order(simulator, octopia_account, "octopia")
    url = reverse("channels:order_detail", args=[acme.pk, order.pk])
    page = alice_client.get(url).content.decode()
    assert 'id="ship-form"' in page and "Colissimo" in page
    response = alice_client.post(
        url,
        {
            "carrier": "Chronopost",
            "tracking_number": "XY 123 456",
            "tracking_url": "",
            "ship_date": "27/11/2026",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Shipment recorded" in body
    shipment = Shipment.objects.get(order=order)
    assert shipment.tracking_number == "XY123456"
    assert shipment.carrier == "Chronopost"
    bad = alice_client.post(
        url, {"carrier": "Chronopost", "tracking_number": "", "ship_date": "tomorrow"}
    )
    assert "Enter the date as 2026-11-27 or 27/11/2026." in bad.content.decode()


def test_shipments_csv_reports_bad_rows_by_line_and_saves_nothing(simulator, acme, octopia_account):
    first = stored_order(simulator, octopia_account, "octopia")
    second = stored_order(simulator, octopia_account, "octopia")
    content = (
        "order_number,carrier,tracking_number,tracking_url,ship_date\n"
        f"{first.order_number},colissimo,6A111,,2026-11-26\n"
        f"{second.order_number},Pigeon,6A222,,2026-11-26\n"
        "NO-SUCH-ORDER,Colissimo,6A333,,2026-11-26\n"
    )
    path = simulator_tmp(content)
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "cdiscount", "import-shipments", "--company", str(acme.pk), path, stdout=io.StringIO()
        )
    text = str(excinfo.value)
    assert "Line 3" in text and "Pigeon is not a carrier" in text
    assert "Line 4" in text and "No order NO-SUCH-ORDER" in text
    assert not Shipment.objects.exists()
    good = content.splitlines()[:2]
    path = simulator_tmp("\n".join(good) + "\n")
    out = io.StringIO()
    call_command("cdiscount", "import-shipments", "--company", str(acme.pk), path, stdout=out)
    assert "1 shipments recorded." in out.getvalue()
    call_command("cdiscount", "upload-fulfillment", "--company", str(acme.pk), stdout=io.StringIO())
    assert Shipment.objects.get().upload_status == Shipment.UploadStatus.CONFIRMED


def simulator_tmp(content: str) -> str:
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    handle.write(content)
    handle.close()
    return handle.name


# The stored carrier list ---------------------------------------------------------------------
def test_rendering_the_order_page_asks_cdiscount_nothing(
    simulator, alice_client, acme, account, api
):
    order = stored_order(simulator, account, api)
    url = reverse("channels:order_detail", args=[acme.pk, order.pk])
    for stored in (True, False):
        if not stored:
            Carrier.objects.all().delete()
        before = len(simulator.state.requests)
        page = alice_client.get(url).content.decode()
        assert len(simulator.state.requests) == before
        assert 'id="ship-form"' in page
        assert ('<option value="Colissimo"' in page) is stored
        assert ("arrives with the next sync" in page) is not stored


def test_refresh_fills_the_account_table_and_keeps_it_when_cdiscount_fails(
    simulator, account, other_co
):
    Carrier.objects.create(account=other_co.cdiscount_account, name="Other's carrier")
    assert carriers_refresh(account=account)
    names = set(account.carriers.values_list("name", flat=True))
    assert {"Colissimo", "Chronopost"} <= names
    assert other_co.cdiscount_account.carriers.get().name == "Other's carrier"
    assert not carriers_refresh(account=account, when_stale=True)  # a day has not passed
    Carrier.objects.filter(account=account).update(
        refreshed_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    simulator.state.inject_fault("server_error", count=5)
    assert not carriers_refresh(account=account, when_stale=True)
    assert set(account.carriers.values_list("name", flat=True)) == names  # yesterday's list


def test_the_fulfillment_upload_and_get_token_fill_an_empty_table(simulator, account):
    assert not account.carriers.exists()
    assert upload(account).status == Job.Status.COMPLETED
    assert account.carriers.filter(name="Colissimo").exists()
    Carrier.objects.all().delete()
    assert account_get_token(account_id=account.pk).ok
    assert account.carriers.filter(name="Colissimo").exists()


def test_the_ship_form_validates_against_the_stored_list(simulator, account, api):
    order = stored_order(simulator, account, api)
    row = {"tracking_number": "6A1", "tracking_url": "", "ship_date": date.today().isoformat()}
    form = ShipmentForm({**row, "carrier": " colissimo "}, account=account)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["carrier"] == "Colissimo"  # Cdiscount's own spelling
    form = ShipmentForm({**row, "carrier": "Pigeon"}, account=account)
    assert not form.is_valid()
    assert "Pigeon is not a carrier Cdiscount knows. Choose one of: " in form.errors["carrier"][0]
    assert "Chronopost" in form.errors["carrier"][0]
    # No list yet: the carrier is taken as typed and Cdiscount judges it at the upload.
    Carrier.objects.all().delete()
    form = ShipmentForm({**row, "carrier": "Pigeon"}, account=account)
    assert form.is_valid(), form.errors
    shipment, _warnings = shipment_record(order=order, data=form.shipment_input())
    assert shipment.carrier == "Pigeon" and shipment.tracking_url == ""
