"""Inventory upload at scale.

    python bench/inventory_upload.py [--products 100000] [--database-url postgres://...]

Prints: a full Octopia upload of the catalogue to the simulator (target <= 30 s); a run after
1% of the products changed, and how many offers it sent (target <= 3 s, only those); building
a Marketplace API zip of 40,000 offers (target <= 3 s) and its peak memory next to a 4,000-offer
zip's (the peak must not grow with the catalogue).
"""

import shutil
import sys
import tempfile
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import SimulatorProcess, Timer, bench_setup, demo_octopia_account, peak_rss_mb


def ean13(n: int) -> str:
    body = f"20{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def main() -> int:
    args = bench_setup(count="products", default=100_000)

    from channels.cdiscount import MarketplaceClient
    from channels.cdiscount.results import OfferUpdate
    from channels.models import Job, Product
    from channels.services.inventory import offer_package_poll
    from channels.services.jobs import job_start
    from channels.simulator import DEMO_OCTOPIA

    with SimulatorProcess() as simulator:
        simulator.point_settings_here(timeout=120)
        eans = [ean13(i) for i in range(args.products)]
        simulator.control(
            "POST",
            "known-eans",
            {"api": "octopia", "seller": DEMO_OCTOPIA["seller_id"], "eans": eans},
        )
        account = demo_octopia_account(
            "Bench catalogue", shipping_fee=Decimal("4.90"), enable_inventory_upload=True
        )
        company = account.company
        Product.objects.bulk_create(
            (
                Product(
                    company=company,
                    sku=f"SKU-{i:06d}",
                    ean=ean,
                    quantity=5 + i % 50,
                    price=Decimal("9.90") + i % 100,
                )
                for i, ean in enumerate(eans)
            ),
            batch_size=5000,
        )

        def run() -> Job:
            job = job_start(account=account, kind=Job.Kind.INVENTORY_UPLOAD, in_process=True).job
            for package in job.packages.all():
                while not offer_package_poll(package_pk=package.pk):
                    simulator.control("POST", "clock", {"advance_seconds": 60})
            job.refresh_from_db()
            return job

        with Timer() as full:
            job = run()
        print(
            f"full Octopia upload of {args.products} products: {full.seconds:.2f} s, "
            f"sent {job.counts.get('sent')}, accepted {job.counts.get('accepted')}, "
            f"rejected {job.counts.get('rejected')}, status {job.status}, "
            f"peak memory {peak_rss_mb():.0f} MB"
        )

        changed = Product.objects.filter(company=company).order_by("pk")[::100]
        for product in changed:
            product.quantity += 7
        Product.objects.bulk_update(changed, ["quantity"], batch_size=5000)
        with Timer() as delta:
            job = run()
        print(
            f"run with 1% changed ({len(changed)} products): {delta.seconds:.2f} s, "
            f"sent {job.counts.get('sent')}, accepted {job.counts.get('accepted')}"
        )
        company.delete()

    client = MarketplaceClient(
        sts_url="http://unused", soap_url="http://unused", login="bench-api", password="unused"
    )  # noqa: S106

    def offers(count: int):
        for i in range(count):
            yield OfferUpdate(
                sku=f"SKU-{i:06d}",
                ean=ean13(i),
                quantity=i % 40,
                price=Decimal("19.90"),
                shipping_fee=Decimal("4.90"),
                additional_shipping_fee=Decimal("1.50"),
            )

    folder = Path(tempfile.mkdtemp())
    for count in (4_000, 40_000):
        path = folder / f"offers-{count}.zip"
        tracemalloc.start()
        with Timer() as build, path.open("wb") as out:
            client.build_offer_package(offers(count), out, full=True, name="bench", count=count)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"Marketplace zip of {count} full offers: {build.seconds:.2f} s "
            f"(under tracemalloc), {path.stat().st_size / 1e6:.1f} MB zip on disk, "
            f"peak Python memory while building {peak / 1e6:.2f} MB"
        )
    with Timer() as plain, (folder / "plain.zip").open("wb") as out:
        client.build_offer_package(offers(40_000), out, full=True, name="bench", count=40_000)
    shutil.rmtree(folder)
    print(f"Marketplace zip of 40000 full offers without tracing: {plain.seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
