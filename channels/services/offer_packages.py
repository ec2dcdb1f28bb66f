"""Waiting for Cdiscount's verdict on offer packages: the one polling loop.

An inventory upload hands its offers to Cdiscount in packages and ends once every package has
its result (or is given up past its deadline). The worker's follow-up task, the stalled-job
sweep and the command line all wait through `offer_packages_poll`.
"""

import time
from collections.abc import Iterable

from channels.models import OfferPackage

from .inventory import offer_package_poll

# The command line asks again at this pace while it waits (the worker's task has its own).
POLL_PAUSE_SECONDS = 2.0


def offer_packages_pending(*, job_id: int | None = None) -> list[int]:
    """The packages still waiting for their result: a job's, or every account's."""
    packages = OfferPackage.objects.filter(state=OfferPackage.State.SUBMITTED)
    if job_id is not None:
        packages = packages.filter(job_id=job_id)
    return list(packages.order_by("pk").values_list("pk", flat=True))


def offer_packages_poll(
    *,
    package_ids: Iterable[int],
    wait_seconds: float = 0,
    pause_seconds: float = POLL_PAUSE_SECONDS,
) -> list[int]:
    """Asks for each package's result until every one is final or `wait_seconds` have passed
    (0: once each); returns the ids still waiting.

    A package past its deadline is given up by the single poll (its offers go out again with the
    next upload), and its job ends when its last package is final.
    """
    waiting = list(package_ids)
    deadline = time.monotonic() + wait_seconds
    while waiting:
        waiting = [pk for pk in waiting if not offer_package_poll(package_pk=pk)]
        if not waiting or time.monotonic() + pause_seconds > deadline:
            break
        time.sleep(pause_seconds)
    return waiting
