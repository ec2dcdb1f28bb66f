"""What callers may rely on, whichever API generation an account uses.

`CdiscountClient` is the one shape of both clients (OctopiaClient, MarketplaceClient), so a
service never asks which API it talks to. `TokenStore` is what a client is handed to share its
tokens with other clients of the same account (other workers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import BinaryIO, Protocol, Self

from .results import (
    Carrier,
    OfferPackageStatus,
    OfferPackageSubmission,
    OfferUpdate,
    Order,
    RemoteOffer,
    SellerInfo,
    Token,
)

# Writes an offer package (a zip) into the binary file it is given.
PackageWriter = Callable[[BinaryIO], None]
# Runs a PackageWriter into a file Cdiscount can download, and returns that file's public URL.
PackagePublisher = Callable[[PackageWriter], str]


class TokenStore(Protocol):
    """Where a client's tokens are kept, shared with other clients of the same account.

    `renew` is called when the client needs a token: it has none, or Cdiscount rejected the
    one it holds (`held`). The store answers with the token to use: one that another client
    stored meanwhile, or one it asks Cdiscount for with `fetch` (and keeps). `save` keeps a
    token the client was explicitly asked to fetch (Get Token).
    """

    def renew(self, *, held: str | None, fetch: Callable[[], Token]) -> Token: ...

    def save(self, token: Token) -> None: ...


class CdiscountClient(Protocol):
    """One seller account's client, either API generation; close it (or use `with`)."""

    @property
    def token(self) -> str | None: ...

    def get_token(self) -> Token: ...

    def renew_token(self) -> Token: ...

    def get_seller_info(self) -> SellerInfo: ...

    def list_orders(
        self,
        *,
        updated_from: datetime,
        updated_to: datetime,
        statuses: Sequence[str] | None = None,
    ) -> Iterator[Order]: ...

    def get_order(self, order_id: str) -> Order: ...

    def accept_order(self, order: Order) -> None: ...

    def refuse_order(self, order: Order) -> None: ...

    def ship_order(
        self,
        order: Order,
        *,
        carrier: str,
        tracking_number: str,
        tracking_url: str,
        line_ids: Sequence[str] | None = None,
    ) -> None: ...

    def list_carriers(self) -> list[Carrier]: ...

    def submit_offers(
        self,
        offers: Sequence[OfferUpdate],
        *,
        full: bool = False,
        name: str | None = None,
        publish: PackagePublisher | None = None,
    ) -> OfferPackageSubmission: ...

    def get_offer_package(self, package_id: str) -> OfferPackageStatus: ...

    def list_offers(self, *, skus: Sequence[str] | None = None) -> Iterator[RemoteOffer]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...
