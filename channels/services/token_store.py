"""An account's Cdiscount token, kept on the account and shared by every worker.

A renewal is single-flight: a worker that needs a new token claims a short lock row first, so
two workers never ask Cdiscount at once (token requests are rate limited); the other waits for
the token the first one stores. The lock is a row inserted and deleted in two short
transactions, never a row lock held across the HTTP call: on SQLite that would block every
other write for as long as Cdiscount takes to answer.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.cdiscount import Token
from channels.models import CdiscountAccount, JobLock

logger = logging.getLogger(__name__)

# A token another worker renewed is reused if it still has at least this long to live.
REUSE_MARGIN = timedelta(minutes=5)
# The lock row's kind: not a job kind, so it never meets a job's own lock.
TOKEN_LOCK_KIND = "token_renewal"
# How often a waiting worker looks for the token another one is fetching.
POLL_INTERVAL = 0.1


def account_token_store(*, account: CdiscountAccount, token: Token) -> None:
    """Saves a token that Cdiscount just issued on the account (one UPDATE, no lock held)."""
    CdiscountAccount.objects.filter(pk=account.pk).update(
        access_token=token.value,
        token_received_at=token.received_at,
        token_expires_at=token.expires_at,
        updated_at=timezone.now(),
    )
    account.access_token = token.value
    account.token_received_at = token.received_at
    account.token_expires_at = token.expires_at
    logger.info("account %s: new token, valid until %s", account.pk, token.expires_at.isoformat())


class AccountTokenStore:
    """The TokenStore of an account's clients (channels.cdiscount.protocols.TokenStore)."""

    def __init__(self, account: CdiscountAccount) -> None:
        self.account = account

    def save(self, token: Token) -> None:
        account_token_store(account=self.account, token=token)

    def renew(self, *, held: str | None, fetch: Callable[[], Token]) -> Token:
        """The stored token if another worker renewed it meanwhile, else a new one, fetched by
        one worker at a time.

        A worker waits for the one fetching at most until that one's lock expires (the HTTP
        timeout and a margin), then takes the lock over: a killed worker blocks no one.
        """
        lock_ttl = timedelta(seconds=settings.CDISCOUNT_TIMEOUT) + timedelta(seconds=5)
        give_up_at = time.monotonic() + 2 * lock_ttl.total_seconds()
        while True:
            stored = self._reusable(held)
            if stored is not None:
                return stored
            claim = self._claim(lock_ttl)
            if claim is not None:
                break
            if time.monotonic() > give_up_at:
                # The lock keeps being renewed by others and no token comes: fetch regardless.
                logger.warning("account %s: no token from the worker renewing it", self.account.pk)
                return self._fetch_and_save(fetch)
            time.sleep(POLL_INTERVAL)
        try:
            # Stored between our last look and the claim: no request needed.
            stored = self._reusable(held)
            if stored is not None:
                return stored
            return self._fetch_and_save(fetch)
        finally:
            JobLock.objects.filter(
                account_id=self.account.pk, kind=TOKEN_LOCK_KIND, expires_at=claim
            ).delete()

    def _fetch_and_save(self, fetch: Callable[[], Token]) -> Token:
        token = fetch()  # outside any transaction: nothing is locked while Cdiscount answers
        self.save(token)
        return token

    def _reusable(self, held: str | None) -> Token | None:
        """The stored token when it is not the one held and lives long enough to be used."""
        row = (
            CdiscountAccount.objects.filter(pk=self.account.pk)
            .values("access_token", "token_received_at", "token_expires_at")
            .first()
        )
        if row is None:
            return None
        value, expires_at = row["access_token"], row["token_expires_at"]
        if not value or value == held or expires_at is None:
            return None
        if expires_at - timezone.now() <= REUSE_MARGIN:
            return None
        self.account.access_token = value
        self.account.token_received_at = row["token_received_at"]
        self.account.token_expires_at = expires_at
        return Token(value, expires_at, row["token_received_at"] or timezone.now())

    def _claim(self, ttl: timedelta) -> datetime | None:
        """Takes the account's token lock (or an expired one); its expiry marks it as ours."""
        now = timezone.now()
        expires_at = now + ttl
        try:
            with transaction.atomic():
                JobLock.objects.create(
                    account_id=self.account.pk, kind=TOKEN_LOCK_KIND, expires_at=expires_at
                )
            return expires_at
        except IntegrityError:
            # A conditional UPDATE: two workers never both take over an expired lock.
            taken = JobLock.objects.filter(
                account_id=self.account.pk, kind=TOKEN_LOCK_KIND, expires_at__lt=now
            ).update(expires_at=expires_at, job=None)
            return expires_at if taken == 1 else None
