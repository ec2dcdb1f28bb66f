"""Builds the Cdiscount client for an account, from settings and the account's credentials."""

from django.conf import settings

from channels.cdiscount import CdiscountClient, MarketplaceClient, OctopiaClient
from channels.models import CdiscountAccount, CdiscountApi

from .metrics import cdiscount_call_record
from .token_store import AccountTokenStore


def cdiscount_client_for(
    account: CdiscountAccount,
    *,
    auto_refresh: bool = True,
    api: str | None = None,
    live_token: bool = True,
) -> CdiscountClient:
    """The client of `api` (default: the account's current API) with that API's credentials,
    never another API's.

    With `live_token` (on the current API), it shares the account's live token through
    AccountTokenStore: a renewal reuses a token that another worker stored meanwhile, and two
    workers never fetch two tokens at once. Without it (a test of the other API's credentials,
    or of values not saved yet), the client keeps its tokens to itself and the live token is
    left alone. Use it as a context manager: it closes its HTTP session.
    """
    api = api or account.api
    shared = live_token and api == account.api
    store = AccountTokenStore(account) if shared else None
    token = (account.access_token or None) if shared else None
    if api == CdiscountApi.OCTOPIA:
        return OctopiaClient(
            auth_url=settings.CDISCOUNT_AUTH_URL,
            api_url=settings.CDISCOUNT_API_URL,
            client_id=account.octopia_client_id,
            client_secret=account.octopia_client_secret,
            seller_id=account.octopia_seller_id,
            token=token,
            timeout=settings.CDISCOUNT_TIMEOUT,
            auto_refresh=auto_refresh,
            token_store=store,
            observer=cdiscount_call_record,
        )
    return MarketplaceClient(
        sts_url=settings.CDISCOUNT_STS_URL,
        soap_url=settings.CDISCOUNT_SOAP_URL,
        login=account.marketplace_login,
        password=account.marketplace_password,
        token=token,
        timeout=settings.CDISCOUNT_TIMEOUT,
        auto_refresh=auto_refresh,
        token_store=store,
        observer=cdiscount_call_record,
    )
