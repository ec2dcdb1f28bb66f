"""CSV imports as background jobs: the upload waits in a private folder, a worker imports it
with progress, and the job ends with the import's sentence or every bad line; nothing half-done
is kept and the file never outlives its job."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from channels.models import Job, Notification, Product
from channels.services import imports
from channels.services.jobs import job_run, job_start_import
from channels.services.runs import jobs_reap_stalled
from channels.services.schedules import job_status_strip
from tests.test_fulfillment import stored_order

pytestmark = pytest.mark.django_db

HEADER = "sku,ean,title,quantity,price\n"
ROWS = [
    "MUG-01,3760452700039,Mug en grès,12,19.90\n",
    "TEA-01,3760452700046,Thé vert,0,8.90\n",
    "JAM-01,3760452700053,Confiture,3,4.50\n",
    "OIL-01,3760452700060,Huile,7,11.00\n",
]
GOOD = (HEADER + "".join(ROWS)).encode()


@pytest.fixture
def queued(monkeypatch):
    """Jobs handed to a worker, in order, without running them."""
    ids = []
    monkeypatch.setattr(
        "channels.tasks.run_job.apply_async", lambda args, **options: ids.append(args[0])
    )
    return ids


def post_file(client, company, content: bytes, django_capture_on_commit_callbacks):
    url = reverse("channels:product_import", args=[company.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, {"file": SimpleUploadedFile("my products.csv", content)})


def test_a_file_uploaded_on_the_page_is_imported_by_a_job_with_progress(
    alice_client, acme, queued, csv_import_dir, monkeypatch, django_capture_on_commit_callbacks
):
    assert not acme.cdiscount_account.has_credentials  # an import needs no Cdiscount account
    response = post_file(alice_client, acme, GOOD, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert queued == [job.pk] and job.kind == Job.Kind.PRODUCTS_IMPORT
    job_url = reverse("channels:job_detail", args=[acme.pk, job.pk])
    assert response["Location"] == job_url
    page = alice_client.get(job_url).content.decode()
    assert f"Job #{job.pk} queued." in page and "Submitted" in page
    # The upload waits under an unguessable name of ours, not the seller's file name.
    (stored,) = csv_import_dir.iterdir()
    assert stored.name == job.options["upload"] and "products" not in stored.name
    assert len(stored.stem) >= 32 and stored.read_bytes() == GOOD
    assert stored.stat().st_mode & 0o077 == 0
    assert not Product.objects.exists()  # nothing imported inside the request

    # The worker: the job page's poll shows the rows read while it runs.
    monkeypatch.setattr("channels.services.products.BATCH", 2)
    seen = []
    status_url = reverse("channels:job_status", args=[acme.pk, job.pk])
    record = imports.job_progress

    def progress_then_poll(job, text):
        record(job, text)
        seen.append(json.loads(alice_client.get(status_url).content)["progress"])

    monkeypatch.setattr(imports, "job_progress", progress_then_poll)
    job_run(job_id=job.pk)
    assert seen == ["2 rows read", "4 rows read", "4 rows read"]
    page = alice_client.get(job_url).content.decode()
    assert "Completed" in page and "4 products added, 0 updated." in page
    assert Product.objects.count() == 4
    assert not any(csv_import_dir.iterdir())  # removed once the job ended


def test_a_bad_file_fails_the_job_with_a_log_line_per_bad_line_and_saves_nothing(
    alice_client, acme, csv_upload, csv_import_dir
):
    content = HEADER + ROWS[0] + "BAD,123,t,1,1\n" + ROWS[1] + "LOTS,3760452700077,t,many,0\n"
    page = csv_upload(
        alice_client, reverse("channels:product_import", args=[acme.pk]), content.encode()
    )
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.failed == 3 and job.succeeded == 0
    assert job.message == "Nothing was imported: correct these lines and import the file again."
    assert list(job.logs.values_list("record", "message", "is_error")) == [
        (
            "3",
            "ean: 123 is not a valid EAN: 8, 12, 13 or 14 digits, the last one being the "
            "check digit.",
            True,
        ),
        ("5", "price: The price must be above 0.", True),
        ("5", "quantity: Enter a whole number of 0 or more.", True),
    ]
    assert "Failed" in page and "<td>5</td><td>⚠ quantity: Enter a whole number" in page
    assert not Product.objects.exists()  # the good lines 2 and 4 included
    assert not any(csv_import_dir.iterdir())
    # The seller who uploaded it reads it on the job page: no bell entry, no mail to everyone.
    assert not Notification.objects.exists()


def test_a_job_that_crashes_half_way_saves_nothing_and_removes_the_file(
    acme, csv_import_dir, monkeypatch
):
    from channels.services import products

    monkeypatch.setattr(products, "BATCH", 2)
    save = products._products_save
    calls = []

    def save_then_crash(company, values):
        calls.append(len(values))
        if len(calls) == 2:
            raise RuntimeError("the worker's disk is full")
        return save(company, values)

    monkeypatch.setattr(products, "_products_save", save_then_crash)
    job = job_start_import(
        account=acme.cdiscount_account,
        kind=Job.Kind.PRODUCTS_IMPORT,
        file=io.BytesIO(GOOD),
        in_process=True,
    ).job
    assert calls == [2, 2]  # the first batch was saved before the crash...
    assert job.status == Job.Status.FAILED and "unexpected error" in job.message
    assert not Product.objects.exists()  # ...and rolled back with the rest
    assert not any(csv_import_dir.iterdir())


def test_a_job_whose_worker_died_loses_its_file_with_it(acme, csv_import_dir):
    started = job_start_import(
        account=acme.cdiscount_account, kind=Job.Kind.PRODUCTS_IMPORT, file=io.BytesIO(GOOD)
    )
    job = started.job
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.PROCESSING,
        started_at=timezone.now() - timedelta(minutes=10),
        heartbeat_at=timezone.now() - timedelta(minutes=10),
    )
    assert any(csv_import_dir.iterdir())
    assert jobs_reap_stalled() == 1
    assert Job.objects.get().status == Job.Status.FAILED
    assert not any(csv_import_dir.iterdir())


def test_the_command_line_runs_the_same_job_and_prints_its_lines(acme, tmp_path, csv_import_dir):
    path = tmp_path / "products.csv"
    path.write_bytes(GOOD)
    out = io.StringIO()
    call_command("cdiscount", "import-products", "--company", str(acme.pk), str(path), stdout=out)
    assert out.getvalue() == "4 products added, 0 updated.\n"
    job = Job.objects.get()
    assert job.kind == Job.Kind.PRODUCTS_IMPORT and job.trigger == Job.Trigger.MANUAL
    assert job.status == Job.Status.COMPLETED
    assert path.read_bytes() == GOOD  # the seller's own file is left alone; our copy is gone
    assert not any(csv_import_dir.iterdir())
    out = io.StringIO()
    call_command(
        "cdiscount", "import-products", "--company", str(acme.pk), str(path), "--json", stdout=out
    )
    assert json.loads(out.getvalue()) == {"ok": True, "created": 0, "updated": 4}


def test_a_shipments_file_is_imported_by_a_job(
    simulator, alice_client, acme, octopia_account, csv_upload
):
    order = stored_order(simulator, octopia_account, "octopia")
    content = (
        "order_number,carrier,tracking_number,tracking_url,ship_date\n"
        f"{order.order_number},Colissimo,6A111,,2026-11-26\n"
    )
    page = csv_upload(
        alice_client, reverse("channels:shipment_import", args=[acme.pk]), content.encode()
    )
    job = Job.objects.get(kind=Job.Kind.SHIPMENTS_IMPORT)
    assert job.status == Job.Status.COMPLETED and job.requested_by.username == "alice"
    assert "1 shipments recorded." in page
    assert order.shipment.tracking_number == "6A111"


def test_charlie_cannot_see_alices_import_job(
    client, alice_client, charlie, acme, csv_upload, csv_import_dir
):
    csv_upload(alice_client, reverse("channels:product_import", args=[acme.pk]), GOOD)
    job = Job.objects.get()
    client.force_login(charlie)
    for name in ("job_detail", "job_status", "job_output"):
        assert client.get(reverse(f"channels:{name}", args=[acme.pk, job.pk])).status_code == 404
    upload = SimpleUploadedFile("p.csv", GOOD)
    response = client.post(reverse("channels:product_import", args=[acme.pk]), {"file": upload})
    assert response.status_code == 404
    assert Job.objects.count() == 1 and not any(csv_import_dir.iterdir())


def test_imports_are_not_scheduled_and_stay_off_the_status_strip(acme):
    kinds = {item["kind"] for item in job_status_strip(acme.cdiscount_account)}
    assert Job.Kind.ORDER_DOWNLOAD in kinds
    assert not kinds & set(Job.IMPORT_KINDS)
