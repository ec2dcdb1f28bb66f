"""Order download at scale: 10,000 paid orders (about 25,000 lines) from the simulator.

    python bench/orders_download.py [--orders 10000] [--database-url postgres://...]

Prints the first download's time and the process's peak memory, then a second run's time
with nothing new and how many order rows it wrote. Targets (issue: orders): first run
<= 20 s and <= 250 MB on a 2-core machine; second run <= 1 s with no order written.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import SimulatorProcess, Timer, bench_setup, demo_octopia_account, peak_rss_mb


def main() -> int:
    args = bench_setup(count="orders", default=10_000)

    from django.db import connection

    from channels.models import Job, Order, OrderLine
    from channels.services.jobs import job_start
    from channels.simulator import DEMO_OCTOPIA

    with SimulatorProcess() as simulator:
        simulator.point_settings_here(timeout=60)
        simulator.control(
            "POST",
            "orders/seed",
            {
                "api": "octopia",
                "seller": DEMO_OCTOPIA["seller_id"],
                "count": args.orders,
                "status": "InPreparation",
                "seed": 1,
            },
        )
        account = demo_octopia_account("Bench shop", enable_order_download=True)

        def run() -> Job:
            return job_start(account=account, kind=Job.Kind.ORDER_DOWNLOAD, in_process=True).job

        with Timer() as first:
            job = run()
        orders = Order.objects.filter(account=account).count()
        lines = OrderLine.objects.filter(order__account=account).count()
        print(f"database: {connection.vendor}")
        print(
            f"first download: {first.seconds:.2f} s, {orders} orders, {lines} lines, "
            f"status {job.status}, peak memory {peak_rss_mb():.0f} MB"
        )
        before = Order.objects.filter(account=account).order_by("-last_changed_at").first()
        with Timer() as second:
            job = run()
        after = Order.objects.filter(account=account).order_by("-last_changed_at").first()
        writes = job.counts.get("new", 0) + job.counts.get("updated", 0)
        print(
            f"second download (nothing new): {second.seconds:.2f} s, order rows written: "
            f"{writes}, status {job.status}, last change unchanged: "
            f"{before.last_changed_at == after.last_changed_at}"
        )
        account.company.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
