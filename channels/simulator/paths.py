"""Where each simulated service lives on the simulator's one port."""

from __future__ import annotations

from .exchange import Surface

OCTOPIA_TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"
OCTOPIA_API_PREFIX = "/seller/v2"
STS_PATH = "/users/httpIssue.svc/"
SOAP_PATH = "/MarketplaceAPIService.svc"
CONTROL_PREFIX = "/_simulator"


def urls_for(base_url: str) -> dict[str, str]:
    """The four CDISCOUNT_* settings pointing at a simulator served at `base_url`."""
    base = base_url.rstrip("/")
    return {
        "CDISCOUNT_AUTH_URL": base + OCTOPIA_TOKEN_PATH,
        "CDISCOUNT_API_URL": base + OCTOPIA_API_PREFIX,
        "CDISCOUNT_STS_URL": base + STS_PATH,
        "CDISCOUNT_SOAP_URL": base + SOAP_PATH,
    }


def surface_of(path: str) -> Surface:
    if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
        return Surface.CONTROL
    if path == OCTOPIA_TOKEN_PATH:
        return Surface.OCTOPIA_AUTH
    if path == OCTOPIA_API_PREFIX or path.startswith(OCTOPIA_API_PREFIX + "/"):
        return Surface.OCTOPIA_API
    if path in (STS_PATH, STS_PATH.rstrip("/")):
        return Surface.STS
    if path == SOAP_PATH:
        return Surface.SOAP
    return Surface.OTHER
