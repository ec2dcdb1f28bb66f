"""The migration to one order book merges an order stored twice (once through each API) into
one: lines, shipment and acceptance follow the kept row, the most recent state wins, and the
download cursor becomes the current API's."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("channels", "0014_accept_orders_automatically")]
AFTER = [("channels", "0015_one_order_book")]
OCTOPIA_ID = "SCID01261101100000ABCD"
REFERENCE = "2611011000ABCDE"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _order(apps, account, number, *, status, payload, updated, lines):
    Order = apps.get_model("channels", "Order")
    OrderLine = apps.get_model("channels", "OrderLine")
    order = Order.objects.create(
        account=account,
        order_number=number,
        reference=REFERENCE,
        status=status,
        paid=True,
        cdiscount_updated_at=updated,
        total_amount=Decimal("34.00"),
        raw_payload=payload,
    )
    for line_id, sku in lines:
        OrderLine.objects.create(
            order=order,
            line_id=line_id,
            sku=sku,
            quantity=1,
            unit_price=Decimal("12.50"),
            total_price=Decimal("12.50"),
        )
    return order


@pytest.fixture
def old_book():
    """The database just before the migration, with one order stored through both APIs."""
    apps = _migrate(BEFORE)
    Company = apps.get_model("channels", "Company")
    CdiscountAccount = apps.get_model("channels", "CdiscountAccount")
    company = Company.objects.create(name="Acme")
    account = CdiscountAccount.objects.create(company=company, api="marketplace")
    # Stored through Octopia first, then through the Marketplace API (shipped since).
    octopia = _order(
        apps,
        account,
        OCTOPIA_ID,
        status="InPreparation",
        payload=f'{{"orderId": "{OCTOPIA_ID}"}}',
        updated=datetime(2026, 11, 1, 10, tzinfo=UTC),
        lines=[("1", "SKU-MUG"), ("2", "SKU-TEA")],
    )
    marketplace = _order(
        apps,
        account,
        REFERENCE,
        status="Shipped",
        payload=f"<Order><OrderNumber>{REFERENCE}</OrderNumber></Order>",
        updated=datetime(2026, 11, 2, 10, tzinfo=UTC),
        lines=[("SKU-MUG", "SKU-MUG")],
    )
    Shipment = apps.get_model("channels", "Shipment")
    Shipment.objects.create(
        order=octopia,
        carrier="Colissimo",
        tracking_number="6A00000000001",
        ship_date=date(2026, 11, 1),
        upload_status="confirmed",
    )
    AcceptanceRequest = apps.get_model("channels", "AcceptanceRequest")
    AcceptanceRequest.objects.create(
        account=account,
        order_number=OCTOPIA_ID,
        reference=REFERENCE,
        status="accepted",
        decided_by="automatic",
        raw_payload="{}",
    )
    AcceptanceRequest.objects.create(
        account=account, order_number=REFERENCE, status="pending", raw_payload="<Order/>"
    )
    SyncCursor = apps.get_model("channels", "SyncCursor")
    SyncCursor.objects.create(
        account=account, kind="order_download", position=datetime(2026, 11, 2, tzinfo=UTC)
    )
    OrderEvent = apps.get_model("channels", "OrderEvent")
    for number in (OCTOPIA_ID, REFERENCE):
        OrderEvent.objects.create(account=account, order_number=number, kind="downloaded")
    yield account.pk, marketplace.pk
    # Whatever the test did, the database ends at the latest migration for the tests after it.
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_merges_an_order_stored_through_both_apis(old_book):
    account_id, marketplace_pk = old_book
    _migrate(AFTER)
    # The current models from here on: the migration left the database in their shape.
    from channels.models import AcceptanceRequest, Order, OrderEvent, Shipment, SyncCursor

    order = Order.objects.get(account_id=account_id)
    assert order.pk == marketplace_pk  # the most recent state is kept
    assert order.status == "Shipped"
    assert order.reference == REFERENCE
    assert order.octopia_order_id == OCTOPIA_ID
    assert order.api == "marketplace"
    assert sorted(order.lines.values_list("sku", flat=True)) == ["SKU-MUG", "SKU-TEA"]
    shipment = Shipment.objects.get()
    assert shipment.order_id == order.pk and shipment.upload_status == "confirmed"
    request = AcceptanceRequest.objects.get()
    assert request.status == "accepted" and request.octopia_order_id == OCTOPIA_ID
    events = OrderEvent.objects.filter(account_id=account_id, order_number__in=order.api_ids)
    assert events.count() == 2
    cursor = SyncCursor.objects.get()
    assert cursor.api == "marketplace"
