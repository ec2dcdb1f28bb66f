"""A failed job seen through the bell, and the e-mail choices reached from it."""

import pytest
from playwright.sync_api import expect

from channels.models import Job
from channels.services.jobs import job_create, job_run
from channels.services.notifications import preferences_for_user
from tests.browser.test_settings_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failed_job_is_seen_through_the_bell(
    page, live_server, simulator, alice, octopia_account
):
    octopia_account.enabled = True
    octopia_account.save()
    simulator.state.inject_fault("server_error", count=10, path_contains="/orders")
    job = job_create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD, trigger="scheduled")
    while not job.is_finished:
        job = job_run(job_id=job.pk, allow_retry=True)
    assert job.status == Job.Status.FAILED

    log_in(page, live_server)
    expect(page.locator("#bell .bell-count")).to_have_text("2")  # failed, and retrying before
    expect(page.locator("#bell summary")).to_have_accessible_name("Notifications 2")
    page.click("#bell summary")
    page.click(f"#bell >> text=Order download failed (job #{job.pk})")
    expect(page.locator("h1")).to_contain_text(f"#{job.pk}")
    expect(page.locator("body")).to_contain_text("Failed")

    page.click("#bell summary")
    page.click("#notification-preferences-link")
    expect(page.locator("h1")).to_have_text("Notifications by e-mail")
    page.select_option("#id_job_failed", "digest")
    page.click("#notification-preferences button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("saved")
    assert preferences_for_user(alice)["job_failed"] == "digest"
