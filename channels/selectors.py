"""Reads scoped to the signed-in user: a user sees only the companies they belong to."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Carrier, CdiscountAccount, Company, Job, Order


def companies_for_user(user):
    return Company.objects.filter(members=user).order_by("name", "id")


def company_for_user(user, company_id: int) -> Company:
    """The company, or 404 for a company the user does not belong to (not 403: no leak)."""
    return get_object_or_404(companies_for_user(user), pk=company_id)


def account_for_user(user, company_id: int) -> CdiscountAccount:
    """The company's account, or 404 as for the company; every company has one from its
    creation (services.accounts.company_create), so this only reads."""
    return get_object_or_404(
        CdiscountAccount.objects.select_related("company"),
        company__in=companies_for_user(user),
        company_id=company_id,
    )


def carriers_for_account(account: CdiscountAccount) -> list[Carrier]:
    """The stored list of carriers Cdiscount accepts for the account (empty until a job has
    read it)."""
    return list(Carrier.objects.filter(account=account))


def jobs_for_account(account, *, kind: str = "", status: str = ""):
    jobs = Job.objects.filter(account=account)
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def orders_for_account(account, *, status="", paid="", date_from=None, date_to=None, q=""):
    orders = Order.objects.filter(account=account)
    if status:
        orders = orders.filter(status=status)
    if paid in ("yes", "no"):
        orders = orders.filter(paid=paid == "yes")
    if date_from:
        orders = orders.filter(ordered_at__date__gte=date_from)
    if date_to:
        orders = orders.filter(ordered_at__date__lte=date_to)
    if q:
        orders = orders.filter(Q(order_number__icontains=q) | Q(reference__icontains=q))
    return orders


def job_status_strip(account) -> list[dict]:
    """Per job kind: the last run (a manual Get Token counts as a token refresh) and when beat
    next starts it: the schedule's due time, which stays put until beat runs it; `overdue` when
    that time has passed (docs/architecture.md, Schedules)."""
    from .services.schedules import next_run_at, periodic_tasks_by_kind

    now = timezone.now()
    tasks = periodic_tasks_by_kind()  # read once for every kind
    strip = []
    for kind, label in Job.Kind.choices:
        if kind in Job.IMPORT_KINDS:
            continue  # started by hand only: no schedule to show
        next_run = next_run_at(account, kind, tasks, now=now)
        strip.append(
            {
                "kind": kind,
                "label": label,
                "last": Job.objects.filter(account=account, kind=kind).first(),
                "next_run": next_run,
                # 0 today, 1 tomorrow: the strip names the day only when it is not today.
                "next_in_days": None
                if next_run is None
                else (timezone.localdate(next_run) - timezone.localdate(now)).days,
                "overdue": next_run is not None and next_run <= now,
            }
        )
    return strip
