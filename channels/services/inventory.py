"""Stock and prices up to Cdiscount (docs/architecture.md, Inventory upload;
docs/cdiscount-api.md §O5, §M6).

Only offers that differ from what Cdiscount last accepted are sent. An offer Cdiscount has
never accepted, a change of fees, or a full resend goes as a full offer (Upsert / Full); the
rest as stock-and-price updates. A package's results come back later: a follow-up task polls
them and stores each offer's outcome on its product. An offer Cdiscount rejected is not sent
again as it is: only once its values change, on a full resend, or by the daily reconciliation.
The price and stock guards (guards.py) hold offers that would harm the seller: those are not
sent until the seller releases them.
"""

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.cdiscount import CdiscountClient, PackageWriter, errors
from channels.cdiscount.results import OfferPackageStatus, OfferUpdate
from channels.models import (
    CdiscountAccount,
    HeldOffer,
    Job,
    JobLog,
    OfferPackage,
    OfferPackageItem,
    OrderLine,
    Product,
)

from .clients import cdiscount_client_for
from .guards import Hold, breaker_hold, price_hold
from .health import offers_rejected_notify, upload_held_notify
from .runs import JobOutcome, job_finish, job_heartbeats, job_log

logger = logging.getLogger(__name__)

MAX_OFFERS_PER_PACKAGE = 40_000  # §O5, §M6
# A package with no result after this long is given up: its offers are sent again next run.
PACKAGE_RESULT_DEADLINE = timedelta(hours=6)
# Rows written or changed per SQL statement in set-based updates.
ROWS_PER_STATEMENT = 5000
# Job log lines listing offers a price guard held; the Products page lists them all.
HELD_LOG_LINES = 200
# Cdiscount downloads a Marketplace API package from our URL for a day (§M6).
PACKAGE_FILE_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class PlannedOffer:
    product_id: int
    offer: OfferUpdate
    full: bool
    reason: str  # how the quantity was computed, for logs and the dry run
    # Cdiscount shows the offer in stock now: going to 0 counts for the catalogue breaker.
    in_stock: bool = False
    hold: Hold | None = None  # the guard it trips; a held offer is not sent
    released: bool = False  # the seller released it: sent despite the guards, once


@dataclass
class UploadPlan:
    """What an upload sends, what the guards hold, and the discarded changes it leaves out."""

    offers: list[PlannedOffer] = field(default_factory=list)
    held: list[PlannedOffer] = field(default_factory=list)
    discarded: list[int] = field(default_factory=list)  # product ids


def reserved_quantities(account: CdiscountAccount, skus=None) -> dict[str, int]:
    """Units of imported orders neither shipped nor cancelled, per SKU: sold, not yet gone.

    They are held back from Cdiscount so that a sale between two uploads is never offered
    again; a reservation ends when its order ships or is cancelled.
    """
    lines = OrderLine.objects.filter(
        order__account=account, order__closed=False, seller_fulfilled=True
    ).exclude(order__shipment__upload_status="confirmed")
    if skus is not None:
        lines = lines.filter(sku__in=skus)
    return {
        row["sku"]: row["units"]
        for row in lines.values("sku").annotate(units=Sum("quantity")).order_by()
    }


def offer_quantity(
    product: Product, account: CdiscountAccount, reserved: int = 0
) -> tuple[int, str]:
    """max(0, available − reserved − safety quantity); the product's own safety quantity first."""
    if product.excluded:
        return 0, _("excluded from Cdiscount")
    safety = product.safety_qty if product.safety_qty is not None else account.safety_qty
    quantity = max(0, product.quantity - reserved - safety)
    return quantity, f"max(0, {product.quantity} − {reserved} − {safety})"


def offer_price(product: Product, account: CdiscountAccount) -> Decimal | None:
    """The Cdiscount price, else the price; None when prices are not sent."""
    if account.exclude_price_upload:
        return None
    return product.cdiscount_price if product.cdiscount_price is not None else product.price


def fees_changed(account: CdiscountAccount) -> bool:
    return (account.offers_shipping_fee, account.offers_additional_shipping_fee) != (
        account.shipping_fee,
        account.additional_shipping_fee,
    )


def offer_fees(account: CdiscountAccount, *, full: bool) -> tuple[Decimal | None, Decimal | None]:
    """The shipping fees an offer carries: a full offer carries the account's, an update none."""
    if not full:
        return None, None
    return account.shipping_fee, account.additional_shipping_fee


def rejection_stands(
    product: Product,
    account: CdiscountAccount,
    *,
    quantity: int,
    price: Decimal | None,
    full: bool,
) -> bool:
    """True when the offer would go as Cdiscount last rejected it: same EAN, quantity and price,
    and for a full offer the same fees. Sending it again would only bring the same rejection
    back."""
    if product.offer_error_at is None:
        return False
    offer = (product.ean, quantity, price)
    if offer != (product.rejected_ean, product.rejected_quantity, product.rejected_price):
        return False
    if not full:
        return True  # an update carries no fees
    refused_fees = (product.rejected_shipping_fee, product.rejected_additional_shipping_fee)
    return offer_fees(account, full=True) == refused_fees


def rejected_offer_waits(product: Product, account: CdiscountAccount, *, reserved: int) -> bool:
    """The Products page's "rejected, waiting for a change": a delta upload skips this offer."""
    if product.pending_package_id is not None:
        return False
    quantity, _reason = offer_quantity(product, account, reserved)
    return rejection_stands(
        product,
        account,
        quantity=quantity,
        price=offer_price(product, account),
        full=fees_changed(account) or product.accepted_at is None,
    )


def plan_offers(
    account: CdiscountAccount, *, full: bool = False, retry_rejected: bool = False
) -> Iterator[PlannedOffer]:
    """The offers to send: only what changed, unless `full` (or the fees changed).

    An offer Cdiscount rejected goes again only when its EAN, quantity, price or the fees it
    would carry change, on a full resend, or with `retry_rejected` (the daily reconciliation).
    """
    resend_all = full or fees_changed(account)
    now = timezone.now()
    products = Product.objects.filter(company_id=account.company_id).select_related(
        "pending_package", "held_offer"
    )
    reserved = reserved_quantities(account)
    for product in products.order_by("pk").iterator(chunk_size=2000):
        pending = product.pending_package
        if pending and pending.state == OfferPackage.State.SUBMITTED:
            if now - pending.created_at < PACKAGE_RESULT_DEADLINE:
                continue  # its last change is still on its way
        quantity, reason = offer_quantity(product, account, reserved.get(product.sku, 0))
        price = offer_price(product, account)
        if product.excluded and product.accepted_quantity == 0:
            continue  # sent once at 0; then no more
        never_accepted = product.accepted_at is None
        send_full = resend_all or never_accepted
        # A change of the account's fees makes every run "resend all" until Cdiscount accepts
        # a package with the new fees: that alone must not resend a rejected offer each time.
        if not (full or retry_rejected) and rejection_stands(
            product, account, quantity=quantity, price=price, full=send_full
        ):
            continue  # rejected as it is: waits for a change
        if not resend_all and not never_accepted:
            same_quantity = quantity == product.accepted_quantity
            same_price = price is None or price == product.accepted_price
            if same_quantity and same_price:
                continue
        shipping_fee, additional_shipping_fee = offer_fees(account, full=send_full)
        decision = _seller_decision(product, quantity=quantity, price=price)
        if decision == HeldOffer.State.DISCARDED:
            continue  # the seller discarded this very change
        released = decision == HeldOffer.State.RELEASED
        yield PlannedOffer(
            product_id=product.pk,
            full=send_full,
            reason=reason,
            in_stock=bool(product.accepted_quantity),
            hold=None if released else price_hold(product, account, price),
            released=released,
            offer=OfferUpdate(
                sku=product.sku,
                ean=product.ean,
                quantity=quantity,
                price=price,
                shipping_fee=shipping_fee,
                additional_shipping_fee=additional_shipping_fee,
            ),
        )


def _seller_decision(product: Product, *, quantity: int, price: Decimal | None) -> str:
    """RELEASED or DISCARDED when the seller decided on exactly this offer, else ""."""
    try:
        held = product.held_offer
    except HeldOffer.DoesNotExist:
        return ""
    if held.state == HeldOffer.State.HELD or (held.quantity, held.price) != (quantity, price):
        return ""
    return held.state


def plan_upload(
    account: CdiscountAccount, *, full: bool = False, retry_rejected: bool = False
) -> UploadPlan:
    """`plan_offers` through the guards: the price guards per offer, then the catalogue
    breaker, which holds the whole upload (but what the seller released)."""
    plan = UploadPlan()
    for planned in plan_offers(account, full=full, retry_rejected=retry_rejected):
        (plan.held if planned.hold else plan.offers).append(planned)
    to_zero = sum(1 for p in plan.offers if p.in_stock and p.offer.quantity == 0 and not p.released)
    tripped = breaker_hold(account, to_zero=to_zero)
    if tripped:
        plan.held += [replace(p, hold=tripped) for p in plan.offers if not p.released]
        plan.offers = [p for p in plan.offers if p.released]
    decided = HeldOffer.objects.filter(
        product__company_id=account.company_id, state=HeldOffer.State.DISCARDED
    ).values_list("product_id", "quantity", "price")
    planned_ids = {p.product_id for p in plan.offers} | {p.product_id for p in plan.held}
    plan.discarded = [pk for pk, _q, _p in decided if pk not in planned_ids]
    return plan


def held_offers_record(account: CdiscountAccount, plan: UploadPlan) -> int:
    """Stores this upload's holds (replacing the earlier ones) and forgets holds and discards
    that no longer apply; returns how many offers are newly held (or held with new values)."""
    existing = {
        held.product_id: held
        for held in HeldOffer.objects.filter(product__company_id=account.company_id)
    }
    keep = {p.product_id for p in plan.offers if p.released} | set(plan.discarded)
    new, changed = [], []
    for planned in plan.held:
        keep.add(planned.product_id)
        values = dict(
            state=HeldOffer.State.HELD,
            reason=planned.hold.reason,
            quantity=planned.offer.quantity,
            price=planned.offer.price,
            figures=planned.hold.figures,
        )
        held = existing.get(planned.product_id)
        if held is None:
            new.append(HeldOffer(product_id=planned.product_id, **values))
            continue
        same = held.state == HeldOffer.State.HELD and (held.quantity, held.price) == (
            planned.offer.quantity,
            planned.offer.price,
        )
        for name, value in values.items():
            setattr(held, name, value)
        if not same:
            held.held_at, held.decided_at, held.decided_by = timezone.now(), None, None
            new.append(held)
        else:
            changed.append(held)
    stale = [pk for pk in existing if pk not in keep]
    with transaction.atomic():
        for start in range(0, len(stale), ROWS_PER_STATEMENT):
            HeldOffer.objects.filter(
                product_id__in=stale[start : start + ROWS_PER_STATEMENT]
            ).delete()
        HeldOffer.objects.bulk_create(
            [h for h in new if h.pk is None], batch_size=ROWS_PER_STATEMENT
        )
        HeldOffer.objects.bulk_update(
            [h for h in new if h.pk is not None] + changed,
            [
                "state",
                "reason",
                "quantity",
                "price",
                "figures",
                "held_at",
                "decided_at",
                "decided_by",
            ],
            batch_size=ROWS_PER_STATEMENT,
        )
    return len(new)


def held_count_sentence(held: int) -> str:
    return ngettext("%(n)d held", "%(n)d held", held) % {"n": held}


class InventoryUpload:
    def __init__(self, job: Job, *, full: bool = False, retry_rejected: bool = False):
        self.job = job
        self.account: CdiscountAccount = job.account
        self.full = full or bool(job.options.get("full"))
        self.retry_rejected = retry_rejected

    def run(self) -> JobOutcome:
        with cdiscount_client_for(self.account) as client:
            return self._run(client)

    def _run(self, client: CdiscountClient) -> JobOutcome:
        resend_all = self.full or fees_changed(self.account)
        groups: dict[bool, list[PlannedOffer]] = {True: [], False: []}
        packages: list[OfferPackage] = []
        plan = plan_upload(self.account, full=self.full, retry_rejected=self.retry_rejected)
        newly_held = held_offers_record(self.account, plan)
        self._log_holds(plan.held)
        if newly_held:
            upload_held_notify(account=self.account, held=len(plan.held), key=f"job:{self.job.pk}")
        for planned in plan.offers:
            group = groups[planned.full]
            group.append(planned)
            if len(group) >= MAX_OFFERS_PER_PACKAGE:
                packages.append(self._send(client, group, full=planned.full, all_=resend_all))
                groups[planned.full] = []
        for full_group, group in groups.items():
            if group:
                packages.append(self._send(client, group, full=full_group, all_=resend_all))
        sent = sum(p.offer_count for p in packages)
        counts = {"sent": sent, "packages": len(packages), "held": len(plan.held)}
        held = (" " + held_count_sentence(len(plan.held)) + ".") if plan.held else ""
        if not packages:
            if plan.held:
                return JobOutcome(
                    _("Nothing sent: %(held)s by the price and stock guards.")
                    % {"held": held_count_sentence(len(plan.held))},
                    counts,
                )
            return JobOutcome(_("Nothing changed: no offer to send."), counts)
        return JobOutcome(
            _("%(n)d offers sent in %(p)d packages; waiting for Cdiscount's results.")
            % {"n": sent, "p": len(packages)}
            + held,
            counts,
            awaiting=True,
        )

    def _log_holds(self, held: list[PlannedOffer]) -> None:
        """One line per offer a price guard held (the first few hundred); the breaker's once."""
        breaker = [p for p in held if p.hold.reason == HeldOffer.Reason.CATALOGUE]
        if breaker:
            job_log(self.job, breaker[0].hold.sentence())
        priced = [p for p in held if p.hold.reason != HeldOffer.Reason.CATALOGUE]
        JobLog.objects.bulk_create(
            JobLog(job=self.job, record=p.offer.sku[:100], message=p.hold.sentence())
            for p in priced[:HELD_LOG_LINES]
        )

    def _send(
        self, client: CdiscountClient, planned: list[PlannedOffer], *, full: bool, all_: bool
    ):
        offers = [p.offer for p in planned]
        package = OfferPackage.objects.create(
            account=self.account,
            job=self.job,
            full=full,
            offer_count=len(offers),
            shipping_fee=self.account.shipping_fee if (full and all_) else None,
            additional_shipping_fee=self.account.additional_shipping_fee
            if (full and all_)
            else None,
        )
        try:
            submission = client.submit_offers(
                offers,
                full=full,
                name=f"stock-{timezone.now():%Y-%m-%dT%H:%MZ}-{package.pk}",
                publish=lambda write: self._publish_zip(package, write),
            )
        except Exception:
            # Nothing is pending on the products: the next run sends these offers again.
            _remove_file(package)
            package.delete()
            raise
        with transaction.atomic():
            package.package_id = str(submission.package_id)
            package.save(update_fields=["package_id"])
            OfferPackageItem.objects.bulk_create(
                (
                    OfferPackageItem(
                        package=package,
                        product_id=item.product_id,
                        sku=item.offer.sku,
                        quantity=item.offer.quantity,
                        price=item.offer.price,
                    )
                    for item in planned
                ),
                batch_size=ROWS_PER_STATEMENT,
            )
            ids = [item.product_id for item in planned]
            for start in range(0, len(ids), ROWS_PER_STATEMENT):
                chunk = ids[start : start + ROWS_PER_STATEMENT]
                Product.objects.filter(pk__in=chunk).update(pending_package=package)
                # A released offer goes once; a discarded change is over once another goes.
                HeldOffer.objects.filter(product_id__in=chunk).delete()
        job_log(
            self.job,
            _("Package %(id)s: %(n)d offers (%(kind)s).")
            % {"id": package.package_id, "n": len(offers), "kind": "full" if full else "update"},
        )
        return package

    def _publish_zip(self, package: OfferPackage, write: PackageWriter) -> str:
        """Writes the zip where the app serves it at an unguessable URL (§M6)."""
        folder = Path(settings.OFFER_PACKAGE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        path = folder / f"{token}.zip"
        with path.open("wb") as destination:
            write(destination)
        package.download_token = token
        package.file_path = str(path)
        package.save(update_fields=["download_token", "file_path"])
        return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
            "offer_package_download", args=[token]
        )


def inventory_upload(job: Job) -> JobOutcome:
    return InventoryUpload(job).run()


# Results --------------------------------------------------------------------------------------
def offer_package_poll(*, package_pk: int) -> bool:
    """Fetches a package's result once; True when it is final (stored or given up)."""
    package = OfferPackage.objects.select_related("account", "job").filter(pk=package_pk).first()
    if package is None or package.state != OfferPackage.State.SUBMITTED:
        return True
    try:
        with cdiscount_client_for(package.account) as client:
            status = client.get_offer_package(package.package_id)
    except errors.TransientError:
        status = None  # asked again at the next poll
    package.polls += 1
    if status is None or not status.finished:
        if timezone.now() - package.created_at > PACKAGE_RESULT_DEADLINE:
            _give_up(package)
            return True
        if status is not None:
            package.cdiscount_state = status.state[:40]
        package.save(update_fields=["polls", "cdiscount_state"])
        return False
    _store_results(package, status)
    return True


def _store_results(package: OfferPackage, status: OfferPackageStatus) -> None:
    """Records each offer's verdict on its product, in a few set-based statements (a package
    holds up to 40,000 offers)."""
    now = timezone.now()
    items = OfferPackageItem.objects.filter(package=package)
    verdicts: dict[tuple[bool, str, str], list[str]] = {}
    default_ok = not status.rejected
    whole_package = _("Cdiscount rejected the whole package.")
    for result in status.results:
        key = (result.accepted, result.code or "", "" if result.accepted else result.message or "")
        verdicts.setdefault(key, []).append(result.sku)
    with transaction.atomic():
        # Offers without a result of their own follow the package's outcome.
        items.update(
            accepted=default_ok, error_code="", error_message="" if default_ok else whole_package
        )
        for (accepted, code, message), skus in verdicts.items():
            for start in range(0, len(skus), ROWS_PER_STATEMENT):
                items.filter(sku__in=skus[start : start + ROWS_PER_STATEMENT]).update(
                    accepted=accepted,
                    error_code="" if accepted else code,
                    error_message="" if accepted else message or whole_package,
                )
        item = OfferPackageItem.objects.filter(package=package, product=OuterRef("pk"))
        mine = Product.objects.filter(pending_package=package)
        accepted = mine.filter(pk__in=items.filter(accepted=True).values("product_id")).update(
            accepted_quantity=Subquery(item.values("quantity")[:1]),
            accepted_price=Coalesce(Subquery(item.values("price")[:1]), F("accepted_price")),
            accepted_at=now,
            offer_error_code="",
            offer_error_message="",
            offer_error_at=None,
            rejected_ean="",
            rejected_quantity=None,
            rejected_price=None,
            rejected_shipping_fee=None,
            rejected_additional_shipping_fee=None,
            pending_package=None,
        )
        shipping_fee, additional_shipping_fee = _package_fees(package)
        rejected = mine.filter(pk__in=items.filter(accepted=False).values("product_id")).update(
            offer_error_code=Subquery(item.values("error_code")[:1]),
            offer_error_message=Subquery(item.values("error_message")[:1]),
            offer_error_at=now,
            rejected_ean=F("ean"),
            rejected_quantity=Subquery(item.values("quantity")[:1]),
            rejected_price=Subquery(item.values("price")[:1]),
            rejected_shipping_fee=shipping_fee,
            rejected_additional_shipping_fee=additional_shipping_fee,
            pending_package=None,
        )
        if package.job_id:
            JobLog.objects.bulk_create(
                (
                    JobLog(
                        job_id=package.job_id,
                        record=sku[:100],
                        message=f"{code} {message}".strip(),
                        is_error=True,
                    )
                    for sku, code, message in items.filter(accepted=False).values_list(
                        "sku", "error_code", "error_message"
                    )
                ),
                batch_size=ROWS_PER_STATEMENT,
            )
        package.state = (
            OfferPackage.State.REJECTED if status.rejected else OfferPackage.State.INTEGRATED
        )
        package.cdiscount_state = status.state[:40]
        package.accepted, package.rejected = accepted, rejected
        package.finished_at = now
        package.save()
        if package.shipping_fee is not None and not status.rejected:
            CdiscountAccount.objects.filter(pk=package.account_id).update(
                offers_shipping_fee=package.shipping_fee,
                offers_additional_shipping_fee=package.additional_shipping_fee,
            )
    _remove_file(package)
    _finish_job_if_done(package)


def _package_fees(package: OfferPackage) -> tuple[Decimal | None, Decimal | None]:
    """The fees the package's offers carried: none in an update package. A full package
    records them when it resent every offer; otherwise the account's fees equalled those its
    offers already held when it was sent (else every offer would have gone)."""
    if not package.full:
        return None, None
    if package.shipping_fee is not None:
        return package.shipping_fee, package.additional_shipping_fee
    account = CdiscountAccount.objects.get(pk=package.account_id)
    return account.offers_shipping_fee, account.offers_additional_shipping_fee


def _give_up(package: OfferPackage) -> None:
    Product.objects.filter(pending_package=package).update(pending_package=None)
    package.state = OfferPackage.State.EXPIRED
    package.finished_at = timezone.now()
    package.save()
    _remove_file(package)
    if package.job_id:
        job_log(
            package.job,
            _("No result from Cdiscount for package %(id)s: its offers will be sent again.")
            % {"id": package.package_id},
            is_error=True,
        )
    _finish_job_if_done(package)


def _remove_file(package: OfferPackage) -> None:
    if package.file_path:
        Path(package.file_path).unlink(missing_ok=True)


def _finish_job_if_done(package: OfferPackage) -> None:
    """The job ends when the last of its packages has its result."""
    job = package.job
    if job is None:
        return
    packages = list(job.packages.all())
    if any(p.state == OfferPackage.State.SUBMITTED for p in packages):
        return
    accepted = sum(p.accepted for p in packages)
    rejected = sum(p.rejected for p in packages)
    expired = sum(p.offer_count for p in packages if p.state == OfferPackage.State.EXPIRED)
    job.counts = {**job.counts, "accepted": accepted, "rejected": rejected, "no_result": expired}
    job.succeeded, job.failed = accepted, rejected + expired
    held = job.counts.get("held", 0)
    outcome = JobOutcome(
        _("%(sent)d offers sent: %(ok)d accepted, %(bad)d rejected.")
        % {"sent": job.counts.get("sent", 0), "ok": accepted, "bad": rejected + expired}
        + ((" " + held_count_sentence(held) + ".") if held else ""),
        job.counts,
        succeeded=accepted,
        failed=rejected + expired,
    )
    message = outcome.message
    if "drifted" in job.counts:  # a reconciliation: say what it found first
        message = drift_summary(job.counts["drifted"]) + " " + message
    job_finish(job, outcome.status, message)
    if rejected:
        offers_rejected_notify(job=job, rejected=rejected)


def package_file_for_download(token: str) -> Path | None:
    """The zip behind an unguessable URL, while it may still be downloaded."""
    package = OfferPackage.objects.filter(download_token=token).exclude(download_token="").first()
    if package is None or not package.file_path:
        return None
    if timezone.now() - package.created_at > PACKAGE_FILE_LIFETIME:
        return None
    path = Path(package.file_path)
    return path if path.exists() else None


# Reconciliation --------------------------------------------------------------------------------
def drift_summary(count: int) -> str:
    return _("%(n)d offers drifted.") % {"n": count}


def offers_reconcile(job: Job) -> JobOutcome:
    """Reads the offers back from Cdiscount and resends those that drifted from what it last
    accepted (a "success" that left an offer at its old quantity or price), and the offers it
    rejected, as they are."""
    account = job.account
    with cdiscount_client_for(account) as client:
        remote = {offer.sku: offer for offer in job_heartbeats(job, client.list_offers())}
    now = timezone.now()
    drifted = []
    products = Product.objects.filter(
        company_id=account.company_id, accepted_at__isnull=False, pending_package__isnull=True
    )
    for product in products.iterator(chunk_size=2000):
        offer = remote.get(product.sku)
        if offer is None:
            note = _("The offer is missing on Cdiscount.")
            product.accepted_at = None  # sent again as a full offer
        else:
            wrong_quantity = offer.quantity != product.accepted_quantity
            wrong_price = (
                offer_price(product, account) is not None
                and product.accepted_price is not None
                and offer.price is not None
                and offer.price != product.accepted_price
            )
            if not (wrong_quantity or wrong_price):
                continue
            note = _("Cdiscount showed %(q)s at %(p)s; %(eq)s at %(ep)s was accepted.") % {
                "q": offer.quantity,
                "p": offer.price,
                "eq": product.accepted_quantity,
                "ep": product.accepted_price,
            }
            # What is really there: the next comparison sees the difference and resends.
            product.accepted_quantity = offer.quantity
            if offer.price is not None:
                product.accepted_price = offer.price
        product.drift_found_at = now
        product.drift_note = note[:300]
        drifted.append(product)
        job_log(job, note, record=product.sku, is_error=True)
    Product.objects.bulk_update(
        drifted,
        ["accepted_at", "accepted_quantity", "accepted_price", "drift_found_at", "drift_note"],
        batch_size=2000,
    )
    summary = drift_summary(len(drifted))
    # Once a day a rejected offer is tried again as it is: what Cdiscount refused may have been
    # fixed on its side (a product created, a delivery mode configured).
    rejected = Product.objects.filter(
        company_id=account.company_id, offer_error_at__isnull=False, pending_package__isnull=True
    ).exists()
    if not (drifted or rejected):
        return JobOutcome(summary, {"drifted": 0, "checked": len(remote)})
    outcome = InventoryUpload(job, retry_rejected=True).run()
    outcome.message = f"{summary} {outcome.message}"
    outcome.counts = {**outcome.counts, "drifted": len(drifted), "checked": len(remote)}
    return outcome
