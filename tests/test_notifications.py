"""Notifications that reach people: the bell and a real SMTP server, per user and kind.

A real SMTP server (aiosmtpd) listens on a free port; the app sends through Django's SMTP
backend, as production does with EMAIL_URL=smtp://...
"""

import email
import socket
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from channels.models import (
    AcceptanceRequest,
    Delivery,
    Job,
    Notification,
    NotificationMail,
    NotificationPreference,
    Order,
    Product,
)
from channels.services import notifications
from channels.services.fulfillment import ShipmentInput, shipment_record
from channels.services.health import notify, upload_held_notify
from channels.services.inventory import offer_package_poll
from channels.services.jobs import job_create, job_run
from channels.services.schedules import schedules_ensure_defaults
from channels.services.tokens import account_get_token
from channels.simulator.catalogue import PRODUCTS
from tests.factories import UserFactory, member_of
from tests.orders_support import AWAITING, PAID, SELLER, add_order, download

# Committed transactions: at-once mails leave when the notifying transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

UNKNOWN_EANS = ["4006381333931", "5901234123457"]  # valid EANs the simulator does not know


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(message["subject"]),
                "body": message.get_content(),
            }
        )
        return "250 OK"

    def subjects(self) -> list[str]:
        return sorted(m["subject"] for m in self.messages)

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "alerts@shop.example"
    yield handler
    controller.stop()


@pytest.fixture
def alice(alice):
    alice.email = "alice@acme.example"
    alice.save()
    return alice


@pytest.fixture
def members(alice, acme, other_co):
    """Alice has an address; Bob (Acme) has none; Charlie (another company) must hear nothing."""
    member_of(UserFactory(username="bob", email=""), acme)
    member_of(UserFactory(username="charlie", email="charlie@other.example"), other_co)
    return alice


@pytest.fixture
def account(simulator, octopia_account, members):
    octopia_account.enabled = True
    octopia_account.save()
    return octopia_account


def choose(user, delivery, *kinds) -> None:
    for kind in kinds or Notification.Kind.values:
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )


def scheduled(account, kind=Job.Kind.ORDER_DOWNLOAD) -> Job:
    return job_create(account=account, kind=kind, trigger=Job.Trigger.SCHEDULED)


def run_until_finished(job) -> Job:
    for _ in range(10):
        job = job_run(job_id=job.pk, allow_retry=True)
        if job.is_finished:
            return job
    raise AssertionError(job.message)


def bell(kind) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, dismissed_at__isnull=True))


@pytest.mark.parametrize("kind", Notification.Kind.values)
def test_each_kind_reaches_the_bell_and_the_mailbox_once(inbox, account, alice, kind):
    choose(alice, Delivery.AT_ONCE, kind)
    for _ in range(2):  # the same occurrence told twice (a redelivered task) mails once
        notify(account=account, kind=kind, message=f"Acme: about {kind}", link="/x/", key="k1")
    assert len(bell(kind)) == 1
    label = Notification.Kind(kind).label
    assert inbox.subjects() == [f"[Acme] {label}"]
    [mail] = inbox.messages
    assert mail["to"] == ["alice@acme.example"]  # bob has no address, charlie another company
    assert f"Acme: about {kind}" in mail["body"]
    assert "http://127.0.0.1:8000/x/" in mail["body"]
    assert reverse("channels:notification_preferences") in mail["body"]


def test_a_job_retried_five_times_mails_retrying_once_and_failed_once(
    inbox, simulator, account, alice
):
    choose(alice, Delivery.AT_ONCE)
    simulator.state.inject_fault("server_error", count=10, path_contains="/orders")
    job = run_until_finished(scheduled(account))
    assert job.status == Job.Status.FAILED and job.attempts == 5
    assert inbox.subjects() == ["[Acme] Job failed", "[Acme] Job retrying"]
    failed = next(m for m in inbox.messages if m["subject"].endswith("failed"))
    assert f"Order download failed (job #{job.pk})" in failed["body"]
    assert f"/jobs/{job.pk}/" in failed["body"]
    assert len(bell(Notification.Kind.JOB_FAILED)) == 1
    assert len(bell(Notification.Kind.JOB_RETRYING)) == 1

    # The same outage failing the next run: the bell says so, the mailbox is not flooded.
    simulator.state.inject_fault("server_error", count=10, path_contains="/orders")
    second = run_until_finished(scheduled(account))
    assert second.status == Job.Status.FAILED
    assert len(inbox.messages) == 2
    assert f"job #{second.pk}" in bell(Notification.Kind.JOB_FAILED)[0].message

    # Once a run succeeds, the next failure is news again.
    simulator.state.clear_faults()
    assert run_until_finished(scheduled(account)).status == Job.Status.COMPLETED
    simulator.state.inject_fault("server_error", count=10, path_contains="/orders")
    run_until_finished(scheduled(account))
    assert inbox.subjects().count("[Acme] Job failed") == 2


def test_a_token_that_cannot_be_renewed_is_mailed_at_once(inbox, account, alice):
    account.password = "changed-on-the-portal-Secret"
    account.access_token = ""
    account.save()
    job = run_until_finished(scheduled(account, Job.Kind.TOKEN_REFRESH))
    assert job.status == Job.Status.FAILED
    assert bell(Notification.Kind.TOKEN) and bell(Notification.Kind.CREDENTIALS)
    # By default the refused credentials wait for the digest: the token mail says it now.
    assert inbox.subjects() == ["[Acme] Token cannot be renewed"]
    assert "Cdiscount refused the Octopia client ID and client secret" in inbox.messages[0]["body"]
    assert "changed-on-the-portal-Secret" not in inbox.messages[0]["body"]


def test_a_token_refresh_without_credentials_is_a_token_problem(inbox, account, alice):
    account.password = ""
    account.save()
    job = run_until_finished(scheduled(account, Job.Kind.TOKEN_REFRESH))
    assert job.status == Job.Status.FAILED
    assert inbox.subjects() == ["[Acme] Token cannot be renewed"]
    assert "Enter the Client Secret under Edit first" in inbox.messages[0]["body"]


def test_paused_sync_is_mailed_once(inbox, account, alice):
    assert account_get_token(account_id=account.pk).ok
    account.refresh_from_db()
    account.enable_order_download = True
    account.password = "changed-on-the-portal"
    account.access_token = ""
    account.save()
    for _ in range(3):
        assert run_until_finished(scheduled(account)).status == Job.Status.FAILED
    assert run_until_finished(scheduled(account)).status == Job.Status.CANCELLED
    assert inbox.subjects() == ["[Acme] Automatic sync paused", "[Acme] Job failed"]
    paused = next(m for m in inbox.messages if "paused" in m["subject"])
    assert "Automatic sync is paused" in paused["body"]


def test_rejected_offers_are_one_count_per_run_in_the_digest(inbox, simulator, account, alice):
    simulator.state.package_integration_delay = 0
    company = account.company
    Product.objects.create(company=company, sku="MUG", ean=PRODUCTS[0].ean, quantity=5, price=9)
    for n, ean in enumerate(UNKNOWN_EANS):
        Product.objects.create(company=company, sku=f"GHOST-{n}", ean=ean, quantity=5, price=9)
    job = job_run(
        job_id=job_create(account=account, kind=Job.Kind.INVENTORY_UPLOAD, trigger="manual").pk
    )
    for package in job.packages.all():
        while not offer_package_poll(package_pk=package.pk):
            pass
    job.refresh_from_db()
    assert job.counts["rejected"] == 2 and job.status == Job.Status.PARTIAL_SUCCESS
    [entry] = bell(Notification.Kind.OFFERS_REJECTED)
    assert "rejected 2 offers" in entry.message
    assert inbox.messages == []  # rejected offers go to the daily digest by default
    assert notifications.digests_send() == 1
    assert inbox.subjects() == ["Daily digest: 1 notification"]
    assert "rejected 2 offers" in inbox.messages[0]["body"]
    assert "/products/?show=errors" in inbox.messages[0]["body"]


def test_a_held_upload_is_announced_once_per_upload(inbox, account, alice):
    upload_held_notify(account=account, held=12, key="job:7")
    upload_held_notify(account=account, held=12, key="job:7")
    upload_held_notify(account=account, held=3, key="job:8")
    assert inbox.subjects() == ["[Acme] Upload held", "[Acme] Upload held"]
    assert "12 offers were held back" in inbox.messages[0]["body"]
    assert len(bell(Notification.Kind.UPLOAD_HELD)) == 1


def test_off_keeps_the_bell_and_sends_nothing(inbox, simulator, account, alice):
    choose(alice, Delivery.OFF, Notification.Kind.JOB_FAILED, Notification.Kind.JOB_RETRYING)
    simulator.state.inject_fault("server_error", count=10, path_contains="/orders")
    run_until_finished(scheduled(account))
    assert bell(Notification.Kind.JOB_FAILED)
    assert inbox.messages == []
    assert notifications.digests_send() == 0
    assert inbox.messages == []


def test_the_digest_gathers_entries_once(inbox, account, alice):
    choose(alice, Delivery.DIGEST)
    notify(account=account, kind=Notification.Kind.JOB_FAILED, message="Acme: one", key="a")
    notify(account=account, kind=Notification.Kind.UPLOAD_HELD, message="Acme: two", key="b")
    assert inbox.messages == []
    assert notifications.digests_send() == 1
    [digest] = inbox.messages
    assert digest["subject"] == "Daily digest: 2 notifications"
    assert "Acme: one" in digest["body"] and "Acme: two" in digest["body"]
    assert "Job failed" in digest["body"] and "Upload held" in digest["body"]
    assert notifications.digests_send() == 0  # run again: nothing is resent
    notify(account=account, kind=Notification.Kind.JOB_FAILED, message="Acme: three", key="c")
    notify(account=account, kind=Notification.Kind.JOB_FAILED, message="Acme: one", key="a")
    assert notifications.digests_send() == 1
    assert "Acme: three" in inbox.messages[1]["body"]
    assert "Acme: one" not in inbox.messages[1]["body"]
    assert len(inbox.messages) == 2


def test_a_kind_switched_off_before_the_digest_is_dropped(inbox, account, alice):
    choose(alice, Delivery.DIGEST, Notification.Kind.JOB_FAILED)
    notify(account=account, kind=Notification.Kind.JOB_FAILED, message="Acme: one", key="a")
    choose(alice, Delivery.OFF, Notification.Kind.JOB_FAILED)
    assert notifications.digests_send() == 0
    assert inbox.messages == []


def test_a_mail_the_server_refused_waits_for_the_digest(inbox, account, alice, settings):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    notify(account=account, kind=Notification.Kind.JOB_FAILED, message="Acme: down", key="a")
    assert NotificationMail.objects.get().sent_at is None
    settings.EMAIL_PORT = inbox.port
    assert notifications.digests_send() == 1
    assert "Acme: down" in inbox.messages[0]["body"]
    assert notifications.digests_send() == 0


def test_no_secret_and_no_customer_data_in_any_mail(inbox, simulator, account, alice):
    """Tracking refused and acceptance deadlines name orders; mails carry their numbers only."""
    choose(alice, Delivery.AT_ONCE)
    assert account_get_token(account_id=account.pk).ok
    account.refresh_from_db()
    account.allow_unpaid_order = True
    account.save()
    # An order that must be accepted within hours, and one whose shipment Cdiscount refuses
    # because it was cancelled meanwhile.
    late = simulator.state.add_order(
        api="octopia",
        seller=SELLER["octopia"],
        status=AWAITING["octopia"],
        created_at=timezone.now() - timedelta(hours=44),
        lines=[
            {
                "sku": "NOPE",
                "ean": PRODUCTS[0].ean,
                "quantity": 1,
                "unit_price": "9.90",
                "name": "Mug",
            },
        ],
    )
    number = add_order(simulator, "octopia", PAID["octopia"])
    download(account)
    shipment_record(
        order=Order.objects.get(order_number=number),
        data=ShipmentInput("Colissimo", "6A12345678901", "", timezone.localdate()),
    )
    simulator.state.set_order_status("octopia", number, "Cancelled")
    upload = job_create(account=account, kind=Job.Kind.FULFILLMENT_UPLOAD, trigger="manual")
    job_run(job_id=upload.pk)
    assert AcceptanceRequest.objects.filter(order_number=late).exists()
    # An error text that echoes a secret or an address is masked.
    notify(
        account=account,
        kind=Notification.Kind.JOB_FAILED,
        message=f"Acme: Cdiscount said token {account.access_token} for buyer x.y@mail.example",
        key="echo",
    )
    subjects = inbox.subjects()
    assert "[Acme] Tracking upload rejected" in subjects
    assert "[Acme] Order awaiting acceptance" in subjects
    bodies = "\n".join(m["body"] for m in inbox.messages)
    for order in Order.objects.filter(order_number__in=[number, late]):
        assert (order.reference or order.order_number) in bodies  # the seller's handle on it
    forbidden = [account.password, account.access_token, account.username, "x.y@mail.example"]
    paid = Order.objects.get(order_number=number)
    assert paid.customer_name and paid.shipping_address  # known once paid: never mailed
    for stored in Order.objects.all():
        forbidden.append(stored.customer_name)
        for address in (stored.shipping_address or {}, stored.billing_address or {}):
            forbidden += [str(v) for k, v in address.items() if v and k != "country"]
    for value in forbidden:
        if len(value) > 3:
            assert value not in bodies, value
    assert "@" not in bodies.replace("@acme.example", "")


def test_the_digest_is_a_daily_beat_schedule(db):
    schedules_ensure_defaults()
    task = PeriodicTask.objects.get(task="channels.tasks.send_notification_digests")
    assert task.enabled and task.interval.every == 24 * 60 and task.interval.period == "minutes"


def test_preferences_page_edits_only_the_signed_in_users_own_choices(client, alice, charlie):
    url = reverse("channels:notification_preferences")
    assert client.get(url).status_code == 302  # login required
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert "alice@acme.example" in page
    assert 'name="offers_rejected"' in page
    choices = notifications.preferences_for_user(alice)
    assert choices["job_failed"] == "at_once" and choices["offers_rejected"] == "digest"
    response = client.post(url, {**choices, "job_failed": "off", "offers_rejected": "at_once"})
    assert response.status_code == 302
    assert notifications.preferences_for_user(alice)["job_failed"] == "off"
    assert notifications.preferences_for_user(alice)["offers_rejected"] == "at_once"
    assert notifications.preferences_for_user(charlie)["job_failed"] == "at_once"
    # A default choice keeps no row.
    client.post(url, {**choices, "job_failed": "off"})
    assert NotificationPreference.objects.filter(user=alice).count() == 1
    assert client.post(url, {**choices, "job_failed": "loud"}).status_code == 200
    assert notifications.preferences_for_user(alice)["job_failed"] == "off"


def test_preferences_page_in_french_and_reachable_from_the_bell(client, alice):
    client.force_login(alice)
    page = client.get(
        reverse("channels:company_list"), headers={"accept-language": "fr"}
    ).content.decode()
    assert reverse("channels:notification_preferences") in page
    page = client.get(
        reverse("channels:notification_preferences"), headers={"accept-language": "fr"}
    ).content.decode()
    assert "Notifications par e-mail" in page
    assert "Résumé quotidien" in page
