"""Price and stock guards: a harmful price or an emptied catalogue never reaches Cdiscount.

Each guard runs against the simulator on both API generations; what the simulator received
is checked offer by offer.
"""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from channels.models import CdiscountAccount, HeldOffer, Notification, Product
from channels.services.products import products_import_csv
from tests.test_inventory import KNOWN, account, product, remote, sent_offers, upload

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["account"]  # the fixture, shared with the inventory tests
NBSP = "\u00a0"


def sent_skus(simulator, api) -> list[str]:
    """The SKU of every offer the simulator received, in order (both wire formats)."""
    skus = []
    for offer in sent_offers(simulator, api):
        text = json.dumps(offer, default=str)
        skus += [sku for sku in ("MUG", "TEA", *CATALOGUE) if f'"{sku}"' in text]
    return skus


def cli(*args) -> str:
    out = io.StringIO()
    call_command("cdiscount", *args, stdout=out)
    return out.getvalue()


def page(client, account, name="product_list", language="en") -> str:
    """The page as text, its no-break spaces as plain ones."""
    url = reverse(f"channels:{name}", args=[account.company_id])
    with translation.override(language):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    return response.content.decode().replace(NBSP, " ").replace("&nbsp;", " ")


def accepted_mug_and_tea(simulator, account):
    product(account, "MUG", KNOWN[0], price="19.90")
    product(account, "TEA", KNOWN[1], price="8.90")
    assert upload(simulator, account).counts["accepted"] == 2
    return len(sent_offers(simulator, account.api))


def test_a_price_of_zero_is_never_sent_and_is_listed_held(simulator, account, api, alice_client):
    product(account, "MUG", KNOWN[0], price="0")
    product(account, "TEA", KNOWN[1], price="8.90")
    job = upload(simulator, account)
    assert sent_skus(simulator, api) == ["TEA"]
    assert job.counts["held"] == 1 and "1 held" in job.message
    held = HeldOffer.objects.get(product__sku="MUG")
    assert (held.state, held.reason, held.price) == ("held", "min_price", Decimal("0.00"))
    assert "held: a price of 0.00 € is never sent" in page(alice_client, account)
    note = Notification.objects.get(kind=Notification.Kind.UPLOAD_HELD)
    assert "1 offer was held back" in note.message
    job = upload(simulator, account)  # still held: not sent, not announced again
    assert sent_skus(simulator, api) == ["TEA"]
    assert job.message == "Nothing sent: 1 held by the price and stock guards."
    assert Notification.objects.filter(kind=Notification.Kind.UPLOAD_HELD).count() == 1


def test_a_price_drop_is_held_then_released_from_the_products_page(
    simulator, account, api, alice_client
):
    before = accepted_mug_and_tea(simulator, account)
    Product.objects.filter(sku="MUG").update(price=Decimal("4.99"))
    Product.objects.filter(sku="TEA").update(quantity=5)
    job = upload(simulator, account)
    assert sent_skus(simulator, api)[before:] == ["TEA"]  # the drop stayed home
    assert job.counts["held"] == 1 and job.counts["sent"] == 1
    sentence = "held: price 4.99 € is 75 % below the last accepted 19.90 €"
    assert sentence in page(alice_client, account)
    assert sentence in page(alice_client, account, name="inventory_preview")
    mug = Product.objects.get(sku="MUG")
    edit = reverse("channels:product_edit", args=[account.company_id, mug.pk])
    assert sentence in alice_client.get(edit).content.decode().replace(NBSP, " ")
    french = page(alice_client, account, language="fr")
    assert "retenue : le prix 4,99 € est 75 % sous le dernier prix accepté 19,90 €" in french

    url = reverse("channels:held_offers_decide", args=[account.company_id, "release"])
    response = alice_client.post(url, {"sku": "MUG"}, follow=True)
    assert "1 offer released" in response.content.decode()
    assert upload(simulator, account).counts["sent"] == 1
    assert sent_skus(simulator, api)[before:] == ["TEA", "MUG"]
    assert Decimal(str(remote(simulator, api)["MUG"]["price"])) == Decimal("4.99")
    assert not HeldOffer.objects.exists()
    # released once: a further drop is judged again
    Product.objects.filter(sku="MUG").update(price=Decimal("1.50"))
    assert upload(simulator, account).counts["held"] == 1


def test_a_discarded_change_is_not_sent_until_the_product_changes_again(
    simulator, account, api, alice_client
):
    before = accepted_mug_and_tea(simulator, account)
    Product.objects.filter(sku="MUG").update(price=Decimal("9.00"))
    upload(simulator, account)
    url = reverse("channels:held_offers_decide", args=[account.company_id, "discard"])
    alice_client.post(url, {"sku": "MUG"})
    assert HeldOffer.objects.get().state == "discarded"
    assert "held: price" not in page(alice_client, account)
    job = upload(simulator, account)
    assert (job.counts["sent"], job.counts["held"]) == (0, 0)
    assert sent_skus(simulator, api)[before:] == []
    Product.objects.filter(sku="MUG").update(price=Decimal("18.00"))  # a new change
    assert upload(simulator, account).counts["sent"] == 1
    assert Decimal(str(remote(simulator, api)["MUG"]["price"])) == Decimal("18.00")
    assert not HeldOffer.objects.exists()


def test_the_minimum_price_of_the_account_and_of_a_product(simulator, account, api):
    CdiscountAccount.objects.filter(pk=account.pk).update(guard_min_price=Decimal("10.00"))
    account.refresh_from_db()
    product(account, "MUG", KNOWN[0], price="8.90")
    product(account, "TEA", KNOWN[1], price="8.90", guard_min_price=Decimal("5.00"))
    upload(simulator, account)
    assert sent_skus(simulator, api) == ["TEA"]
    held = HeldOffer.objects.get()
    assert held.product.sku == "MUG" and held.figures["minimum"] == "10.00"
    # a product's own maximum drop overrides the account's
    Product.objects.filter(sku="TEA").update(price=Decimal("6.00"), guard_max_drop=50)
    Product.objects.filter(sku="MUG").update(guard_min_price=Decimal("8.00"))
    assert upload(simulator, account).counts["sent"] == 2


CATALOGUE = ("P1", "P2", "P3", "P4", "P5", "P6")


def catalogue_csv(quantity: int) -> io.BytesIO:
    rows = ["sku,ean,title,quantity,price"]
    rows += [f"{sku},{KNOWN[i]},Item,{quantity},12.00" for i, sku in enumerate(CATALOGUE)]
    return io.BytesIO("\n".join(rows).encode())


def test_a_csv_that_zeroes_the_catalogue_is_held_whole_until_released(
    simulator, account, api, alice_client
):
    products_import_csv(company=account.company, file=catalogue_csv(10))
    upload(simulator, account)
    before = len(sent_offers(simulator, api))
    assert before == len(CATALOGUE)
    products_import_csv(company=account.company, file=catalogue_csv(0))
    Product.objects.filter(sku="P1").update(quantity=12)  # a stock change held with the rest
    job = upload(simulator, account)
    assert len(sent_offers(simulator, api)) == before  # nothing left for Cdiscount
    assert job.counts["held"] == 6 and "6 held" in job.message
    listed = page(alice_client, account)
    assert "6 offers held by the price and stock guards" in listed
    assert "would take 5 of the 6 offers in stock on Cdiscount to 0 (83 %, the breaker" in listed
    dry_run = cli("upload-inventory", "--company", str(account.company_id), "--dry-run")
    assert dry_run.count(" HELD held: this upload would take 5 of the 6") == 6
    assert dry_run.endswith("0 offers would be sent, 6 held by the guards; nothing was sent.\n")
    held = json.loads(cli("held", "--company", str(account.company_id), "--json").splitlines()[0])
    assert (held["sku"], held["quantity"], held["reason"]) == ("P1", 10, "catalogue")

    assert cli("release", "--company", str(account.company_id), "--all") == (
        "6 held offers released.\n"
    )
    assert upload(simulator, account).counts["sent"] == 6
    assert all(
        offer["quantity"] == 0 for sku, offer in remote(simulator, api).items() if sku != "P1"
    )


def test_a_few_offers_going_to_zero_do_not_trip_the_breaker(simulator, account, api):
    products_import_csv(company=account.company, file=catalogue_csv(10))
    upload(simulator, account)
    Product.objects.filter(sku="P1").update(quantity=0)
    job = upload(simulator, account)
    assert (job.counts["sent"], job.counts["held"]) == (1, 0)
    CdiscountAccount.objects.filter(pk=account.pk).update(guard_breaker=None)  # off
    account.refresh_from_db()
    Product.objects.filter(sku__in=CATALOGUE).update(quantity=0)
    assert upload(simulator, account).counts["sent"] == 5


# Command line ------------------------------------------------------------------------------
@pytest.fixture
def two_held(account):
    for sku, ean in (("MUG", KNOWN[0]), ("TEA", KNOWN[1])):
        product(account, sku, ean, price="0")
    HeldOffer.objects.bulk_create(
        HeldOffer(
            product=p,
            reason="min_price",
            quantity=8,
            price=Decimal("0"),
            figures={"price": "0.00", "minimum": "0"},
        )
        for p in Product.objects.all()
    )
    return account


@pytest.mark.parametrize("api", ["octopia"])
def test_the_cli_lists_and_releases_held_offers(two_held, api):
    company = str(two_held.company_id)
    for line in cli("held", "--company", company).splitlines()[:2]:
        assert line.endswith("quantity=8 price=0.00 held: a price of 0.00\u00a0€ is never sent")
    assert cli("release", "--company", company, "TEA") == "1 held offers released.\n"
    assert HeldOffer.objects.get(product__sku="TEA").state == "released"
    with pytest.raises(CommandError, match="Not held: GHOST"):
        cli("release", "--company", company, "MUG", "GHOST")
    assert cli("held", "--company", company) == "0 offers held.\n"
    with pytest.raises(CommandError):
        cli("release", "--company", company)  # a SKU or --all


# Forms -------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["octopia"])
def test_a_cdiscount_price_of_zero_is_refused_by_the_product_page_and_the_csv(
    account, api, alice_client
):
    mug = product(account, "MUG", KNOWN[0])
    url = reverse("channels:product_edit", args=[account.company_id, mug.pk])
    response = alice_client.post(url, {"cdiscount_price": "0,00", "guard_max_drop": "150"})
    text = response.content.decode()
    assert "The price must be above 0." in text
    assert "Enter a whole percentage from 1 to 100" in text
    mug.refresh_from_db()
    assert mug.cdiscount_price is None
    alice_client.post(
        url, {"cdiscount_price": "17,50", "guard_min_price": "12", "guard_max_drop": "40 %"}
    )
    mug.refresh_from_db()
    assert (mug.cdiscount_price, mug.guard_min_price, mug.guard_max_drop) == (
        Decimal("17.50"),
        Decimal("12.00"),
        40,
    )
    csv = io.BytesIO(
        f"sku,ean,title,quantity,price,cdiscount_price\nMUG,{KNOWN[0]},Mug,3,9.90,0\n".encode()
    )
    with pytest.raises(Exception) as refused:
        products_import_csv(company=account.company, file=csv)
    assert "Line 2" in " ".join(refused.value.sentences()) and "above 0" in " ".join(
        refused.value.sentences()
    )


@pytest.mark.parametrize("api", ["octopia"])
def test_the_guards_panel_of_general_settings(account, api, alice_client):
    view = page(alice_client, account, name="general_settings")
    assert 'id="panel-guards"' in view and "30 %" in view and "20 %" in view
    edit = reverse("channels:general_settings_edit", args=[account.company_id])
    data = {
        "api": account.api,
        "safety_qty": "2",
        "shipping_fee": "4,90",
        "additional_shipping_fee": "1,50",
        "guard_min_price": "0",
        "guard_max_drop": "abc",
        "guard_breaker": "101",
    }
    with translation.override("fr"):
        text = alice_client.post(edit, data, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Indiquez un montant en euros supérieur à 0" in text
    assert "Indiquez un pourcentage entier de 1 à 100" in text
    data.update(guard_min_price="1,00", guard_max_drop="", guard_breaker="25")
    alice_client.post(edit, data)
    account.refresh_from_db()
    assert (account.guard_min_price, account.guard_max_drop, account.guard_breaker) == (
        Decimal("1.00"),
        None,
        25,
    )
    shown = cli("settings", "--company", str(account.company_id))
    assert "guard_min_price=1.00 guard_max_drop= guard_breaker=25" in shown
