"""Shipments and the fulfillment upload (docs/architecture.md, Fulfillment upload;
docs/cdiscount-api.md §O4, §M5).

Each pending shipment is sent once. Before sending, the order is read back from Cdiscount: an
order already shipped with the same tracking number means an earlier upload got through even
if its answer was lost, and counts as confirmed, so a shipment is never confirmed twice.

A shipment belongs to the order, not to an API generation: one confirmed through one API is never
sent through the other, and a pending one goes through the account's current API, under the id
that API knows the order by. An order stored through the Marketplace API has no Octopia id until
an Octopia download lists it: its shipment waits for that.
"""

import logging
from collections.abc import Callable
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.cdiscount import CdiscountClient, errors
from channels.models import (
    Carrier,
    CdiscountAccount,
    Job,
    Notification,
    Order,
    OrderEvent,
    Shipment,
)
from channels.selectors import carriers_for_account
from channels.validators import (
    ShipmentInput,
    shipment_carrier_find,
    shipment_row_validate,
)

from .carriers import carriers_refresh
from .clients import cdiscount_client_for
from .csv_import import CsvImportError, CsvReader
from .health import notify
from .messages import cdiscount_error_sentence
from .orders import line_keys
from .runs import JobOutcome, job_log

logger = logging.getLogger(__name__)

CANCEL_REQUEST = "CancelRequest"
SHIPPED_STATES = {"Shipped", "Delivered"}
SHIPMENTS_PROGRESS_EVERY = 500


class ShipmentRefused(Exception):
    """A shipment the app refuses before anything is sent, with the seller's sentence."""


# Carriers ------------------------------------------------------------------------------------
def tracking_url_for(carrier: Carrier, tracking_number: str) -> str:
    """The carrier's default tracking URL with the number filled in, where one is known."""
    pattern = carrier.default_url
    if not pattern:
        return ""
    for placeholder in ("{0}", "{tracking}", "{TrackingNumber}"):
        if placeholder in pattern:
            return pattern.replace(placeholder, tracking_number)
    return ""


# Recording shipments -------------------------------------------------------------------------
def shipment_record(*, order: Order, data: ShipmentInput, user=None) -> tuple[Shipment, list[str]]:
    """Records (or changes) the shipment of an order; returns it with warnings for the seller."""
    if not order.paid:
        raise ShipmentRefused(_("This order is not paid yet: Cdiscount does not let it ship."))
    if order.closed and order.status not in SHIPPED_STATES:
        raise ShipmentRefused(
            _("This order is %(state)s: there is nothing to ship.") % {"state": order.status}
        )
    try:
        carrier = shipment_carrier_find(data.carrier, carriers_for_account(order.account))
    except ValidationError as exc:
        raise ShipmentRefused(exc.messages[0]) from None
    lines = list(order.lines.filter(seller_fulfilled=True))
    warnings = [
        _("Line %(sku)s has a cancellation request from the customer: it is not shipped.")
        % {"sku": line.sku}
        for line in lines
        if line.status == CANCEL_REQUEST
    ]
    line_ids = [line.line_id for line in lines if line.status != CANCEL_REQUEST]
    if not line_ids:
        raise ShipmentRefused(_("Every line of this order has a cancellation request."))
    tracking_url = data.tracking_url or (
        tracking_url_for(carrier, data.tracking_number) if carrier else ""
    )
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().filter(order=order).first()
        if shipment and shipment.upload_status == Shipment.UploadStatus.CONFIRMED:
            raise ShipmentRefused(
                _("This shipment is already confirmed on Cdiscount and cannot be changed.")
            )
        shipment = shipment or Shipment(order=order, created_by=user)
        shipment.carrier = carrier.name if carrier else data.carrier.strip()
        shipment.tracking_number = data.tracking_number
        shipment.tracking_url = tracking_url
        shipment.ship_date = data.ship_date
        shipment.line_ids = line_ids
        # A changed shipment is sent again, even one Cdiscount rejected before.
        shipment.upload_status = Shipment.UploadStatus.PENDING
        shipment.rejection_reason = ""
        shipment.save()
    return shipment, warnings


SHIPMENT_COLUMNS = ("order_number", "carrier", "tracking_number", "tracking_url", "ship_date")


def shipments_import_csv(
    *,
    account: CdiscountAccount,
    file: BinaryIO,
    user=None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Records every shipment of a CSV file opened in binary mode, or none: bad rows are
    reported by line number. `progress` is told the number of rows read now and then."""
    reader = CsvReader(file, required=SHIPMENT_COLUMNS)
    carriers = carriers_for_account(account)
    planned: list[tuple[int, Order, ShipmentInput]] = []
    for rows, row in enumerate(reader, start=1):
        if progress and rows % SHIPMENTS_PROGRESS_EVERY == 0:
            progress(rows)
        try:
            data = shipment_row_validate(row.data, carriers=carriers)
        except ValidationError as exc:
            reader.add_field_errors(row.line, exc.message_dict)
            continue
        number = row.data["order_number"].strip()
        order = (
            Order.objects.filter(account=account, reference=number).first()
            or Order.objects.filter(account=account, order_number=number).first()
            or Order.objects.filter(account=account, octopia_order_id=number).first()
        )
        if order is None:
            reader.add(row.line, _("No order %(n)s.") % {"n": number})
            continue
        planned.append((row.line, order, data))
    reader.raise_problems()
    problems: list[tuple[int, str]] = []
    with transaction.atomic():
        for line, order, data in planned:
            try:
                shipment_record(order=order, data=data, user=user)
            except ShipmentRefused as exc:
                problems.append((line, str(exc)))
        if problems:
            raise CsvImportError(problems)  # rolls the whole file back
    return len(planned)


# The upload job --------------------------------------------------------------------------------
def fulfillment_upload(job: Job) -> JobOutcome:
    with cdiscount_client_for(job.account) as client:
        return _shipments_upload(job, client)


def _shipments_upload(job: Job, client: CdiscountClient) -> JobOutcome:
    account = job.account
    carriers_refresh(account=account, client=client, when_stale=True)  # for the Ship form
    shipments = list(
        Shipment.objects.filter(
            order__account=account, upload_status=Shipment.UploadStatus.PENDING
        ).select_related("order")
    )
    confirmed = rejected = failed = waiting = 0
    for shipment in shipments:
        order = shipment.order
        record = order.reference or order.order_number
        order_id = order.id_for(account.api)
        if not order_id:
            # Stored through the Marketplace API: the next Octopia download brings its id.
            waiting += 1
            job_log(
                job,
                _("Waiting for the next order download to bring this order's %(api)s id.")
                % {"api": account.get_api_display()},
                record=record,
            )
            continue
        Shipment.objects.filter(pk=shipment.pk).update(
            attempts=shipment.attempts + 1, last_attempt_at=timezone.now()
        )
        try:
            outcome = _send_shipment(client, shipment, order_id)
        except errors.AuthenticationError:
            raise  # the account's credentials: the whole job fails with that sentence
        except errors.TransientError as exc:
            failed += 1
            _event(job, order, cdiscount_error_sentence(exc, api=account.api), ok=False, exc=exc)
            job_log(
                job,
                _("Not sent, tried again at the next run: %(why)s")
                % {"why": cdiscount_error_sentence(exc, api=account.api)},
                record=record,
                is_error=True,
            )
            continue
        except errors.CdiscountError as exc:
            outcome = ("rejected", cdiscount_error_sentence(exc, api=account.api))
            _event(job, order, outcome[1], ok=False, exc=exc)
        if outcome[0] == "confirmed":
            confirmed += 1
            _confirm(shipment)
            _event(
                job,
                order,
                _("Confirmed: %(carrier)s %(tracking)s")
                % {"carrier": shipment.carrier, "tracking": shipment.tracking_number},
            )
            job_log(job, _("Confirmed by Cdiscount."), record=record)
        else:
            rejected += 1
            Shipment.objects.filter(pk=shipment.pk).update(
                upload_status=Shipment.UploadStatus.REJECTED, rejection_reason=outcome[1]
            )
            job_log(job, outcome[1], record=record, is_error=True)
            notify(
                account=account,
                kind=Notification.Kind.TRACKING,
                message=_(
                    "%(company)s: Cdiscount rejected the tracking of order %(order)s: %(why)s"
                )
                % {"company": account.company.name, "order": record, "why": outcome[1]},
                link=reverse("channels:order_detail", args=[account.company_id, order.pk]),
                key=f"shipment:{shipment.pk}",
            )
    message = _("%(c)d shipments confirmed, %(r)d rejected, %(f)d to retry.") % {
        "c": confirmed,
        "r": rejected,
        "f": failed,
    }
    counts = {"confirmed": confirmed, "rejected": rejected, "retry": failed}
    if waiting:
        message += " " + _("%(n)d waiting for the order download.") % {"n": waiting}
        counts["waiting"] = waiting
    return JobOutcome(
        message,
        counts,
        succeeded=confirmed,
        failed=rejected + failed,
    )


def _line_ids_for(current, shipment: Shipment) -> list[str] | None:
    """The shipment's lines as the API being used names them: recorded through the other API,
    they are matched by SKU (docs/cdiscount-api.md §O4, §M4)."""
    if not shipment.line_ids:
        return None
    known = {line.line_id for line in current.lines}
    if set(shipment.line_ids) <= known:
        return list(shipment.line_ids)
    stored = line_keys(shipment.order.lines.all())
    wanted = {key for key, line in stored.items() if line.line_id in shipment.line_ids}
    return [line.line_id for key, line in line_keys(current.lines).items() if key in wanted]


def _send_shipment(client: CdiscountClient, shipment: Shipment, order_id: str) -> tuple[str, str]:
    """("confirmed", "") or ("rejected", reason)."""
    current = client.get_order(order_id)
    already_shipped = current.status in SHIPPED_STATES
    if already_shipped and shipment.tracking_number in current.raw_payload:
        return "confirmed", ""  # our earlier upload got through; its answer was lost
    if not already_shipped and not current.paid:
        return "rejected", _("Cdiscount shows this order as %(state)s: it cannot be shipped.") % {
            "state": current.status
        }
    try:
        client.ship_order(
            current,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url,
            line_ids=_line_ids_for(current, shipment),
        )
    except errors.RejectedError as exc:
        # Cdiscount names the parcel it already has (§S): ours means an earlier attempt got
        # through; another means the order was shipped some other way.
        text = " ".join(filter(None, [exc.cdiscount_message, str(exc)]))
        if shipment.tracking_number in text:
            return "confirmed", ""
        if already_shipped:
            return "rejected", _(
                "Cdiscount already shows this order as shipped with another parcel."
            )
        raise
    return "confirmed", ""


def _event(job: Job, order: Order, message: str, *, ok: bool = True, exc=None) -> None:
    OrderEvent.of(
        account_id=order.account_id,
        order_number=order.order_number,
        kind=OrderEvent.Kind.SHIPMENT,
        message=message,
        ok=ok,
        exc=exc,
        job=job,
    ).save()


def _confirm(shipment: Shipment) -> None:
    now = timezone.now()
    with transaction.atomic():
        Shipment.objects.filter(pk=shipment.pk).update(
            upload_status=Shipment.UploadStatus.CONFIRMED, confirmed_at=now, rejection_reason=""
        )
        Order.objects.filter(pk=shipment.order_id).update(status="Shipped", last_changed_at=now)
