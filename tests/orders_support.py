"""Helpers shared by the order tests: the two generations' status names and seeding."""

from channels.models import Job, Product
from channels.services.jobs import job_create, job_run
from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA

PAID = {"octopia": "InPreparation", "marketplace": "WaitingForShipmentAcceptation"}
UNPAID = {"octopia": "Accepted", "marketplace": "AcceptedBySeller"}
AWAITING = {"octopia": "WaitingAcceptance", "marketplace": "WaitingForSellerAcceptation"}
SELLER = {"octopia": DEMO_OCTOPIA["seller_id"], "marketplace": DEMO_MARKETPLACE["login"]}


def add_order(simulator, api: str, status: str, lines=None) -> str:
    lines = lines or [
        {
            "sku": "SKU-MUG",
            "ean": "3760452700039",
            "quantity": 2,
            "unit_price": "12.50",
            "name": "Mug en grès bleu",
        },
        {
            "sku": "SKU-TEA",
            "ean": "3760452700046",
            "quantity": 1,
            "unit_price": "8.90",
            "name": "Thé vert Sencha 100 g",
        },
    ]
    return simulator.state.add_order(api=api, seller=SELLER[api], status=status, lines=lines)


def stock(company, **quantities) -> None:
    for sku, quantity in quantities.items():
        Product.objects.update_or_create(
            company=company, sku=sku.replace("_", "-"), defaults={"quantity": quantity}
        )


def download(account) -> Job:
    job = job_create(account=account, kind=Job.Kind.ORDER_DOWNLOAD, trigger=Job.Trigger.MANUAL)
    return job_run(job_id=job.pk)
