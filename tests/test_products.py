"""The catalogue: CSV import and export, the Products page, per-product overrides."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from channels.models import Product
from channels.services.csv_import import CsvImportError
from channels.services.products import products_import_csv
from channels.validators import gtin_is_valid

pytestmark = pytest.mark.django_db

GOOD = (
    "sku,ean,title,quantity,price,safety_qty,cdiscount_price,excluded\n"
    'MUG-01,3760452700039,Mug en grès,12,"19,90",,,\n'
    "TEA-01,3760452700046,Thé vert,0,8.90,3,9.50,true\n"
)


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


@pytest.mark.parametrize(
    "ean,valid",
    [
        ("3760452700039", True),
        ("3760452700038", False),
        ("96385074", True),
        ("12345", False),
        ("376045270003X", False),
        # Digits that str.isdigit accepts but Cdiscount does not: Arabic-Indic, superscript.
        ("٣٧٦٠٤٥٢٧٠٠٠٣٩", False),
        ("9638507⁴", False),
    ],
)
def test_ean_check_digit(ean, valid):
    assert gtin_is_valid(ean) is valid


def test_import_adds_and_then_updates_by_sku(acme):
    result = products_import_csv(company=acme, file=csv_file(GOOD))
    assert (result.created, result.updated) == (2, 0)
    tea = Product.objects.get(sku="TEA-01")
    assert tea.safety_qty == 3 and tea.cdiscount_price == Decimal("9.50") and tea.excluded
    mug = Product.objects.get(sku="MUG-01")
    assert mug.price == Decimal("19.90") and mug.title == "Mug en grès"
    again = products_import_csv(
        company=acme,
        file=csv_file("sku;ean;title;quantity;price\nMUG-01;3760452700039;Mug;5;21,00\n"),
    )
    assert (again.created, again.updated) == (0, 1)
    mug.refresh_from_db()
    assert mug.quantity == 5 and mug.price == Decimal("21.00")
    tea.refresh_from_db()
    assert tea.excluded  # a column left out keeps its value


def test_a_large_reimport_writes_only_what_changed_and_counts_every_product(acme, monkeypatch):
    monkeypatch.setattr("channels.services.products.BATCH", 3)
    rows = [f"SKU-{n},3760452700039,Titre {n},{n},{n + 1}.50,,,\n" for n in range(7)]
    header = "sku,ean,title,quantity,price,safety_qty,cdiscount_price,excluded\n"
    products_import_csv(company=acme, file=csv_file(header + "".join(rows)))
    before = dict(Product.objects.values_list("sku", "updated_at"))
    rows[1] = "SKU-1,3760452700046,Nouveau,40,9.99,2,8.50,true\n"
    rows[5] = "SKU-5,3760452700039,Titre 5,0,6.50,,,\n"
    again = products_import_csv(company=acme, file=csv_file(header + "".join(rows)))
    assert (again.created, again.updated) == (0, 7)
    one = Product.objects.get(sku="SKU-1")
    assert (one.ean, one.title, one.quantity, one.price) == (
        "3760452700046",
        "Nouveau",
        40,
        Decimal("9.99"),
    )
    assert (one.safety_qty, one.cdiscount_price, one.excluded) == (2, Decimal("8.50"), True)
    assert Product.objects.get(sku="SKU-5").quantity == 0
    after = dict(Product.objects.values_list("sku", "updated_at"))
    assert {sku for sku in after if after[sku] != before[sku]} == {"SKU-1", "SKU-5"}


def test_a_bad_row_is_reported_by_line_and_nothing_is_saved(acme):
    content = GOOD + (
        "BAD-EAN,3760452700038,Faux,1,1.00,,,\n"
        "NEG,3760452700053,Négatif,-3,1.00,,,\n"
        "MUG-01,3760452700039,Doublon,1,1.00,,,\n"
        "FREE,3760452700060,Gratuit,1,0,,,\n"
    )
    with pytest.raises(CsvImportError) as excinfo:
        products_import_csv(company=acme, file=csv_file(content))
    lines = dict(excinfo.value.problems)
    assert "not a valid EAN" in lines[4]
    assert "quantity" in lines[5]
    assert "already on line 2" in lines[6]
    assert "above 0" in lines[7]
    assert Product.objects.count() == 0


def test_an_ean_in_other_digits_than_0_to_9_is_refused_on_its_line(acme):
    content = "sku,ean,title,quantity,price\nMUG-01,٣٧٦٠٤٥٢٧٠٠٠٣٩,Mug,1,1.00\n"
    with pytest.raises(CsvImportError) as excinfo:
        products_import_csv(company=acme, file=csv_file(content))
    assert "not a valid EAN" in dict(excinfo.value.problems)[2]
    assert Product.objects.count() == 0


def test_missing_columns_are_named(acme):
    with pytest.raises(CsvImportError, match="Missing columns: price"):
        products_import_csv(company=acme, file=csv_file("sku,ean,title,quantity\nA,1,2,3\n"))


def test_products_page_import_export_search_and_filters(alice_client, acme, csv_upload):
    url = reverse("channels:product_list", args=[acme.pk])
    import_url = reverse("channels:product_import", args=[acme.pk])
    page = csv_upload(alice_client, import_url, GOOD.encode())
    assert "queued." in page and "Products import" in page  # the job page
    assert "2 products added, 0 updated." in page
    assert "MUG-01" in alice_client.get(url, {"q": "grès"}).content.decode()
    assert "TEA-01" not in alice_client.get(url, {"q": "grès"}).content.decode()
    out_of_stock = alice_client.get(url, {"show": "out_of_stock"}).content.decode()
    assert "TEA-01" in out_of_stock and "MUG-01" not in out_of_stock
    excluded = alice_client.get(url, {"show": "excluded"}).content.decode()
    assert "TEA-01" in excluded and "MUG-01" not in excluded
    page = csv_upload(alice_client, import_url, b"sku,ean,title,quantity,price\nX,123,t,1,1\n")
    assert "Nothing was imported" in page and "<td>2</td><td>⚠ ean: 123 is not a valid EAN" in page
    exported = alice_client.get(reverse("channels:product_export", args=[acme.pk]))
    text = exported.content.decode()
    assert text.splitlines()[0].startswith("sku,ean,title,quantity,price")
    assert "MUG-01,3760452700039" in text


def test_product_overrides_form(alice_client, acme):
    products_import_csv(company=acme, file=csv_file(GOOD))
    mug = Product.objects.get(sku="MUG-01")
    url = reverse("channels:product_edit", args=[acme.pk, mug.pk])
    response = alice_client.post(url, {"safety_qty": "4", "cdiscount_price": "18,50"})
    assert response.status_code == 302
    mug.refresh_from_db()
    assert mug.safety_qty == 4 and mug.cdiscount_price == Decimal("18.50")
    body = alice_client.post(url, {"safety_qty": "-1", "cdiscount_price": "x"}).content.decode()
    assert "Enter a price in euros" in body or "Enter an amount in euros" in body


def test_cli_import_and_export(acme, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("cdiscount", "import-products", "--company", str(acme.pk), str(path), stdout=out)
    assert "2 products added" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,ean,title,quantity,price\nX,3760452700039,t,lots,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2"):
        call_command(
            "cdiscount",
            "import-products",
            "--company",
            str(acme.pk),
            str(bad),
            stdout=io.StringIO(),
        )
    out = io.StringIO()
    call_command("cdiscount", "export-products", "--company", str(acme.pk), stdout=out)
    assert "TEA-01" in out.getvalue()


def test_a_stranger_cannot_see_or_change_products(client, charlie, acme):
    products_import_csv(company=acme, file=csv_file(GOOD))
    mug = Product.objects.get(sku="MUG-01")
    client.force_login(charlie)
    assert client.get(reverse("channels:product_list", args=[acme.pk])).status_code == 404
    assert client.get(reverse("channels:product_edit", args=[acme.pk, mug.pk])).status_code == 404
    assert client.get(reverse("channels:product_export", args=[acme.pk])).status_code == 404
