"""Startup checks: the app refuses to run with a key that would make every stored secret read
as empty (and the next save store an empty one).

The check is a Django system check, so `check`, `check --deploy`, `migrate` and `runserver` run
it. gunicorn and Celery do not run system checks (Celery runs them and ignores the result), so
wsgi.py and the Celery app call `refuse_to_start_on_key_errors` themselves.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections

from channels.fields import MalformedKey, parse_keys

FIX = (
    "Set FIELD_ENCRYPTION_KEY to the key that encrypted the stored secrets (several keys can be "
    "given, comma-separated: the first encrypts, all decrypt). If that key is lost, run "
    "`python manage.py cdiscount --skip-checks reencrypt-secrets --forget-unreadable` and enter "
    "those passwords again."
)


@checks.register("encryption")
def check_encryption_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from channels.services.secrets import secrets_unreadable

    try:
        parse_keys(settings.FIELD_ENCRYPTION_KEY)
    except MalformedKey as exc:
        return [
            checks.Error(
                str(exc),
                hint='Generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="channels.E001",
            )
        ]
    try:
        unreadable = secrets_unreadable()
    except DatabaseError:
        # No database yet (or not migrated): nothing stored, nothing to decrypt.
        return []
    if not unreadable:
        return []
    listed = ", ".join(str(value) for value in unreadable[:5])
    more = f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
    return [
        checks.Error(
            f"FIELD_ENCRYPTION_KEY cannot decrypt the stored secrets ({listed}{more}).",
            hint=FIX,
            id="channels.E002",
        )
    ]


def refuse_to_start_on_key_errors() -> None:
    """For processes that do not act on system checks: raise when the key check fails."""
    errors = check_encryption_key()
    # Opened before a server forks its workers: never share it with them.
    connections.close_all()
    if errors:
        raise ImproperlyConfigured(" ".join(f"{e.msg} {e.hint}" for e in errors))
