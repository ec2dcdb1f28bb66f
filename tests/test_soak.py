"""Soak: 30 minutes of simulated time, every job on its schedule, through injected faults.

The simulator's clock drives the app's clock; each simulated minute runs whatever beat would
run then (intervals read from the database schedules) and the retries that fall due. The
simulator fails 10% of calls with a 5xx, 5% with a 429, drops 2% of connections and expires
every token now and then. At the end every order is stored exactly once with its latest state,
every shipment is confirmed exactly once, and every offer shows its last value.
"""

import json
import math
import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from channels.cdiscount.errors import CdiscountError
from channels.models import CdiscountAccount, Job, OfferPackage, Order, Product, Shipment
from channels.services.fulfillment import ShipmentInput, shipment_record
from channels.services.inventory import (
    offer_package_poll,
    offer_price,
    offer_quantity,
    reserved_quantities,
)
from channels.services.jobs import job_create, job_run
from channels.services.tokens import account_get_token
from channels.simulator.catalogue import PRODUCTS
from tests.orders_support import SELLER

pytestmark = pytest.mark.django_db
MINUTES = 30
FAULT_RATES = {"server_error": 0.10, "rate_limit": 0.05, "drop": 0.02}


def schedule_minutes() -> dict[str, int]:
    minutes = {}
    for task in PeriodicTask.objects.filter(task="channels.tasks.dispatch_scheduled"):
        kind = json.loads(task.kwargs)["kind"]
        if kind in (
            Job.Kind.TOKEN_REFRESH,
            Job.Kind.ORDER_DOWNLOAD,
            Job.Kind.INVENTORY_UPLOAD,
            Job.Kind.FULFILLMENT_UPLOAD,
        ):
            minutes[kind] = task.interval.every
    return minutes


def test_thirty_simulated_minutes_through_faults(simulator, octopia_account, monkeypatch):
    state = simulator.state
    rng = random.Random(42)
    # The app's clock follows the simulator's, so that minutes pass for both.
    monkeypatch.setattr(timezone, "now", state.now)
    state.package_integration_delay = 30
    state.set_autopilot(True, arrival_rate=120, seed=7)
    account = octopia_account
    assert account_get_token(account_id=account.pk).ok
    CdiscountAccount.objects.filter(pk=account.pk).update(
        enabled=True,
        allow_unpaid_order=True,
        enable_order_download=True,
        enable_inventory_upload=True,
        enable_order_fulfillment_upload=True,
        shipping_fee=Decimal("4.90"),
    )
    account.refresh_from_db()
    for item in PRODUCTS[:20]:
        Product.objects.create(
            company=account.company,
            sku=item.sku,
            ean=item.ean,
            quantity=rng.randint(50, 200),
            price=item.price,
        )
    schedule = schedule_minutes()
    assert schedule == {
        "token_refresh": 60,
        "order_download": 10,
        "inventory_upload": 15,
        "fulfillment_upload": 10,
    }
    state.set_fault_rates(FAULT_RATES, seed=3)
    retries: dict[int, list[int]] = {}  # minute -> job ids due again

    def run(job_id: int, minute: int) -> None:
        job = job_run(job_id=job_id, allow_retry=True)
        if getattr(job, "retry_in", None):
            retries.setdefault(minute + math.ceil(job.retry_in / 60), []).append(job.pk)

    for minute in range(MINUTES + 1):
        for kind, every in schedule.items():
            if minute % every == 0:
                job = job_create(account=account, kind=kind, trigger=Job.Trigger.SCHEDULED)
                run(job.pk, minute)
        for job_id in retries.pop(minute, []):
            run(job_id, minute)
        for package in OfferPackage.objects.filter(state=OfferPackage.State.SUBMITTED):
            offer_package_poll(package_pk=package.pk)
        if minute % 5 == 0:  # the seller ships what is paid, and sells in the shop
            for order in Order.objects.filter(
                account=account, paid=True, closed=False, shipment__isnull=True
            ):
                try:
                    shipment_record(
                        order=order,
                        data=ShipmentInput("Colissimo", f"6A{order.pk:011d}", "", date.today()),
                    )
                except CdiscountError:
                    pass  # the carrier list could not be read: the seller tries again later
            product = Product.objects.order_by("?").first()
            Product.objects.filter(pk=product.pk).update(quantity=max(0, product.quantity - 3))
        if minute % 12 == 11:
            state.expire_all_tokens()
        state.advance_clock(60)

    # Cdiscount recovers; the next scheduled runs catch up. No more simulated time passes, so
    # that what is compared below is settled.
    state.set_fault_rates({})
    state.set_autopilot(False)
    state.package_integration_delay = 0
    state.advance_clock(60)  # packages submitted with the old delay integrate

    def poll_packages() -> None:
        for package in OfferPackage.objects.filter(state=OfferPackage.State.SUBMITTED):
            assert offer_package_poll(package_pk=package.pk)

    def catch_up(kind) -> Job:
        job = job_run(job_id=job_create(account=account, kind=kind).pk)
        assert job.status in (Job.Status.COMPLETED, Job.Status.PROCESSING), job.message
        return job

    def download_until_settled() -> None:
        # An acceptance a download sends shows in the next one.
        for _ in range(3):
            job = catch_up(Job.Kind.ORDER_DOWNLOAD)
            if not job.counts.get("new") and not job.counts.get("updated"):
                return

    poll_packages()
    download_until_settled()
    catch_up(Job.Kind.FULFILLMENT_UPLOAD)
    download_until_settled()
    catch_up(Job.Kind.INVENTORY_UPLOAD)
    poll_packages()

    faulted = Job.objects.filter(logs__message__contains="Attempt").distinct().count()
    assert faulted > 0, "the soak must have gone through retries"
    remote_orders = state.orders_for("octopia", SELLER["octopia"])
    assert len(remote_orders) > 20
    stored = {o.order_number: o.status for o in Order.objects.filter(account=account)}
    assert len(stored) == Order.objects.filter(account=account).count()
    assert stored == {o["order_id"]: o["status"] for o in remote_orders}
    shipments = list(Shipment.objects.select_related("order"))
    assert len(shipments) >= 5, "the soak must have shipped orders"
    for shipment in shipments:
        assert shipment.upload_status == Shipment.UploadStatus.CONFIRMED, shipment.rejection_reason
        parcels = state.order("octopia", shipment.order.order_number)["parcels"]
        assert [p["parcel_number"] for p in parcels] == [shipment.tracking_number]
    offers = state.offers_for("octopia", SELLER["octopia"])
    assert len(offers) == 20
    reserved = reserved_quantities(account)
    for product in Product.objects.filter(company=account.company):
        quantity, _why = offer_quantity(product, account, reserved.get(product.sku, 0))
        assert offers[product.sku]["quantity"] == quantity, product.sku
        assert Decimal(str(offers[product.sku]["price"])) == offer_price(product, account)
        assert product.accepted_quantity == quantity
