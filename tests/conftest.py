"""Shared fixtures: the Cdiscount simulator on a free port, and named personas.

alice belongs to Acme; charlie belongs to Other Co and must never see Acme (404).
"""

import pytest
from django.utils import timezone, translation

from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA, SimulatorServer
from tests.factories import PASSWORD, CompanyFactory, UserFactory, member_of


@pytest.fixture(autouse=True)
def default_language_and_time_zone():
    """A test that asked for a page in French, or in a company's zone, leaves the thread in it
    (a real request sets both again; a test calling services directly would not)."""
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def csv_import_dir(settings, tmp_path):
    """Uploaded CSV files wait here for their import job (a folder per test)."""
    settings.CSV_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def csv_upload(django_capture_on_commit_callbacks, monkeypatch):
    """Posts a CSV file to an import URL; the job it queues runs as a worker would, once the
    request's transaction commits. Returns the page the seller lands on (the job page)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from channels.services.jobs import job_run

    monkeypatch.setattr(
        "channels.tasks.run_job.apply_async", lambda args, **options: job_run(job_id=args[0])
    )

    def upload(client, url: str, content: bytes | None, name: str = "import.csv") -> str:
        data = {} if content is None else {"file": SimpleUploadedFile(name, content, "text/csv")}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert page.status_code == 200
        return page.content.decode()

    return upload


@pytest.fixture(scope="session")
def simulator_server():
    server = SimulatorServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def simulator(simulator_server, settings):
    """The simulator, reset, with the app's four Cdiscount URLs pointed at it."""
    # Settings a test may have changed go back to their defaults before the reset.
    simulator_server.state.set_autopilot(False)
    simulator_server.state.package_integration_delay = 30
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
def enabled_octopia(octopia_account):
    """The Octopia account enabled, with scheduled order downloads on."""
    octopia_account.enable_order_download = True
    octopia_account.enabled = True
    octopia_account.save()
    return octopia_account


@pytest.fixture
def marketplace_account(acme):
    """Acme's account with the simulator's demo Marketplace API credentials, not yet enabled."""
    account = acme.cdiscount_account
    account.api = "marketplace"
    account.username = DEMO_MARKETPLACE["login"]
    account.password = DEMO_MARKETPLACE["password"]
    account.save()
    return account


# The two Cdiscount API generations the app speaks (the values of CdiscountAccount.api).
API_GENERATIONS = ("octopia", "marketplace")


@pytest.fixture(params=API_GENERATIONS)
def api(request) -> str:
    """Each API generation in turn: a test that takes it (or `api_account`) runs once per
    generation, with the ids `[octopia]` and `[marketplace]`."""
    return request.param


@pytest.fixture
def api_account(request, api):
    """Acme's account on the `api` generation (`octopia_account` or `marketplace_account`),
    not yet enabled; a module adds the switches its tests need."""
    return request.getfixturevalue(f"{api}_account")


__all__ = ["PASSWORD"]


def _database_url() -> str:
    """The URL of the test database this session created, for another process to open."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def worker_env(simulator_server, **extra: str) -> dict[str, str]:
    """The environment a worker process needs: the test database, broker and simulator."""
    from django.conf import settings

    return {
        "DJANGO_SETTINGS_MODULE": "cdiscount_integration.settings_test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_LATENCY_QUEUE": settings.CELERY_LATENCY_QUEUE,
        "CELERY_BULK_QUEUE": settings.CELERY_BULK_QUEUE,
        **simulator_server.urls,
        **extra,
    }


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, simulator_server):
    """A real Celery worker (its own process) on the real Redis broker and the test database."""
    import os

    from django.conf import settings

    from tests.workers import ROOT, worker_start, worker_stop

    worker = worker_start(
        env=worker_env(simulator_server),
        queue=f"{settings.CELERY_LATENCY_QUEUE},{settings.CELERY_BULK_QUEUE}",
        log_path=ROOT / "var" / f"test-worker-{os.getpid()}.log",
    )
    yield worker
    worker_stop(worker)


@pytest.fixture
def celery_worker(celery_worker_process, simulator, transactional_db):
    """A test whose queued jobs are run by the real worker (needs committed data)."""
    return celery_worker_process


def pytest_sessionfinish(session, exitstatus):
    """Removes this run's SQLite test database file and its journal files."""
    import os
    from pathlib import Path

    var = Path(__file__).resolve().parent.parent / "var"
    for pattern in (f"test-db-{os.getpid()}.sqlite3*", f"beat-{os.getpid()}*"):
        for path in var.glob(pattern):
            path.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """A request with Accept-Language: fr leaves French active in the test's thread (Django's
    LocaleMiddleware activates it and nothing deactivates it): the next test, calling services
    directly, would read French."""
    yield
    from django.utils import translation

    translation.deactivate()
