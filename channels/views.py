"""Thin views: scoping, forms, one POST URL per action, Post/Redirect/Get with messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import GeneralSettingsForm
from .selectors import account_for_user, companies_for_user, company_for_user
from .services.accounts import account_settings_update
from .services.tokens import account_get_token, account_test_token


def _activate_company_time_zone(company) -> None:
    timezone.activate(company.time_zone)


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
    account = account_for_user(request.user, company_id)
    _activate_company_time_zone(account.company)
    return render(
        request,
        "channels/general_settings.html",
        {
            "company": account.company,
            "account": account,
            "changes": account.settings_changes.select_related("user")[:10],
        },
    )


@login_required
def general_settings_edit(request, company_id: int):
    account = account_for_user(request.user, company_id)
    _activate_company_time_zone(account.company)
    if request.method == "POST":
        form = GeneralSettingsForm(request.POST, instance=account)
        if form.is_valid():
            changed = account_settings_update(
                account=account, changes=form.changes(), user=request.user, source="web"
            )
            if changed:
                messages.success(request, _("General Settings saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("channels:general_settings", company_id=account.company_id)
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
    else:
        form = GeneralSettingsForm(instance=account)
    return render(
        request,
        "channels/general_settings_edit.html",
        {"company": account.company, "account": account, "form": form},
    )


def _report(request, result) -> None:
    (messages.success if result.ok else messages.error)(request, result.message)


@login_required
@require_POST
def action_get_token(request, company_id: int):
    account = account_for_user(request.user, company_id)
    _activate_company_time_zone(account.company)
    _report(request, account_get_token(account_id=account.pk))
    return redirect("channels:general_settings", company_id=account.company_id)


@login_required
@require_POST
def action_test_token(request, company_id: int):
    account = account_for_user(request.user, company_id)
    _report(request, account_test_token(account_id=account.pk))
    return redirect("channels:general_settings", company_id=account.company_id)
