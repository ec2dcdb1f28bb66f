"""The guided switch in a real browser: Save and Get Token on Octopia, then Actions → Switch API,
the Marketplace API's credentials, test, preview, switch, the full resend proposed, and back."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from channels.models import CdiscountAccount
from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA
from tests.browser.test_settings_browser import log_in
from tests.orders_support import PAID, add_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = Path("/tmp/creds-switch-api-1366x768.png")


def test_guided_switch_from_the_actions_menu(browser, live_server, simulator, alice, acme):
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20_000)
    add_order(simulator, "marketplace", PAID["marketplace"])
    log_in(page, live_server)
    settings_url = f"{live_server.url}/companies/{acme.pk}/cdiscount/settings/"

    # One step to connect: the Marketplace fields are hidden until that API is chosen.
    page.goto(settings_url + "edit/")
    expect(page.locator("#id_marketplace_login")).to_be_hidden()
    page.check("input[name=api][value=marketplace]")
    expect(page.locator("#id_marketplace_login")).to_be_visible()
    expect(page.locator("#id_octopia_client_id")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOT.with_name("creds-edit-1366x768.png")))
    page.check("input[name=api][value=octopia]")
    page.fill("#id_octopia_client_id", DEMO_OCTOPIA["client_id"])
    page.fill("#id_octopia_client_secret", DEMO_OCTOPIA["client_secret"])
    page.fill("#id_octopia_seller_id", DEMO_OCTOPIA["seller_id"])
    page.check("#id_enabled")
    page.click("#save-get-token-button")
    expect(page.locator(".messages")).to_contain_text("Token received, valid until")
    account = CdiscountAccount.objects.get(company=acme)
    assert account.enabled and account.token_is_current

    # Actions → Switch API.
    page.click("#actions-menu summary")
    page.click("#actions-menu >> text=Switch API")
    expect(page.locator("h1")).to_contain_text("Switch API")
    expect(page.locator("[data-field=live-api]")).to_contain_text("Octopia Seller API v2")
    expect(page.locator("#switch-button")).to_be_disabled()
    page.fill("#id_marketplace_login", DEMO_MARKETPLACE["login"])
    page.fill("#id_marketplace_password", DEMO_MARKETPLACE["password"])
    page.click("#save-credentials")
    expect(page.locator(".messages")).to_contain_text("the live API is unchanged")

    page.click("#test-button")
    expect(page.locator("#test-result")).to_contain_text("accepted these credentials")
    page.click("#preview-button")
    expect(page.locator("[data-count=not-stored]")).to_have_text("1")
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    page.screenshot(path=str(SCREENSHOT.with_name("creds-switch-api-full.png")), full_page=True)

    page.click("#switch-button")
    expect(page.locator(".messages")).to_contain_text(
        "Cdiscount Marketplace API (legacy) is now the live API."
    )
    expect(page.locator("#panel-resend")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT.with_name("creds-switched-1366x768.png")))
    page.click("#resend-preview")
    expect(page.locator("h1")).to_contain_text("Preview upload")
    page.go_back()

    page.click("#switch-button")
    expect(page.locator(".messages")).to_contain_text("Octopia Seller API v2 is now the live API.")
    account.refresh_from_db()
    assert account.api == "octopia" and account.enabled and account.token_is_current
    assert account.marketplace_password == DEMO_MARKETPLACE["password"]

    page.goto(settings_url)
    expect(page.locator("#panel-history")).to_contain_text("API")
    context.close()
