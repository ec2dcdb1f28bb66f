"""Fixtures for the Cdiscount client tests: mocked HTTP, no sleeping, secret checks."""

import logging
import time

import pytest
import responses


@pytest.fixture
def rsps():
    """Mocked HTTP; every registered answer must be used, and nothing else is reachable."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """The client must never wait in-process (Celery retries later,
    docs/architecture.md, Retries)."""

    def refuse(seconds):
        raise AssertionError(f"time.sleep({seconds}) called")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def cdiscount_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="channels.cdiscount")
    return caplog
