"""Companies, their members, and changes to the General Settings."""

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from channels.models import CdiscountAccount, Company, Membership, SettingsChange

logger = logging.getLogger(__name__)


def company_create(*, name: str) -> Company:
    with transaction.atomic():
        company = Company.objects.create(name=name)
        account_create(company=company)
    logger.info("company %s created", company.pk)
    return company


def account_create(*, company: Company) -> CdiscountAccount:
    """A company's Cdiscount account, made with the company (the CLI, the admin, the demo):
    pages and selectors only read it."""
    return CdiscountAccount.objects.create(company=company)


def user_create(*, username: str, password: str, company: Company):
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
        Membership.objects.create(user=user, company=company)
    logger.info("user %s created for company %s", user.pk, company.pk)
    return user


def account_settings_update(
    *, account: CdiscountAccount, changes: dict[str, Any], user=None, source: str = "web"
) -> list[str]:
    """Applies validated values; records which fields changed (never their values).

    A change of API, or of the current API's credentials, drops the stored token: it was
    issued for the old ones. The other API's credentials are kept as they are; changing them
    leaves the live token alone.
    """
    with transaction.atomic():
        # Compare with the stored row, not the caller's object (a ModelForm mutates its instance).
        stored = CdiscountAccount.objects.select_for_update().get(pk=account.pk)
        changed = [name for name, value in changes.items() if getattr(stored, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(stored, name, changes[name])
        if any(name in ("api", *stored.credential_fields()) for name in changed):
            stored.access_token = ""
            stored.token_received_at = None
            stored.token_expires_at = None
            stored.last_check_at = None
            stored.last_check_ok = None
            stored.last_check_message = ""
        stored.save()
        SettingsChange.objects.create(account=stored, user=user, source=source, fields=changed)
    logger.info("account %s: settings changed (%s)", account.pk, ", ".join(changed))
    return changed
