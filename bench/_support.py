"""Benchmark plumbing: a scratch database, the simulator in its own process, peak memory."""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cdiscount_bench"


def bench_setup(*, count: str, default: int) -> argparse.Namespace:
    """Reads the command line every benchmark takes (`--<count> N`, `--database-url`) and sets
    Django up on that database."""
    parser = argparse.ArgumentParser()
    parser.add_argument(f"--{count}", type=int, default=default)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    setup_django(args.database_url)
    return args


def setup_django(database_url: str) -> None:
    """Points Django at a scratch database (created if missing) and migrates it."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdiscount_integration.settings_test")
    os.environ["LOG_LEVEL"] = "WARNING"
    if database_url.startswith("postgres"):
        _create_postgres_database(database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _create_postgres_database(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


SIMULATOR_SCRIPT = """
import sys, time
from channels.simulator import SimulatorServer
server = SimulatorServer(host="127.0.0.1", port=0).start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


class SimulatorProcess:
    """The simulator in a process of its own, so its memory is not counted as the app's."""

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SIMULATOR_SCRIPT],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.process.stdout.readline().strip()
        return self

    def __exit__(self, *exc):
        self.process.stdin.close()
        self.process.wait(timeout=30)

    def point_settings_here(self, *, timeout: float) -> None:
        """The app's four Cdiscount URLs at this simulator, with a bench-sized timeout."""
        from django.conf import settings

        for key, url in self.urls().items():
            setattr(settings, key, url)
        settings.CDISCOUNT_TIMEOUT = timeout

    def urls(self) -> dict[str, str]:
        return {
            "CDISCOUNT_AUTH_URL": f"{self.url}/auth/realms/maas/protocol/openid-connect/token",
            "CDISCOUNT_API_URL": f"{self.url}/seller/v2",
            "CDISCOUNT_STS_URL": f"{self.url}/users/httpIssue.svc/",
            "CDISCOUNT_SOAP_URL": f"{self.url}/MarketplaceAPIService.svc",
        }

    def control(self, method: str, path: str, payload: dict | None = None):
        import requests

        response = requests.request(
            method, f"{self.url}/_simulator/{path}", json=payload, timeout=300
        )
        response.raise_for_status()
        return response.json() if response.content else None


def demo_octopia_account(company_name: str, **fields):
    """A company whose account holds the simulator's demo Octopia credentials."""
    from channels.services.accounts import company_create
    from channels.simulator import DEMO_OCTOPIA

    company = company_create(name=company_name)
    account = company.cdiscount_account
    account.username = DEMO_OCTOPIA["client_id"]
    account.password = DEMO_OCTOPIA["client_secret"]
    account.seller_id = DEMO_OCTOPIA["seller_id"]
    for name, value in fields.items():
        setattr(account, name, value)
    account.save()
    return account


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
