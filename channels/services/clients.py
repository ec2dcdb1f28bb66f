"""Builds the Cdiscount client for an account, from settings and the account's credentials."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels.cdiscount import MarketplaceClient, OctopiaClient, Token
from channels.models import CdiscountAccount

# A token another worker renewed is reused if it still has at least this long to live.
REUSE_MARGIN = timedelta(minutes=5)


def cdiscount_client_for(
    account: CdiscountAccount, *, auto_refresh: bool = True, single_flight: bool = True
):
    """The client of the account's API generation; refreshed tokens are saved on the account.

    With `single_flight`, a token renewal takes the account's row lock first, and reuses a token
    that another worker stored meanwhile, so two workers never fetch two tokens at once.
    """

    def store(token: Token) -> None:
        # Imported here: tokens.py builds clients too.
        from .tokens import account_token_store

        account_token_store(account=account, token=token)

    if account.is_octopia:
        client = OctopiaClient(
            auth_url=settings.CDISCOUNT_AUTH_URL,
            api_url=settings.CDISCOUNT_API_URL,
            client_id=account.username,
            client_secret=account.password,
            seller_id=account.seller_id,
            token=account.access_token or None,
            timeout=settings.CDISCOUNT_TIMEOUT,
            auto_refresh=auto_refresh,
            on_token=store,
        )
    else:
        client = MarketplaceClient(
            sts_url=settings.CDISCOUNT_STS_URL,
            soap_url=settings.CDISCOUNT_SOAP_URL,
            login=account.username,
            password=account.password,
            token=account.access_token or None,
            timeout=settings.CDISCOUNT_TIMEOUT,
            auto_refresh=auto_refresh,
            on_token=store,
        )
    if single_flight:
        client.get_token = _single_flight(client, account, client.get_token)
    return client


def _single_flight(client, account: CdiscountAccount, fetch):
    held = client.token

    def get_token() -> Token:
        nonlocal held
        with transaction.atomic():
            row = CdiscountAccount.objects.select_for_update().get(pk=account.pk)
            fresh = (
                row.access_token
                and row.access_token != held
                and row.token_expires_at
                and row.token_expires_at - timezone.now() > REUSE_MARGIN
            )
            if fresh:
                client.use_token(row.access_token)
                token = Token(row.access_token, row.token_expires_at, row.token_received_at)
            else:
                token = fetch()
        held = token.value
        return token

    return get_token
