"""One order book per seller: orders keyed by the marketplace reference both APIs share.

Before, an order was keyed by the id of the API it came through (Octopia `orderId`, Marketplace
`OrderNumber`), so one seen through both was stored twice. `merge_order_book` fills each row's
API and Octopia id, then merges the rows of one reference into the one with the most recent
state: lines, shipment and acceptance request follow it (events are found by any of the order's
ids). The download cursor becomes one per API generation.
"""

from collections import defaultdict
from datetime import UTC, datetime

from django.db import migrations, models

OCTOPIA = "octopia"
MARKETPLACE = "marketplace"
_OLDEST = datetime.min.replace(tzinfo=UTC)


def _payload_api(raw_payload: str, default: str) -> str:
    # Octopia answers JSON, the Marketplace API XML: the stored payload tells which one spoke.
    text = (raw_payload or "").lstrip()
    if text.startswith("{"):
        return OCTOPIA
    if text.startswith("<"):
        return MARKETPLACE
    return default


def _line_keys(lines) -> dict:
    """Each line by (SKU, occurrence): the two APIs name lines differently (§O4, §M4)."""
    seen: dict[str, int] = defaultdict(int)
    keyed = {}
    for line in lines:
        seen[line.sku] += 1
        keyed[(line.sku, seen[line.sku])] = line
    return keyed


def _merge_orders(apps, rows: list) -> None:
    OrderLine = apps.get_model("channels", "OrderLine")
    Shipment = apps.get_model("channels", "Shipment")
    rows.sort(key=lambda r: (r.cdiscount_updated_at or _OLDEST, r.last_changed_at, r.pk))
    kept, dropped = rows[-1], rows[:-1]
    kept.octopia_order_id = kept.octopia_order_id or next(
        (r.octopia_order_id for r in reversed(dropped) if r.octopia_order_id), ""
    )
    kept.first_seen_at = min(r.first_seen_at for r in rows)
    kept.accepted_at = kept.accepted_at or next(
        (r.accepted_at for r in reversed(dropped) if r.accepted_at), None
    )
    kept.save()
    kept_lines = _line_keys(OrderLine.objects.filter(order=kept).order_by("id"))
    taken_ids = {line.line_id for line in kept_lines.values()}
    for row in dropped:
        for key, line in _line_keys(OrderLine.objects.filter(order=row).order_by("id")).items():
            if key in kept_lines or line.line_id in taken_ids:
                continue
            line.order = kept
            line.save(update_fields=["order"])
            kept_lines[key] = line
            taken_ids.add(line.line_id)
    # The shipment that counts: a confirmed one (never to be sent again), else the latest.
    shipments = list(Shipment.objects.filter(order__in=rows))
    if shipments:
        best = max(shipments, key=lambda s: (s.upload_status == "confirmed", s.updated_at, s.pk))
        Shipment.objects.filter(order__in=rows).exclude(pk=best.pk).delete()
        if best.order_id != kept.pk:
            best.order = kept
            best.save(update_fields=["order"])
    for row in dropped:
        OrderLine.objects.filter(order=row).delete()
        row.delete()


def _merge_requests(requests: list) -> None:
    def rank(request):
        decided = request.status in ("accepted", "refused")
        return (decided, request.decided_at or request.first_seen_at or _OLDEST, request.pk)

    requests.sort(key=rank)
    kept, dropped = requests[-1], requests[:-1]
    kept.octopia_order_id = kept.octopia_order_id or next(
        (r.octopia_order_id for r in dropped if r.octopia_order_id), ""
    )
    kept.alerted_at = kept.alerted_at or next((r.alerted_at for r in dropped if r.alerted_at), None)
    kept.save()
    for request in dropped:
        request.delete()


def merge_order_book(apps, schema_editor) -> None:
    CdiscountAccount = apps.get_model("channels", "CdiscountAccount")
    Order = apps.get_model("channels", "Order")
    AcceptanceRequest = apps.get_model("channels", "AcceptanceRequest")
    SyncCursor = apps.get_model("channels", "SyncCursor")
    current_api = dict(CdiscountAccount.objects.values_list("pk", "api"))

    groups = defaultdict(list)
    for order in Order.objects.order_by("pk").iterator():
        order.api = _payload_api(order.raw_payload, current_api.get(order.account_id, OCTOPIA))
        if order.api == OCTOPIA:
            order.octopia_order_id = order.order_number
            order.reference = order.reference or order.order_number
        else:
            order.reference = order.order_number
        order.save(update_fields=["api", "octopia_order_id", "reference"])
        groups[(order.account_id, order.reference)].append(order)
    for rows in groups.values():
        if len(rows) > 1:
            _merge_orders(apps, rows)

    requests = defaultdict(list)
    for request in AcceptanceRequest.objects.order_by("pk").iterator():
        api = _payload_api(request.raw_payload, current_api.get(request.account_id, OCTOPIA))
        if api == OCTOPIA:
            request.octopia_order_id = request.order_number
            request.reference = request.reference or request.order_number
        else:
            request.reference = request.order_number
        request.save(update_fields=["octopia_order_id", "reference"])
        requests[(request.account_id, request.reference)].append(request)
    for rows in requests.values():
        if len(rows) > 1:
            _merge_requests(rows)

    for cursor in SyncCursor.objects.all():
        cursor.api = current_api.get(cursor.account_id, OCTOPIA)
        cursor.save(update_fields=["api"])

    if schema_editor.connection.vendor == "postgresql":
        # The deletions above leave deferred foreign-key checks that would block the ALTER
        # TABLEs below in the same transaction: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0014_accept_orders_automatically"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="order", name="unique_order_number"),
        migrations.RemoveConstraint(
            model_name="acceptancerequest", name="unique_acceptance_request"
        ),
        migrations.RemoveConstraint(model_name="synccursor", name="unique_sync_cursor"),
        migrations.AddField(
            model_name="order",
            name="octopia_order_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="Octopia order id"),
        ),
        migrations.AddField(
            model_name="order",
            name="api",
            field=models.CharField(
                blank=True,
                choices=[
                    ("octopia", "Octopia Seller API v2"),
                    ("marketplace", "Cdiscount Marketplace API (legacy)"),
                ],
                max_length=20,
                verbose_name="last downloaded through",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="reference",
            field=models.CharField(max_length=64, verbose_name="reference"),
        ),
        migrations.AddField(
            model_name="acceptancerequest",
            name="octopia_order_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="acceptancerequest",
            name="reference",
            field=models.CharField(max_length=64),
        ),
        migrations.AddField(
            model_name="synccursor",
            name="api",
            field=models.CharField(
                choices=[
                    ("octopia", "Octopia Seller API v2"),
                    ("marketplace", "Cdiscount Marketplace API (legacy)"),
                ],
                default="octopia",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(merge_order_book, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                fields=("account", "reference"), name="unique_order_reference"
            ),
        ),
        migrations.AddConstraint(
            model_name="acceptancerequest",
            constraint=models.UniqueConstraint(
                fields=("account", "reference"), name="unique_acceptance_request"
            ),
        ),
        migrations.AddConstraint(
            model_name="synccursor",
            constraint=models.UniqueConstraint(
                fields=("account", "kind", "api"), name="unique_sync_cursor"
            ),
        ),
    ]
