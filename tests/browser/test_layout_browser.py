"""Every page a seller opens fits a 1366 px laptop screen, in English and in French: nothing
scrolls sideways. Full-page screenshots land in var/screenshots/layout/ to look at."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from channels.models import Job, Order, Product
from channels.services.carriers import carriers_refresh
from channels.simulator.catalogue import PRODUCTS
from tests.factories import PASSWORD, CompanyFactory, member_of
from tests.orders_support import AWAITING, PAID, add_order, download
from tests.test_inventory import UNKNOWN_EAN, run_and_poll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "layout"
LAPTOP = {"width": 1366, "height": 768}


def seed(simulator, acme, octopia_account, alice) -> dict[str, str]:
    """A busy Octopia shop (orders awaiting acceptance, held and rejected offers, jobs that
    completed, failed and wait for a retry) and a Marketplace one; the pages to look at."""
    simulator.state.package_integration_delay = 0
    account = octopia_account
    account.enabled = account.enable_order_download = account.enable_inventory_upload = True
    account.shipping_fee, account.additional_shipping_fee = Decimal("4.90"), Decimal("1.50")
    account.save()
    for item in PRODUCTS:
        Product.objects.create(
            company=acme, sku=item.sku, ean=item.ean, title=item.name, quantity=25, price=item.price
        )
    run_and_poll(simulator, account, Job.Kind.INVENTORY_UPLOAD, {"full": True})
    Product.objects.create(
        company=acme,
        sku="GHOST-LONG-SKU-0001",
        ean=UNKNOWN_EAN,
        title="Unknown to Cdiscount",
        quantity=4,
        price=Decimal("12.90"),
    )
    Product.objects.filter(company=acme, sku=PRODUCTS[0].sku).update(price=Decimal("0"))
    upload = run_and_poll(simulator, account, Job.Kind.INVENTORY_UPLOAD)
    add_order(simulator, "octopia", PAID["octopia"])
    add_order(simulator, "octopia", AWAITING["octopia"])
    completed = download(account)
    carriers_refresh(account=account)
    now = timezone.now()
    failed = Job.objects.create(
        account=account,
        kind=Job.Kind.ORDER_DOWNLOAD,
        status=Job.Status.FAILED,
        started_at=now - timedelta(minutes=3),
        finished_at=now - timedelta(minutes=2),
        attempts=5,
        message="Cdiscount answered 503 Service Unavailable five times.",
        detail="HTTP 503 from GET /seller/v2/orders?updatedAtMin=2026-11-29T10:00:00Z\n" * 3,
    )
    retrying = Job.objects.create(
        account=account,
        kind=Job.Kind.INVENTORY_UPLOAD,
        status=Job.Status.RETRYING,
        attempts=2,
        next_try_at=now + timedelta(minutes=4),
        message="Cdiscount answered 429 Too Many Requests; trying again.",
    )
    shop = CompanyFactory(name="Boutique Marketplace")
    member_of(alice, shop)
    market = shop.cdiscount_account
    market.api = "marketplace"
    market.save()

    c = acme.pk
    order = Order.objects.filter(account=account).first()
    product = Product.objects.get(company=acme, sku=PRODUCTS[1].sku)
    return {
        "company-list": reverse("channels:company_list"),
        "company-settings": reverse("channels:company_settings", args=[c]),
        "general-settings": reverse("channels:general_settings", args=[c]),
        "general-settings-edit": reverse("channels:general_settings_edit", args=[c]),
        "general-settings-marketplace": reverse("channels:general_settings", args=[shop.pk]),
        "general-settings-marketplace-edit": reverse(
            "channels:general_settings_edit", args=[shop.pk]
        ),
        "switch-api": reverse("channels:api_switch", args=[c]),
        "jobs": reverse("channels:job_list", args=[c]),
        "job-completed": reverse("channels:job_detail", args=[c, completed.pk]),
        "job-partial": reverse("channels:job_detail", args=[c, upload.pk]),
        "job-failed": reverse("channels:job_detail", args=[c, failed.pk]),
        "job-retrying": reverse("channels:job_detail", args=[c, retrying.pk]),
        "orders": reverse("channels:order_list", args=[c]),
        "order": reverse("channels:order_detail", args=[c, order.pk]),
        "products": reverse("channels:product_list", args=[c]),
        "products-errors": reverse("channels:product_list", args=[c]) + "?show=errors",
        "product": reverse("channels:product_edit", args=[c, product.pk]),
        "inventory-preview": reverse("channels:inventory_preview", args=[c]),
        "notification-preferences": reverse("channels:notification_preferences"),
    }


def every_page(browser, live_server, pages: dict[str, str]):
    """The log-in page, then each of `pages` logged in as alice, at 1366 px in English then in
    French: yields (page name, language, the Playwright page showing it)."""
    for language in ("en", "fr"):
        context = browser.new_context(locale=language, viewport=LAPTOP)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        yield "login", language, page
        page.fill("#id_username", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("#login-button")
        expect(page.locator(".topbar .user")).to_have_text("alice")
        for name, path in pages.items():
            page.goto(live_server.url + path)
            yield name, language, page
        context.close()


def overflow(page) -> int:
    """How many pixels the page is wider than the window, or a panel wider than its box (a
    table cut off behind a scroll bar); 0: nothing scrolls sideways."""
    return page.evaluate(
        """Math.max(
            document.documentElement.scrollWidth - window.innerWidth,
            ...[...document.querySelectorAll('.panel')].map(p => p.scrollWidth - p.clientWidth))"""
    )


def shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_no_page_scrolls_sideways_at_1366_px_in_english_or_french(
    browser, live_server, simulator, acme, octopia_account, alice
):
    pages = seed(simulator, acme, octopia_account, alice)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for name, language, page in every_page(browser, live_server, pages):
        expect(page.locator("html")).to_have_attribute("lang", language)
        shoot(page, f"{name}-{language}")
        too_wide.append((name, language, overflow(page)))
    # Last, since the address stays locked: the lockout message.
    for language in ("en", "fr"):
        context = browser.new_context(locale=language, viewport=LAPTOP)
        page = context.new_page()
        for attempt in range(6):
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", "mallory")
            page.fill("#id_password", f"guess-{attempt}")
            page.click("#login-button")
        expect(page.locator("body")).to_contain_text("15")
        shoot(page, f"login-locked-{language}")
        too_wide.append(("login-locked", language, overflow(page)))
        context.close()
    assert [entry for entry in too_wide if entry[2] > 0] == []
    assert len(too_wide) == 2 * (len(pages) + 2)


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one readable line per element
    (the rule, its impact, the element and what to fix)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} {node['failureSummary']!r}"
        for rule in results.response["violations"]
        if rule["impact"] in ("serious", "critical")
        for node in rule["nodes"]
    ]


def test_every_page_passes_axe_in_english_and_french(
    browser, live_server, simulator, acme, octopia_account, alice
):
    pages = seed(simulator, acme, octopia_account, alice)
    found = []
    for name, language, page in every_page(browser, live_server, pages):
        found += [f"{name} [{language}] {line}" for line in serious_axe_violations(page)]
    assert not found, "axe-core found:\n" + "\n".join(found)
