"""Log-in throttling with django-axes: after LOGIN_FAILURE_LIMIT wrong passwords for one user
name, or from one address, log-in is refused for LOGIN_LOCKOUT_MINUTES."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import ngettext


class LoginAttemptHandler(AxesDatabaseHandler):
    """A successful log-in clears that user name's failures only. Axes' own reset also clears
    every failure from the address, which would let anyone with an account of their own reset
    the address's count between guesses at someone else's password."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed log-ins: log-in is locked for %(minutes)d minute. "
        "Try again later, or ask an administrator to unlock it.",
        "Too many failed log-ins: log-in is locked for %(minutes)d minutes. "
        "Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The log-in page again, with the lock explained (HTTP 429, Too Many Requests)."""
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )
