"""Offers of both API generations: the stores, the products Cdiscount knows, and offer packages
with their asynchronous integration (§O5, §O6, §M6, §M7).

The book is not thread-safe by itself: `SimulatorState` calls it under its one lock. Stored offers
and results are frozen snapshots, replaced on every change, so a protocol module may render them
outside the lock.

Integration follows the simulator clock, like the orders' transitions: `tick`, which every use of
the book calls first, integrates each package `integration_delay` seconds after it became Ready
(Octopia: the PATCH; Marketplace: the submission). It takes effect at the time it was due, which
becomes the offers' updated time and the results' date. An Octopia package reads `Ready` for the
first tenth of the delay, then `IntegrationPending`; a Marketplace package has no status (nil)
until it is integrated. Results are kept three days (§O5), then dropped.

Every offer of a package is checked on its own when the package integrates, against the offers
integrated by then. Result codes, Octopia (`resultCode`; §O5 names 8000, 9000 and 4001, the other
4xxx codes are the simulator's own choice):
  8000 created; 9000 updated;
  4001 unknown product (a GTIN Cdiscount does not know);
  4002 offer not found (an Update package names an offer never integrated);
  4003 invalid quantity (not an integer >= 0);
  4004 invalid price (not a number > 0);
  4005 the tracked delivery mode THD is missing (Upsert);
  4006 required field missing (Upsert: product.gtin and quantity);
  4007 a price without its full tax list (VAT, Ecotax, Deatax; §O5).
Marketplace (`PropertyError`, with the `PropertyCode` of the property at fault, from Cdiscount's
published code lists):
  80 created; 90 updated;
  10 required field missing; 11 wrong format; 13 unknown product; 17 below the minimum (stock);
  19 price <= 0; 25 seller reference already used for another EAN; 36 the offer does not exist
  (StockAndPrice on an offer never integrated); 40 delivery mode not configured (Full without
  Tracked); 21 error during integration (the whole package was rejected: PropertyCode 23 Package).
"""

from __future__ import annotations

import copy
import gc
import itertools
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalogue import KNOWN_EANS
from .orders import APIS, MARKETPLACE, OCTOPIA

PACKAGE_TYPES: dict[str, tuple[str, ...]] = {
    OCTOPIA: ("Update", "Upsert"),
    MARKETPLACE: ("StockAndPrice", "Full"),
}
FULL_PACKAGE_TYPES = frozenset({"Upsert", "Full"})  # whole offers: may create, need delivery modes
TRACKED_MODE = {OCTOPIA: "THD", MARKETPLACE: "Tracked"}  # the mandatory delivery mode

WAITING = "WaitingForCompletion"
READY = "Ready"
PENDING = "IntegrationPending"
INTEGRATED = "Integrated"
REJECTED = "Rejected"
ACTIVE = "Active"

MAX_OFFERS_PER_REQUEST = 1_000  # §O5: one offer-requests call
MAX_OFFERS_PER_PACKAGE = 40_000  # §O5 and §M6
RESULTS_KEPT = timedelta(days=3)  # §O5
DEFAULT_INTEGRATION_DELAY = 30.0
FIRST_MARKETPLACE_PACKAGE_ID = 541

# §M6: Offers.xml ProductCondition is an integer; GetOfferList answers the enum name.
MARKETPLACE_CONDITIONS = {
    6: "New",
    5: "Refurbished",
    1: "LikeNew",
    2: "VeryGoodState",
    3: "GoodState",
    4: "AverageState",
}
OCTOPIA_TAXES = ("VAT", "Ecotax", "Deatax")

# Octopia result codes (see the module docstring).
CREATED_OCTOPIA = "8000"
UPDATED_OCTOPIA = "9000"
UNKNOWN_PRODUCT_OCTOPIA = "4001"
OFFER_NOT_FOUND_OCTOPIA = "4002"
BAD_QUANTITY_OCTOPIA = "4003"
BAD_PRICE_OCTOPIA = "4004"
NO_TRACKED_MODE_OCTOPIA = "4005"
MISSING_FIELD_OCTOPIA = "4006"
MISSING_TAXES_OCTOPIA = "4007"

# Marketplace PropertyError codes and their messages (Cdiscount's list, in English).
MARKETPLACE_MESSAGES = {
    "10": "Required field, please enter data",
    "11": "Incorrect data format, check the required format",
    "13": "Non existent - Request its creation in the 'product creation' section of the seller "
    "interface",
    "17": "Incorrect value as lower than the minimum value, check the consistency of values",
    "19": "Incorrect value, price lower than or equal to 0 €",
    "21": "Error occurred during integration",
    "25": "Seller reference already used for another EAN or another product condition. Please "
    "change your reference",
    "36": "This offer does not exist and can not be updated. You must first create it",
    "40": "Not configured - You must set the Tracked mode in the section 'Your shipping choices' "
    "before entering the file data",
    "80": "Offer created",
    "90": "Offer updated",
}
# PropertyCode of each Offers.xml property (Cdiscount's list).
MARKETPLACE_PROPERTY_CODES = {
    "ProductEan": "1",
    "ProductCondition": "2",
    "SellerProductId": "3",
    "Stock": "5",
    "Price": "6",
    "Vat": "7",
    "EcoPart": "8",
    "PreparationTime": "9",
    "ShippingInformationList": "12",  # shipping fee, tracked mode
    "Package": "23",
    "Offer": "28",
    "DeaTax": "31",
}


class UnknownPackage(KeyError):
    """No such package for this seller."""


class PackageRefused(Exception):
    """The package's state or size forbids the change; the message says why."""


@dataclass(frozen=True, slots=True)
class ShippingMode:
    mode: str  # Octopia code (THD, NTHD...) / Marketplace DeliveryMode (Tracked, Standard...)
    cost: Decimal | None
    additional_cost: Decimal | None

    def as_record(self) -> dict[str, Any]:
        return {"mode": self.mode, "cost": self.cost, "additional_cost": self.additional_cost}


@dataclass(frozen=True, slots=True)
class StoredOffer:
    sku: str  # sellerExternalReference / SellerProductId
    ean: str
    quantity: int
    price: Decimal | None  # None: created without a price (Exclude Price Upload)
    shipping: tuple[ShippingMode, ...]
    condition: str  # New, LikeNew...
    created_at: datetime
    updated_at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)  # taxes, VAT, preparation time...
    state: str = ACTIVE

    def as_record(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "ean": self.ean,
            "quantity": self.quantity,
            "price": self.price,
            "shipping": [mode.as_record() for mode in self.shipping],
            "condition": self.condition,
            "state": self.state,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class ResultEntry:
    code: str  # Octopia resultCode / Marketplace PropertyError
    property: str  # the field at fault (Marketplace Name), or "Offer"
    message: str
    property_code: str = ""  # Marketplace PropertyCode

    def as_record(self) -> dict[str, Any]:
        return {"code": self.code, "property": self.property, "message": self.message}


@dataclass(frozen=True, slots=True)
class OfferResult:
    """What integration made of one offer of a package."""

    sku: str | None
    ean: str | None
    integrated: bool
    entries: tuple[ResultEntry, ...]
    at: datetime

    @property
    def status(self) -> str:
        return INTEGRATED if self.integrated else REJECTED

    def as_record(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "ean": self.ean,
            "status": self.status,
            "codes": [entry.code for entry in self.entries],
            "entries": [entry.as_record() for entry in self.entries],
            "at": self.at,
        }


@dataclass(slots=True)
class OfferPackage:
    """One package as the book holds it (mutable, under the state's lock)."""

    api: str
    seller: str
    package_id: str
    package_type: str
    seq: int
    created_at: datetime
    state: str
    offers: list[dict[str, Any]]  # as received
    ready_at: datetime | None = None
    integrated_at: datetime | None = None
    results: tuple[OfferResult, ...] | None = None
    error: str | None = None  # why the whole package is rejected (Marketplace)
    url: str | None = None  # Marketplace ZipFileFullPath
    name: str | None = None  # Marketplace OfferPackage Name
    results_expired: bool = False


@dataclass(frozen=True)
class PackageView:
    """A package as the API shows it at one moment."""

    package_id: str
    state: str
    results: tuple[OfferResult, ...] | None  # None before integration, and after 3 days
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in (INTEGRATED, REJECTED)

    @property
    def errors(self) -> int:
        return sum(1 for result in self.results or () if not result.integrated)


@dataclass(frozen=True)
class _Outcome:
    offer: StoredOffer | None  # the offer after the change; None when rejected
    ean: str | None
    errors: tuple[ResultEntry, ...] = ()


class OfferBook:
    """Every seller's offers and offer packages, for both APIs."""

    def __init__(self) -> None:
        self.integration_delay = DEFAULT_INTEGRATION_DELAY
        self._offers: dict[tuple[str, str], dict[str, StoredOffer]] = {}
        self._known: dict[tuple[str, str], set[str]] = {}  # EANs added beyond the catalogue
        self._packages: dict[tuple[str, str], OfferPackage] = {}  # (api, package id)
        self._by_seller: dict[tuple[str, str], list[OfferPackage]] = {}
        self._pending: list[OfferPackage] = []  # Ready, waiting for their integration
        self._finished: deque[OfferPackage] = deque()  # by integration, for the 3-day purge
        self._ignored: dict[tuple[str, str, str], int] = {}  # updates to drop silently
        self._seq = itertools.count(1)
        self._marketplace_ids = itertools.count(FIRST_MARKETPLACE_PACKAGE_ID)

    # Time

    def tick(self, now: datetime) -> None:
        """Integrate every package whose delay has run out, oldest first; drop old results."""
        if self._pending:
            delay = timedelta(seconds=self.integration_delay)
            due = [package for package in self._pending if package.ready_at + delay <= now]
            if due:
                done = {id(package) for package in due}
                self._pending = [p for p in self._pending if id(p) not in done]
                due.sort(key=lambda package: (package.ready_at, package.seq))
                for package in due:
                    self._integrate(package, package.ready_at + delay)
        finished = self._finished
        while finished and finished[0].integrated_at + RESULTS_KEPT <= now:
            package = finished.popleft()
            package.results = None
            package.offers = []
            package.results_expired = True

    def _state_at(self, package: OfferPackage, now: datetime) -> str:
        if package.state != READY:
            return package.state
        # Ready for the first tenth of the delay, then being integrated.
        pickup = timedelta(seconds=self.integration_delay / 10)
        return PENDING if now >= package.ready_at + pickup else READY

    # Known products

    def known_eans(self, api: str, seller: str) -> set[str]:
        return set(KNOWN_EANS) | self._known.get((_check_api(api), seller), set())

    def add_known_eans(self, api: str, seller: str, eans: Iterable[str]) -> int:
        known = self._known.setdefault((_check_api(api), seller), set())
        added = {str(ean).strip() for ean in eans} - {""}
        known.update(added)
        return len(known | KNOWN_EANS)

    # Offers

    def offers(self, api: str, seller: str) -> dict[str, StoredOffer]:
        """The seller's offers by SKU, in creation order (the live dict: copy before leaving)."""
        return self._offers.get((_check_api(api), seller), {})

    def page(
        self, api: str, seller: str, *, skus: Iterable[str] | None, offset: int, limit: int
    ) -> tuple[list[StoredOffer], int]:
        """A page of the seller's offers in creation order, and how many match in all."""
        offers = self.offers(api, seller)
        if skus is None:
            found = list(offers.values())
        else:
            found = [offers[sku] for sku in dict.fromkeys(skus) if sku in offers]
        return found[offset : offset + limit], len(found)

    def put(self, api: str, seller: str, offer: StoredOffer) -> None:
        self._offers.setdefault((_check_api(api), seller), {})[offer.sku] = offer
        if offer.ean not in KNOWN_EANS:
            self._known.setdefault((api, seller), set()).add(offer.ean)

    def ignore_next_updates(self, api: str, seller: str, sku: str, count: int) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be an integer >= 1")
        key = (_check_api(api), seller, sku)
        self._ignored[key] = self._ignored.get(key, 0) + count

    def count(self, api: str) -> int:
        return sum(len(offers) for (key_api, _), offers in self._offers.items() if key_api == api)

    # Packages

    def packages_for(self, api: str, seller: str) -> list[OfferPackage]:
        return list(self._by_seller.get((_check_api(api), seller), ()))

    def package_count(self, api: str) -> int:
        return sum(1 for key_api, _ in self._packages if key_api == api)

    def create(self, api: str, seller: str, package_type: str, now: datetime) -> OfferPackage:
        """An empty Octopia package, WaitingForCompletion."""
        if package_type not in PACKAGE_TYPES[_check_api(api)]:
            raise ValueError(f"unknown {api} package type {package_type!r}")
        return self._new_package(api, seller, package_type, now)

    def _new_package(self, api: str, seller: str, package_type: str, now: datetime) -> OfferPackage:
        package_id = str(uuid.uuid4()) if api == OCTOPIA else str(next(self._marketplace_ids))
        package = OfferPackage(
            api=api,
            seller=seller,
            package_id=package_id,
            package_type=package_type,
            seq=next(self._seq),
            created_at=now,
            state=WAITING,
            offers=[],
        )
        self._packages[(api, package_id)] = package
        self._by_seller.setdefault((api, seller), []).append(package)
        return package

    def find(self, api: str, seller: str, package_id: str) -> OfferPackage | None:
        package = self._packages.get((api, str(package_id)))
        return package if package is not None and package.seller == seller else None

    def _get(self, api: str, seller: str, package_id: str) -> OfferPackage:
        package = self.find(api, seller, package_id)
        if package is None:
            raise UnknownPackage(f"no {api} offer package {package_id}")
        return package

    def add_offers(
        self, api: str, seller: str, package_id: str, offers: list[dict[str, Any]]
    ) -> None:
        package = self._get(api, seller, package_id)
        if package.state != WAITING:
            raise PackageRefused(
                f"The package {package_id} is {package.state}: offers can only be added while "
                f"it is {WAITING}."
            )
        if len(package.offers) + len(offers) > MAX_OFFERS_PER_PACKAGE:
            raise PackageRefused(
                f"A package holds at most {MAX_OFFERS_PER_PACKAGE} offers; the package "
                f"{package_id} has {len(package.offers)} and this request adds {len(offers)}."
            )
        package.offers.extend(offers)

    def mark_ready(self, api: str, seller: str, package_id: str, now: datetime) -> None:
        package = self._get(api, seller, package_id)
        if package.state != WAITING:
            raise PackageRefused(
                f"The package {package_id} is already {self._state_at(package, now)}."
            )
        package.state = READY
        package.ready_at = now
        self._pending.append(package)

    def submit(
        self,
        api: str,
        seller: str,
        *,
        package_type: str | None,
        offers: list[dict[str, Any]],
        now: datetime,
        error: str | None = None,
        url: str | None = None,
        name: str | None = None,
    ) -> OfferPackage:
        """A complete package, Ready at once (Marketplace: the zip was read at submission).

        A package with an `error` is Rejected as a whole when its integration comes."""
        if error is None and package_type not in PACKAGE_TYPES[_check_api(api)]:
            error = f"Unknown PackageType {package_type!r}."
        package = self._new_package(api, seller, package_type or "", now)
        package.offers = offers
        package.error = error
        package.url = url
        package.name = name
        package.state = READY
        package.ready_at = now
        self._pending.append(package)
        return package

    def view(self, api: str, seller: str, package_id: str, now: datetime) -> PackageView | None:
        package = self.find(api, seller, package_id)
        if package is None:
            return None
        return PackageView(
            package_id=package.package_id,
            state=self._state_at(package, now),
            results=package.results,
            error=package.error,
        )

    def package_record(self, package: OfferPackage, now: datetime) -> dict[str, Any]:
        return {
            "id": package.package_id,
            "api": package.api,
            "seller": package.seller,
            "type": package.package_type,
            "state": self._state_at(package, now),
            "created_at": package.created_at,
            "ready_at": package.ready_at,
            "integrated_at": package.integrated_at,
            "offers": copy.deepcopy(package.offers),
            "results": (
                None
                if package.results is None
                else [result.as_record() for result in package.results]
            ),
            "error": package.error,
            "url": package.url,
            "name": package.name,
            "results_expired": package.results_expired,
        }

    def clear(self) -> None:
        self._offers.clear()
        self._known.clear()
        self._packages.clear()
        self._by_seller.clear()
        self._pending.clear()
        self._finished.clear()
        self._ignored.clear()

    # Integration

    def _integrate(self, package: OfferPackage, at: datetime) -> None:
        # Up to 40,000 offers make a few hundred thousand objects that all survive: without the
        # cyclic collector rescanning the heap meanwhile, integration takes half the time.
        with _collector_paused():
            self._integrate_all(package, at)

    def _integrate_all(self, package: OfferPackage, at: datetime) -> None:
        key = (package.api, package.seller)
        offers = self._offers.setdefault(key, {})
        if package.error is not None:
            results = tuple(_package_rejection(package, item, at) for item in package.offers)
        else:
            read = _OCTOPIA_READER if package.api == OCTOPIA else _MARKETPLACE_READER
            full = package.package_type in FULL_PACKAGE_TYPES
            knows = self._knower(*key)
            results = tuple(
                self._integrate_offer(package, offers, item, read, full, knows, at)
                for item in package.offers
            )
        package.results = results
        package.integrated_at = at
        package.state = INTEGRATED if any(result.integrated for result in results) else REJECTED
        self._finished.append(package)

    def _knower(self, api: str, seller: str) -> Callable[[str], bool]:
        extra = self._known.get((api, seller), set())
        return lambda ean: ean in KNOWN_EANS or ean in extra

    def _integrate_offer(
        self,
        package: OfferPackage,
        offers: dict[str, StoredOffer],
        item: dict[str, Any],
        read: _Reader,
        full: bool,
        knows: Callable[[str], bool],
        at: datetime,
    ) -> OfferResult:
        sku = read.sku(item)
        existing = offers.get(sku) if sku else None
        outcome = read.outcome(item, full, existing, knows, at)
        if outcome.offer is None:
            return OfferResult(sku, outcome.ean, False, outcome.errors, at)
        ignore_key = (package.api, package.seller, sku)
        remaining = self._ignored.get(ignore_key, 0)
        if remaining:
            # The fault switch: reported as integrated, yet the stored offer does not change.
            if remaining == 1:
                del self._ignored[ignore_key]
            else:
                self._ignored[ignore_key] = remaining - 1
        else:
            offers[sku] = outcome.offer
        return OfferResult(sku, outcome.ean, True, read.updated if existing else read.created, at)


# Reading one offer of an Octopia package (JSON, §O5)


def _octopia_sku(item: dict[str, Any]) -> str:
    return item["sellerExternalReference"]  # checked when the offer request was received


def _octopia_outcome(
    item: dict[str, Any],
    full: bool,
    existing: StoredOffer | None,
    knows: Callable[[str], bool],
    at: datetime,
) -> _Outcome:
    sku = _octopia_sku(item)
    errors: list[ResultEntry] = []

    def fail(code: str, name: str, message: str) -> None:
        errors.append(ResultEntry(code, name, message))

    product = item.get("product")
    gtin = product.get("gtin") if isinstance(product, dict) else None
    if gtin is not None and not isinstance(gtin, str):
        fail(MISSING_FIELD_OCTOPIA, "product.gtin", "The product GTIN must be a string.")
        gtin = None
    gtin = gtin.strip() if gtin else None
    if gtin is None and full:
        fail(MISSING_FIELD_OCTOPIA, "product.gtin", "The product GTIN is required.")
    elif gtin is not None and not knows(gtin):
        fail(
            UNKNOWN_PRODUCT_OCTOPIA,
            "product.gtin",
            f"Unknown product: Cdiscount has no product with the GTIN {gtin}.",
        )
    if existing is None and not full:
        fail(
            OFFER_NOT_FOUND_OCTOPIA,
            "sellerExternalReference",
            f"The offer {sku} does not exist: an Update package only changes offers already "
            "integrated (create it with an Upsert package).",
        )

    quantity = item.get("quantity")
    if quantity is None:
        if full:
            fail(MISSING_FIELD_OCTOPIA, "quantity", "The quantity is required.")
    elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        fail(BAD_QUANTITY_OCTOPIA, "quantity", f"The quantity must be an integer >= 0: {quantity}.")
        quantity = None

    price_block = item.get("price")
    price = None
    if price_block is not None:
        amount = price_block.get("price") if isinstance(price_block, dict) else None
        if not _is_number(amount):
            fail(BAD_PRICE_OCTOPIA, "price.price", "The price must be a number.")
        elif Decimal(amount) <= 0:
            fail(BAD_PRICE_OCTOPIA, "price.price", f"The price must be greater than 0: {amount}.")
        else:
            price = Decimal(amount)
        taxes = price_block.get("taxes") if isinstance(price_block, dict) else None
        codes = {tax.get("code") for tax in taxes if isinstance(tax, dict)} if taxes else set()
        missing = [code for code in OCTOPIA_TAXES if code not in codes]
        if missing:
            # §O5: a price comes with its full tax list.
            fail(
                MISSING_TAXES_OCTOPIA,
                "price.taxes",
                f"The price needs its full tax list: {', '.join(missing)} missing.",
            )

    shipping: tuple[ShippingMode, ...] | None = None
    modes = item.get("deliveryModes")
    if modes is not None or full:
        shipping = tuple(
            ShippingMode(
                str(mode.get("code")),
                _decimal_or_none(mode.get("cost")),
                _decimal_or_none(mode.get("additionalCost")),
            )
            for mode in (modes if isinstance(modes, list) else [])
            if isinstance(mode, dict) and mode.get("code")
        )
        if full and not any(mode.mode == TRACKED_MODE[OCTOPIA] for mode in shipping):
            fail(
                NO_TRACKED_MODE_OCTOPIA,
                "deliveryModes",
                "The tracked delivery mode THD is mandatory in a full offer.",
            )

    ean = gtin or (existing.ean if existing else None)
    if errors:
        return _Outcome(None, ean, tuple(errors))

    details = dict(existing.details) if existing else {}
    if price is not None:
        details["originPrice"] = _decimal_or_none(price_block.get("originPrice"))
        details["taxes"] = {
            tax.get("code"): tax.get("value")
            for tax in price_block["taxes"]
            if isinstance(tax, dict)
        }
    if "preparationTime" in item:
        details["preparationTime"] = item["preparationTime"]
    if full:
        offer = StoredOffer(
            sku=sku,
            ean=gtin,
            quantity=quantity,
            price=price if price is not None else (existing.price if existing else None),
            shipping=shipping or (),
            condition=str(item.get("condition") or "New"),
            created_at=existing.created_at if existing else at,
            updated_at=at,
            details=details,
        )
    else:
        offer = replace(
            existing,
            quantity=existing.quantity if quantity is None else quantity,
            price=existing.price if price is None else price,
            shipping=existing.shipping if shipping is None else shipping,
            updated_at=at,
            details=details,
        )
    return _Outcome(offer, ean)


_OCTOPIA_CREATED = (ResultEntry(CREATED_OCTOPIA, "Offer", "Offer created"),)
_OCTOPIA_UPDATED = (ResultEntry(UPDATED_OCTOPIA, "Offer", "Offer updated"),)


# Reading one offer of a Marketplace package (Offers.xml attributes, §M6)


def _marketplace_sku(item: dict[str, Any]) -> str:
    return (item.get("SellerProductId") or "").strip()


def _marketplace_outcome(
    item: dict[str, Any],
    full: bool,
    existing: StoredOffer | None,
    knows: Callable[[str], bool],
    at: datetime,
) -> _Outcome:
    sku = _marketplace_sku(item)
    ean = (item.get("ProductEan") or "").strip()
    errors: list[ResultEntry] = []

    def fail(code: str, name: str) -> None:
        errors.append(
            ResultEntry(
                code, name, MARKETPLACE_MESSAGES[code], MARKETPLACE_PROPERTY_CODES.get(name, "")
            )
        )

    if not sku:
        fail("10", "SellerProductId")
    if not ean:
        fail("10", "ProductEan")
    elif not knows(ean):
        fail("13", "ProductEan")
    if sku and existing is None and not full:
        fail("36", "Offer")
    if existing is not None and ean and ean != existing.ean:
        fail("25", "SellerProductId")

    def number(name: str, parse: Callable[[str], Any], required: bool) -> Any:
        text = item.get(name)
        if text is None:
            if required:
                fail("10", name)
            return None
        value = parse(text.strip())
        if value is None:
            fail("11", name)
        return value

    stock = number("Stock", _parse_int, required=full)
    if stock is not None and stock < 0:
        fail("17", "Stock")
    price = number("Price", _parse_decimal, required=False)
    if price is not None and price <= 0:
        fail("19", "Price")
    if not full and "Stock" not in item and "Price" not in item:
        fail("10", "Stock")  # a StockAndPrice offer that changes nothing

    shipping: tuple[ShippingMode, ...] = ()
    condition = existing.condition if existing else "New"
    details = dict(existing.details) if existing else {}
    if full:
        code = number("ProductCondition", _parse_int, required=True)
        if code is not None and code not in MARKETPLACE_CONDITIONS:
            fail("11", "ProductCondition")
        condition = MARKETPLACE_CONDITIONS.get(code, condition)
        for name in ("Vat", "EcoPart", "DeaTax"):
            details[name] = number(name, _parse_decimal, required=True)
        details["PreparationTime"] = number("PreparationTime", _parse_int, required=True)
        for name in ("StrikedPrice", "Comment"):
            if name in item:
                details[name] = item[name]
        modes = []
        for attributes in item.get("ShippingInformationList") or ():
            charges = _parse_decimal((attributes.get("ShippingCharges") or "0").strip())
            extra = _parse_decimal((attributes.get("AdditionalShippingCharges") or "0").strip())
            if charges is None or extra is None:
                fail("11", "ShippingInformationList")
            modes.append(ShippingMode(attributes.get("DeliveryMode") or "", charges, extra))
        shipping = tuple(modes)
        if not any(mode.mode == TRACKED_MODE[MARKETPLACE] for mode in shipping):
            fail("40", "ShippingInformationList")

    if errors:
        return _Outcome(None, ean or None, tuple(errors))
    if full:
        offer = StoredOffer(
            sku=sku,
            ean=ean,
            quantity=stock,
            price=price if price is not None else (existing.price if existing else None),
            shipping=shipping,
            condition=condition,
            created_at=existing.created_at if existing else at,
            updated_at=at,
            details=details,
        )
    else:
        offer = replace(
            existing,
            quantity=existing.quantity if stock is None else stock,
            price=existing.price if price is None else price,
            updated_at=at,
        )
    return _Outcome(offer, ean)


_MARKETPLACE_CREATED, _MARKETPLACE_UPDATED = (
    (ResultEntry(code, "Offer", MARKETPLACE_MESSAGES[code], MARKETPLACE_PROPERTY_CODES["Offer"]),)
    for code in ("80", "90")
)


def _package_rejection(package: OfferPackage, item: dict[str, Any], at: datetime) -> OfferResult:
    """Every offer of a package rejected as a whole carries the package's error."""
    if package.api == OCTOPIA:
        sku, ean = item.get("sellerExternalReference"), None
    else:
        sku, ean = _marketplace_sku(item) or None, (item.get("ProductEan") or "").strip() or None
    entry = ResultEntry("21", "Package", package.error or "", MARKETPLACE_PROPERTY_CODES["Package"])
    return OfferResult(sku, ean, False, (entry,), at)


@dataclass(frozen=True)
class _Reader:
    sku: Callable[[dict[str, Any]], str]
    outcome: Callable[..., _Outcome]
    created: tuple[ResultEntry, ...]
    updated: tuple[ResultEntry, ...]


_OCTOPIA_READER = _Reader(_octopia_sku, _octopia_outcome, _OCTOPIA_CREATED, _OCTOPIA_UPDATED)
_MARKETPLACE_READER = _Reader(
    _marketplace_sku, _marketplace_outcome, _MARKETPLACE_CREATED, _MARKETPLACE_UPDATED
)


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_api(api: str) -> str:
    if api not in APIS:
        raise ValueError(f"unknown api {api!r}; expected one of {APIS}")
    return api


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return Decimal(value).is_finite()


def _decimal_or_none(value: object) -> Decimal | None:
    return Decimal(value) if _is_number(value) else None


def _parse_int(text: str) -> int | None:
    # Offers.xml numbers are invariant-culture: digits, an optional sign, nothing else.
    digits = text[1:] if text[:1] in "+-" else text
    return int(text) if digits.isascii() and digits.isdigit() else None


def _parse_decimal(text: str) -> Decimal | None:
    """A decimal with a point ("19.90"); a comma ("19,90") is a format error."""
    digits = text[1:] if text[:1] in "+-" else text
    whole, _, fraction = digits.partition(".")
    if not (digits.isascii() and whole.isdigit()) or (fraction and not fraction.isdigit()):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
