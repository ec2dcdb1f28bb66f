"""Stock and prices up to Cdiscount: the rules, the delta, results, both API generations.

The Marketplace API downloads its package from the app, so those tests serve the app live.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from channels.models import CdiscountAccount, Job, OfferPackage, Product
from channels.services.inventory import offer_package_poll
from channels.services.jobs import job_create, job_run
from channels.simulator.catalogue import PRODUCTS
from tests.orders_support import SELLER

pytestmark = pytest.mark.django_db(transaction=True)
KNOWN = [p.ean for p in PRODUCTS]
UNKNOWN_EAN = "4006381333931"  # a valid EAN that the simulated Cdiscount does not know


@pytest.fixture
def account(request, api, api_account, simulator, settings):
    if api == "marketplace":
        settings.PUBLIC_BASE_URL = request.getfixturevalue("live_server").url
    simulator.state.package_integration_delay = 0
    api_account.safety_qty = 2
    api_account.shipping_fee = Decimal("4.90")
    api_account.additional_shipping_fee = Decimal("1.50")
    api_account.enable_inventory_upload = True
    api_account.save()
    return api_account


def product(account, sku, ean, quantity=10, price="19.90", **extra) -> Product:
    return Product.objects.create(
        company_id=account.company_id,
        sku=sku,
        ean=ean,
        quantity=quantity,
        price=Decimal(price),
        **extra,
    )


def run_and_poll(simulator, account, kind, options=None) -> Job:
    """Runs a job of `kind` and polls its offer packages until their results are in."""
    job = job_create(account=account, kind=kind, trigger="manual", options=options or {})
    job = job_run(job_id=job.pk)
    for package in job.packages.all():
        for _ in range(10):
            if offer_package_poll(package_pk=package.pk):
                break
            simulator.state.advance_clock(60)
    job.refresh_from_db()
    return job


def upload(simulator, account, *, full=False) -> Job:
    return run_and_poll(simulator, account, Job.Kind.INVENTORY_UPLOAD, {"full": full})


def remote(simulator, api) -> dict:
    return simulator.state.offers_for(api, SELLER[api])


def sent_offers(simulator, api) -> list[dict]:
    """Every offer of every package the simulator received, as it received it."""
    offers = []
    for package in simulator.state.offer_packages(api, SELLER[api]):
        offers.extend(package["offers"])
    return offers


def test_quantity_price_and_fees_reach_cdiscount(simulator, account, api):
    product(account, "MUG", KNOWN[0], quantity=10, price="19.90")
    product(
        account,
        "TEA",
        KNOWN[1],
        quantity=10,
        price="8.90",
        safety_qty=7,
        cdiscount_price=Decimal("9.50"),
    )
    product(account, "LOW", KNOWN[2], quantity=1, price="5.00")
    job = upload(simulator, account)
    assert job.status == Job.Status.COMPLETED, job.message
    assert job.counts["sent"] == 3 and job.counts["accepted"] == 3
    offers = remote(simulator, api)
    assert offers["MUG"]["quantity"] == 8  # 10 - default safety 2
    assert offers["TEA"]["quantity"] == 3  # 10 - its own safety 7
    assert offers["LOW"]["quantity"] == 0  # below the safety quantity
    assert Decimal(str(offers["MUG"]["price"])) == Decimal("19.90")
    assert Decimal(str(offers["TEA"]["price"])) == Decimal("9.50")  # the Cdiscount price
    mug = Product.objects.get(sku="MUG")
    assert (mug.accepted_quantity, mug.accepted_price) == (8, Decimal("19.90"))
    assert mug.accepted_at is not None
    # never integrated before: sent as full offers, with the tracked mode's fees
    packages = simulator.state.offer_packages(api, SELLER[api])
    assert [p["type"] for p in packages] == (["Upsert"] if api == "octopia" else ["Full"])
    assert "4.9" in str(packages[0]["offers"]) and "1.5" in str(packages[0]["offers"])


def test_a_second_run_sends_nothing_and_one_change_sends_one_offer(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    product(account, "TEA", KNOWN[1])
    upload(simulator, account)
    job = upload(simulator, account)
    assert job.counts["sent"] == 0
    assert "Nothing changed" in job.message
    Product.objects.filter(sku="TEA").update(quantity=3)
    job = upload(simulator, account)
    assert job.counts["sent"] == 1
    packages = simulator.state.offer_packages(api, SELLER[api])
    assert packages[-1]["type"] == ("Update" if api == "octopia" else "StockAndPrice")
    assert len(packages[-1]["offers"]) == 1
    assert remote(simulator, api)["TEA"]["quantity"] == 1


def test_exclude_price_upload_sends_stock_only(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    upload(simulator, account)
    CdiscountAccount.objects.filter(pk=account.pk).update(exclude_price_upload=True)
    Product.objects.filter(sku="MUG").update(quantity=5, price=Decimal("25.00"))
    account.refresh_from_db()
    job = upload(simulator, account)
    assert job.counts["sent"] == 1
    last = simulator.state.offer_packages(api, SELLER[api])[-1]["offers"][0]
    assert "price" not in {k.lower() for k in last}
    assert Decimal(str(remote(simulator, api)["MUG"]["price"])) == Decimal("19.90")
    assert remote(simulator, api)["MUG"]["quantity"] == 3


def test_a_fee_change_sends_full_offers_again(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    upload(simulator, account)
    CdiscountAccount.objects.filter(pk=account.pk).update(shipping_fee=Decimal("5.90"))
    account.refresh_from_db()
    job = upload(simulator, account)
    assert job.counts["sent"] == 1
    package = simulator.state.offer_packages(api, SELLER[api])[-1]
    assert package["type"] == ("Upsert" if api == "octopia" else "Full")
    assert "5.9" in str(package["offers"])
    account.refresh_from_db()
    assert account.offers_shipping_fee == Decimal("5.90")
    assert upload(simulator, account).counts["sent"] == 0


def test_an_excluded_product_is_sent_once_at_zero(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    upload(simulator, account)
    Product.objects.filter(sku="MUG").update(excluded=True)
    assert upload(simulator, account).counts["sent"] == 1
    assert remote(simulator, api)["MUG"]["quantity"] == 0
    assert upload(simulator, account).counts["sent"] == 0


def test_a_rejected_offer_is_stored_shown_and_not_resent_until_changed(
    simulator, account, api, alice_client
):
    product(account, "MUG", KNOWN[0])
    product(account, "GHOST", UNKNOWN_EAN)
    job = upload(simulator, account)
    assert job.status == Job.Status.PARTIAL_SUCCESS
    assert job.counts["accepted"] == 1 and job.counts["rejected"] == 1
    ghost = Product.objects.get(sku="GHOST")
    assert ghost.offer_error_code
    assert ghost.offer_error_message
    assert ghost.accepted_at is None
    page = alice_client.get(
        reverse("channels:product_list", args=[account.company_id]), {"show": "errors"}
    ).content.decode()
    assert "GHOST" in page and escape(ghost.offer_error_message) in page
    assert 'data-sku="MUG"' not in page
    assert job.logs.filter(record="GHOST", is_error=True).exists()
    assert upload(simulator, account).counts["sent"] == 0
    Product.objects.filter(sku="GHOST").update(quantity=4)
    assert upload(simulator, account).counts["sent"] == 1


def ghost_rejected(simulator, account) -> Product:
    """An offer on a product Cdiscount does not know, sent and rejected; nothing else on sale,
    so Cdiscount never accepted a package with the account's fees."""
    product(account, "GHOST", UNKNOWN_EAN)
    job = upload(simulator, account)
    assert job.counts["rejected"] == 1, job.message
    return Product.objects.get(sku="GHOST")


def test_a_rejected_offer_is_not_sent_again_while_nothing_changes(simulator, account, api):
    ghost = ghost_rejected(simulator, account)
    assert ghost.offer_error_code and ghost.offer_error_message
    for _ in range(2):
        job = upload(simulator, account)
        assert job.counts["sent"] == 0, job.message
        assert "Nothing changed" in job.message
        assert not job.logs.filter(record="GHOST").exists()
    assert len(sent_offers(simulator, api)) == 1


def test_a_rejection_without_a_code_also_waits_for_a_change(simulator, account, api):
    ghost_rejected(simulator, account)
    # as stored for a package Cdiscount rejected whole, with no result per offer
    Product.objects.filter(sku="GHOST").update(
        offer_error_code="", offer_error_message="Cdiscount rejected the whole package."
    )
    assert upload(simulator, account).counts["sent"] == 0


@pytest.mark.parametrize(
    "change", [{"quantity": 4}, {"price": Decimal("18.50")}, {"cdiscount_price": Decimal("17")}]
)
def test_a_rejected_offer_goes_again_once_its_values_change(simulator, account, api, change):
    ghost_rejected(simulator, account)
    Product.objects.filter(sku="GHOST").update(**change)
    job = upload(simulator, account)
    assert job.counts["sent"] == 1 and job.counts["rejected"] == 1
    assert upload(simulator, account).counts["sent"] == 0  # rejected again: waits again
    assert len(sent_offers(simulator, api)) == 2


def test_a_rejected_offer_goes_again_once_its_ean_is_corrected(simulator, account, api):
    ghost_rejected(simulator, account)
    Product.objects.filter(sku="GHOST").update(ean=KNOWN[3])
    job = upload(simulator, account)
    assert job.counts["sent"] == 1 and job.counts["accepted"] == 1, job.message
    ghost = Product.objects.get(sku="GHOST")
    assert ghost.offer_error_at is None and not ghost.offer_error_code
    assert remote(simulator, api)["GHOST"]["quantity"] == 8


def test_a_rejected_offer_goes_again_when_the_fees_it_carries_change(simulator, account, api):
    ghost_rejected(simulator, account)
    CdiscountAccount.objects.filter(pk=account.pk).update(shipping_fee=Decimal("5.90"))
    account.refresh_from_db()
    job = upload(simulator, account)
    assert job.counts["sent"] == 1
    assert "5.9" in str(sent_offers(simulator, api)[-1])
    assert upload(simulator, account).counts["sent"] == 0


def test_a_rejected_update_waits_while_the_accepted_offers_get_new_fees(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    product(account, "TEA", KNOWN[1])
    upload(simulator, account)
    # refused: Cdiscount does not know the EAN (a price of 0 would be held by the guards)
    Product.objects.filter(sku="TEA").update(ean=UNKNOWN_EAN, quantity=5)
    job = upload(simulator, account)
    assert job.counts["rejected"] == 1, job.message
    assert upload(simulator, account).counts["sent"] == 0
    # new fees: every offer goes as a full offer once, the refused one with them
    CdiscountAccount.objects.filter(pk=account.pk).update(shipping_fee=Decimal("5.90"))
    account.refresh_from_db()
    job = upload(simulator, account)
    assert job.counts["sent"] == 2 and job.counts["rejected"] == 1, job.message
    assert upload(simulator, account).counts["sent"] == 0


def test_a_full_resend_sends_a_rejected_offer_again(simulator, account, api):
    ghost_rejected(simulator, account)
    job = upload(simulator, account, full=True)
    assert job.counts["sent"] == 1 and job.counts["rejected"] == 1
    assert upload(simulator, account).counts["sent"] == 0


def test_the_daily_reconciliation_sends_a_rejected_offer_again(simulator, account, api):
    ghost_rejected(simulator, account)
    assert upload(simulator, account).counts["sent"] == 0
    # the seller has the product created on Cdiscount: nothing changed in the app
    simulator.state.add_known_eans(api, SELLER[api], [UNKNOWN_EAN])
    job = run_and_poll(simulator, account, Job.Kind.OFFER_RECONCILIATION)
    assert job.status == Job.Status.COMPLETED, job.message
    assert job.counts["sent"] == 1 and job.counts["accepted"] == 1
    ghost = Product.objects.get(sku="GHOST")
    assert ghost.accepted_quantity == 8 and not ghost.offer_error_code
    assert ghost.offer_error_at is None
    assert remote(simulator, api)["GHOST"]["quantity"] == 8


def test_the_reconciliation_with_nothing_rejected_or_drifted_sends_nothing(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    upload(simulator, account)
    job = run_and_poll(simulator, account, Job.Kind.OFFER_RECONCILIATION)
    assert job.message == "0 offers drifted."
    assert "sent" not in job.counts


def test_the_product_pages_show_a_rejected_offer_waiting_for_a_change(
    simulator, account, api, alice_client
):
    ghost = ghost_rejected(simulator, account)
    code = escape(ghost.offer_error_code)
    message = escape(ghost.offer_error_message)
    list_url = reverse("channels:product_list", args=[account.company_id])
    edit_url = reverse("channels:product_edit", args=[account.company_id, ghost.pk])
    for url in (list_url, edit_url):
        page = alice_client.get(url).content.decode()
        assert "rejected, waiting for a change" in page
        assert code in page and message in page
    Product.objects.filter(sku="GHOST").update(quantity=4)
    for url in (list_url, edit_url):
        page = alice_client.get(url).content.decode()
        assert "rejected, waiting for a change" not in page
        assert "rejected, changed since" in page and message in page
    Product.objects.filter(sku="GHOST").update(quantity=10)  # back as it was rejected
    with translation.override("fr"):  # the language the request activates goes with it
        page = alice_client.get(list_url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "rejetée, en attente d'une modification" in page


def test_a_full_resend_sends_every_offer(simulator, account, api):
    product(account, "MUG", KNOWN[0])
    product(account, "TEA", KNOWN[1])
    upload(simulator, account)
    job = upload(simulator, account, full=True)
    assert job.counts["sent"] == 2


@pytest.mark.parametrize(
    "fault,kwargs,words",
    [
        ("expired_token", {}, None),
        ("rate_limit", {"retry_after": 20}, "20 seconds"),
        ("server_error", {}, "try again in a few minutes"),
        ("malformed", {}, "could not be read"),
    ],
)
def test_faults_end_clearly_with_nothing_half_recorded(
    simulator, account, api, fault, kwargs, words
):
    from channels.services.tokens import account_get_token

    product(account, "MUG", KNOWN[0])
    assert account_get_token(account_id=account.pk).ok
    path = "/offer-packages" if api == "octopia" else "MarketplaceAPIService"
    simulator.state.inject_fault(fault, count=1, path_contains=path, **kwargs)
    job = upload(simulator, account)
    mug = Product.objects.get(sku="MUG")
    if words is None:  # a token expired mid-run: renewed once, and the upload goes through
        assert job.status == Job.Status.COMPLETED, job.message
        assert mug.accepted_quantity == 8
        return
    assert job.status == Job.Status.FAILED
    assert words in job.message
    assert mug.pending_package is None and mug.accepted_at is None
    assert not OfferPackage.objects.filter(state=OfferPackage.State.SUBMITTED).exists()
    assert upload(simulator, account).counts["accepted"] == 1
