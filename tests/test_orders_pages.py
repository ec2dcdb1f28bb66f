"""The Download Orders action, the Jobs and Orders pages, the CLI, and a real Celery worker."""

import io
import json
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from channels.models import Job, Order
from tests.orders_support import PAID, SELLER, add_order, download


def test_download_orders_action_queues_a_job_after_commit(
    alice_client, acme, octopia_account, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "channels.tasks.run_job.apply_async", lambda args, **options: queued.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("channels:action_download_orders", args=[acme.pk]), follow=True
        )
    job = Job.objects.get(account=octopia_account)
    assert queued == [job.pk]
    assert job.trigger == Job.Trigger.MANUAL and job.status == Job.Status.SUBMITTED
    body = response.content.decode()
    assert f"Job #{job.pk} queued." in body
    assert reverse("channels:job_detail", args=[acme.pk, job.pk]) in body
    assert "data-poll-url" in body  # the job page polls while it runs


def test_download_orders_needs_credentials(alice_client, acme):
    response = alice_client.post(
        reverse("channels:action_download_orders", args=[acme.pk]), follow=True
    )
    assert "Enter the credentials" in response.content.decode()
    assert not Job.objects.exists()


def test_job_status_json_and_output_csv(simulator, alice_client, acme, enabled_octopia):
    add_order(simulator, "octopia", PAID["octopia"])
    job = download(enabled_octopia)
    status = alice_client.get(reverse("channels:job_status", args=[acme.pk, job.pk])).json()
    assert status["finished"] is True
    assert status["status"] == "completed"
    assert status["counts"]["new"] == 1
    detail = alice_client.get(reverse("channels:job_detail", args=[acme.pk, job.pk]))
    assert "data-poll-url" not in detail.content.decode()
    assert "1 new" in detail.content.decode()
    csv_response = alice_client.get(reverse("channels:job_output", args=[acme.pk, job.pk]))
    assert csv_response["Content-Type"].startswith("text/csv")
    assert b"time,record,error,message" in csv_response.content


def test_jobs_page_filters(simulator, alice_client, acme, enabled_octopia):
    download(enabled_octopia)
    url = reverse("channels:job_list", args=[acme.pk])
    assert "Order download" in alice_client.get(url).content.decode()
    filtered = alice_client.get(url, {"status": "failed"}).content.decode()
    assert "No job has run yet." in filtered


def test_orders_list_filters_search_and_detail(simulator, alice_client, acme, enabled_octopia):
    enabled_octopia.allow_unpaid_order = True
    enabled_octopia.save()
    paid = add_order(simulator, "octopia", PAID["octopia"])
    unpaid = add_order(simulator, "octopia", "Accepted")
    download(enabled_octopia)
    url = reverse("channels:order_list", args=[acme.pk])
    paid_order = Order.objects.get(order_number=paid)
    unpaid_order = Order.objects.get(order_number=unpaid)
    body = alice_client.get(url, {"paid": "yes"}).content.decode()
    assert paid_order.reference in body and unpaid_order.reference not in body
    body = alice_client.get(url, {"status": "Accepted"}).content.decode()
    assert unpaid_order.reference in body and paid_order.reference not in body
    body = alice_client.get(url, {"q": paid_order.reference[-6:]}).content.decode()
    assert paid_order.reference in body and unpaid_order.reference not in body
    body = alice_client.get(url, {"date_from": "not-a-date"}).content.decode()
    assert "were not understood" in body
    detail = alice_client.get(
        reverse("channels:order_detail", args=[acme.pk, paid_order.pk])
    ).content.decode()
    assert "SKU-MUG" in detail and "Mug en grès bleu" in detail
    assert "25.00 €" in detail
    assert "InPreparation" in detail


def test_a_stranger_cannot_see_orders_or_jobs(simulator, client, charlie, acme, enabled_octopia):
    add_order(simulator, "octopia", PAID["octopia"])
    job = download(enabled_octopia)
    order = Order.objects.get()
    client.force_login(charlie)
    for url in (
        reverse("channels:order_list", args=[acme.pk]),
        reverse("channels:order_detail", args=[acme.pk, order.pk]),
        reverse("channels:job_list", args=[acme.pk]),
        reverse("channels:job_detail", args=[acme.pk, job.pk]),
        reverse("channels:job_status", args=[acme.pk, job.pk]),
        reverse("channels:job_output", args=[acme.pk, job.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_cli_download_orders_and_orders_json(simulator, acme, enabled_octopia):
    add_order(simulator, "octopia", PAID["octopia"])
    out = io.StringIO()
    call_command("cdiscount", "download-orders", "--company", str(acme.pk), stdout=out)
    assert "Completed" in out.getvalue() and "1 new" in out.getvalue()
    out = io.StringIO()
    call_command("cdiscount", "orders", "--company", str(acme.pk), "--json", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 1
    assert rows[0]["paid"] is True
    assert rows[0]["state"] == "InPreparation"
    assert {(line["sku"], line["quantity"]) for line in rows[0]["lines"]} == {
        ("SKU-MUG", 2),
        ("SKU-TEA", 1),
    }


def test_scheduled_dispatch_queues_only_enabled_accounts_with_the_control_on(
    acme, other_co, enabled_octopia, django_capture_on_commit_callbacks, monkeypatch
):
    from channels.tasks import dispatch_scheduled

    other = other_co.cdiscount_account
    other.enabled = True
    other.enable_order_download = False
    other.save()
    queued = []
    monkeypatch.setattr(
        "channels.tasks.run_job.apply_async", lambda args, **options: queued.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_scheduled(Job.Kind.ORDER_DOWNLOAD) == 1
    job = Job.objects.get(pk=queued[0])
    assert job.account == enabled_octopia and job.trigger == Job.Trigger.SCHEDULED


def test_beat_schedule_rows_exist_and_are_editable(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Cdiscount: order download")
    assert task.task == "channels.tasks.dispatch_scheduled"
    assert json.loads(task.kwargs) == {"kind": "order_download"}
    assert task.interval.every == 10 and task.interval.period == "minutes"


@pytest.mark.celery_worker
def test_a_real_worker_runs_download_orders_from_the_web_action(
    celery_worker, simulator, alice, acme, client
):
    account = acme.cdiscount_account
    account.api = "octopia"
    account.username, account.password = "demo-client", "demo-secret"
    account.seller_id = SELLER["octopia"]
    account.save()
    add_order(simulator, "octopia", PAID["octopia"])
    client.force_login(alice)
    client.post(reverse("channels:action_download_orders", args=[acme.pk]))
    job = Job.objects.get(account=account)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.2)
    assert job.status == Job.Status.COMPLETED, (job.status, job.message)
    assert Order.objects.filter(account=account).count() == 1


@pytest.mark.parametrize("api", ["octopia", "marketplace"])
def test_after_a_manual_accept_the_order_page_shows_the_accepted_state_at_once(
    simulator, alice_client, acme, api, request
):
    from channels.models import AcceptanceRequest
    from tests.orders_support import AWAITING, UNPAID

    account = request.getfixturevalue(f"{api}_account")
    account.allow_unpaid_order = True
    account.accept_orders_automatically = False
    account.save()
    number = add_order(simulator, api, AWAITING[api])
    download(account)
    order = Order.objects.get(order_number=number)
    page_url = reverse("channels:order_detail", args=[acme.pk, order.pk])
    assert AWAITING[api] in alice_client.get(page_url).content.decode()
    pending = AcceptanceRequest.objects.get(order_number=number)
    response = alice_client.post(
        reverse("channels:acceptance_decide", args=[acme.pk, pending.pk, "accept"]), follow=True
    )
    assert "accepted." in response.content.decode()
    page = alice_client.get(page_url).content.decode()  # no download in between
    assert f'<td data-field="status">{UNPAID[api]}</td>' in page
    assert "Accepted by alice." in page
