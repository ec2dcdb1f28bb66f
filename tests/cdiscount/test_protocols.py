"""Both API generations have the one shape services rely on (CdiscountClient, AfterSaleClient)."""

import inspect

import pytest

from channels.cdiscount import AfterSaleClient, CdiscountClient, MarketplaceClient, OctopiaClient

OPERATIONS = sorted(
    name
    for name, member in vars(CdiscountClient).items()
    if callable(member) and (not name.startswith("_") or name in ("__enter__", "__exit__"))
)
AFTER_SALE_OPERATIONS = sorted(
    name for name, member in vars(AfterSaleClient).items() if callable(member) and name[0] != "_"
)


def test_the_protocol_names_every_operation_a_service_uses():
    assert {"submit_offers", "list_orders", "ship_order", "renew_token", "close"} <= set(OPERATIONS)


@pytest.mark.parametrize("client_class", [OctopiaClient, MarketplaceClient])
@pytest.mark.parametrize("name", OPERATIONS)
def test_each_client_implements_each_operation_with_the_same_parameters(client_class, name):
    expected = inspect.signature(getattr(CdiscountClient, name))
    actual = inspect.signature(getattr(client_class, name))
    shape = [(p.name, p.kind, p.default) for p in expected.parameters.values()]
    assert [(p.name, p.kind, p.default) for p in actual.parameters.values()] == shape


@pytest.mark.parametrize("client_class", [OctopiaClient, MarketplaceClient])
def test_each_client_has_the_token_property(client_class):
    assert isinstance(inspect.getattr_static(client_class, "token"), property)


def test_the_after_sale_protocol_names_every_after_sale_operation():
    assert AFTER_SALE_OPERATIONS == [
        "cancellation_reasons",
        "discussion",
        "discussion_close",
        "discussion_reply",
        "discussions",
        "order_cancel",
        "order_cancellations",
        "order_refund",
        "order_refunds",
        "refund_allowance",
    ]


@pytest.mark.parametrize("client_class", [OctopiaClient, MarketplaceClient])
@pytest.mark.parametrize("name", AFTER_SALE_OPERATIONS)
def test_each_client_implements_each_after_sale_operation_with_the_same_parameters(
    client_class, name
):
    expected = inspect.signature(getattr(AfterSaleClient, name))
    actual = inspect.signature(getattr(client_class, name))
    shape = [(p.name, p.kind, p.default) for p in expected.parameters.values()]
    assert [(p.name, p.kind, p.default) for p in actual.parameters.values()] == shape
