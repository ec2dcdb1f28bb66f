"""`manage.py cdiscount COMMAND`: what admins click, for operators to script
(docs/architecture.md, Command line).

Every subcommand runs the same forms and services as the pages, prints a one-line result (or
JSON with --json), and exits non-zero on failure.
"""

import getpass
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError
from django.db import DataError, models

from channels.forms import ApiCredentialsForm, CompanyForm, GeneralSettingsForm, LoginCreateForm
from channels.models import CdiscountAccount, CdiscountApi, Company, HeldOffer, Job, Order, Shipment
from channels.services.accounts import account_settings_update, company_create, user_create
from channels.services.csv_import import CsvImportError
from channels.services.guards import held_offers_decide, held_offers_for, held_sentence
from channels.services.inventory import PlannedOffer, plan_upload
from channels.services.jobs import job_start, job_start_import
from channels.services.offer_packages import offer_packages_pending, offer_packages_poll
from channels.services.products import products_export_csv
from channels.services.secrets import secrets_reencrypt
from channels.services.tokens import ActionResult, account_get_token, account_test_token

FORM_KEYS = GeneralSettingsForm.Meta.fields
# The names scripts used when both APIs shared one set of credentials: they set the fields of the
# API named in the same command (api=...), else of the account's current API.
GENERIC_KEYS = ("username", "password", "seller_id")
SETTING_KEYS = [*FORM_KEYS, *GENERIC_KEYS]
SECRET_KEYS = {"password", *CdiscountAccount.PASSWORD_FIELDS}
BOOLEAN_KEYS = {
    name
    for name in FORM_KEYS
    if isinstance(CdiscountAccount._meta.get_field(name), models.BooleanField)
}


class Command(BaseCommand):
    help = "Cdiscount integration: companies, users, General Settings and actions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")

        p = sub.add_parser("company-create", help="Create a company; prints its id.")
        p.add_argument("name")
        self._json(p)

        p = sub.add_parser("user-create", help="Create a login for a company (password on stdin).")
        p.add_argument("username")
        p.add_argument("--company", type=int, required=True)
        self._json(p)

        p = sub.add_parser("orders", help="Print the stored orders, one JSON object per line.")
        p.add_argument("--company", type=int, required=True)
        self._json(p)

        p = sub.add_parser(
            "settings",
            help=(
                "Show or change General Settings (key=value ...; a secret given as - is read "
                "from stdin; username, password and seller_id set the credentials of the API "
                "named by api=, else of the current API)."
            ),
        )
        p.add_argument("--company", type=int, required=True)
        p.add_argument("pairs", nargs="*", metavar="key=value")
        self._json(p)

        for name, help_text in (
            ("get-token", "Get a new access token."),
            ("test-token", "Test the stored token's validity."),
            ("download-orders", "Download orders now (runs the job and waits for it)."),
            ("upload-inventory", "Send stock and prices now and wait for Cdiscount's results."),
            ("upload-fulfillment", "Send the pending shipments now."),
        ):
            p = sub.add_parser(name, help=help_text)
            target = p.add_mutually_exclusive_group(required=True)
            target.add_argument("--company", type=int)
            target.add_argument("--all", action="store_true", help="every enabled account")
            if name == "upload-inventory":
                p.add_argument("--full", action="store_true", help="resend every offer")
                p.add_argument(
                    "--dry-run", action="store_true", help="show what would be sent; send nothing"
                )
            self._json(p)

        p = sub.add_parser("held", help="List the offers the price and stock guards hold.")
        p.add_argument("--company", type=int, required=True)
        self._json(p)
        for name, help_text in (
            ("release", "Send held offers with the next upload, despite the guards, once."),
            ("discard", "Drop held changes: not sent until the product's offer changes again."),
        ):
            p = sub.add_parser(name, help=help_text)
            p.add_argument("--company", type=int, required=True)
            which = p.add_mutually_exclusive_group(required=True)
            which.add_argument("skus", nargs="*", default=[], metavar="SKU")
            which.add_argument("--all", action="store_true", help="every held offer")
            self._json(p)

        p = sub.add_parser("import-products", help="Add or update products from a CSV file.")
        p.add_argument("--company", type=int, required=True)
        p.add_argument("file")
        self._json(p)

        p = sub.add_parser("import-shipments", help="Record shipments from a CSV file.")
        p.add_argument("--company", type=int, required=True)
        p.add_argument("file")
        self._json(p)

        p = sub.add_parser("export-products", help="Write the products as CSV to stdout.")
        p.add_argument("--company", type=int, required=True)

        p = sub.add_parser(
            "reencrypt-secrets",
            help="Encrypt every stored secret again with the first key of FIELD_ENCRYPTION_KEY.",
        )
        p.add_argument(
            "--forget-unreadable",
            action="store_true",
            help="empty the secrets no key decrypts (their key is lost): enter them again",
        )
        self._json(p)

    @staticmethod
    def _json(parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        handler = getattr(self, "do_" + options["subcommand"].replace("-", "_"))
        try:
            handler(options)
        except DataError as exc:
            # A value the forms let through but the database refuses: one line, no traceback.
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            raise CommandError(f"The database refused a value: {first_line}") from None

    # Output -------------------------------------------------------------------------------
    def _emit(self, options, line: str, payload: dict) -> None:
        self.stdout.write(json.dumps(payload, default=str) if options["json"] else line)

    def _fail(self, options, line: str, payload: dict):
        if options["json"]:
            self.stdout.write(json.dumps({"ok": False, **payload}, default=str))
        raise CommandError(line)

    @staticmethod
    def _company(company_id: int) -> Company:
        try:
            return Company.objects.get(pk=company_id)
        except Company.DoesNotExist:
            raise CommandError(f"No company with id {company_id}.") from None

    # Subcommands ---------------------------------------------------------------------------
    def _refuse_invalid(self, options, form, prefix: str) -> None:
        """Fails with the form's messages on one line, as the page would show them."""
        if form.is_valid():
            return
        errors = {field: [str(m) for m in msgs] for field, msgs in form.errors.items()}
        line = f"{prefix} " + " ".join(
            f"{field}: {' '.join(msgs)}" if field != "__all__" else " ".join(msgs)
            for field, msgs in errors.items()
        )
        self._fail(options, line, {"errors": errors})

    @staticmethod
    def _read_secret() -> str:
        """A secret from standard input (typed without echo on a terminal): never in argv."""
        if sys.stdin.isatty():
            return getpass.getpass("Password: ")
        return sys.stdin.readline().rstrip("\r\n")

    def do_company_create(self, options):
        form = CompanyForm({"name": options["name"]})
        self._refuse_invalid(options, form, "Nothing created.")
        company = company_create(name=form.cleaned_data["name"])
        self._emit(options, str(company.pk), {"ok": True, "id": company.pk, "name": company.name})

    def do_user_create(self, options):
        company = self._company(options["company"])
        form = LoginCreateForm({"username": options["username"], "password": self._read_secret()})
        self._refuse_invalid(options, form, "Nothing created.")
        user = user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            company=company,
        )
        self._emit(
            options,
            f"user {user.username} (id {user.pk}) can log in to company {company.pk}",
            {"ok": True, "id": user.pk, "username": user.username, "company": company.pk},
        )

    def do_settings(self, options):
        company = self._company(options["company"])
        account, _ = CdiscountAccount.objects.get_or_create(company=company)
        if options["pairs"]:
            self._change_settings(options, account)
            account.refresh_from_db()
        shown = settings_display(account)
        line = f"company {company.pk}: " + " ".join(f"{k}={v}" for k, v in shown.items())
        self._emit(options, line, {"ok": True, "company": company.pk, "settings": shown})

    def _change_settings(self, options, account: CdiscountAccount) -> None:
        overrides = {}
        for pair in options["pairs"]:
            key, sep, value = pair.partition("=")
            if not sep:
                raise CommandError(f"Write each setting as key=value (got {pair!r}).")
            if key not in SETTING_KEYS:
                raise CommandError(f"Unknown setting {key!r}. Known: {', '.join(SETTING_KEYS)}.")
            if key in BOOLEAN_KEYS and value not in ("true", "false"):
                raise CommandError(f"{key}: write true or false.")
            if key in SECRET_KEYS and value == "-":
                value = self._read_secret()
                if not value:
                    raise CommandError("Give the password on standard input.")
            overrides[key] = value
        api = overrides.get("api", account.api)
        if api not in CdiscountApi.values:
            raise CommandError(f"api: write {' or '.join(CdiscountApi.values)}.")
        for key in GENERIC_KEYS:
            if key in overrides:
                target = account.credential_field(key, api)
                if target is None:
                    raise CommandError(f"{key}: the {api} API has none.")
                overrides[target] = overrides.pop(key)
        # The other API's credentials, named by their own keys, are saved as the switch page
        # saves them: without touching the live API.
        other = CdiscountApi.MARKETPLACE if api == CdiscountApi.OCTOPIA else CdiscountApi.OCTOPIA
        other_keys = set(CdiscountAccount.API_CREDENTIAL_FIELDS[other])
        other_data = {name: overrides.pop(name) for name in list(overrides) if name in other_keys}
        data = form_data_for(account)
        data.update(overrides)
        form = GeneralSettingsForm(data, instance=account)
        self._refuse_invalid(options, form, "Nothing saved.")
        changes = form.changes()
        if other_data:
            other_form = ApiCredentialsForm(
                {**form_data_for(account), **other_data}, instance=account, api=other
            )
            self._refuse_invalid(options, other_form, "Nothing saved.")
            changes.update(other_form.changes())
        account_settings_update(account=account, changes=changes, source="cli")

    def _run_action(self, options, action) -> None:
        if options["all"]:
            accounts = list(CdiscountAccount.objects.filter(enabled=True).select_related("company"))
        else:
            company = self._company(options["company"])
            accounts = [CdiscountAccount.objects.get_or_create(company=company)[0]]
        failed = 0
        for account in accounts:
            result = action(account_id=account.pk)
            failed += not result.ok
            self._emit(
                options,
                f"company {account.company_id}: {result.message}",
                {"ok": result.ok, "company": account.company_id, "message": result.message},
            )
        if failed:
            raise CommandError(f"{failed} of {len(accounts)} failed.")

    def do_upload_inventory(self, options):
        if options["dry_run"]:
            if options["all"]:
                raise CommandError("--dry-run takes --company.")
            company = self._company(options["company"])
            account = CdiscountAccount.objects.get_or_create(company=company)[0]
            plan = plan_upload(account, full=options["full"])
            for item in plan.offers:
                self._emit(options, _dry_run_line(item), _dry_run_json(item))
            for item in plan.held:
                line = f"{_dry_run_line(item)} HELD {item.hold.sentence()}"
                payload = {**_dry_run_json(item), "held": item.hold.reason}
                self._emit(options, line, {**payload, "held_because": item.hold.sentence()})
            if not options["json"]:
                self.stdout.write(
                    f"{len(plan.offers)} offers would be sent, {len(plan.held)} held by the "
                    "guards; nothing was sent."
                )
            return
        self._run_action(
            options, _job_action(Job.Kind.INVENTORY_UPLOAD, options={"full": options["full"]})
        )

    def do_held(self, options):
        account = self._account(options["company"])
        held = list(held_offers_for(account))
        for offer in held:
            sentence = held_sentence(offer.reason, offer.figures)
            self._emit(
                options,
                f"{offer.product.sku} quantity={offer.quantity} "
                f"price={offer.price if offer.price is not None else '-'} {sentence}",
                {
                    "sku": offer.product.sku,
                    "quantity": offer.quantity,
                    "price": offer.price,
                    "reason": offer.reason,
                    "sentence": sentence,
                    "held_at": offer.held_at,
                },
            )
        if not options["json"]:
            self.stdout.write(f"{len(held)} offers held.")

    def do_release(self, options):
        self._decide(options, HeldOffer.State.RELEASED)

    def do_discard(self, options):
        self._decide(options, HeldOffer.State.DISCARDED)

    def _decide(self, options, decision: str) -> None:
        account = self._account(options["company"])
        skus = None if options["all"] else options["skus"]
        decided = held_offers_decide(account=account, decision=decision, skus=skus)
        missing = sorted(set(skus or ()) - set(decided))
        verb = "released" if decision == HeldOffer.State.RELEASED else "discarded"
        line = f"{len(decided)} held offers {verb}."
        if missing:
            self._fail(
                options,
                f"{line} Not held: {', '.join(missing)}.",
                {verb: decided, "not_held": missing},
            )
        self._emit(options, line, {"ok": True, verb: decided})

    def _account(self, company_id: int) -> CdiscountAccount:
        return CdiscountAccount.objects.get_or_create(company=self._company(company_id))[0]

    def do_import_products(self, options):
        job = self._import(options, Job.Kind.PRODUCTS_IMPORT)
        self._emit(
            options,
            job.message,
            {"ok": True, "created": job.counts["created"], "updated": job.counts["updated"]},
        )

    def do_upload_fulfillment(self, options):
        self._run_action(options, _job_action(Job.Kind.FULFILLMENT_UPLOAD))

    def do_import_shipments(self, options):
        job = self._import(options, Job.Kind.SHIPMENTS_IMPORT)
        self._emit(options, job.message, {"ok": True, "recorded": job.counts["recorded"]})

    def _import(self, options, kind: str) -> Job:
        """Runs a CSV import job in this process (recorded on the Jobs page like the page's);
        a failed one prints every bad line and exits non-zero."""
        company = self._company(options["company"])
        account = CdiscountAccount.objects.get_or_create(company=company)[0]
        with self._open(options["file"]) as file:
            job = job_start_import(account=account, kind=kind, file=file, in_process=True).job
        if job.status == Job.Status.COMPLETED:
            return job
        problems = [
            (int(log.record), log.message)
            for log in job.logs.filter(is_error=True).order_by("pk")
            if log.record.isdigit()
        ]
        if not problems:
            self._fail(options, f"job #{job.pk} {job.status_label}: {job.message}", {})
        more = job.counts.get("problems", 0) - len(problems)
        self._fail(
            options,
            "Nothing imported. " + " ".join(CsvImportError(problems, more).sentences()),
            {"errors": [{"line": line, "message": m} for line, m in problems]},
        )

    @staticmethod
    def _open(path: str) -> BinaryIO:
        try:
            return Path(path).open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None

    def do_export_products(self, options):
        company = self._company(options["company"])
        products_export_csv(company=company, out=self.stdout)

    def do_reencrypt_secrets(self, options):
        result = secrets_reencrypt(forget_unreadable=options["forget_unreadable"])
        payload = {
            "reencrypted": result.reencrypted,
            "forgotten": [str(value) for value in result.forgotten],
            "unreadable": [str(value) for value in result.unreadable],
        }
        if result.unreadable:
            self._fail(
                options,
                f"{result.reencrypted} secrets re-encrypted; no key decrypts the "
                + ", ".join(payload["unreadable"])
                + ": add the key that encrypted them to FIELD_ENCRYPTION_KEY, or run again with "
                "--forget-unreadable.",
                payload,
            )
        line = f"{result.reencrypted} secrets re-encrypted with the first key."
        if result.forgotten:
            line += " Emptied (enter them again): " + ", ".join(payload["forgotten"]) + "."
        self._emit(options, line, {"ok": True, **payload})

    def do_download_orders(self, options):
        self._run_action(options, _job_action(Job.Kind.ORDER_DOWNLOAD))

    def do_orders(self, options):
        company = self._company(options["company"])
        account = CdiscountAccount.objects.get_or_create(company=company)[0]
        for order in account.orders.prefetch_related("lines").order_by("ordered_at", "id"):
            self.stdout.write(json.dumps(order_as_json(order), default=str))

    def do_get_token(self, options):
        self._run_action(options, account_get_token)

    def do_test_token(self, options):
        self._run_action(options, account_test_token)


# How long the command waits for Cdiscount to integrate an offer package.
PACKAGE_WAIT_SECONDS = 600


def _job_action(kind: str, options: dict | None = None):
    """Runs a manual job in this process, like the page's action but waiting for it (and for
    its offer packages' results)."""

    def action(*, account_id: int) -> ActionResult:
        account = CdiscountAccount.objects.get(pk=account_id)
        started = job_start(
            account=account, kind=kind, trigger=Job.Trigger.MANUAL, options=options, in_process=True
        )
        job = started.job
        if job is None:
            return ActionResult(False, started.refusal)
        offer_packages_poll(
            package_ids=offer_packages_pending(job_id=job.pk), wait_seconds=PACKAGE_WAIT_SECONDS
        )
        job.refresh_from_db()
        ok = job.status in (Job.Status.COMPLETED, Job.Status.PARTIAL_SUCCESS)
        return ActionResult(ok, f"job #{job.pk} {job.status_label}: {job.message}")

    return action


def _dry_run_line(item: PlannedOffer) -> str:
    offer = item.offer
    return (
        f"{offer.sku} quantity={offer.quantity} ({item.reason}) "
        f"price={offer.price if offer.price is not None else '-'} "
        f"shipping_fee={offer.shipping_fee if offer.shipping_fee is not None else '-'} "
        f"{'full' if item.full else 'update'}"
    )


def _dry_run_json(item: PlannedOffer) -> dict:
    offer = item.offer
    return {
        "sku": offer.sku,
        "ean": offer.ean,
        "quantity": offer.quantity,
        "computed": item.reason,
        "price": offer.price,
        "shipping_fee": offer.shipping_fee,
        "additional_shipping_fee": offer.additional_shipping_fee,
        "full": item.full,
    }


def order_as_json(order: Order) -> dict:
    return {
        "number": order.order_number,
        "reference": order.reference,
        # The API the order last came through, and the id each API knows it by.
        "api": order.api,
        "octopia_order_id": order.octopia_order_id or None,
        "marketplace_order_number": order.reference,
        "state": order.status,
        "paid": order.paid,
        "ordered_at": order.ordered_at,
        "total_amount": str(order.total_amount),
        "shipping_total": str(order.shipping_total),
        "commission": None if order.commission is None else str(order.commission),
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "total_price": str(line.total_price),
                "state": line.status,
            }
            for line in order.lines.all()
        ],
        "shipment": _shipment_as_json(order),
    }


def _shipment_as_json(order: Order) -> dict | None:
    shipment = Shipment.objects.filter(order=order).first()
    if shipment is None:
        return None
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "ship_date": shipment.ship_date.isoformat(),
        "upload_status": shipment.upload_status,
        "rejection_reason": shipment.rejection_reason,
        "attempts": shipment.attempts,
    }


def form_data_for(account: CdiscountAccount) -> dict[str, str]:
    """The account's current values as the Edit form would post them (password blank = keep)."""
    data = {}
    for name in FORM_KEYS:
        value = getattr(account, name)
        if name in SECRET_KEYS or value is None:
            data[name] = ""
        elif name in BOOLEAN_KEYS:
            data[name] = "true" if value else "false"
        elif isinstance(value, Decimal):
            data[name] = f"{value:.2f}"
        else:
            data[name] = str(value)
    return data


def settings_display(account: CdiscountAccount) -> dict[str, str]:
    """General Settings with secrets masked, as the page shows them."""
    shown = {}
    for name in FORM_KEYS:
        value = getattr(account, name)
        if name in SECRET_KEYS:
            shown[name] = "(set)" if value else "(not set)"
        elif name in BOOLEAN_KEYS:
            shown[name] = "true" if value else "false"
        else:
            shown[name] = "" if value is None else str(value)
    shown["access_token"] = account.masked_token or "(none)"
    shown["token_expires_at"] = (
        account.token_expires_at.isoformat() if account.token_expires_at else ""
    )
    return shown
