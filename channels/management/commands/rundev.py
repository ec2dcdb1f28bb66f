"""`make run`: migrate, make a demo company and login, then serve the app against the simulator.

Starts the Cdiscount simulator, a worker, beat and the web server as child processes with the
four Cdiscount URLs pointed at the simulator (docs/architecture.md, Configuration), and stops them
all together on Ctrl-C or as soon as one of them stops (a killed worker never leaves its beat
behind). Notification mails are written as files under var/mail/ unless EMAIL_URL is set.
"""

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from channels.models import Company, Membership, Product
from channels.services.accounts import company_create
from channels.simulator.catalogue import PRODUCTS as SIMULATED_CATALOGUE

DEMO_COMPANY = "Demo Shop"
DEMO_USERNAME = "demo"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when this command dies, even by SIGKILL (no orphans)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        args, env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None
    )


def children_supervise(children: list[subprocess.Popen], *, poll_seconds: float = 0.5):
    """Waits until one child exits (or Ctrl-C), then stops all the others together; returns
    the child that exited first (None on Ctrl-C)."""
    stopped = None
    try:
        while (stopped := next((c for c in children if c.poll() is not None), None)) is None:
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return stopped


class Command(BaseCommand):
    help = "Development: the web app, a worker with beat and the Cdiscount simulator."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--simulator-port", type=int, default=8100)

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        login, password = self._demo_login()
        sim = f"http://127.0.0.1:{options['simulator_port']}"
        env = {
            **os.environ,
            "DEBUG": "true",
            "CDISCOUNT_AUTH_URL": f"{sim}/auth/realms/maas/protocol/openid-connect/token",
            "CDISCOUNT_API_URL": f"{sim}/seller/v2",
            "CDISCOUNT_STS_URL": f"{sim}/users/httpIssue.svc/",
            "CDISCOUNT_SOAP_URL": f"{sim}/MarketplaceAPIService.svc",
            "PUBLIC_BASE_URL": f"http://{options['host']}:{options['port']}",
            # Notification mails land as files to read, unless EMAIL_URL says otherwise.
            "EMAIL_URL": os.environ.get("EMAIL_URL") or "filemail://",
        }
        if os.environ.get("EMAIL_URL"):
            mail = "E-mail goes out as EMAIL_URL says."
        else:
            mail = f"E-mail is written to files under {settings.VAR_DIR / 'mail'}/."
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "cdiscount_integration"]
        children = [
            _spawn(
                [
                    python,
                    "manage.py",
                    "cdiscount_simulator",
                    "--port",
                    str(options["simulator_port"]),
                ],
                env,
            )
        ]
        time.sleep(1.0)
        # Beat is a child of this command, not embedded in the worker (`worker --beat` forks it
        # from the worker, and a worker killed with SIGKILL leaves it running: a second
        # scheduler once the worker starts again). Here, when the worker stops, so does beat.
        # The embedded broker is used unless CELERY_BROKER_URL is set. One worker takes both
        # queues here (README, Queues).
        queues = f"{settings.CELERY_LATENCY_QUEUE},{settings.CELERY_BULK_QUEUE}"
        worker = [*celery, "worker", "--loglevel=INFO", "--pool=threads", "--concurrency=4"]
        children.append(_spawn([*worker, "-Q", queues], env))
        children.append(
            _spawn(
                [
                    *celery,
                    "beat",
                    "--loglevel=INFO",
                    "--schedule",
                    str(settings.VAR_DIR / "celerybeat-schedule"),
                ],
                env,
            )
        )
        children.append(
            _spawn(
                [
                    python,
                    "manage.py",
                    "runserver",
                    "--noreload",
                    f"{options['host']}:{options['port']}",
                ],
                env,
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe app is at http://{options['host']}:{options['port']}/ "
                f"(company {DEMO_COMPANY!r}; log in as {login} / {password}).\n"
                f"The Cdiscount simulator is at {sim}/ (demo API credentials printed above).\n"
                f"{mail}\n"
                "Ctrl-C stops everything.\n"
            )
        )
        # A SIGTERM (a terminal closing, a supervisor) stops everything like Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        stopped = children_supervise(children)
        if stopped is not None:
            self.stderr.write(
                f"{' '.join(stopped.args[:6])} stopped (exit {stopped.returncode}); "
                "everything else was stopped with it. Run `make run` again."
            )

    def _demo_login(self) -> tuple[str, str]:
        """The demo company and its login; the password is new at every start and printed."""
        company = Company.objects.filter(name=DEMO_COMPANY).first() or company_create(
            name=DEMO_COMPANY
        )
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first() or User(username=DEMO_USERNAME)
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        user.set_password(password)
        # Notifications are mailed to the members' addresses (written to var/mail/ here).
        user.email = user.email or "demo@example.com"
        user.save()
        Membership.objects.get_or_create(user=user, company=company)
        if not Product.objects.filter(company=company).exists():
            # The products the simulated Cdiscount knows, so orders can be accepted and stock
            # sent from the first minute.
            Product.objects.bulk_create(
                Product(
                    company=company,
                    sku=item.sku,
                    ean=item.ean,
                    title=item.name,
                    quantity=25,
                    price=item.price,
                )
                for item in SIMULATED_CATALOGUE
            )
        if not settings.DEBUG:
            self.stderr.write("Warning: DEBUG is off; `make run` is meant for development.")
        return DEMO_USERNAME, password
