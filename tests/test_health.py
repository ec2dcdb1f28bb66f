"""Account health: repeated refusals pause sync, the bell, the banner, resuming."""

import pytest
from django.urls import reverse

from channels.models import CdiscountAccount, Job, Notification
from channels.services.jobs import accounts_due, job_create, job_run
from channels.services.tokens import account_get_token

pytestmark = pytest.mark.django_db


def scheduled_download(account) -> Job:
    job = job_create(account=account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="scheduled")
    return job_run(job_id=job.pk)


@pytest.fixture
def live_account(simulator, octopia_account):
    assert account_get_token(account_id=octopia_account.pk).ok
    account = CdiscountAccount.objects.get(pk=octopia_account.pk)
    account.enabled = True
    account.enable_order_download = True
    account.save()
    return account


def test_three_refusals_in_a_row_pause_sync_and_tell_the_seller(
    simulator, live_account, alice_client, acme
):
    live_account.password = "changed-on-the-portal"
    live_account.access_token = ""
    live_account.save()
    for _ in range(3):
        assert scheduled_download(live_account).status == Job.Status.FAILED
    live_account.refresh_from_db()
    assert live_account.sync_paused_at is not None
    assert live_account not in accounts_due(Job.Kind.ORDER_DOWNLOAD)
    token_calls = [r for r in simulator.state.requests if r["path"].endswith("/token")]
    assert len(token_calls) == 4  # Get Token, then one per failed run: never hammered
    page = alice_client.get(reverse("channels:general_settings", args=[acme.pk]))
    body = page.content.decode()
    assert 'id="paused-banner"' in body and "Automatic sync is paused" in body
    assert "bell-count" in body
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {
        Notification.Kind.CREDENTIALS,
        Notification.Kind.SYNC_PAUSED,
        Notification.Kind.JOB_FAILED,
    }
    assert "changed-on-the-portal" not in body


def test_get_token_resumes_sync(simulator, live_account):
    CdiscountAccount.objects.filter(pk=live_account.pk).update(
        auth_failures=3, sync_paused_at="2026-11-27T00:00:00Z", sync_paused_reason="paused"
    )
    assert account_get_token(account_id=live_account.pk).ok
    live_account.refresh_from_db()
    assert live_account.sync_paused_at is None and live_account.auth_failures == 0
    assert live_account in accounts_due(Job.Kind.ORDER_DOWNLOAD)


def test_a_success_resets_the_failure_count(simulator, live_account):
    CdiscountAccount.objects.filter(pk=live_account.pk).update(auth_failures=2)
    assert scheduled_download(live_account).status == Job.Status.COMPLETED
    live_account.refresh_from_db()
    assert live_account.auth_failures == 0


def test_dismissing_a_notification(simulator, live_account, alice_client, charlie):
    from django.test import Client

    note = Notification.objects.create(
        account=live_account, kind=Notification.Kind.TRACKING, message="Tracking refused"
    )
    client = Client()
    client.force_login(charlie)
    assert client.post(reverse("channels:notification_dismiss", args=[note.pk])).status_code == 404
    response = alice_client.post(
        reverse("channels:notification_dismiss", args=[note.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("channels:company_list")
    note.refresh_from_db()
    assert note.dismissed_at is not None
