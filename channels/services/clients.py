"""Builds the Cdiscount client for an account, from settings and the account's credentials."""

from django.conf import settings

from channels.cdiscount import MarketplaceClient, OctopiaClient, Token
from channels.models import CdiscountAccount


def cdiscount_client_for(account: CdiscountAccount, *, auto_refresh: bool = True):
    """The client of the account's API generation; refreshed tokens are saved on the account."""

    def store(token: Token) -> None:
        # Imported here: tokens.py builds clients too.
        from .tokens import account_token_store

        account_token_store(account=account, token=token)

    if account.is_octopia:
        return OctopiaClient(
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
    return MarketplaceClient(
        sts_url=settings.CDISCOUNT_STS_URL,
        soap_url=settings.CDISCOUNT_SOAP_URL,
        login=account.username,
        password=account.password,
        token=account.access_token or None,
        timeout=settings.CDISCOUNT_TIMEOUT,
        auto_refresh=auto_refresh,
        on_token=store,
    )
