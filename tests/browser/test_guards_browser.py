"""A held price released from the Products page; the Guards panel of General Settings."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from channels.models import HeldOffer, Product
from channels.simulator.catalogue import PRODUCTS
from tests.browser.test_settings_browser import SCREENSHOTS, log_in
from tests.test_inventory import remote, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_held_price_is_released_from_the_products_page(
    page, live_server, simulator, alice, octopia_account
):
    simulator.state.package_integration_delay = 0
    octopia_account.guard_min_price = Decimal("3.00")
    octopia_account.save()
    catalogue = [
        ("MUG-BLUE-350", "Blue stoneware mug 350 ml", "19.90"),
        ("TEA-EARL-100", "Earl Grey loose tea 100 g", "8.90"),
        ("LAMP-DESK-LED", "LED desk lamp with dimmer", "34.50"),
        ("CANDLE-FIG", "Scented candle, fig", "12.00"),
    ]
    for (sku, title, price), item in zip(catalogue, PRODUCTS, strict=False):
        Product.objects.create(
            company=octopia_account.company,
            sku=sku,
            ean=item.ean,
            title=title,
            quantity=12,
            price=Decimal(price),
        )
    upload(simulator, octopia_account)
    Product.objects.filter(sku="MUG-BLUE-350").update(price=Decimal("4.99"))
    Product.objects.filter(sku="TEA-EARL-100").update(price=Decimal("0"))
    Product.objects.filter(sku="LAMP-DESK-LED").update(price=Decimal("14.90"))
    Product.objects.filter(sku="CANDLE-FIG").update(price=Decimal("2.50"))
    job = upload(simulator, octopia_account)
    assert job.counts["held"] == 4

    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/companies/{octopia_account.company_id}/products/")
    held = page.locator("#held-offers")
    expect(held.locator(".panel-title")).to_have_text("4 offers held by the price and stock guards")
    mug = held.locator("tr[data-held-sku=MUG-BLUE-350]")
    expect(mug.locator("[data-field=held_reason]")).to_have_text(
        "held: price 4.99\u00a0€ is 75\u00a0% below the last accepted 19.90\u00a0€"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "products-held.png"))

    mug.locator("button[data-action=release]").click()
    expect(page.locator(".messages")).to_contain_text("1 offer released")
    expect(held.locator(".panel-title")).to_have_text("3 offers held by the price and stock guards")
    assert HeldOffer.objects.get(product__sku="MUG-BLUE-350").state == "released"

    upload(simulator, octopia_account)
    assert Decimal(str(remote(simulator, "octopia")["MUG-BLUE-350"]["price"])) == Decimal("4.99")
    page.reload()
    expect(page.locator("tr[data-held-sku=MUG-BLUE-350]")).to_have_count(0)

    page.goto(f"{live_server.url}/companies/{octopia_account.company_id}/cdiscount/settings/")
    page.locator("#panel-guards").scroll_into_view_if_needed()
    expect(page.locator("#panel-guards [data-field=guard_max_drop]")).to_have_text("30\u00a0%")
    page.screenshot(path=str(SCREENSHOTS / "general-settings-guards.png"))
    page.goto(f"{live_server.url}/companies/{octopia_account.company_id}/cdiscount/settings/edit/")
    page.locator("#panel-guards").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "general-settings-guards-edit.png"))
    page.click("button[data-lang=fr]")
    page.goto(f"{live_server.url}/companies/{octopia_account.company_id}/products/")
    page.screenshot(path=str(SCREENSHOTS / "products-held-fr.png"))
