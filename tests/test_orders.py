"""Order download and acceptance against the simulator over HTTP, both API generations."""

import threading
from decimal import Decimal

import pytest

from channels.models import AcceptanceRequest, Job, JobLock, Order, OrderLine, SyncCursor
from channels.services import orders as orders_service
from channels.services.tokens import account_get_token
from tests.orders_support import AWAITING, PAID, SELLER, UNPAID, add_order, download, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(api_account):
    api_account.enable_order_download = True
    api_account.save()
    return api_account


def numbers(account) -> set[str]:
    return set(Order.objects.filter(account=account).values_list("order_number", flat=True))


def test_paid_orders_only_when_unpaid_are_not_allowed(simulator, account, api):
    paid = [add_order(simulator, api, PAID[api]) for _ in range(3)]
    unpaid = [add_order(simulator, api, UNPAID[api]) for _ in range(2)]
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert numbers(account) == set(paid)
    assert job.counts["new"] == 3
    assert job.counts["skipped_unpaid"] == 2
    assert not set(unpaid) & numbers(account)
    order = Order.objects.get(order_number=paid[0])
    assert order.paid
    lines = list(order.lines.order_by("sku"))
    assert [(line.sku, line.quantity) for line in lines] == [("SKU-MUG", 2), ("SKU-TEA", 1)]
    assert lines[0].total_price == Decimal("25.00")
    assert lines[0].unit_price == Decimal("12.50")
    assert order.raw_payload


def test_unpaid_orders_too_when_allowed(simulator, account, api):
    account.allow_unpaid_order = True
    account.save()
    paid = add_order(simulator, api, PAID[api])
    unpaid = add_order(simulator, api, UNPAID[api])
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert numbers(account) == {paid, unpaid}
    assert Order.objects.get(order_number=unpaid).paid is False


def test_an_unpaid_order_is_imported_by_the_next_run_once_paid(simulator, account, api):
    number = add_order(simulator, api, UNPAID[api])
    download(account)
    assert number not in numbers(account)
    simulator.state.set_order_status(api, number, PAID[api])
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert number in numbers(account)
    assert Order.objects.get(order_number=number).paid


def test_state_changes_update_the_stored_order(simulator, account, api):
    number = add_order(simulator, api, PAID[api])
    download(account)
    shipped = "Shipped"
    simulator.state.set_order_status(api, number, shipped)
    job = download(account)
    assert job.counts["updated"] == 1
    assert Order.objects.get(order_number=number).status == shipped
    assert Order.objects.filter(order_number=number).count() == 1


def test_an_order_awaiting_acceptance_is_accepted_with_every_line(simulator, account, api):
    stock(account.company, SKU_MUG=10, SKU_TEA=5)
    number = add_order(simulator, api, AWAITING[api])
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert job.counts["accepted"] == 1
    request = AcceptanceRequest.objects.get(order_number=number)
    assert request.status == AcceptanceRequest.Status.ACCEPTED
    assert simulator.state.order(api, number)["status"] != AWAITING[api]
    sent = [r for r in simulator.state.requests if r["method"] == "POST"]
    if api == "octopia":
        approval = [r for r in sent if r["path"].endswith(f"/orders/{number}/approval-status")]
        assert len(approval) == 1
        assert '"Accepted"' in approval[0]["body"]
    else:
        validate = [r for r in sent if "ValidateOrderList" in r["body"]]
        assert len(validate) == 1
        body = validate[0]["body"]
        assert body.count("AcceptedBySeller") == 3  # the order and both lines
        assert "SKU-MUG" in body and "SKU-TEA" in body
    # unpaid orders are not imported, but the acceptance happened all the same
    assert number not in numbers(account)


def test_an_order_with_an_unknown_sku_is_kept_awaiting_acceptance(
    simulator, account, api, alice_client
):
    stock(account.company, SKU_MUG=10)
    number = add_order(simulator, api, AWAITING[api])
    job = download(account)
    assert job.counts["awaiting_acceptance"] == 1
    request = AcceptanceRequest.objects.get(order_number=number)
    assert request.status == AcceptanceRequest.Status.PENDING
    assert "SKU-TEA is not in your catalogue" in request.reason
    assert simulator.state.order(api, number)["status"] == AWAITING[api]
    assert job.logs.filter(is_error=True, message__contains="SKU-TEA").exists()
    from django.urls import reverse

    page = alice_client.get(reverse("channels:order_list", args=[account.company_id]))
    body = page.content.decode()
    assert "Awaiting your acceptance" in body
    assert "SKU-TEA is not in your catalogue" in body


def test_not_enough_stock_is_not_accepted(simulator, account, api):
    stock(account.company, SKU_MUG=1, SKU_TEA=5)
    number = add_order(simulator, api, AWAITING[api])
    download(account)
    request = AcceptanceRequest.objects.get(order_number=number)
    assert "SKU-MUG: 2 ordered, 1 in stock" in request.reason


def test_the_same_download_twice_gives_the_same_rows(simulator, account, api):
    simulator.state.seed_orders(api=api, seller=SELLER[api], count=30, status=PAID[api], seed=7)
    first = download(account)
    rows = sorted(Order.objects.values_list("order_number", "status", "total_amount"))
    line_count = OrderLine.objects.count()
    second = download(account)
    assert first.counts["new"] == 30
    assert second.counts.get("new", 0) == 0
    assert second.counts.get("updated", 0) == 0
    assert sorted(Order.objects.values_list("order_number", "status", "total_amount")) == rows
    assert OrderLine.objects.count() == line_count


def test_a_crash_in_the_middle_then_a_rerun_loses_and_duplicates_nothing(
    simulator, account, api, monkeypatch
):
    expected = set(
        simulator.state.seed_orders(api=api, seller=SELLER[api], count=25, status=PAID[api])
    )
    monkeypatch.setattr(orders_service, "BATCH_SIZE", 10)
    real_upsert = orders_service.OrderDownload._upsert
    calls = {"n": 0}

    def crash_on_second_batch(self, orders, products):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")
        return real_upsert(self, orders, products)

    monkeypatch.setattr(orders_service.OrderDownload, "_upsert", crash_on_second_batch)
    job = download(account)
    assert job.status == Job.Status.FAILED
    assert "unexpected error" in job.message
    assert len(numbers(account)) == 10
    assert not SyncCursor.objects.filter(account=account).exists()
    monkeypatch.setattr(orders_service.OrderDownload, "_upsert", real_upsert)
    job = download(account)
    assert job.status == Job.Status.COMPLETED
    assert numbers(account) == expected
    assert Order.objects.filter(account=account).count() == 25
    for order in Order.objects.filter(account=account):
        assert order.lines.count() >= 1


def test_a_second_run_while_one_holds_the_lock_is_skipped(simulator, account, api):
    holder = Job.objects.create(account=account, kind=Job.Kind.ORDER_DOWNLOAD)
    from django.utils import timezone

    JobLock.objects.create(
        account=account,
        kind=Job.Kind.ORDER_DOWNLOAD,
        job=holder,
        expires_at=timezone.now() + timezone.timedelta(minutes=5),
    )
    job = download(account)
    assert job.status == Job.Status.SKIPPED
    assert f"already running (job #{holder.pk})" in job.message
    assert simulator.state.requests == []


def test_an_expired_lock_is_taken_over(simulator, account, api):
    from django.utils import timezone

    holder = Job.objects.create(account=account, kind=Job.Kind.ORDER_DOWNLOAD)
    JobLock.objects.create(
        account=account,
        kind=Job.Kind.ORDER_DOWNLOAD,
        job=holder,
        expires_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    assert download(account).status == Job.Status.COMPLETED
    assert not JobLock.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_one_works_the_other_is_skipped(simulator, octopia_account):
    add_order(simulator, "octopia", PAID["octopia"])
    assert account_get_token(account_id=octopia_account.pk).ok
    simulator.state.inject_fault("latency", count=1, seconds=1.5, path_contains="/orders")
    results = {}

    def run(name):
        from django.db import connection

        try:
            results[name] = download(octopia_account).status
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    import time

    time.sleep(0.5)
    run("second")
    first.join()
    assert sorted(results.values()) == [Job.Status.COMPLETED, Job.Status.SKIPPED]
    assert Order.objects.count() == 1


def test_a_401_in_the_middle_refreshes_the_token_once_and_succeeds(simulator, account, api):
    simulator.state.seed_orders(api=api, seller=SELLER[api], count=150, status=PAID[api])
    assert account_get_token(account_id=account.pk).ok
    old_token = type(account).objects.get(pk=account.pk).access_token
    path = "/orders" if api == "octopia" else "MarketplaceAPIService"
    simulator.state.inject_fault("expired_token", count=1, path_contains=path)
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert Order.objects.filter(account=account).count() == 150
    assert type(account).objects.get(pk=account.pk).access_token != old_token


@pytest.mark.parametrize(
    "fault,kwargs,words",
    [
        ("rate_limit", {"retry_after": 20}, "20 seconds"),
        ("server_error", {}, "try again in a few minutes"),
        ("malformed", {}, "could not be read"),
    ],
)
def test_faults_fail_the_job_clearly_and_keep_the_cursor(
    simulator, account, api, fault, kwargs, words
):
    simulator.state.seed_orders(api=api, seller=SELLER[api], count=5, status=PAID[api])
    assert account_get_token(account_id=account.pk).ok
    path = "/orders" if api == "octopia" else "MarketplaceAPIService"
    simulator.state.inject_fault(fault, count=1, path_contains=path, **kwargs)
    job = download(account)
    assert job.status == Job.Status.FAILED
    assert words in job.message
    assert not SyncCursor.objects.filter(account=account).exists()
    assert Order.objects.filter(account=account).count() == 0
    assert download(account).status == Job.Status.COMPLETED
    assert Order.objects.filter(account=account).count() == 5


def test_the_next_run_asks_from_the_cursor_minus_the_overlap(simulator, octopia_account):
    octopia_account.enable_order_download = True
    octopia_account.save()
    download(octopia_account)
    cursor = SyncCursor.objects.get(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD)
    simulator.state.reset()
    download(octopia_account)
    listing = [r for r in simulator.state.requests if r["path"].endswith("/orders")]
    expected = (cursor.position - orders_service.CURSOR_OVERLAP).strftime("%Y-%m-%dT%H:%M")
    assert listing[0]["query"]["updatedAtMin"].startswith(expected)
    assert listing[0]["query"]["salesChannelId"] == "CDISFR"
    assert listing[0]["query"]["pageSize"] == "100"


def test_the_first_run_looks_back_thirty_days(simulator, octopia_account):
    from datetime import timedelta

    from django.utils import timezone

    download(octopia_account)
    listing = [r for r in simulator.state.requests if r["path"].endswith("/orders")]
    expected = (timezone.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H")
    assert listing[0]["query"]["updatedAtMin"].startswith(expected)


def test_a_stored_unpaid_order_keeps_following_cdiscount_after_unpaid_is_switched_off(
    simulator, account, api
):
    account.allow_unpaid_order = True
    account.save()
    number = add_order(simulator, api, UNPAID[api])
    download(account)
    account.allow_unpaid_order = False
    account.save()
    cancelled = "Cancelled" if api == "octopia" else "CancelledByCustomer"
    simulator.state.set_order_status(api, number, cancelled)
    job = download(account)
    assert job.counts["updated"] == 1
    assert Order.objects.get(order_number=number).status == cancelled


def approval_calls(simulator, api) -> list[dict]:
    """The accept/refuse calls the simulator received."""
    posts = [r for r in simulator.state.requests if r["method"] == "POST"]
    if api == "octopia":
        return [r for r in posts if r["path"].endswith("/approval-status")]
    return [r for r in posts if "ValidateOrderList" in r["body"]]


def test_with_automatic_acceptance_off_every_order_waits_for_the_seller(simulator, account, api):
    account.accept_orders_automatically = False
    account.save()
    stock(account.company, SKU_MUG=10, SKU_TEA=5)  # would be accepted with the policy on
    number = add_order(simulator, api, AWAITING[api])
    job = download(account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert job.counts.get("accepted", 0) == 0
    assert job.counts["awaiting_acceptance"] == 1
    request = AcceptanceRequest.objects.get(order_number=number)
    assert request.status == AcceptanceRequest.Status.PENDING
    assert request.reason == "Automatic acceptance is off (General Settings → Controls)."
    assert approval_calls(simulator, api) == []
    # The seller's choice, not a fault: no error in the job's log.
    assert not job.logs.filter(is_error=True).exists()
    assert simulator.state.order(api, number)["status"] == AWAITING[api]


def test_with_automatic_acceptance_on_the_stored_order_shows_the_acceptance_at_once(
    simulator, account, api
):
    assert account.accept_orders_automatically  # the default
    account.allow_unpaid_order = True
    account.save()
    stock(account.company, SKU_MUG=10, SKU_TEA=5)
    number = add_order(simulator, api, AWAITING[api])
    job = download(account)
    assert job.counts["accepted"] == 1
    assert len(approval_calls(simulator, api)) == 1
    stored = Order.objects.get(order_number=number)
    assert stored.status == UNPAID[api] == simulator.state.order(api, number)["status"]
    assert {line.status for line in stored.lines.all()} != {AWAITING[api]}


def test_an_acceptance_that_cannot_be_read_back_is_applied_locally_and_said_so(
    simulator, account, api, monkeypatch
):
    from channels.cdiscount import errors
    from channels.models import OrderEvent

    account.allow_unpaid_order = True
    account.save()
    stock(account.company, SKU_MUG=10, SKU_TEA=5)
    number = add_order(simulator, api, AWAITING[api])

    def unreachable(self, order_id):
        raise errors.ServerError("Cdiscount answered 503", status=503)

    client_class = type(orders_service.cdiscount_client_for(account))
    monkeypatch.setattr(client_class, "get_order", unreachable)
    download(account)
    assert Order.objects.get(order_number=number).status == UNPAID[api]
    notes = OrderEvent.objects.filter(order_number=number, message__startswith="Shown as")
    assert notes.count() == 1
