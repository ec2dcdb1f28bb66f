"""Cdiscount API client: Octopia Seller API v2 (REST) and the legacy Marketplace API (SOAP).

Holds the wire protocol only (docs/cdiscount-api.md); no Django, no business rules. Configuration
comes in through the constructors.
"""

from . import errors
from .aftersale import (
    AfterSaleClient,
    AfterSaleReason,
    Cancellation,
    CancellationReason,
    CloseResult,
    Discussion,
    DiscussionKind,
    DiscussionMessage,
    Outcome,
    Refund,
    RefundAllowance,
    RefundItem,
)
from .marketplace import MarketplaceClient
from .octopia import OctopiaClient
from .protocols import CdiscountClient, PackagePublisher, PackageWriter, TokenStore
from .results import (
    OFFER_CONDITIONS,
    Address,
    Carrier,
    OfferPackageStatus,
    OfferPackageSubmission,
    OfferResult,
    OfferUpdate,
    Order,
    OrderLine,
    RemoteOffer,
    SellerInfo,
    Token,
    Voucher,
)

__all__ = [
    "Address",
    "AfterSaleClient",
    "AfterSaleReason",
    "Cancellation",
    "CancellationReason",
    "CloseResult",
    "Discussion",
    "DiscussionKind",
    "DiscussionMessage",
    "Outcome",
    "Refund",
    "RefundAllowance",
    "RefundItem",
    "Carrier",
    "CdiscountClient",
    "MarketplaceClient",
    "OFFER_CONDITIONS",
    "OctopiaClient",
    "OfferPackageStatus",
    "OfferPackageSubmission",
    "OfferResult",
    "OfferUpdate",
    "Order",
    "OrderLine",
    "PackagePublisher",
    "PackageWriter",
    "RemoteOffer",
    "SellerInfo",
    "Token",
    "TokenStore",
    "Voucher",
    "errors",
]
