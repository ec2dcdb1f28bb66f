"""Beat and a worker, both real processes on the Redis broker, run the schedules."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from channels.models import Job, Order
from tests.conftest import worker_env
from tests.orders_support import PAID, add_order

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.celery_worker
def test_beat_dispatches_the_order_download_and_the_worker_runs_it(
    celery_worker, simulator, octopia_account
):
    octopia_account.enabled = True
    octopia_account.enable_order_download = True
    octopia_account.save()
    number = add_order(simulator, "octopia", PAID["octopia"])
    # Schedules are database rows: an admin's edit takes effect without a deploy.
    every_two_seconds, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    PeriodicTask.objects.filter(kwargs=json.dumps({"kind": "order_download"})).update(
        interval=every_two_seconds
    )
    PeriodicTask.objects.exclude(kwargs=json.dumps({"kind": "order_download"})).update(
        enabled=False
    )
    env = {**os.environ, **worker_env(simulator)}
    log_path = ROOT / "var" / f"test-beat-{os.getpid()}.log"
    with log_path.open("w") as log:
        beat = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cdiscount_integration",
                "beat",
                "--loglevel=INFO",
                "--max-interval=1",
                "--schedule",
                str(ROOT / "var" / f"beat-{os.getpid()}"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                done = Job.objects.filter(
                    account=octopia_account,
                    kind=Job.Kind.ORDER_DOWNLOAD,
                    trigger=Job.Trigger.SCHEDULED,
                    status=Job.Status.COMPLETED,
                ).exists()
                if done:
                    break
                time.sleep(0.3)
        finally:
            beat.terminate()
            beat.wait(timeout=15)
    assert done, log_path.read_text()[-3000:]
    assert Order.objects.filter(order_number=number).count() == 1
