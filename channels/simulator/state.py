"""The simulator's in-memory store: accounts, tokens, clock, armed faults and the request log.

Every read and write goes through one lock: the HTTP server answers requests on many threads.
"""

from __future__ import annotations

import copy
import hmac
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .faults import InjectedFault, new_fault

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

OCTOPIA = "octopia"
MARKETPLACE = "marketplace"


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
        # The API login is the seller login followed by "-api" (CDISCOUNT_API.md intro).
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
        self._requests: list[dict[str, Any]] = []
        self._clock_offset = timedelta(0)
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

    # Accounts

    def add_octopia_client(
        self, client_id: str, client_secret: str, seller_id: str, shop_name: str = "Boutique Test"
    ) -> OctopiaClient:
        client = OctopiaClient(client_id, client_secret, str(seller_id), shop_name)
        with self._lock:
            self._octopia_clients[client_id] = client
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
        """The simulator clock: real UTC time plus the offset `advance_clock` added."""
        with self._lock:
            offset = self._clock_offset
        return datetime.now(UTC) + offset

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

    def take_fault(self, path: str, *, carries_token: bool) -> InjectedFault | None:
        """Consume one use of the first armed fault that matches this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path, carries_token=carries_token):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return copy.copy(fault)
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
        """Back to a fresh start, keeping the accounts and token lifetimes."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._tokens.clear()
            self._clock_offset = timedelta(0)

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
            }


_DEFAULT_SELLER_ADDRESS = {
    "Address1": "12 rue des Tanneurs",
    "City": "Bordeaux",
    "Civility": "None",
    "Country": "FR",
    "ZipCode": "33000",
}


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
