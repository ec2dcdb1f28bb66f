"""Thin views: scoping, forms, one POST URL per action, Post/Redirect/Get with messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .forms import (
    ApiCredentialsForm,
    CsvUploadForm,
    GeneralSettingsForm,
    JobFilterForm,
    NotificationPreferencesForm,
    OrderFilterForm,
    ProductOverridesForm,
    ShipmentForm,
    settings_panels,
)
from .models import AcceptanceRequest, HeldOffer, Job, Order, OrderEvent, Product, Shipment
from .selectors import (
    account_for_user,
    companies_for_user,
    company_for_user,
    jobs_for_account,
    orders_for_account,
)
from .services.accounts import account_settings_update
from .services.api_switch import (
    ORDERS_PREVIEW_ROWS,
    account_switch_api,
    api_credentials_test,
    api_label,
    orders_preview_for_api,
)
from .services.csv_import import SafeCsvWriter
from .services.fulfillment import ShipmentRefused, shipment_record
from .services.guards import held_offers_decide, held_offers_for, held_sentence
from .services.health import notifications_for_user
from .services.inventory import (
    offer_price,
    offer_quantity,
    plan_upload,
    rejected_offer_waits,
    reserved_quantities,
)
from .services.jobs import JobStart, job_start, job_start_import
from .services.notifications import preferences_for_user, preferences_update
from .services.orders import AcceptanceFailed, acceptance_decide, order_timeline_redacted
from .services.products import products_export_csv
from .services.schedules import job_status_strip
from .services.tokens import (
    account_connect,
    account_get_token,
    account_test_token,
    credentials_missing_labels,
)


def _company_account(request, company_id: int):
    """The Cdiscount account of one of the user's companies (404 otherwise); its pages show
    times in the company's time zone (docs/architecture.md, Time zones), for this request only: the
    TimeZonePerRequestMiddleware goes back to the default zone after the response."""
    account = account_for_user(request.user, company_id)
    timezone.activate(account.company.time_zone)
    return account


@login_required
def company_list(request):
    return render(
        request, "channels/company_list.html", {"companies": companies_for_user(request.user)}
    )


@login_required
def company_settings(request, company_id: int):
    company = company_for_user(request.user, company_id)
    return render(request, "channels/company_settings.html", {"company": company})


@login_required
def general_settings(request, company_id: int):
    account = _company_account(request, company_id)
    return render(
        request,
        "channels/general_settings.html",
        {
            "company": account.company,
            "account": account,
            "panels": settings_panels(account),
            "changes": account.settings_changes.select_related("user")[:10],
            "job_status": job_status_strip(account),
        },
    )


def _report_refused(request, form) -> None:
    """A refused form keeps what was typed, except passwords, which are never echoed: say so."""
    refused = _("Nothing was saved: correct the fields marked below.")
    if form.secret_typed():
        refused += " " + _(
            "The password you typed is never shown again: type it once more before saving."
        )
    messages.error(request, refused)


@login_required
def general_settings_edit(request, company_id: int):
    account = _company_account(request, company_id)
    if request.method == "POST":
        connect = "get_token" in request.POST  # Save and Get Token
        form = GeneralSettingsForm(request.POST, instance=account, token_follows=connect)
        if form.is_valid():
            if connect:
                result = account_connect(
                    account=account, changes=form.changes(), user=request.user, source="web"
                )
                if result.ok:
                    messages.success(request, result.message)
                    return redirect("channels:general_settings", company_id=account.company_id)
                form.add_error(None, result.message)
            else:
                changed = account_settings_update(
                    account=account, changes=form.changes(), user=request.user, source="web"
                )
                if changed:
                    messages.success(request, _("General Settings saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("channels:general_settings", company_id=account.company_id)
        _report_refused(request, form)
        # The form shows what the seller typed; the account keeps what is stored.
        account.refresh_from_db()
    else:
        form = GeneralSettingsForm(instance=account)
    return render(
        request,
        "channels/general_settings_edit.html",
        {
            "company": account.company,
            "account": account,
            "form": form,
            "panels": settings_panels(account, form),
        },
    )


def _report(request, result) -> None:
    (messages.success if result.ok else messages.error)(request, result.message)


@login_required
@require_POST
def action_get_token(request, company_id: int):
    account = _company_account(request, company_id)
    _report(request, account_get_token(account_id=account.pk, user=request.user))
    return redirect("channels:general_settings", company_id=account.company_id)


@login_required
@require_POST
def action_test_token(request, company_id: int):
    account = _company_account(request, company_id)
    _report(request, account_test_token(account_id=account.pk))
    return redirect("channels:general_settings", company_id=account.company_id)


# Switch API ------------------------------------------------------------------------------------


def _api_switch_page(request, account, *, form=None, test=None, preview=None, status=200):
    """The switch page: the live API, the other one's credentials, and what was just asked."""
    other = account.other_api
    return render(
        request,
        "channels/api_switch.html",
        {
            "company": account.company,
            "account": account,
            "other_api": other,
            "other_label": api_label(other),
            "live_label": api_label(account.api),
            "other_ready": not credentials_missing_labels(account, other),
            "form": form or ApiCredentialsForm(instance=account, api=other),
            "test": test,
            "preview": preview,
            "preview_rows": ORDERS_PREVIEW_ROWS,
            "just_switched": request.GET.get("switched") == "1",
        },
        status=status,
    )


@login_required
def api_switch(request, company_id: int):
    account = _company_account(request, company_id)
    return _api_switch_page(request, account)


@login_required
@require_POST
def api_switch_credentials(request, company_id: int):
    """Saves the other API's credentials; the live API and its token stay as they are."""
    account = _company_account(request, company_id)
    form = ApiCredentialsForm(request.POST, instance=account, api=account.other_api)
    if not form.is_valid():
        _report_refused(request, form)
        account.refresh_from_db()
        return _api_switch_page(request, account, form=form)
    changed = account_settings_update(
        account=account, changes=form.changes(), user=request.user, source="web"
    )
    if changed:
        messages.success(
            request,
            _("%(api)s credentials saved; the live API is unchanged.")
            % {"api": api_label(account.other_api)},
        )
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("channels:api_switch", company_id=account.company_id)


@login_required
@require_POST
def api_switch_test(request, company_id: int):
    """Asks the other API for a token and probes it; nothing is stored (no redirect: the
    result is shown once, and asking again is harmless)."""
    account = _company_account(request, company_id)
    test = api_credentials_test(account=account, api=account.other_api)
    return _api_switch_page(request, account, test=test)


@login_required
@require_POST
def api_switch_preview(request, company_id: int):
    account = _company_account(request, company_id)
    preview = orders_preview_for_api(account, account.other_api)
    return _api_switch_page(request, account, preview=preview)


@login_required
@require_POST
def api_switch_do(request, company_id: int):
    """Switches to the other API (or back), with a token for it; then proposes a full resend."""
    account = _company_account(request, company_id)
    result = account_switch_api(account=account, api=account.other_api, user=request.user)
    _report(request, result)
    url = reverse("channels:api_switch", args=[account.company_id])
    return redirect(f"{url}?switched=1" if result.ok else url)


# Jobs --------------------------------------------------------------------------------------
def _start_job(request, account, kind: str, options: dict | None = None):
    """Starts a manual job; answers "Job #N queued" with a link, or why it did not start."""
    started = job_start(
        account=account, kind=kind, trigger=Job.Trigger.MANUAL, user=request.user, options=options
    )
    return _job_queued(request, account, started)


def _job_queued(request, account, started: JobStart):
    if started.job is None:
        messages.error(request, started.refusal)
        return redirect("channels:general_settings", company_id=account.company_id)
    link = reverse("channels:job_detail", args=[account.company_id, started.job.pk])
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("Job #%(n)s queued.") % {"n": started.job.pk},
            link,
            _("Follow it"),
        ),
    )
    return redirect(link)


@login_required
@require_POST
def action_download_orders(request, company_id: int):
    account = _company_account(request, company_id)
    return _start_job(request, account, Job.Kind.ORDER_DOWNLOAD)


@login_required
def job_list(request, company_id: int):
    account = _company_account(request, company_id)
    form = JobFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(jobs_for_account(account, **filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "channels/job_list.html",
        {"company": account.company, "account": account, "form": form, "page": page},
    )


@login_required
def job_detail(request, company_id: int, job_id: int):
    account = _company_account(request, company_id)
    job = get_object_or_404(Job, pk=job_id, account=account)
    return render(
        request,
        "channels/job_detail.html",
        {"company": account.company, "job": job, "logs": job.logs.all()[:500]},
    )


@login_required
def job_status(request, company_id: int, job_id: int):
    """What the job page polls while the job runs (no full-page reload)."""
    account = _company_account(request, company_id)
    job = get_object_or_404(Job, pk=job_id, account=account)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": job.status_label,
            "finished": job.is_finished,
            "progress": job.progress,
            "message": job.message,
            "succeeded": job.succeeded,
            "failed": job.failed,
            "counts": job.counts,
        }
    )


@login_required
def job_output(request, company_id: int, job_id: int):
    """The job's log lines as CSV: one line per record with its error flag."""
    account = _company_account(request, company_id)
    job = get_object_or_404(Job, pk=job_id, account=account)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}.csv"'
    writer = SafeCsvWriter(response)
    writer.writerow(["time", "record", "error", "message"])
    for log in job.logs.all().iterator():
        writer.writerow([log.created_at.isoformat(), log.record, int(log.is_error), log.message])
    return response


# Orders ------------------------------------------------------------------------------------
@login_required
def order_list(request, company_id: int):
    account = _company_account(request, company_id)
    form = OrderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    orders = orders_for_account(account, **filters)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "channels/order_list.html",
        {
            "company": account.company,
            "account": account,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "awaiting": account.acceptance_requests.filter(
                status=AcceptanceRequest.Status.PENDING
            ).order_by("deadline"),
            "missed": Order.objects.filter(account=account, missed_at__isnull=False).order_by(
                "-missed_at"
            )[:50],
            "now": timezone.now(),
            "states": Order.objects.filter(account=account)
            .order_by("status")
            .values_list("status", flat=True)
            .distinct(),
        },
    )


@login_required
def order_detail(request, company_id: int, order_id: int):
    account = _company_account(request, company_id)
    order = get_object_or_404(Order, pk=order_id, account=account)
    shipment = Shipment.objects.filter(order=order).first()
    if request.method == "POST":
        form = ShipmentForm(request.POST, account=account)
        if form.is_valid():
            try:
                shipment, warnings = shipment_record(
                    order=order, data=form.shipment_input(), user=request.user
                )
            except ShipmentRefused as exc:
                messages.error(request, str(exc))
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(
                    request,
                    _("Shipment recorded: it goes to Cdiscount with the next fulfillment upload."),
                )
                return redirect("channels:order_detail", company_id=company_id, order_id=order.pk)
        else:
            messages.error(request, _("Nothing was saved: correct the fields marked below."))
    else:
        initial = {"ship_date": timezone.localdate()}
        if shipment:
            initial = {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "ship_date": shipment.ship_date,
            }
        form = ShipmentForm(initial=initial, account=account)
    return render(
        request,
        "channels/order_detail.html",
        {
            "company": account.company,
            "order": order,
            "lines": order.lines.all(),
            "shipment": shipment,
            "form": form,
            "carriers": form.carriers,
            "events": OrderEvent.objects.filter(
                account=account, order_number__in=order.api_ids
            ).select_related("job"),
        },
    )


@login_required
@require_POST
def shipment_import(request, company_id: int):
    account = _company_account(request, company_id)
    return _csv_import_start(request, account, Job.Kind.SHIPMENTS_IMPORT) or redirect(
        "channels:order_list", company_id=account.company_id
    )


@login_required
@require_POST
def action_upload_fulfillment(request, company_id: int):
    account = _company_account(request, company_id)
    return _start_job(request, account, Job.Kind.FULFILLMENT_UPLOAD)


# Products ----------------------------------------------------------------------------------
PRODUCT_FILTERS = {
    "errors": lambda qs: qs.exclude(offer_error_code="", offer_error_message=""),
    "excluded": lambda qs: qs.filter(excluded=True),
    "out_of_stock": lambda qs: qs.filter(quantity=0),
    "held": lambda qs: qs.filter(held_offer__state=HeldOffer.State.HELD),
}
# Held offers listed above the products; the "held" filter shows them all.
HELD_ROWS = 50


@login_required
def product_list(request, company_id: int):
    account = _company_account(request, company_id)
    products = Product.objects.filter(company=account.company)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        products = products.filter(
            Q(sku__icontains=q) | Q(ean__icontains=q) | Q(title__icontains=q)
        )
    show = request.GET.get("show", "")
    if show in PRODUCT_FILTERS:
        products = PRODUCT_FILTERS[show](products)
    page = Paginator(products.select_related("held_offer").order_by("sku"), 50).get_page(
        request.GET.get("page")
    )
    reserved = reserved_quantities(account, [p.sku for p in page])
    held = held_offers_for(account)
    rows = [
        {
            "product": p,
            "reserved": reserved.get(p.sku, 0),
            "quantity_sent": offer_quantity(p, account, reserved.get(p.sku, 0))[0],
            "price_sent": offer_price(p, account),
            "rejection_waits": rejected_offer_waits(p, account, reserved=reserved.get(p.sku, 0)),
        }
        for p in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "channels/product_list.html",
        {
            "company": account.company,
            "account": account,
            "page": page,
            "rows": rows,
            "q": q,
            "show": show,
            "query": query.urlencode(),
            "upload_form": CsvUploadForm(),
            "held": _held_rows(held[:HELD_ROWS]),
            "held_count": held.count(),
        },
    )


def _held_rows(held) -> list[dict]:
    return [
        {
            "offer": offer,
            "sku": offer.product.sku,
            "sentence": held_sentence(offer.reason, offer.figures),
        }
        for offer in held
    ]


@login_required
@require_POST
def held_offers_decide_view(request, company_id: int, decision: str):
    """Release (sent by the next upload, despite the guards, once) or Discard held offers:
    the SKUs posted, or all of them."""
    account = _company_account(request, company_id)
    skus = None if request.POST.get("all") == "1" else request.POST.getlist("sku")
    state = HeldOffer.State.RELEASED if decision == "release" else HeldOffer.State.DISCARDED
    decided = held_offers_decide(account=account, decision=state, skus=skus, user=request.user)
    if not decided:
        messages.info(request, _("No held offer to decide on: the list has changed."))
    elif state == HeldOffer.State.RELEASED:
        messages.success(
            request,
            ngettext(
                "%(n)d offer released: the next upload sends it (Actions → Upload Inventory to "
                "send it now).",
                "%(n)d offers released: the next upload sends them (Actions → Upload Inventory "
                "to send them now).",
                len(decided),
            )
            % {"n": len(decided)},
        )
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d held change discarded: it is not sent unless the product changes again.",
                "%(n)d held changes discarded: they are not sent unless the products change again.",
                len(decided),
            )
            % {"n": len(decided)},
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("channels:product_list", args=[account.company_id])
    return redirect(target)


@login_required
@require_POST
def product_import(request, company_id: int):
    account = _company_account(request, company_id)
    return _csv_import_start(request, account, Job.Kind.PRODUCTS_IMPORT) or redirect(
        "channels:product_list", company_id=account.company_id
    )


def _csv_import_start(request, account, kind: str):
    """Queues an import job on the uploaded file and answers "Job #N queued"; None (the form's
    message shown) when no file fit."""
    form = CsvUploadForm(
        request.POST,
        request.FILES,
        uploads_too_large=getattr(request, "uploads_too_large", ()),
    )
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["file"]))
        return None
    with form.cleaned_data["file"].open("rb") as file:
        started = job_start_import(account=account, kind=kind, file=file, user=request.user)
    return _job_queued(request, account, started)


@login_required
def product_export(request, company_id: int):
    account = _company_account(request, company_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="products.csv"'
    products_export_csv(company=account.company, out=response)
    return response


@login_required
def product_edit(request, company_id: int, product_id: int):
    account = _company_account(request, company_id)
    product = get_object_or_404(Product, pk=product_id, company=account.company)
    form = ProductOverridesForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Product %(sku)s saved.") % {"sku": product.sku})
        return redirect("channels:product_list", company_id=account.company_id)
    reserved = reserved_quantities(account, [product.sku]).get(product.sku, 0)
    held = held_offers_for(account).filter(product=product)
    return render(
        request,
        "channels/product_edit.html",
        {
            "company": account.company,
            "account": account,
            "product": product,
            "form": form,
            "held": _held_rows(held),
            "rejection_waits": rejected_offer_waits(product, account, reserved=reserved),
        },
    )


@login_required
@require_POST
def action_upload_inventory(request, company_id: int):
    account = _company_account(request, company_id)
    full = request.POST.get("full") == "1"
    return _start_job(request, account, Job.Kind.INVENTORY_UPLOAD, options={"full": full})


@login_required
@require_POST
def notification_dismiss(request, notification_id: int):
    note = get_object_or_404(notifications_for_user(request.user), pk=notification_id)
    note.dismissed_at = timezone.now()
    note.dismissed_by = request.user
    note.save(update_fields=["dismissed_at", "dismissed_by"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("channels:company_list")
    return redirect(target)


@login_required
def notification_preferences(request):
    """The signed-in user's own choices: which notifications reach them by e-mail, and when."""
    current = preferences_for_user(request.user)
    form = NotificationPreferencesForm(request.POST or None, kinds=list(current), initial=current)
    if request.method == "POST" and form.is_valid():
        preferences_update(user=request.user, deliveries=form.cleaned_data)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("channels:notification_preferences")
    return render(request, "channels/notification_preferences.html", {"form": form})


PREVIEW_ROWS = 500


@login_required
def inventory_preview(request, company_id: int):
    """Exactly which offers the next upload would send, and why; nothing is sent."""
    account = _company_account(request, company_id)
    full = request.GET.get("full") == "1"
    plan = plan_upload(account, full=full)
    return render(
        request,
        "channels/inventory_preview.html",
        {
            "company": account.company,
            "account": account,
            "planned": plan.offers[:PREVIEW_ROWS],
            "more": len(plan.offers) > PREVIEW_ROWS,
            "held": [
                {"item": item, "sentence": item.hold.sentence()}
                for item in plan.held[:PREVIEW_ROWS]
            ],
            "held_count": len(plan.held),
            "full": full,
        },
    )


@login_required
@require_POST
def acceptance_decide_view(request, company_id: int, request_id: int, decision: str):
    account = _company_account(request, company_id)
    pending = get_object_or_404(
        AcceptanceRequest, pk=request_id, account=account, status=AcceptanceRequest.Status.PENDING
    )
    accept = decision == "accept"
    try:
        acceptance_decide(request=pending, accept=accept, user=request.user)
    except AcceptanceFailed as exc:
        messages.error(request, str(exc))
    else:
        number = pending.reference or pending.order_number
        messages.success(
            request,
            (_("Order %(n)s accepted.") if accept else _("Order %(n)s refused.")) % {"n": number},
        )
    return redirect("channels:order_list", company_id=account.company_id)


@login_required
def order_timeline_export(request, company_id: int, order_id: int):
    """The order's exchanges with Cdiscount for support: no customer data, no secret."""
    account = _company_account(request, company_id)
    order = get_object_or_404(Order, pk=order_id, account=account)
    payload = order_timeline_redacted(order)
    response = JsonResponse(payload, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = (
        f'attachment; filename="order-{order.order_number}-timeline.json"'
    )
    return response
