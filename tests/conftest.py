"""Shared fixtures: the Cdiscount simulator on a free port, and named personas.

alice belongs to Acme; charlie belongs to Other Co and must never see Acme (404).
"""

import pytest

from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA, SimulatorServer
from tests.factories import PASSWORD, CompanyFactory, UserFactory, member_of


@pytest.fixture(scope="session")
def simulator_server():
    server = SimulatorServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def simulator(simulator_server, settings):
    """The simulator, reset, with the app's four Cdiscount URLs pointed at it."""
    simulator_server.state.reset()
    for key, url in simulator_server.urls.items():
        setattr(settings, key, url)
    yield simulator_server
    simulator_server.state.reset()


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme")


@pytest.fixture
def other_co(db):
    return CompanyFactory(name="Other Co")


@pytest.fixture
def alice(acme):
    user = UserFactory(username="alice")
    member_of(user, acme)
    return user


@pytest.fixture
def charlie(other_co):
    user = UserFactory(username="charlie")
    member_of(user, other_co)
    return user


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def octopia_account(acme):
    """Acme's account with the simulator's demo Octopia credentials, not yet enabled."""
    account = acme.cdiscount_account
    account.api = "octopia"
    account.username = DEMO_OCTOPIA["client_id"]
    account.password = DEMO_OCTOPIA["client_secret"]
    account.seller_id = DEMO_OCTOPIA["seller_id"]
    account.save()
    return account


@pytest.fixture
def marketplace_account(acme):
    """Acme's account with the simulator's demo Marketplace API credentials, not yet enabled."""
    account = acme.cdiscount_account
    account.api = "marketplace"
    account.username = DEMO_MARKETPLACE["login"]
    account.password = DEMO_MARKETPLACE["password"]
    account.save()
    return account


__all__ = ["PASSWORD"]
