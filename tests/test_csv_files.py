"""Hostile or clumsy CSV files: every one gets a line-numbered sentence, on the page and on the
command line, and nothing of it is saved; exports never hand a spreadsheet a formula."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility
from django.db import connections
from django.urls import reverse

from channels.models import Job, JobLog, Product
from channels.services.csv_import import CsvImportError
from channels.services.products import products_export_csv, products_import_csv

pytestmark = pytest.mark.django_db

LOG_RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")
HEADER = b"sku,ean,title,quantity,price\n"
MUG = "MUG-01,3760452700039,Mug en grès,12,19.90\n"
TEA = "TEA-01,3760452700046,Thé vert,0,8.90\n"

MALFORMED = {
    # Line 2 is UTF-8, line 3 Windows-1252: the file is neither.
    "mixed encodings": (
        HEADER + MUG.encode() + TEA.encode("cp1252"),
        "Line 3: this line is not UTF-8 text (byte 0xE9 at character 24): "
        'save the file as "CSV UTF-8"',
    ),
    "binary file": (b"PK\x03\x04\x00\x00" + b"\x00" * 50, "Line 1: this is not a text file"),
    "a huge value": (
        HEADER + b"BIG,3760452700039," + b"x" * 200_000 + b",1,1\n",
        "Line 2: a value is longer than 131072 characters",
    ),
    "a quote left open": (
        HEADER + MUG.encode() + b'OPEN,3760452700046,"Tea,1,1\n' + MUG.encode() * 5000,
        'Line 3: a value is longer than 131072 characters: is a quote (") left open?',
    ),
    "a 2 MB line": (HEADER + b"x" * 2_000_000, "Line 2: this line is longer than 1.0"),
    "a column given twice": (
        b"sku,ean,title,quantity,price,PRICE\n" + MUG.encode(),
        "Line 1: Columns given twice: price.",
    ),
    "an empty file": (b"\xef\xbb\xbf\r\n\r\n", "Line 1: The file is empty."),
}


@pytest.fixture
def import_page(csv_upload):
    """The page a seller lands on after uploading a products file (its job has run)."""

    def upload(client, company, content: bytes) -> str:
        return csv_upload(client, reverse("channels:product_import", args=[company.pk]), content)

    return upload


def shown_on_job_page(sentence: str, page: str) -> bool:
    """ "Line 3: message" reads on the job page as a log line with record 3."""
    line, message = sentence.removeprefix("Line ").split(": ", 1)
    return f"<td>{line}</td><td>⚠ {message}".replace('"', "&quot;") in page


@pytest.fixture
def cli_import(tmp_path, capsys, monkeypatch):
    """`manage.py cdiscount COMMAND --company ID FILE` as a shell runs it: (exit status, error
    output without the app's log records, which go to the same stream)."""
    # The command closes the database connections as it ends; the test's transaction stays.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(command: str, company, content: bytes) -> tuple[int, str]:
        path = tmp_path / "import.csv"
        path.write_bytes(content)
        argv = ["manage.py", "cdiscount", command, "--company", str(company.pk), str(path)]
        try:
            ManagementUtility(argv).execute()
            status = 0
        except SystemExit as exc:
            status = exc.code
        err = capsys.readouterr().err.splitlines(keepends=True)
        return status, "".join(line for line in err if not LOG_RECORD.match(line))

    return run


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_is_refused_on_the_page_by_line(
    case, alice_client, acme, import_page, csv_import_dir
):
    content, sentence = MALFORMED[case]
    page = import_page(alice_client, acme, content)
    job = Job.objects.get(kind=Job.Kind.PRODUCTS_IMPORT)
    assert job.status == Job.Status.FAILED
    assert "Nothing was imported" in page and shown_on_job_page(sentence, page)
    assert not Product.objects.exists()
    assert not any(csv_import_dir.iterdir())


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_is_refused_on_the_command_line_in_one_line(case, acme, cli_import):
    content, sentence = MALFORMED[case]
    status, err = cli_import("import-products", acme, content)
    assert status == 1
    assert err.startswith("CommandError: Nothing imported. ") and sentence in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not Product.objects.exists()


def test_the_shipments_import_refuses_malformed_files_the_same_way(
    alice_client, acme, cli_import, csv_upload
):
    url = reverse("channels:shipment_import", args=[acme.pk])
    page = csv_upload(alice_client, url, b"\x00\x01\x02")
    assert "Shipments import" in page and "Nothing was imported" in page
    assert shown_on_job_page("Line 1: this is not a text file", page)
    status, err = cli_import("import-shipments", acme, b"order_number,carrier,carrier\n")
    assert status == 1 and "Line 1: Columns given twice: carrier." in err


@pytest.mark.parametrize("line_end", [b"\r", b"\r\n", b"\n"], ids=["CR alone", "Windows", "Unix"])
def test_every_line_end_reads_the_same(line_end, acme):
    rows = [HEADER.rstrip(b"\n"), MUG.encode().rstrip(b"\n"), TEA.encode().rstrip(b"\n")]
    content = line_end.join(rows) + line_end
    result = products_import_csv(company=acme, file=io.BytesIO(content))
    assert (result.created, result.updated) == (2, 0)
    assert Product.objects.get(sku="TEA-01").title == "Thé vert"


def test_a_quoted_value_may_hold_a_line_end_and_later_lines_keep_their_numbers(acme):
    content = HEADER + b'MUG-01,3760452700039,"Mug\rrouge",12,19.90\r' + b"X,1,t,1,1\r"
    with pytest.raises(CsvImportError) as excinfo:
        products_import_csv(company=acme, file=io.BytesIO(content))
    assert [line for line, _ in excinfo.value.problems] == [4]


def test_utf8_with_a_byte_order_mark_and_windows_1252_are_both_read(acme):
    products_import_csv(company=acme, file=io.BytesIO(b"\xef\xbb\xbf" + HEADER + MUG.encode()))
    assert Product.objects.get(sku="MUG-01").title == "Mug en grès"
    # Excel's "CSV (séparateur : point-virgule)" in France writes Windows-1252.
    french_excel = "sku;ean;title;quantity;price\r\nTEA-01;3760452700046;Thé vert;0;8,90\r\n"
    products_import_csv(company=acme, file=io.BytesIO(french_excel.encode("cp1252")))
    assert Product.objects.get(sku="TEA-01").title == "Thé vert"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    alice_client, acme, cli_import, settings, import_page
):
    settings.CSV_IMPORT_MAX_BYTES = 1000
    content = HEADER + MUG.encode() * 30
    page = import_page(alice_client, acme, content)
    assert "The file is larger than 1000" in page and "split it into several files" in page
    status, err = cli_import("import-products", acme, content)
    assert status == 1 and "The file is larger than 1000" in err
    assert not Product.objects.exists()
    assert not Job.objects.filter(requested_by__isnull=False).exists()  # the page queued none


def test_the_upload_handler_drops_a_large_file_while_it_arrives(settings, rf, alice, acme):
    """The limit also holds when the file is larger than the memory threshold: it is never
    stored, and the form says why."""
    from channels.forms import CsvUploadForm

    settings.CSV_IMPORT_MAX_BYTES = 100_000
    request = rf.post("/", {"file": SimpleUploadedFile("big.csv", b"x" * 300_000), "note": "kept"})
    assert "file" not in request.FILES and request.POST["note"] == "kept"
    form = CsvUploadForm(request.POST, request.FILES, uploads_too_large=request.uploads_too_large)
    assert not form.is_valid()
    assert "The file is larger than 97.7" in form.errors["file"][0]


def test_no_upload_at_all_asks_for_a_file(alice_client, acme):
    response = alice_client.post(reverse("channels:product_import", args=[acme.pk]), follow=True)
    assert "Choose a CSV file to import." in response.content.decode()


def test_a_file_wrong_on_every_line_is_summed_up(acme):
    content = HEADER + b"X,1,t,1,1\n" * 3000
    with pytest.raises(CsvImportError) as excinfo:
        products_import_csv(company=acme, file=io.BytesIO(content))
    sentences = excinfo.value.sentences()
    assert sentences[0].startswith("Line 2: ")
    assert sentences[-1] == f"… and {3000 - 20} more."


# Exports -------------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://x","y")', "+CMD|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]


def test_exported_formulas_are_text_and_read_back_unchanged(alice_client, acme):
    for n, text in enumerate(FORMULAS):
        Product.objects.create(
            company=acme,
            sku=f"{text[:1]}SKU-{n}",
            ean="3760452700039",
            title=text,
            quantity=2,
            price=1,
        )
    text = alice_client.get(reverse("channels:product_export", args=[acme.pk])).content.decode()
    for cell in text.replace("\r\n", ",").split(","):
        assert not cell.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "'=HYPERLINK" in text and ",'-2+3," in text and "'@SUM(A1:A2)" in text
    assert "'-SKU-2" in text

    # A seller edits the export and imports it again: the same SKUs and titles, no new product.
    before = dict(Product.objects.values_list("sku", "title"))
    result = products_import_csv(company=acme, file=io.BytesIO(text.encode()))
    assert (result.created, result.updated) == (0, len(before))
    assert dict(Product.objects.values_list("sku", "title")) == before


def test_numbers_we_write_stay_numbers(acme):
    Product.objects.create(
        company=acme, sku="MUG-01", ean="3760452700039", title="Mug", quantity=0, price="19.90"
    )
    out = io.StringIO()
    products_export_csv(company=acme, out=out)
    assert out.getvalue().splitlines()[1].startswith("MUG-01,3760452700039,Mug,0,19.90,")


def test_the_job_output_csv_neutralises_formulas(alice_client, acme, octopia_account):
    job = Job.objects.create(account=octopia_account, kind=Job.Kind.ORDER_DOWNLOAD)
    JobLog.objects.create(job=job, record="=1+1", message="@SUM(A1)", is_error=True)
    JobLog.objects.create(job=job, record="\tX", message="\r=2")
    text = alice_client.get(reverse("channels:job_output", args=[acme.pk, job.pk])).content
    assert b",'=1+1,1,'@SUM(A1)" in text and b",'\tX,0,\"'\r=2\"" in text


def test_a_bad_row_after_saved_batches_rolls_the_whole_file_back(acme, monkeypatch):
    monkeypatch.setattr("channels.services.products.BATCH", 2)
    Product.objects.create(company=acme, sku="MUG-01", ean="3760452700039", title="Mug", price=1)
    rows = [MUG, TEA, "JAM-01,3760452700053,Confiture,3,4.50\n", "BAD,123,t,1,1\n"]
    content = HEADER + "".join(rows).encode()
    with pytest.raises(CsvImportError) as excinfo:
        products_import_csv(company=acme, file=io.BytesIO(content))
    assert [line for line, _ in excinfo.value.problems] == [5]
    assert list(Product.objects.values_list("sku", "title")) == [("MUG-01", "Mug")]
    result = products_import_csv(company=acme, file=io.BytesIO(HEADER + "".join(rows[:3]).encode()))
    assert (result.created, result.updated) == (2, 1)
