"""Starting a real Celery worker process for a test (the `celery_worker_process` fixture, and
tests that kill one on purpose)."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_start(
    *, env: dict[str, str], queue: str, log_path: Path, startup_seconds: float = 60
) -> subprocess.Popen:
    """A worker (solo pool) consuming `queue` (names separated by commas), once it is ready; its
    output goes to log_path."""
    log = log_path.open("w")
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdiscount_integration",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child holds its own copy
    deadline = time.monotonic() + startup_seconds
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited; see {log_path}")
        # The banner lists the tasks once the worker is set up; a message published before it
        # consumes waits in its queue (a queue of this session's own, so nothing stale).
        if "[tasks]" in log_path.read_text():
            return worker
        time.sleep(0.2)
    worker.kill()
    raise RuntimeError(f"the Celery worker did not start; see {log_path}")


def worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
