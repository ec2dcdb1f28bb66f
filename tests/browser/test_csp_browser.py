"""The pages work in Chromium under the Content-Security-Policy, with no violation reported."""

import pytest
from playwright.sync_api import expect

from channels.models import Job

from .test_settings_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_csp_violation_while_using_the_pages(page, live_server, alice, acme, octopia_account):
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: reports.append(str(error)))
    log_in(page, live_server)

    response = page.goto(f"{live_server.url}/companies/{acme.pk}/cdiscount/settings/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    menu = page.locator("#actions-menu")
    page.click("#actions-menu summary")
    expect(menu.locator(".dropdown-menu")).to_be_visible()
    expect(menu.locator("text=Get Token")).to_be_visible()
    # app.js closes the menu on a click elsewhere: the external script runs.
    page.click("h1")
    expect(menu).not_to_have_attribute("open", "")

    # A running job's page follows its status with fetch() (connect-src 'self').
    job = Job.objects.create(
        account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, status=Job.Status.PROCESSING
    )
    with page.expect_response(lambda r: r.url.endswith(f"/jobs/{job.pk}/status/")):
        page.goto(f"{live_server.url}/companies/{acme.pk}/jobs/{job.pk}/")
    page.goto(f"{live_server.url}/companies/{acme.pk}/products/")
    expect(page.locator("#import-form")).to_be_visible()
    # Styles come from app.css: the page is laid out, not bare.
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).display") == "flex"

    assert reports == []
