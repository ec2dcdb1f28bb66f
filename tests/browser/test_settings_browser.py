"""The article's flow in a real browser: log in, Toolbox → General Settings, Edit, Get Token,
Enabled, Save, French."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from channels.models import CdiscountAccount
from channels.simulator import DEMO_OCTOPIA
from tests.browser.test_layout_browser import serious_axe_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def log_in(page, live_server, username="alice"):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-button")
    expect(page.locator(".topbar .user")).to_have_text(username)


def run_action_and_wait(page, live_server, company, action: str) -> None:
    """Actions ▾ → `action` on General Settings, then the job page until the job ends; the
    page follows the job by itself, without the seller reloading it."""
    page.goto(f"{live_server.url}/companies/{company.pk}/cdiscount/settings/")
    page.click("#actions-menu summary")
    page.click(f"#actions-menu >> text={action}")
    expect(page.locator(".messages")).to_contain_text("queued")
    expect(page.locator("#job-panel [data-job-status]")).to_have_text("Completed", timeout=30_000)


def test_connect_an_account_through_the_settings_page(page, live_server, simulator, alice, acme):
    log_in(page, live_server)

    page.click("text=Acme")
    page.click("#toolbox-cdiscount >> text=General Settings")
    expect(page.locator("h1")).to_contain_text("General Settings")
    expect(page.locator(".breadcrumb")).to_contain_text("Toolbox")

    page.click("#edit-button")
    page.fill("#id_octopia_client_id", DEMO_OCTOPIA["client_id"])
    page.fill("#id_octopia_client_secret", DEMO_OCTOPIA["client_secret"])
    page.fill("#id_octopia_seller_id", DEMO_OCTOPIA["seller_id"])
    page.fill("#id_shipping_fee", "4,90")
    page.click("#save-button")
    expect(page.locator(".messages")).to_contain_text("General Settings saved.")

    page.click("#actions-menu summary")
    page.click("#actions-menu >> text=Get Token")
    expect(page.locator(".messages")).to_contain_text("Token received, valid until")
    token = CdiscountAccount.objects.get(company=acme).access_token
    expect(page.locator("[data-field=access_token] code")).to_have_text(f"{token[:4]}…{token[-4:]}")

    page.click("#actions-menu summary")
    page.click("#actions-menu >> text=Test Token Validity")
    expect(page.locator(".messages")).to_contain_text("The token is valid (shop: Boutique Démo)")

    page.click("#edit-button")
    page.check("#id_enabled")
    page.check("#id_enable_order_download")
    page.click("#save-button")
    expect(page.locator("[data-field=enabled]")).to_contain_text("Yes")
    expect(page.locator("[data-field=enable_order_download]")).to_contain_text("Yes")
    expect(page.locator("[data-field=shipping_fee]")).to_contain_text("4.90")
    expect(page.locator("[data-field=octopia_client_id]")).to_have_text(DEMO_OCTOPIA["client_id"])
    assert DEMO_OCTOPIA["client_secret"] not in page.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "general-settings.png"), full_page=True)

    page.click("button[data-lang=fr]")
    expect(page.locator("h1")).to_contain_text("Paramètres généraux")
    expect(page.locator("#panel-credentials .panel-title")).to_have_text("Identifiants")
    expect(page.locator("[data-field=shipping_fee]")).to_contain_text("4,90")
    page.screenshot(path=str(SCREENSHOTS / "general-settings-fr.png"), full_page=True)
    account = CdiscountAccount.objects.get(company=acme)
    assert account.enabled and account.enable_order_download


def test_a_bad_fee_is_refused_field_by_field_in_the_browser(page, live_server, alice, acme):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/companies/{acme.pk}/cdiscount/settings/edit/")
    page.fill("#id_shipping_fee", "12,345")
    page.fill("#id_safety_qty", "-4")
    page.click("#save-button")
    expect(page.locator("#error-shipping_fee")).to_contain_text("Enter an amount in euros")
    expect(page.locator("#error-safety_qty")).to_contain_text("Enter a whole number")
    assert CdiscountAccount.objects.get(company=acme).safety_qty == 0


@pytest.mark.celery_worker
def test_download_orders_from_the_actions_menu_with_a_real_worker(
    page, live_server, celery_worker, simulator, alice, acme, octopia_account
):
    from tests.orders_support import PAID, add_order

    number = add_order(simulator, "octopia", PAID["octopia"])
    reference = simulator.state.order("octopia", number)["reference"]

    log_in(page, live_server)
    run_action_and_wait(page, live_server, acme, "Download Orders")
    expect(page.locator("h1")).to_contain_text("Order download")
    expect(page.locator("[data-job-message]")).to_contain_text("1 new")

    page.goto(f"{live_server.url}/companies/{acme.pk}/orders/")
    page.click(f"#order-table >> text={reference}")
    expect(page.locator("#order-lines")).to_contain_text("Mug en grès bleu")
    expect(page.locator("[data-field=status]")).to_have_text("InPreparation")


@pytest.mark.celery_worker
def test_ship_an_order_from_its_page_and_see_it_confirmed(
    page, live_server, celery_worker, simulator, alice, acme, octopia_account
):
    from channels.models import Order
    from channels.services.carriers import carriers_refresh
    from tests.orders_support import PAID, add_order, download

    number = add_order(simulator, "octopia", PAID["octopia"])
    download(octopia_account)
    carriers_refresh(account=octopia_account)  # as the jobs store it
    order = Order.objects.get(order_number=number)

    log_in(page, live_server)
    page.goto(f"{live_server.url}/companies/{acme.pk}/orders/{order.pk}/")
    page.select_option("#id_carrier", "Chronopost")
    page.fill("#id_tracking_number", "XY123456789FR")
    page.click("#ship-button")
    expect(page.locator(".messages")).to_contain_text("Shipment recorded")
    expect(page.locator("[data-field=upload_status]")).to_contain_text("Waiting to be sent")

    run_action_and_wait(page, live_server, acme, "Upload Fulfillment")
    page.goto(f"{live_server.url}/companies/{acme.pk}/orders/{order.pk}/")
    expect(page.locator("[data-field=upload_status]")).to_contain_text("Confirmed by Cdiscount")
    expect(page.locator("[data-field=status]")).to_have_text("Shipped")
    assert simulator.state.order("octopia", number)["status"] == "Shipped"


def test_the_actions_menu_works_from_the_keyboard_alone(
    page, live_server, simulator, alice, acme, octopia_account
):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/companies/{acme.pk}/cdiscount/settings/")
    button = page.locator("#actions-menu summary")
    items = page.locator("#actions-menu [role=menuitem]")
    expect(button).to_have_attribute("aria-expanded", "false")
    page.focus("#edit-button")

    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(items.first).to_be_focused()
    assert serious_axe_violations(page) == []
    page.keyboard.press("ArrowUp")
    expect(items.last).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.first).to_be_focused()
    page.keyboard.press("Escape")
    expect(items.first).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()

    page.keyboard.press("Space")
    expect(items.first).to_have_text("Get Token")
    expect(items.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Token received")

    button.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_have_text("Test Token Validity")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("The token is valid")

    # The bell opens and closes the same way, with its list readable by a screen reader.
    bell = page.locator("#bell summary")
    expect(bell).to_have_accessible_name("Notifications")
    bell.focus()
    page.keyboard.press("Enter")
    expect(bell).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#notification-preferences-link")).to_be_focused()
    assert serious_axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(bell).to_have_attribute("aria-expanded", "false")
    expect(bell).to_be_focused()
