"""Cdiscount API client: Octopia Seller API v2 (REST) and the legacy Marketplace API (SOAP).

Holds the wire protocol only (CDISCOUNT_API.md); no Django, no business rules. Configuration
comes in through the constructors.
"""

from . import errors
from .marketplace import MarketplaceClient
from .octopia import OctopiaClient
from .results import SellerInfo, Token

__all__ = ["MarketplaceClient", "OctopiaClient", "SellerInfo", "Token", "errors"]
