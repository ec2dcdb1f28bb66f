"""Reads scoped to the signed-in user: a user sees only the companies they belong to."""

from django.shortcuts import get_object_or_404

from .models import CdiscountAccount, Company


def companies_for_user(user):
    return Company.objects.filter(members=user).order_by("name", "id")


def company_for_user(user, company_id: int) -> Company:
    """The company, or 404 for a company the user does not belong to (not 403: no leak)."""
    return get_object_or_404(companies_for_user(user), pk=company_id)


def account_for_user(user, company_id: int) -> CdiscountAccount:
    company = company_for_user(user, company_id)
    account, _ = CdiscountAccount.objects.get_or_create(company=company)
    return account
