"""Builds the Cdiscount client for an account, from settings and the account's credentials."""

from django.conf import settings

from channels.cdiscount import CdiscountClient, MarketplaceClient, OctopiaClient
from channels.models import CdiscountAccount

from .token_store import AccountTokenStore


def cdiscount_client_for(
    account: CdiscountAccount, *, auto_refresh: bool = True
) -> CdiscountClient:
    """The client of the account's API generation, sharing its tokens through the account.

    A renewal reuses a token that another worker stored meanwhile, and two workers never fetch
    two tokens at once (AccountTokenStore). Use it as a context manager: it closes its HTTP
    session.
    """
    store = AccountTokenStore(account)
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
            token_store=store,
        )
    return MarketplaceClient(
        sts_url=settings.CDISCOUNT_STS_URL,
        soap_url=settings.CDISCOUNT_SOAP_URL,
        login=account.username,
        password=account.password,
        token=account.access_token or None,
        timeout=settings.CDISCOUNT_TIMEOUT,
        auto_refresh=auto_refresh,
        token_store=store,
    )
