"""`make run` keeps its processes together: a killed worker never leaves its beat behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from channels.management.commands.rundev import _spawn, children_supervise

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def is_gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return True
    return "\nState:\tZ" in status.read_text()  # exited, not yet reaped


def test_when_the_worker_is_killed_beat_and_the_rest_stop_with_it():
    worker, beat, web = (_spawn(SLEEPER, dict(os.environ)) for _ in range(3))
    worker.kill()
    assert children_supervise([worker, beat, web], poll_seconds=0.05) is worker
    assert beat.poll() is not None and web.poll() is not None


def test_a_child_does_not_outlive_the_command_even_when_it_is_killed():
    parent = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import os, sys, time\n"
            "import django\n"
            "django.setup()\n"
            "from channels.management.commands.rundev import _spawn\n"
            f"child = _spawn({SLEEPER!r}, dict(os.environ))\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cdiscount_integration.settings_test"},
    )
    child_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while not is_gone(child_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert is_gone(child_pid)
