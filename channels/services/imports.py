"""CSV imports as jobs: the worker reads the uploaded file as a stream, reports its progress,
and ends with the import's sentence, or Failed with one log line per bad line (nothing saved).
"""

import logging
import threading
from collections.abc import Callable
from typing import BinaryIO

from django.db import connection
from django.utils.translation import gettext as _

from channels.models import Job

from .csv_import import CsvImportError
from .fulfillment import shipments_import_csv
from .import_files import import_file_path
from .products import products_import_csv
from .runs import JobOutcome, job_log, job_progress

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


def products_import(job: Job) -> JobOutcome:
    def run(file: BinaryIO, progress: Progress) -> JobOutcome:
        result = products_import_csv(company=job.account.company, file=file, progress=progress)
        return JobOutcome(
            result.sentence(),
            counts={"created": result.created, "updated": result.updated},
            succeeded=result.created + result.updated,
        )

    return _csv_import(job, run)


def shipments_import(job: Job) -> JobOutcome:
    def run(file: BinaryIO, progress: Progress) -> JobOutcome:
        count = shipments_import_csv(
            account=job.account, file=file, user=job.requested_by, progress=progress
        )
        return JobOutcome(
            _("%(n)d shipments recorded.") % {"n": count},
            counts={"recorded": count},
            succeeded=count,
        )

    return _csv_import(job, run)


def _csv_import(job: Job, run: Callable[[BinaryIO, Progress], JobOutcome]) -> JobOutcome:
    try:
        with import_file_path(job.options["upload"]).open("rb") as file, ImportProgress(job) as p:
            return run(file, p)
    except FileNotFoundError:
        message = _(
            "The uploaded file is not where the worker looks for it (CSV_IMPORT_DIR must be "
            "shared by the web server and the workers). Nothing was imported: import it again."
        )
        job_log(job, message, is_error=True)
        return JobOutcome(message, failed=1)
    except CsvImportError as exc:
        for line, problem in exc.problems:
            job_log(job, problem, record=str(line), is_error=True)
        if exc.more:
            job_log(job, _("… and %(n)d more.") % {"n": exc.more}, is_error=True)
        total = len(exc.problems) + exc.more
        return JobOutcome(
            _("Nothing was imported: correct these lines and import the file again."),
            counts={"problems": total},
            failed=total,
        )


class ImportProgress:
    """ "120,000 rows read" on the job, and its heartbeat, while an import runs.

    The rows are saved in one transaction (a bad row rolls the file back), whose writes nobody
    sees before it commits: the sweep would take the job for dead. Where the database has
    several writers (PostgreSQL), a thread with a connection of its own writes the progress and
    the heartbeat every few seconds, outside that transaction. SQLite has one writer, the import
    itself, so there the import's own connection writes them (seen at the commit; nobody else
    can write meanwhile anyway); so it does when the job runs inside a transaction already (a
    test), where the job's row is not visible to another connection.
    """

    EVERY_SECONDS = 5.0

    def __init__(self, job: Job):
        self.job = job
        self.text = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "ImportProgress":
        if connection.vendor != "sqlite" and not connection.in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name=f"job-{self.job.pk}-progress", daemon=True
            )
            self._thread.start()
        return self

    def __call__(self, rows: int) -> None:
        self.text = _("%(n)s rows read") % {"n": f"{rows:,}"}
        if self._thread is None:
            job_progress(self.job, self.text)

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.EVERY_SECONDS):
                try:
                    job_progress(self.job, self.text)
                except Exception:  # a lost heartbeat must not stop the import
                    logger.exception("job %s: progress not recorded", self.job.pk)
        finally:
            connection.close()  # this thread's own connection
