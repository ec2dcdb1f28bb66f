"""Prometheus metrics: the Cdiscount call counter every process feeds, and the exposition read
from the database (and the broker) at scrape time.

Web, workers and beat are separate processes, so nothing is kept in one process's memory for
the scrape: jobs, held offers and tokens are already rows, calls are counted in
`CdiscountCallCount`, queue depths are asked of the broker (docs/architecture.md, Metrics).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from celery.signals import task_postrun
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
)

from channels.models import CdiscountCallCount, HeldOffer, Job

logger = logging.getLogger(__name__)

# Job durations, in seconds: from a token refresh (about a second) to a 30-minute hard limit.
DURATION_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600)
# Finished jobs are counted over this window: the Job table is the history, scanned by index.
JOB_WINDOW = timedelta(hours=24)
ACTIVE = (Job.Status.SUBMITTED, Job.Status.RETRYING, Job.Status.PROCESSING)
NO_ANSWER = "no_answer"

# Calls not yet written: (operation, status) -> count, for this process.
_pending: Counter[tuple[str, str]] = Counter()
_pending_lock = threading.Lock()


def cdiscount_call_record(operation: str, status: int | None) -> None:
    """The client's call observer: counts one HTTP exchange with Cdiscount."""
    key = (operation[:100], NO_ANSWER if status is None else str(status))
    with _pending_lock:
        _pending[key] += 1
    if connection.in_atomic_block:
        # Not inside the caller's transaction: the count row would stay locked (PostgreSQL) or
        # the database write-locked (SQLite) until it commits, across the next HTTP calls.
        transaction.on_commit(cdiscount_calls_flush)
        return
    cdiscount_calls_flush()


def cdiscount_calls_flush(**_signal) -> None:
    """Adds this process's pending counts to the table, one `UPDATE … count + n` per key; kept
    for the next flush when the database cannot be written now."""
    with _pending_lock:
        counts = dict(_pending)
        _pending.clear()
    for index, ((operation, status), n) in enumerate(counts.items()):
        try:
            _add(operation, status, n)
        except DatabaseError:
            logger.warning("Cdiscount call counts not written; kept for the next time")
            with _pending_lock:
                _pending.update(dict(list(counts.items())[index:]))
            return


def _add(operation: str, status: str, n: int) -> None:
    rows = CdiscountCallCount.objects.filter(operation=operation, status=status)
    if rows.update(count=F("count") + n):
        return
    try:
        with transaction.atomic():
            CdiscountCallCount.objects.create(operation=operation, status=status, count=n)
    except IntegrityError:
        # Another process created the row meanwhile.
        rows.update(count=F("count") + n)


# A worker's last calls may have been made inside a transaction that then rolled back.
task_postrun.connect(cdiscount_calls_flush, weak=False)


class DatabaseCollector:
    """Reads the figures at scrape time, so every process's work is in them."""

    def collect(self):
        cdiscount_calls_flush()  # this (web) process's own calls: Get Token, tests
        yield from _job_metrics()
        yield _held_offers()
        yield _tokens_issued()
        yield _calls()
        queues = _queue_depths()
        if queues is not None:
            yield queues


def _job_metrics():
    since = timezone.now() - JOB_WINDOW
    finished = GaugeMetricFamily(
        "cdiscount_jobs_finished",
        "Jobs finished in the last 24 hours, by kind and outcome.",
        labels=["kind", "status"],
    )
    active = GaugeMetricFamily(
        "cdiscount_jobs_active",
        "Jobs queued, waiting for a retry or running, by kind and status.",
        labels=["kind", "status"],
    )
    rows = (
        Job.objects.filter(Q(status__in=ACTIVE) | Q(finished_at__gte=since))
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )
    for row in rows:
        family = active if row["status"] in ACTIVE else finished
        family.add_metric([row["kind"], row["status"]], row["n"])
    yield finished
    yield active

    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    buckets = {
        f"le_{i}": Count("id", filter=Q(duration__lte=timedelta(seconds=le)))
        for i, le in enumerate(DURATION_BUCKETS)
    }
    timed = (
        Job.objects.filter(finished_at__gte=since, started_at__isnull=False)
        .annotate(duration=duration)
        .values("kind", "status")
        .annotate(total=Count("id"), seconds=Sum("duration"), **buckets)
        .order_by("kind", "status")
    )
    histogram = GaugeHistogramMetricFamily(
        "cdiscount_job_duration_seconds",
        "Run time of the jobs finished in the last 24 hours, by kind and outcome.",
        labels=["kind", "status"],
    )
    for row in timed:
        counts = [(str(le), row[f"le_{i}"]) for i, le in enumerate(DURATION_BUCKETS)]
        seconds = row["seconds"]
        histogram.add_metric(
            [row["kind"], row["status"]],
            [*counts, ("+Inf", row["total"])],
            gsum_value=seconds.total_seconds() if seconds else 0.0,
        )
    yield histogram


def _held_offers():
    family = GaugeMetricFamily(
        "cdiscount_held_offers",
        "Offers the upload guards hold, by reason and the seller's decision.",
        labels=["reason", "state"],
    )
    rows = HeldOffer.objects.values("reason", "state").annotate(n=Count("id"))
    for row in rows.order_by("reason", "state"):
        family.add_metric([row["reason"], row["state"]], row["n"])
    return family


def _tokens_issued():
    family = CounterMetricFamily(
        "cdiscount_tokens_issued",
        "Tokens Cdiscount issued to a token refresh job or a Get Token.",
    )
    renewed = Job.objects.filter(kind=Job.Kind.TOKEN_REFRESH, counts__renewed=1).count()
    family.add_metric([], renewed)
    return family


def _calls():
    family = CounterMetricFamily(
        "cdiscount_calls",
        "HTTP calls to Cdiscount, by operation and HTTP status (no_answer: no response).",
        labels=["operation", "status"],
    )
    for row in CdiscountCallCount.objects.order_by("operation", "status"):
        family.add_metric([row.operation, row.status], row.count)
    return family


def _queue_names() -> list[str]:
    names = [settings.CELERY_TASK_DEFAULT_QUEUE]
    for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or ():
        name = getattr(queue, "name", queue)
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def _queue_depths():
    """Messages waiting in each Celery queue; nothing when the broker does not answer."""
    family = GaugeMetricFamily(
        "cdiscount_queue_messages",
        "Messages waiting in a Celery queue.",
        labels=["queue"],
    )
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            try:
                for name in _queue_names():
                    family.add_metric([name], client.llen(name))
            finally:
                client.close()
        elif url.startswith("filesystem"):
            folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            for name in _queue_names():
                suffix = f".{name}.msg"
                with os.scandir(folder) as entries:
                    family.add_metric([name], sum(e.name.endswith(suffix) for e in entries))
        else:
            return None
    except Exception:  # a broker down must not take the other figures with it
        logger.warning("queue depths not read from the broker", exc_info=True)
        return None
    return family


def metrics_exposition() -> bytes:
    """The Prometheus text format of every figure above."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
