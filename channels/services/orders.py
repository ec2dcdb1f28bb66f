"""Order download and acceptance (docs/architecture.md, Order download;
docs/cdiscount-api.md §O4, §M4-M5).

Orders are upserted by (account, reference) in batches, each batch in one transaction, so a
crash leaves only whole orders behind; the cursor moves only when the whole run succeeds, so a
rerun fetches again whatever a failed run did not finish.

One order book per seller: the reference is the marketplace order reference both API
generations share, so an order reached through the other API after a switch is merged into the
stored one (lines matched by SKU where the two APIs name them differently), never stored twice.
Each API generation has its own cursor: the first run on a newly chosen API looks back 30 days.
"""

import dataclasses
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.cdiscount import CdiscountClient, errors
from channels.cdiscount.results import Order as CdiscountOrder
from channels.models import (
    AcceptanceRequest,
    CdiscountAccount,
    CdiscountApi,
    Job,
    Notification,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    SyncCursor,
)

from .clients import cdiscount_client_for
from .health import notify
from .messages import cdiscount_error_sentence
from .runs import JobOutcome, job_heartbeats, job_log, job_progress

logger = logging.getLogger(__name__)

# Orders changed just before the last run's end may be listed late: look back a little.
CURSOR_OVERLAP = timedelta(minutes=15)
# An account's first run looks back this far, so orders already waiting are not missed.
FIRST_RUN_LOOKBACK = timedelta(days=30)
BATCH_SIZE = 200
# The daily re-sweep re-reads this far back, whatever the cursor says.
RESWEEP_WINDOW = timedelta(days=3)
# Cdiscount cancels an order not accepted within this long of its creation (§M4, §O4).
ACCEPTANCE_TIMEOUT = timedelta(days=2)
ACCEPTANCE_ALERT = timedelta(hours=6)
# Lines Cdiscount adds for its own fees: not products, never a reason to refuse an order.
FEE_LINE_SKUS = {"FRAISTRAITEMENT", "INTERETBCA"}

ORDER_FIELDS = (
    "order_number",
    "octopia_order_id",
    "api",
    "status",
    "paid",
    "closed",
    "ordered_at",
    "cdiscount_updated_at",
    "ship_by",
    "currency",
    "customer_name",
    "billing_address",
    "shipping_address",
    "total_amount",
    "shipping_total",
    "commission",
    "raw_payload",
)
LINE_FIELDS = (
    "sku",
    "ean",
    "name",
    "quantity",
    "unit_price",
    "total_price",
    "shipping_cost",
    "status",
    "seller_fulfilled",
    "product",
)


def _address(address) -> dict | None:
    if address is None:
        return None
    return {key: value for key, value in dataclasses.asdict(address).items() if value}


def _order_values(order: CdiscountOrder, *, api: str, octopia_order_id: str) -> dict:
    return {
        "order_number": order.order_id,
        "octopia_order_id": order.order_id if api == CdiscountApi.OCTOPIA else octopia_order_id,
        "api": api,
        "status": order.status,
        "paid": order.paid,
        "closed": order.closed,
        "ordered_at": order.created_at,
        "cdiscount_updated_at": order.updated_at,
        "ship_by": order.ship_by,
        "currency": order.currency or "EUR",
        "customer_name": (order.customer_name or "")[:200],
        "billing_address": _address(order.billing_address),
        "shipping_address": _address(order.shipping_address),
        "total_amount": order.total_amount,
        "shipping_total": order.shipping_total,
        "commission": order.commission,
        "raw_payload": order.raw_payload,
    }


def order_reference(order: CdiscountOrder) -> str:
    """The key of the order book: the reference both APIs share (the Marketplace API's
    OrderNumber is Octopia's `reference`)."""
    return order.reference or order.order_id


def line_keys(lines: Iterable) -> dict[tuple[str, int], object]:
    """Each line by (SKU, occurrence): Octopia names lines by `orderLineId`, the Marketplace
    API by SellerProductId, so only the SKU matches a line across the two."""
    seen: Counter = Counter()
    keyed = {}
    for line in lines:
        seen[line.sku] += 1
        keyed[(line.sku, seen[line.sku])] = line
    return keyed


def _line_values(line, products: dict[str, Product]) -> dict:
    return {
        "sku": line.sku,
        "ean": line.ean or "",
        "name": (line.name or "")[:300],
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "total_price": line.total_price,
        "shipping_cost": line.shipping_cost,
        "status": line.status or "",
        "seller_fulfilled": line.seller_fulfilled,
        "product": products.get(line.sku),
    }


class OrderDownload:
    """One run of the order download for one account."""

    def __init__(
        self, job: Job | None, *, account: CdiscountAccount | None = None, resweep: bool = False
    ):
        # Without a job: one order the seller just decided on (acceptance_decide).
        self.job = job
        self.account: CdiscountAccount = account or job.account
        self.counts: Counter = Counter()
        self.failures = 0
        self.resweep = resweep
        self.events: list[OrderEvent] = []

    def run(self) -> JobOutcome:
        now = timezone.now()
        cursor = order_cursor(self.account)
        if self.resweep:
            start = now - RESWEEP_WINDOW
        else:
            start = cursor.position - CURSOR_OVERLAP if cursor else now - FIRST_RUN_LOOKBACK
        with cdiscount_client_for(self.account) as client:
            batch: list[CdiscountOrder] = []
            # Pages can be slow: the heartbeat goes on between them, not only between batches.
            orders = client.list_orders(updated_from=start, updated_to=now)
            for order in job_heartbeats(self.job, orders):
                batch.append(order)
                if len(batch) >= BATCH_SIZE:
                    self._handle(client, batch)
                    batch = []
            self._handle(client, batch)
        self._alert_deadlines()
        if self.resweep:
            return self._outcome()
        # Only a run that got through every page moves the cursor.
        SyncCursor.objects.update_or_create(
            account=self.account,
            kind=Job.Kind.ORDER_DOWNLOAD,
            api=self.account.api,
            defaults={"position": now},
        )
        return self._outcome()

    def _outcome(self) -> JobOutcome:
        c = self.counts
        message = _(
            "%(new)d new, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d unpaid "
            "skipped, %(accepted)d accepted, %(waiting)d awaiting your acceptance."
        ) % {
            "new": c["new"],
            "updated": c["updated"],
            "unchanged": c["unchanged"],
            "skipped": c["skipped_unpaid"],
            "accepted": c["accepted"],
            "waiting": c["awaiting_acceptance"],
        }
        if self.failures:
            message += " " + _("%(n)d acceptances failed and will be tried again.") % {
                "n": self.failures
            }
        if self.resweep:
            message = (
                _("Re-sweep of the last 3 days: %(n)d missed orders found.") % {"n": c["new"]}
                + " "
                + message
            )
        succeeded = c["new"] + c["updated"] + c["accepted"]
        return JobOutcome(
            message=message,
            counts=dict(c),
            succeeded=succeeded,
            failed=self.failures,
        )

    # Per batch -----------------------------------------------------------------------------
    def _handle(self, client: CdiscountClient, orders: list[CdiscountOrder]) -> None:
        if not orders:
            return
        products = self._products_for(orders)
        # An order accepted here is stored as Cdiscount now has it, not as it was listed.
        orders = [
            self._consider_acceptance(client, order, products)
            if order.awaiting_acceptance
            else order
            for order in orders
        ]
        self._store(orders, products)
        self._close_acceptance_requests(orders)
        job_progress(self.job, _("%(n)d orders read") % {"n": sum(self.counts.values())})

    def _store(self, orders: list[CdiscountOrder], products: dict[str, Product]) -> None:
        to_store = []
        # An order already stored keeps following Cdiscount (a cancellation, say), even if
        # unpaid orders were allowed then and are not now.
        stored = set(
            Order.objects.filter(
                account=self.account, reference__in=[order_reference(o) for o in orders]
            ).values_list("reference", flat=True)
        )
        for order in orders:
            if order.paid or self.account.allow_unpaid_order or order_reference(order) in stored:
                to_store.append(order)
            else:
                # Not stored and not lost: fetched again by later runs until it is paid.
                self.counts["skipped_unpaid"] += 1
        self._upsert(to_store, products)
        if self.events:  # those of orders not stored (unpaid), kept for their timeline
            OrderEvent.objects.bulk_create(self.events)
            self.events = []

    def _products_for(self, orders: Iterable[CdiscountOrder]) -> dict[str, Product]:
        skus = {line.sku for order in orders for line in order.lines}
        rows = Product.objects.filter(company_id=self.account.company_id, sku__in=skus)
        return {product.sku: product for product in rows}

    def _upsert(self, orders: list[CdiscountOrder], products: dict[str, Product]) -> None:
        if not orders:
            return
        # A listing may name an order twice (it changed while paging): its last state counts.
        orders = list({order_reference(order): order for order in orders}.values())
        existing = {
            row.reference: row
            for row in Order.objects.filter(
                account=self.account, reference__in=[order_reference(o) for o in orders]
            )
        }
        now = timezone.now()
        api = self.account.api
        new_rows, new_lines, changed = [], [], []
        for order in orders:
            row = existing.get(order_reference(order))
            values = _order_values(
                order, api=api, octopia_order_id=row.octopia_order_id if row else ""
            )
            if row is None:
                row = Order(
                    account=self.account,
                    reference=order_reference(order),
                    first_seen_at=now,
                    last_changed_at=now,
                    **values,
                )
                if self.resweep:
                    row.missed_at = now
                    row.missed_reason = missed_reason(order, self.account)
                    self._event(order, OrderEvent.Kind.MISSED, row.missed_reason)
                else:
                    self._event(order, OrderEvent.Kind.DOWNLOADED, order.status)
                new_rows.append(row)
                new_lines.extend(
                    OrderLine(order=row, line_id=line.line_id, **_line_values(line, products))
                    for line in order.lines
                )
            elif any(getattr(row, k) != v for k, v in values.items()):
                change = f"{row.status} → {order.status}" if row.status != order.status else ""
                self._event(order, OrderEvent.Kind.UPDATED, change)
                for key, value in values.items():
                    setattr(row, key, value)
                row.last_changed_at = now
                changed.append((row, order))
            else:
                self.counts["unchanged"] += 1
        with transaction.atomic():
            Order.objects.bulk_create(new_rows)
            OrderLine.objects.bulk_create(new_lines)
            OrderEvent.objects.bulk_create(self.events)
            self.events = []
            if changed:
                Order.objects.bulk_update(
                    [row for row, _order in changed], [*ORDER_FIELDS, "last_changed_at"]
                )
                self._update_lines(changed, products)
        self.counts["new"] += len(new_rows)
        self.counts["updated"] += len(changed)

    @staticmethod
    def _update_lines(changed, products) -> None:
        stored = defaultdict(list)
        for line in OrderLine.objects.filter(order__in=[row for row, _order in changed]):
            stored[line.order_id].append(line)
        to_update, to_create = [], []
        for row, order in changed:
            by_id = {line.line_id: line for line in stored[row.pk]}
            by_sku = line_keys(stored[row.pk])
            for key, line in line_keys(order.lines).items():
                values = _line_values(line, products)
                # The same API names the line as before; the other one only by its SKU.
                current = by_id.get(line.line_id) or by_sku.get(key)
                if current is None:
                    to_create.append(OrderLine(order=row, line_id=line.line_id, **values))
                else:
                    for key, value in values.items():
                        setattr(current, key, value)
                    to_update.append(current)
        OrderLine.objects.bulk_create(to_create)
        if to_update:
            OrderLine.objects.bulk_update(to_update, LINE_FIELDS)

    # Acceptance ----------------------------------------------------------------------------
    def _consider_acceptance(
        self, client: CdiscountClient, order: CdiscountOrder, products
    ) -> CdiscountOrder:
        """Accepts the order when the policy allows it, else puts it on the manual list; returns
        the order as it now stands."""
        request = AcceptanceRequest.objects.filter(
            account=self.account, reference=order_reference(order)
        ).first()
        if request and request.status in (
            AcceptanceRequest.Status.ACCEPTED,
            AcceptanceRequest.Status.REFUSED,
        ):
            return order  # already decided; Cdiscount has not moved it yet
        problem = acceptance_problem(order, products)
        # The seller's choice, not a fault: only a problem with the order itself is an error.
        is_error = problem is not None
        if not self.account.accept_orders_automatically:
            off = _("Automatic acceptance is off (General Settings → Controls).")
            problem = " ".join(filter(None, [off, problem]))
        if problem is None:
            try:
                client.accept_order(order)
            except errors.RejectedError as exc:
                is_error = True
                problem = (
                    _("Cdiscount refused the acceptance.")
                    + " "
                    + cdiscount_error_sentence(exc, api=self.account.api)
                )
                self._event(order, OrderEvent.Kind.ACCEPTANCE, problem, ok=False, exc=exc)
            except errors.TransientError as exc:
                # Not decided: the next run tries again, well before Cdiscount's deadline.
                self.failures += 1
                self._event(
                    order,
                    OrderEvent.Kind.ACCEPTANCE,
                    cdiscount_error_sentence(exc, api=self.account.api),
                    ok=False,
                    exc=exc,
                )
                job_log(
                    self.job,
                    _("Acceptance not sent: %(why)s")
                    % {"why": cdiscount_error_sentence(exc, api=self.account.api)},
                    record=order.reference or order.order_id,
                    is_error=True,
                )
                return order
            else:
                self._record_acceptance(order, AcceptanceRequest.Status.ACCEPTED, "")
                self._event(order, OrderEvent.Kind.ACCEPTANCE, _("Accepted automatically."))
                self.counts["accepted"] += 1
                job_log(self.job, _("Accepted automatically."), record=order.reference)
                decided, note = order_after_decision(
                    client, order, api=self.account.api, accepted=True
                )
                if note:
                    self._event(order, OrderEvent.Kind.ACCEPTANCE, note)
                return decided
        self._record_acceptance(order, AcceptanceRequest.Status.PENDING, problem)
        self._event(order, OrderEvent.Kind.ACCEPTANCE, problem, ok=not is_error)
        self.counts["awaiting_acceptance"] += 1
        job_log(self.job, problem, record=order.reference or order.order_id, is_error=is_error)
        return order

    def _record_acceptance(self, order: CdiscountOrder, status: str, reason: str) -> None:
        decided = status != AcceptanceRequest.Status.PENDING
        ids = {"order_number": order.order_id}
        if self.account.api == CdiscountApi.OCTOPIA:
            ids["octopia_order_id"] = order.order_id
        AcceptanceRequest.objects.update_or_create(
            account=self.account,
            reference=order_reference(order),
            defaults={
                **ids,
                "ordered_at": order.created_at,
                "status": status,
                "reason": reason,
                "decided_by": "automatic" if decided else "",
                "decided_at": timezone.now() if decided else None,
                "deadline": acceptance_deadline(order),
                "raw_payload": order.raw_payload,
            },
        )

    def _event(self, order, kind: str, message: str, *, ok: bool = True, exc=None) -> None:
        self.events.append(
            OrderEvent.of(
                account_id=self.account.pk,
                order_number=order.order_id,
                kind=kind,
                message=message,
                ok=ok,
                exc=exc,
                job=self.job,
            )
        )

    def _alert_deadlines(self) -> None:
        """A notification for each order the seller must decide on within a few hours."""
        soon = timezone.now() + ACCEPTANCE_ALERT
        due = AcceptanceRequest.objects.filter(
            account=self.account,
            status=AcceptanceRequest.Status.PENDING,
            deadline__lte=soon,
            alerted_at__isnull=True,
        )
        for request in due:
            when = timezone.localtime(request.deadline, ZoneInfo(self.account.company.time_zone))
            notify(
                account=self.account,
                kind=Notification.Kind.ACCEPTANCE,
                message=_(
                    "%(company)s: order %(order)s must be accepted or refused before %(when)s, "
                    "or Cdiscount cancels it."
                )
                % {
                    "company": self.account.company.name,
                    "order": request.reference or request.order_number,
                    "when": when.strftime("%Y-%m-%d %H:%M"),
                },
                link=reverse("channels:order_list", args=[self.account.company_id]),
                key=f"acceptance:{request.pk}",
            )
            request.alerted_at = timezone.now()
            request.save(update_fields=["alerted_at"])

    def _close_acceptance_requests(self, orders: list[CdiscountOrder]) -> None:
        """Pending requests whose order moved on (accepted elsewhere, cancelled) leave the list."""
        moved = [order_reference(o) for o in orders if not o.awaiting_acceptance]
        if moved:
            AcceptanceRequest.objects.filter(
                account=self.account,
                reference__in=moved,
                status=AcceptanceRequest.Status.PENDING,
            ).update(status=AcceptanceRequest.Status.CLOSED, decided_at=timezone.now())


# The state an order takes when the seller accepts or refuses it (docs/cdiscount-api.md §O4,
# §M5): shown when Cdiscount cannot be read back at once. Lines take the same state.
DECIDED_STATES = {
    CdiscountApi.OCTOPIA: {True: "Accepted", False: "Refused"},
    CdiscountApi.MARKETPLACE: {True: "AcceptedBySeller", False: "RefusedBySeller"},
}


def order_after_decision(
    client, order: CdiscountOrder, *, api: str, accepted: bool
) -> tuple[CdiscountOrder, str]:
    """The order as it stands after the seller's decision was sent, so the stored order shows
    it at once: read back from Cdiscount, or, when that read fails or lags, the decided state
    applied here. The note says so for the timeline ("" when read back)."""
    try:
        current = client.get_order(order.order_id)
    except errors.CdiscountError as exc:
        why = cdiscount_error_sentence(exc, api=api)
    else:
        if not current.awaiting_acceptance:
            return current, ""
        why = _("Cdiscount still lists it as %(state)s.") % {"state": current.status}
    state = DECIDED_STATES[api][accepted]
    applied = dataclasses.replace(
        order,
        status=state,
        awaiting_acceptance=False,
        closed=not accepted,
        lines=tuple(dataclasses.replace(line, status=state) for line in order.lines),
    )
    note = _(
        "Shown as %(state)s until the next download: the order could not be read back. %(why)s"
    ) % {"state": state, "why": why}
    return applied, note


def acceptance_problem(order: CdiscountOrder, products: dict[str, Product]) -> str | None:
    """Why an order cannot be accepted automatically, or None when every SKU is known and in
    stock."""
    wanted: Counter = Counter()
    for line in order.lines:
        if line.seller_fulfilled and line.sku.upper() not in FEE_LINE_SKUS:
            wanted[line.sku] += line.quantity
    problems = []
    for sku, quantity in wanted.items():
        product = products.get(sku)
        if product is None:
            problems.append(_("SKU %(sku)s is not in your catalogue.") % {"sku": sku})
        elif product.quantity < quantity:
            problems.append(
                _("SKU %(sku)s: %(wanted)d ordered, %(available)d in stock.")
                % {"sku": sku, "wanted": quantity, "available": product.quantity}
            )
    return " ".join(problems) or None


def acceptance_deadline(order: CdiscountOrder):
    return order.created_at + ACCEPTANCE_TIMEOUT if order.created_at else None


def missed_reason(order: CdiscountOrder, account: CdiscountAccount) -> str:
    """Why the incremental download may not have stored an order the re-sweep found."""
    if not order.paid and not account.allow_unpaid_order:
        return _("It was unpaid when earlier runs saw it.")
    cursor = order_cursor(account)
    if order.updated_at and cursor and order.updated_at < cursor.position - CURSOR_OVERLAP:
        return _(
            "Cdiscount dated its last change %(when)s, before the window of the incremental "
            "download."
        ) % {"when": order.updated_at.strftime("%Y-%m-%d %H:%M UTC")}
    return _("The incremental download did not receive it.")


def order_cursor(account: CdiscountAccount) -> SyncCursor | None:
    """Where the order download of the account's current API resumes (None: a first run)."""
    return SyncCursor.objects.filter(
        account=account, kind=Job.Kind.ORDER_DOWNLOAD, api=account.api
    ).first()


def orders_download(job: Job) -> JobOutcome:
    return OrderDownload(job).run()


def orders_resweep(job: Job) -> JobOutcome:
    return OrderDownload(job, resweep=True).run()


class AcceptanceFailed(Exception):
    """The seller's Accept or Refuse did not go through; the message says what to do."""


def acceptance_decide(*, request: AcceptanceRequest, accept: bool, user) -> None:
    """The seller accepts or refuses an order from the "awaiting your acceptance" list."""
    account = request.account
    kind = OrderEvent.Kind.ACCEPTANCE if accept else OrderEvent.Kind.REFUSAL
    order_id = request.id_for(account.api)
    if not order_id:
        raise AcceptanceFailed(
            _(
                "This order has not been downloaded through the %(api)s yet: download the "
                "orders, then decide."
            )
            % {"api": account.get_api_display()}
        )
    try:
        with cdiscount_client_for(account) as client:
            order = client.get_order(order_id)
            if not order.awaiting_acceptance:
                raise AcceptanceFailed(
                    _("Cdiscount no longer awaits your decision on this order (it is %(state)s).")
                    % {"state": order.status}
                )
            (client.accept_order if accept else client.refuse_order)(order)
    except errors.CdiscountError as exc:
        sentence = cdiscount_error_sentence(exc, api=account.api)
        OrderEvent.of(
            account_id=account.pk,
            order_number=request.order_number,
            kind=kind,
            message=sentence,
            ok=False,
            exc=exc,
        ).save()
        raise AcceptanceFailed(sentence) from None
    request.status = (
        AcceptanceRequest.Status.ACCEPTED if accept else AcceptanceRequest.Status.REFUSED
    )
    request.decided_by = user.get_username()
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    OrderEvent.of(
        account_id=account.pk,
        order_number=request.order_number,
        kind=kind,
        message=(_("Accepted by %(user)s.") if accept else _("Refused by %(user)s."))
        % {"user": user.get_username()},
    ).save()
    # The stored order shows the decision now, not at the next download.
    decided, note = order_after_decision(client, order, api=account.api, accepted=accept)
    store = OrderDownload(None, account=account)
    if note:
        store._event(decided, kind, note)
    store._store([decided], store._products_for([decided]))


def order_timeline_redacted(order: Order) -> dict:
    """The order's timeline for Cdiscount support: states, amounts, SKUs and every exchange;
    no customer name, address, phone or e-mail, and no secret."""
    events = OrderEvent.objects.filter(account=order.account, order_number__in=order.api_ids)
    shipment = getattr(order, "shipment", None)
    return {
        "order_number": order.order_number,
        "reference": order.reference,
        "octopia_order_id": order.octopia_order_id,
        "api": order.api or order.account.api,
        "state": order.status,
        "paid": order.paid,
        "ordered_at": order.ordered_at.isoformat() if order.ordered_at else None,
        "total_amount": str(order.total_amount),
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "ean": line.ean,
                "quantity": line.quantity,
                "state": line.status,
            }
            for line in order.lines.all()
        ],
        "shipment": None
        if shipment is None
        else {
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "upload_status": shipment.upload_status,
            "attempts": shipment.attempts,
        },
        "events": [
            {
                "time": event.created_at.isoformat(),
                "kind": event.kind,
                "ok": event.ok,
                "message": event.message,
                "trace_id": event.trace_id,
                "job": event.job_id,
            }
            for event in events
        ],
    }
