"""A large products CSV imported by the job path, as the Products page's upload runs it.

    python bench/csv_import.py [--megabytes 50] [--database-url postgres://...]

Writes a products CSV of that size (about 60 bytes a row), starts a products import job on it
(`job_start_import`, run in this process as a worker runs it) and prints the rows, the seconds
(wall clock, and CPU time of this process: PostgreSQL's own work is not in it) and the peak
memory of this process (RSS, `ru_maxrss`, so Django and the interpreter are in it) before and
after: only a batch of rows and the SKUs seen (to refuse one given twice) are held, never the
file. While it runs, a second connection reads the job's row every second, as the job page and
the stalled-job sweep do, and prints the progress it saw and the longest silence of the
heartbeat (it must stay well under the timeout). The same file is then imported again (every
product counted as updated, none changed). The size limit is raised for the run.
"""

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import DEFAULT_DATABASE_URL, Timer, peak_rss_mb, setup_django


def ean13(n: int) -> str:
    body = f"37{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def write_catalogue(path: Path, megabytes: int) -> int:
    """A products file of about that size; returns its number of rows."""
    limit = megabytes * 1024 * 1024
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("sku,ean,title,quantity,price\n")
        while out.tell() < limit:
            out.write(
                f"SKU-{rows:07d},{ean13(rows)},Mug en grès n°{rows % 977} bleu,"
                f"{rows % 250},{9 + rows % 90}.{rows % 100:02d}\n"
            )
            rows += 1
    return rows


class JobWatcher(threading.Thread):
    """Reads the job's row from a connection of its own every second, as the sweep would."""

    def __init__(self, account_id: int):
        super().__init__(daemon=True)
        self.account_id = account_id
        self.after = self._last_job_id()
        self.stop = threading.Event()
        self.longest_silence = 0.0
        self.progress_seen: list[str] = []

    def _last_job_id(self) -> int:
        from channels.models import Job

        last = Job.objects.filter(account_id=self.account_id).order_by("-pk").first()
        return last.pk if last else 0

    def run(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from channels.models import Job

        try:
            while not self.stop.wait(1.0):
                job = (
                    Job.objects.filter(account_id=self.account_id, pk__gt=self.after)
                    .only("progress", "heartbeat_at")
                    .first()
                )
                if job is None or job.heartbeat_at is None:
                    continue
                silence = (timezone.now() - job.heartbeat_at).total_seconds()
                self.longest_silence = max(self.longest_silence, silence)
                if job.progress and job.progress not in self.progress_seen:
                    self.progress_seen.append(job.progress)
        finally:
            connection.close()


def import_once(account, path: Path):
    from channels.models import Job
    from channels.services.jobs import job_start_import

    watcher = JobWatcher(account.pk)
    watcher.start()
    cpu_before = cpu_seconds()
    with Timer() as timer, path.open("rb") as file:
        # As the page starts it (the copy under CSV_IMPORT_DIR included), run in this process
        # as a worker runs it (the command line's way).
        job = job_start_import(
            account=account, kind=Job.Kind.PRODUCTS_IMPORT, file=file, in_process=True
        ).job
    watcher.stop.set()
    watcher.join()
    return job, timer.seconds, cpu_seconds() - cpu_before, watcher


def cpu_seconds() -> float:
    """This process's CPU time: on a shared machine, steadier than the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.conf import settings

    from channels.services.accounts import company_create

    with tempfile.TemporaryDirectory() as scratch:
        settings.CSV_IMPORT_DIR = str(Path(scratch) / "imports")
        settings.CSV_IMPORT_MAX_BYTES = (args.megabytes + 1) * 1024 * 1024
        path = Path(scratch) / "products.csv"
        rows = write_catalogue(path, args.megabytes)
        size = path.stat().st_size / 1024 / 1024
        account = company_create(name=f"Bench import {time.time():.0f}").cdiscount_account
        print(f"file: {size:.1f} MB, {rows:,} rows ({settings.DATABASES['default']['ENGINE']})")
        print(f"peak RSS before the import: {peak_rss_mb():.0f} MB")
        for run in ("first import (all new)", "second import (all updated)"):
            job, seconds, cpu, watcher = import_once(account, path)
            print(
                f"{run}: {job.status}: {job.message} {seconds:.1f} s "
                f"({rows / seconds:,.0f} rows/s; {cpu:.1f} s of CPU in this process); "
                f"peak RSS so far {peak_rss_mb():.0f} MB"
            )
            shown = ", ".join(watcher.progress_seen[:3])
            print(
                f"  seen from another connection: progress {shown}, …; longest heartbeat "
                f"silence {watcher.longest_silence:.0f} s "
                f"(timeout {settings.JOB_HEARTBEAT_TIMEOUT} s)"
            )
            leftover = list(Path(settings.CSV_IMPORT_DIR).iterdir())
            print(f"  files left in CSV_IMPORT_DIR: {len(leftover)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
