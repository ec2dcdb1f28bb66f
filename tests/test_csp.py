"""The Content-Security-Policy header on every page, and pages that need nothing inline."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from channels.models import Order, Product
from tests.factories import UserFactory
from tests.orders_support import PAID, add_order, download

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'"
)
INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # a script without src, run inline
    re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),  # onclick=, onchange=…
    re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),  # a style attribute
    re.compile(r"<style", re.I),
    re.compile(r"javascript:", re.I),
]


def app_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                yield from app_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


@pytest.fixture
def seeded(simulator, acme, octopia_account):
    octopia_account.enable_order_download = True
    octopia_account.enabled = True
    octopia_account.save()
    add_order(simulator, "octopia", PAID["octopia"])
    job = download(octopia_account)
    product = Product.objects.create(company=acme, sku="MUG-01", ean="3760452700039", price=1)
    return {
        "company_id": acme.pk,
        "job_id": job.pk,
        "order_id": Order.objects.get().pk,
        "product_id": product.pk,
    }


def test_every_page_carries_the_policy_and_nothing_inline(alice_client, seeded):
    pages = 0
    for route in app_routes():
        url = "/" + re.sub(r"<(?:int|str):(\w+)>", lambda m: str(seeded.get(m.group(1), 1)), route)
        response = alice_client.get(url)
        assert response["Content-Security-Policy"] == POLICY, (url, response.status_code)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            for pattern in INLINE:
                assert not pattern.search(html), (url, pattern.search(html).group(0))
            pages += 1
    # Company list and settings, General Settings (view and edit), orders, an order, products,
    # a product, jobs, a job, the upload preview, the log-in page.
    assert pages >= 11


def test_log_in_admin_errors_and_redirects_carry_it_too(client, db):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    responses = [
        client.get(reverse("login")),
        client.get("/no-such-page/"),
        client.get(reverse("channels:company_list")),  # a redirect to log in
        client.get(reverse("healthz")),
    ]
    client.force_login(staff)
    responses += [client.get(reverse("admin:index")), client.get("/admin/channels/job/")]
    for response in responses:
        assert response["Content-Security-Policy"] == POLICY
    for page in (responses[0], responses[4], responses[5]):
        html = page.content.decode()
        assert not any(pattern.search(html) for pattern in INLINE)


def test_the_policy_is_sent_without_a_session_too():
    assert Client().get(reverse("login"))["Content-Security-Policy"] == POLICY
