"""The simulator's in-memory store: accounts, tokens, clock, orders, offers, faults and the request
log.

Every read and write goes through one lock: the HTTP server answers requests on many threads.
"""

from __future__ import annotations

import copy
import hmac
import random
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from .catalogue import PRODUCTS
from .faults import InjectedFault, new_fault
from .marketplace_claims import MarketplaceClaims
from .offers import (
    TRACKED_MODE,
    OfferBook,
    OfferPackage,
    PackageView,
    ShippingMode,
    StoredOffer,
)
from .orders import (
    MARKETPLACE,
    OCTOPIA,
    Order,
    OrderBook,
    Parcel,
    Validation,
    ValidationOutcome,
)

DEMO_OCTOPIA: dict[str, str] = {
    "client_id": "demo-client",
    "client_secret": "demo-secret",
    "seller_id": "98979",
    "shop_name": "Boutique Démo",
}
DEMO_MARKETPLACE: dict[str, str] = {
    "login": "demo-api",
    "password": "demo-password",
    "shop_name": "Boutique Démo",
}
# Orders each demo account starts with when the simulator runs from the command line.
DEMO_ORDER_COUNT = 36


@dataclass(frozen=True)
class OctopiaClient:
    """An Octopia API client (client credentials) allowed to act for one seller."""

    client_id: str
    client_secret: str
    seller_id: str
    shop_name: str


@dataclass(frozen=True)
class MarketplaceAccount:
    """A Marketplace API login and the seller profile GetSellerInformation returns."""

    login: str
    password: str
    shop_name: str
    email: str
    siret_number: str
    address: dict[str, str] = field(default_factory=dict)

    @property
    def seller_login(self) -> str:
        # The API login is the seller login followed by "-api"
        # (docs/cdiscount-api.md, Two API generations).
        return self.login.removesuffix("-api")


@dataclass(frozen=True)
class IssuedToken:
    value: str
    generation: str
    principal: str  # Octopia client ID or Marketplace login
    issued_at: datetime
    expires_at: datetime


class SimulatorState:
    """Everything the simulator knows; safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._octopia_clients: dict[str, OctopiaClient] = {}
        self._marketplace_accounts: dict[str, MarketplaceAccount] = {}
        self._tokens: dict[tuple[str, str], IssuedToken] = {}
        self._faults: list[InjectedFault] = []
        # Background faults: each request fails with this probability per kind (soak tests).
        self._fault_rates: dict[str, float] = {}
        self._fault_rng = random.Random()
        self._requests: list[dict[str, Any]] = []
        self._clock_offset = timedelta(0)
        self._frozen_at: datetime | None = None  # the wall time the clock stopped at
        self._orders = OrderBook()
        # Sellers whose two APIs show one order book after a reset too (the demo seller).
        self._lasting_links: list[tuple[str, str]] = []
        self._offers = OfferBook()
        # §M9, §M10: refund vouchers, discussions and claims of the Marketplace API.
        self.marketplace_claims = MarketplaceClaims()
        # After-sale records per API (§O7-§O9, §M8-§M10), kept by their own modules: each
        # value has `tick(order_book, now)`, called whenever the order book is brought up to date.
        self.aftersale: dict[str, Any] = {}
        # §M6: what PackageIntegrationStatus reads while a package integrates: nil, or the
        # spec's other [unconfirmed] form "IntegrationPending".
        self.marketplace_pending_status: str | None = None
        # The spec's lifetimes (2 h / 48 h); tests shorten them to see expiry without waiting.
        self.token_lifetime_octopia: int = 7200
        self.token_lifetime_marketplace: int = 172800

    @classmethod
    def with_demo_accounts(cls) -> SimulatorState:
        state = cls()
        state.add_octopia_client(
            DEMO_OCTOPIA["client_id"],
            DEMO_OCTOPIA["client_secret"],
            DEMO_OCTOPIA["seller_id"],
            shop_name=DEMO_OCTOPIA["shop_name"],
        )
        state.add_marketplace_login(
            DEMO_MARKETPLACE["login"],
            DEMO_MARKETPLACE["password"],
            shop_name=DEMO_MARKETPLACE["shop_name"],
        )
        return state

    @classmethod
    def with_demo_data(cls) -> SimulatorState:
        """The demo accounts with a few dozen orders, in every state: for `make run`.

        The demo shop holds both kinds of credentials, so both APIs show its one order book
        (a switch of API can be tried end to end).
        """
        state = cls.with_demo_accounts()
        state.link_sellers(DEMO_OCTOPIA["seller_id"], DEMO_MARKETPLACE["login"], lasting=True)
        state.seed_orders(
            api=OCTOPIA, seller=DEMO_OCTOPIA["seller_id"], count=DEMO_ORDER_COUNT, seed=98979
        )
        # The demo sellers already sell the catalogue: an Update / StockAndPrice works at once.
        for api, seller in (
            (OCTOPIA, DEMO_OCTOPIA["seller_id"]),
            (MARKETPLACE, DEMO_MARKETPLACE["login"]),
        ):
            for number, product in enumerate(PRODUCTS):
                state.add_offer(
                    api=api,
                    seller=seller,
                    sku=product.sku,
                    ean=product.ean,
                    quantity=(number * 7) % 25,
                    price=product.price,
                    shipping=[
                        {
                            "mode": TRACKED_MODE[api],
                            "cost": product.shipping,
                            "additional_cost": product.additional_shipping,
                        }
                    ],
                )
        return state

    # Accounts

    def add_octopia_client(
        self, client_id: str, client_secret: str, seller_id: str, shop_name: str = "Boutique Test"
    ) -> OctopiaClient:
        client = OctopiaClient(client_id, client_secret, str(seller_id), shop_name)
        with self._lock:
            self._octopia_clients[client_id] = client
            self._orders.schedule_arrivals((OCTOPIA, client.seller_id), self.now())
        return client

    def add_marketplace_login(
        self,
        login: str,
        password: str,
        shop_name: str = "Boutique Test",
        *,
        email: str | None = None,
        siret_number: str = "81234567800014",
        address: dict[str, str] | None = None,
    ) -> MarketplaceAccount:
        seller = login.removesuffix("-api")
        account = MarketplaceAccount(
            login=login,
            password=password,
            shop_name=shop_name,
            email=email or f"{seller}@example.fr",
            siret_number=siret_number,
            address=dict(address or _DEFAULT_SELLER_ADDRESS),
        )
        with self._lock:
            self._marketplace_accounts[login] = account
            self._orders.schedule_arrivals((MARKETPLACE, login), self.now())
        return account

    def authenticate_octopia(self, client_id: str, client_secret: str) -> OctopiaClient | None:
        with self._lock:
            client = self._octopia_clients.get(client_id)
        if client is None or not _same(client.client_secret, client_secret):
            return None
        return client

    def authenticate_marketplace(self, login: str, password: str) -> MarketplaceAccount | None:
        with self._lock:
            account = self._marketplace_accounts.get(login)
        if account is None or not _same(account.password, password):
            return None
        return account

    def octopia_client(self, client_id: str) -> OctopiaClient | None:
        with self._lock:
            return self._octopia_clients.get(client_id)

    def marketplace_account(self, login: str) -> MarketplaceAccount | None:
        with self._lock:
            return self._marketplace_accounts.get(login)

    # Clock and tokens

    def now(self) -> datetime:
        """The simulator clock: real UTC time (or the instant it was frozen at) plus the offset
        `advance_clock` added."""
        with self._lock:
            offset, frozen_at = self._clock_offset, self._frozen_at
        return (frozen_at or datetime.now(UTC)) + offset

    def freeze_clock(self) -> datetime:
        """Stops the clock: only `advance_clock` moves it until the next reset (a test that
        must see no timer fire while it reads, however slow the machine)."""
        with self._lock:
            self._frozen_at = self._frozen_at or datetime.now(UTC)
        return self.now()

    def advance_clock(self, seconds: float) -> datetime:
        with self._lock:
            self._clock_offset += timedelta(seconds=seconds)
        return self.now()

    def issue_token(self, generation: str, principal: str, value: str) -> IssuedToken:
        """Record a token the protocol module made; it lives for that generation's lifetime."""
        with self._lock:
            lifetime = (
                self.token_lifetime_octopia
                if generation == OCTOPIA
                else self.token_lifetime_marketplace
            )
            issued_at = self.now()
            token = IssuedToken(
                value, generation, principal, issued_at, issued_at + timedelta(seconds=lifetime)
            )
            self._tokens[(generation, value)] = token
        return token

    def live_token(self, generation: str, value: str) -> IssuedToken | None:
        """The token if it was issued and has not expired by the simulator clock, else None."""
        with self._lock:
            token = self._tokens.get((generation, value))
            if token is None or self.now() >= token.expires_at:
                return None
            return token

    def expire_all_tokens(self) -> None:
        with self._lock:
            now = self.now()
            self._tokens = {
                key: replace(token, expires_at=min(token.expires_at, now))
                for key, token in self._tokens.items()
            }

    # Orders (§O4, §M4, §M5): every method first applies the transitions due by now

    def _book(self) -> OrderBook:
        now = self.now()
        self._orders.tick(now)
        for records in self.aftersale.values():
            records.tick(self._orders, now)
        return self._orders

    @contextmanager
    def orders_locked(self) -> Iterator[tuple[OrderBook, datetime]]:
        """The lock held, the order book up to date and the clock: for the after-sale modules."""
        with self._lock:
            yield self._book(), self.now()

    def link_sellers(
        self, octopia_seller: str, marketplace_login: str, *, lasting: bool = False
    ) -> None:
        """One seller holding both kinds of credentials: the same orders through either API
        (each with that API's ids and states), and what is done through one shows in the other.
        Orders both already have are mirrored too. A reset undoes the link unless `lasting`."""
        with self._lock:
            self._book().link(str(octopia_seller), marketplace_login)
            if lasting:
                self._lasting_links.append((str(octopia_seller), marketplace_login))

    def linked_sellers(self) -> list[tuple[str, str]]:
        """(Octopia seller id, Marketplace login) pairs that share one order book."""
        with self._lock:
            return self._orders.links()

    def twin_order_id(self, api: str, order_id: str) -> str | None:
        """The id the other API shows the same order under (linked sellers), else None."""
        with self._lock:
            return self._orders.twin_id(api, order_id)

    def _accounts(self) -> list[tuple[str, str]]:
        sellers = {(OCTOPIA, client.seller_id) for client in self._octopia_clients.values()}
        # A linked login's orders arrive through its Octopia twin: one stream per seller.
        linked = {login for _seller, login in self._orders.links()}
        logins = [login for login in self._marketplace_accounts if login not in linked]
        return [*sorted(sellers), *((MARKETPLACE, login) for login in logins)]

    @property
    def payment_delay(self) -> float:
        """Seconds from acceptance to payment (unpaid -> paid)."""
        return self._orders.payment_delay

    @payment_delay.setter
    def payment_delay(self, seconds: float) -> None:
        with self._lock:
            self._book().payment_delay = float(seconds)
            self._orders.reschedule()

    @property
    def acceptance_timeout(self) -> float:
        """Seconds an order waits for the seller's acceptance before Cdiscount cancels it."""
        return self._orders.acceptance_timeout

    @acceptance_timeout.setter
    def acceptance_timeout(self, seconds: float) -> None:
        with self._lock:
            self._book().acceptance_timeout = float(seconds)
            self._orders.reschedule()

    @property
    def autopilot(self) -> bool:
        """New orders arrive on the clock and a few accepted ones get cancelled (`make run`)."""
        return self._orders.autopilot

    @autopilot.setter
    def autopilot(self, enabled: bool) -> None:
        self.set_autopilot(enabled)

    @property
    def arrival_rate(self) -> float:
        """New orders an hour, per account, under autopilot."""
        return self._orders.arrival_rate

    @arrival_rate.setter
    def arrival_rate(self, per_hour: float) -> None:
        self.set_autopilot(self.autopilot, arrival_rate=per_hour)

    def set_autopilot(
        self, enabled: bool, *, arrival_rate: float | None = None, seed: int | None = None
    ) -> None:
        """Switch autopilot; `seed` makes its random arrivals and cancellations reproducible."""
        with self._lock:
            self._book().set_autopilot(
                enabled=bool(enabled),
                accounts=self._accounts(),
                now=self.now(),
                arrival_rate=arrival_rate,
                seed=seed,
            )

    def seed_orders(
        self,
        *,
        api: str,
        seller: str,
        count: int,
        status: str | None = None,
        lines_per_order: tuple[int, int] = (1, 4),
        created_within: float = 7 * 86400,
        seed: int | None = None,
    ) -> list[str]:
        """Make `count` realistic orders (a mix of every state when `status` is None).

        `seller` is the Octopia seller id or the Marketplace login; returns the order ids
        (Octopia orderId / Marketplace OrderNumber).
        """
        with self._lock:
            return self._book().seed(
                api=api,
                seller=str(seller),
                count=count,
                status=status,
                lines_per_order=tuple(lines_per_order),
                created_within=created_within,
                seed=seed,
                now=self.now(),
            )

    def add_order(
        self,
        *,
        api: str,
        seller: str,
        status: str,
        lines: list[dict[str, Any]],
        order_id: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """One order with exactly these lines (sku, ean, quantity, unit_price, name; optional
        shipping_cost, additional_shipping_cost, status, supply_mode, condition)."""
        with self._lock:
            return self._book().add(
                api=api,
                seller=str(seller),
                status=status,
                lines=lines,
                order_id=order_id,
                created_at=created_at,
                now=self.now(),
            )

    def order(self, api: str, order_id: str) -> dict[str, Any]:
        """A copy of the simulator's own record of the order (KeyError if unknown)."""
        with self._lock:
            return self._book().get(api, order_id).as_record()

    def set_order_status(self, api: str, order_id: str, status: str) -> None:
        """Force a state, as Cdiscount's back office would; updatedAt moves to now."""
        with self._lock:
            self._book().set_status(api, order_id, status, self.now())

    def set_line_statuses(
        self,
        api: str,
        order_id: str,
        statuses: dict[str, str],
        *,
        status: str | None = None,
        cause: str = "customer",
    ) -> None:
        """Lines (by line id) to new statuses, and the order to `status` (default: as is)."""
        with self._lock:
            self._book().set_line_statuses(
                api, order_id, statuses, self.now(), cause, status=status
            )

    def orders_for(self, api: str, seller: str) -> list[dict[str, Any]]:
        """Copies of the seller's orders, by updated time."""
        with self._lock:
            return [order.as_record() for order in self._book().for_seller(api, str(seller))]

    @property
    def last_orders_walked(self) -> int:
        """Index entries the last order listing read: stays near the page size at any depth."""
        with self._lock:
            return self._orders.last_walked

    def find_order(self, api: str, seller: str, order_id: str) -> Order | None:
        with self._lock:
            return self._book().find(api, seller, order_id)

    def octopia_orders_page(
        self,
        seller: str,
        *,
        statuses: list[str] | None,
        updated_min: datetime | None,
        updated_max: datetime | None,
        page_index: int,
        page_size: int,
    ) -> tuple[list[Order], int]:
        """One page (1-based) of the seller's orders by updatedAt, and how many match in all."""
        with self._lock:
            return self._book().page(
                OCTOPIA,
                seller,
                statuses=statuses,
                updated_min=updated_min,
                updated_max=updated_max,
                offset=(page_index - 1) * page_size,
                limit=page_size,
            )

    def octopia_approve(self, seller: str, order_id: str, decision: str) -> None:
        with self._lock:
            self._book().octopia_approve(seller, order_id, decision, self.now())

    def octopia_ship(
        self, seller: str, order_id: str, parcels: list[dict[str, Any]]
    ) -> tuple[Parcel, ...]:
        with self._lock:
            return self._book().octopia_ship(seller, order_id, parcels, self.now())

    def marketplace_orders(
        self,
        login: str,
        *,
        statuses: list[str] | None = None,
        created_min: datetime | None = None,
        created_max: datetime | None = None,
        updated_min: datetime | None = None,
        updated_max: datetime | None = None,
        references: list[str] | None = None,
    ) -> list[Order]:
        with self._lock:
            book = self._book()
            if references is not None:
                found = [book.find(MARKETPLACE, login, ref) for ref in dict.fromkeys(references)]
                return [o for o in found if o and (statuses is None or o.status in statuses)]
            return book.query(
                MARKETPLACE,
                login,
                statuses=statuses,
                created_min=created_min,
                created_max=created_max,
                updated_min=updated_min,
                updated_max=updated_max,
            )

    def marketplace_validate(
        self, login: str, validations: list[Validation]
    ) -> list[ValidationOutcome]:
        with self._lock:
            book = self._book()
            return [book.marketplace_validate(login, v, self.now()) for v in validations]

    # Offers (§O5, §O6, §M6, §M7): every method first integrates the packages due by now.
    # `seller` is the Octopia seller id or the Marketplace login.

    def _offer_book(self) -> OfferBook:
        self._offers.tick(self.now())
        return self._offers

    @property
    def package_integration_delay(self) -> float:
        """Seconds from a package being Ready (Octopia) or submitted (Marketplace) to its
        integration; an Octopia package reads Ready for the first tenth of it, then
        IntegrationPending."""
        return self._offers.integration_delay

    @package_integration_delay.setter
    def package_integration_delay(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("package_integration_delay must be a number of seconds >= 0")
        with self._lock:
            self._offer_book().integration_delay = float(seconds)

    def known_eans(self, api: str, seller: str) -> set[str]:
        """The EANs the seller may put offers on: the catalogue's for everyone, plus those
        added with `add_known_eans`."""
        with self._lock:
            return self._offers.known_eans(api, str(seller))

    def add_known_eans(self, api: str, seller: str, eans: Iterable[str]) -> int:
        """Make these EANs known products for one seller of one API; returns how many the seller
        now knows. An offer on any other EAN is rejected (4001 / 13)."""
        with self._lock:
            return self._offers.add_known_eans(api, str(seller), eans)

    def add_offer(
        self,
        *,
        api: str,
        seller: str,
        sku: str,
        ean: str,
        quantity: int,
        price: Decimal | str | None = None,
        shipping: list[dict[str, Any]] | None = None,
        condition: str = "New",
    ) -> None:
        """An offer already integrated, as if sent long ago (its EAN becomes known).

        `shipping` items are {"mode", "cost", "additional_cost"}; by default the tracked mode
        (THD / Tracked) alone."""
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ValueError("quantity must be an integer >= 0")
        modes = shipping or [{"mode": TRACKED_MODE.get(api, "THD")}]
        with self._lock:
            now = self.now()
            self._offer_book().put(
                api,
                str(seller),
                StoredOffer(
                    sku=sku,
                    ean=ean,
                    quantity=quantity,
                    price=None if price is None else Decimal(price),
                    shipping=tuple(
                        ShippingMode(
                            mode["mode"],
                            _decimal_or_none(mode.get("cost")),
                            _decimal_or_none(mode.get("additional_cost")),
                        )
                        for mode in modes
                    ),
                    condition=condition,
                    created_at=now,
                    updated_at=now,
                ),
            )

    def offers_for(self, api: str, seller: str) -> dict[str, dict[str, Any]]:
        """Copies of the seller's offers by SKU: {"sku", "ean", "quantity", "price" (Decimal or
        None), "shipping": [{"mode", "cost", "additional_cost"}], "condition", "state",
        "created_at", "updated_at", "details"}."""
        with self._lock:
            offers = self._offer_book().offers(api, str(seller))
            return {sku: offer.as_record() for sku, offer in offers.items()}

    def offer_packages(self, api: str, seller: str) -> list[dict[str, Any]]:
        """What the seller submitted, oldest first: {"id", "api", "seller", "type", "state",
        "created_at", "ready_at", "integrated_at", "offers" (as received), "results" (None until
        integrated: [{"sku", "ean", "status", "codes", "entries", "at"}]), "error", "url",
        "name", "results_expired"}."""
        with self._lock:
            book, now = self._offer_book(), self.now()
            return [book.package_record(p, now) for p in book.packages_for(api, str(seller))]

    def ignore_next_offer_updates(self, api: str, seller: str, sku: str, count: int = 1) -> None:
        """A silent failure: the next `count` accepted offers for `sku` are reported Integrated
        (8000/9000, 80/90) but the stored offer keeps its quantity and price (a new one is not
        created)."""
        with self._lock:
            self._offers.ignore_next_updates(api, str(seller), sku, count)

    def offer_package(self, api: str, seller: str, package_id: str) -> PackageView | None:
        with self._lock:
            return self._offer_book().view(api, seller, str(package_id), self.now())

    def create_offer_package(self, api: str, seller: str, package_type: str) -> str:
        """A new empty Octopia package, WaitingForCompletion; returns its id."""
        with self._lock:
            return self._offer_book().create(api, seller, package_type, self.now()).package_id

    def add_offer_requests(
        self, api: str, seller: str, package_id: str, offers: list[dict[str, Any]]
    ) -> None:
        with self._lock:
            self._offer_book().add_offers(api, seller, package_id, offers)

    def mark_offer_package_ready(self, api: str, seller: str, package_id: str) -> None:
        with self._lock:
            self._offer_book().mark_ready(api, seller, package_id, self.now())

    def submit_offer_package(
        self,
        api: str,
        seller: str,
        *,
        package_type: str | None,
        offers: list[dict[str, Any]],
        error: str | None = None,
        url: str | None = None,
        name: str | None = None,
    ) -> str:
        """A complete package (Marketplace), integrating from now on; returns its id."""
        with self._lock:
            package: OfferPackage = self._offer_book().submit(
                api,
                seller,
                package_type=package_type,
                offers=offers,
                now=self.now(),
                error=error,
                url=url,
                name=name,
            )
            return package.package_id

    def offers_page(
        self, api: str, seller: str, *, skus: Iterable[str] | None, offset: int, limit: int
    ) -> tuple[list[StoredOffer], int]:
        """A page of the seller's offers (in creation order), and how many match in all."""
        with self._lock:
            return self._offer_book().page(api, seller, skus=skus, offset=offset, limit=limit)

    # Faults

    def inject_fault(
        self,
        kind: str,
        *,
        count: int = 1,
        path_contains: str | None = None,
        retry_after: int | None = None,
        seconds: float | None = None,
    ) -> None:
        fault = new_fault(
            kind,
            count=count,
            path_contains=path_contains,
            retry_after=retry_after,
            seconds=seconds,
        )
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, object]]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def set_fault_rates(self, rates: dict[str, float], *, seed: int | None = None) -> None:
        """Fail requests at random, e.g. {"server_error": 0.1, "rate_limit": 0.05}; {} stops."""
        for kind, rate in rates.items():
            new_fault(kind)  # validates the kind
            if not 0 <= rate <= 1:
                raise ValueError("a fault rate is a probability from 0 to 1")
        with self._lock:
            self._fault_rates = dict(rates)
            if seed is not None:
                self._fault_rng.seed(seed)

    def take_fault(self, path: str, *, carries_token: bool) -> InjectedFault | None:
        """Consume one use of the first armed fault that matches this request, if any; else
        maybe a background fault at the configured rates."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path, carries_token=carries_token):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return copy.copy(fault)
            for kind, rate in self._fault_rates.items():
                if self._fault_rng.random() < rate:
                    fault = new_fault(kind, retry_after=1 if kind == "rate_limit" else None)
                    if fault.matches(path, carries_token=carries_token):
                        return fault
        return None

    # Request log

    def record_request(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(entry)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request received (control requests excepted), oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Back to a fresh start (no orders either), keeping accounts and settings."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._fault_rates = {}
            self._tokens.clear()
            self._clock_offset = timedelta(0)
            self._frozen_at = None
            self._orders.clear()
            self._orders.unlink_all()
            for octopia_seller, marketplace_login in self._lasting_links:
                self._orders.link(octopia_seller, marketplace_login)
            self._offers.clear()
            self.marketplace_claims.clear()
            self.aftersale.clear()
            if self._orders.autopilot:
                self._orders.set_autopilot(enabled=True, accounts=self._accounts(), now=self.now())

    def status(self) -> dict[str, Any]:
        """A summary without secrets, for the control endpoint and the console."""
        with self._lock:
            return {
                "now": self.now().isoformat(),
                "clock_offset_seconds": self._clock_offset.total_seconds(),
                "token_lifetime_octopia": self.token_lifetime_octopia,
                "token_lifetime_marketplace": self.token_lifetime_marketplace,
                "accounts": {
                    OCTOPIA: [
                        {
                            "client_id": c.client_id,
                            "seller_id": c.seller_id,
                            "shop_name": c.shop_name,
                        }
                        for c in self._octopia_clients.values()
                    ],
                    MARKETPLACE: [
                        {"login": a.login, "shop_name": a.shop_name}
                        for a in self._marketplace_accounts.values()
                    ],
                },
                "faults": [fault.as_dict() for fault in self._faults],
                "requests_logged": len(self._requests),
                "orders": {api: self._book().count(api) for api in (OCTOPIA, MARKETPLACE)},
                "linked_sellers": [list(pair) for pair in self._orders.links()],
                "payment_delay": self._orders.payment_delay,
                "acceptance_timeout": self._orders.acceptance_timeout,
                "autopilot": self._orders.autopilot,
                "arrival_rate": self._orders.arrival_rate,
                "offers": {api: self._offer_book().count(api) for api in (OCTOPIA, MARKETPLACE)},
                "offer_packages": {
                    api: self._offers.package_count(api) for api in (OCTOPIA, MARKETPLACE)
                },
                "package_integration_delay": self._offers.integration_delay,
            }


_DEFAULT_SELLER_ADDRESS = {
    "Address1": "12 rue des Tanneurs",
    "City": "Bordeaux",
    "Civility": "None",
    "Country": "FR",
    "ZipCode": "33000",
}


def _decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
