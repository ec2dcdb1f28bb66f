"""The Prometheus endpoint: refused without the token, and after a job, its figures."""

import pytest
from django.db import transaction
from django.urls import reverse

from channels.models import CdiscountCallCount, HeldOffer, Job, Product
from channels.services.metrics import cdiscount_call_record, cdiscount_calls_flush
from channels.services.tokens import account_get_token
from tests.orders_support import PAID, add_order, download

pytestmark = pytest.mark.django_db

TOKEN = "scrape-me-7f3a9c"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    # Counts from calls earlier tests made in this process (inside their test transactions,
    # so never flushed) would be added to this test's.
    cdiscount_calls_flush()
    CdiscountCallCount.objects.all().delete()


def scrape(client, token=TOKEN):
    return client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token}")


def sample(text: str, line_start: str) -> float:
    """The value of the one sample whose line starts with `line_start`."""
    found = [line for line in text.splitlines() if line.startswith(line_start)]
    assert len(found) == 1, (line_start, found)
    return float(found[0].rsplit(" ", 1)[1])


def test_without_a_configured_token_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client, "anything").status_code == 404


def test_no_token_or_a_wrong_one_is_refused_and_never_sent_to_log_in(client, metrics_on):
    for response in (client.get(reverse("metrics")), scrape(client, "wrong-token")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"cdiscount_" not in response.content
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401


def test_after_a_download_the_figures_are_exposed(
    client, metrics_on, settings, simulator, octopia_account
):
    account_get_token(account_id=octopia_account.pk)
    add_order(simulator, "octopia", PAID["octopia"])
    job = download(octopia_account)
    assert job.status == Job.Status.COMPLETED, job.message
    product = Product.objects.create(company=octopia_account.company, sku="MUG", price=0)
    HeldOffer.objects.create(product=product, reason=HeldOffer.Reason.MIN_PRICE, quantity=3)

    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    kind = 'kind="order_download",status="completed"'
    assert sample(text, f"cdiscount_jobs_finished{{{kind}}}") == 1
    assert (
        sample(
            text,
            'cdiscount_job_duration_seconds_bucket{kind="order_download",le="+Inf",status="completed"}',
        )
        == 1
    )
    assert sample(text, 'cdiscount_calls_total{operation="GET /orders",status="200"}') >= 1
    assert sample(text, 'cdiscount_calls_total{operation="Octopia token",status="200"}') == 1
    assert sample(text, 'cdiscount_held_offers{reason="min_price",state="held"}') == 1
    assert sample(text, "cdiscount_tokens_issued_total") == 1
    # One line per Celery queue (the embedded broker here: none waiting once the job ran).
    assert f'cdiscount_queue_messages{{queue="{settings.CELERY_TASK_DEFAULT_QUEUE}"}} ' in text
    # No secret and nothing of the seller in the exposition.
    octopia_account.refresh_from_db()
    for private in (octopia_account.access_token, octopia_account.octopia_client_secret, TOKEN):
        assert private not in text
    assert octopia_account.company.name not in text


@pytest.mark.django_db(transaction=True)
def test_a_call_made_inside_a_transaction_is_counted_once_it_commits():
    # Written inside it, the count row would stay locked across the next HTTP calls.
    with transaction.atomic():
        cdiscount_call_record("PATCH /offer-packages/{id}", 503)
        assert not CdiscountCallCount.objects.filter(status="503").exists()
    cdiscount_call_record("PATCH /offer-packages/{id}", 503)
    row = CdiscountCallCount.objects.get(operation="PATCH /offer-packages/{id}", status="503")
    assert row.count == 2
