"""Marketplace API orders over SOAP: GetOrderList (§M4), ValidateOrderList and
GetGlobalConfiguration (§M5), read by namespace as a client must."""

import re
from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from .helpers import (
    CDISCOUNT,
    MESSAGES,
    XSI,
    c,
    el,
    marketplace_token,
    read_fault,
    soap_call,
    soap_result,
)

LOGIN = "demo-api"
PARIS = ZoneInfo("Europe/Paris")
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
LINES = [
    {
        "sku": "SKU-1",
        "ean": "3760452700039",
        "quantity": 2,
        "unit_price": "19.90",
        "name": "Bouilloire électrique 1,7 L",
        "shipping_cost": "4.90",
        "additional_shipping_cost": "1.50",
    },
    {
        "sku": "SKU-2",
        "ean": "3760452700046",
        "quantity": 1,
        "unit_price": "12.50",
        "name": "Câble USB-C 2 m",
        "shipping_cost": "2.90",
    },
]
ORDER_MEMBERS = [
    "ArchiveParcelList",
    "BillingAddress",
    "Corporation",
    "CreationDate",
    "Customer",
    "HasClaims",
    "InitialTotalAmount",
    "InitialTotalShippingChargesAmount",
    "IsCLogistiqueOrder",
    "LastUpdatedDate",
    "ModGesLog",
    "ModifiedDate",
    "Offer",
    "OrderLineList",
    "OrderNumber",
    "OrderState",
    "ParcelList",
    "PartnerOrderRef",
    "ShippedTotalAmount",
    "ShippedTotalShippingCharges",
    "ShippingAddress",
    "ShippingCode",
    "ShippingDateMax",
    "ShippingDateMin",
    "SiteCommissionPromisedAmount",
    "SiteCommissionShippedAmount",
    "SiteCommissionValidatedAmount",
    "Status",
    "ValidatedTotalAmount",
    "ValidatedTotalShippingCharges",
    "ValidationStatus",
    "VisaCegid",
    "VoucherList",
]


@pytest.fixture
def token(simulator) -> str:
    return marketplace_token(simulator)


def add(simulator, status: str, lines=LINES, **kwargs) -> str:
    return simulator.state.add_order(
        api="marketplace", seller=LOGIN, status=status, lines=lines, **kwargs
    )


def paris(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M:%S")


def order_filter(
    *,
    begin_creation=None,
    begin_modification=None,
    end_creation=None,
    end_modification=None,
    fetch_lines=True,
    references=(),
    states=(),
    corporation=None,
):
    """An orderFilter with its children in schema order (§M4)."""
    children = []
    if begin_creation:
        children.append(el("BeginCreationDate", text=begin_creation))
    if begin_modification:
        children.append(el("BeginModificationDate", text=begin_modification))
    if corporation:
        children.append(el("CorporationCode", text=corporation))
    if end_creation:
        children.append(el("EndCreationDate", text=end_creation))
    if end_modification:
        children.append(el("EndModificationDate", text=end_modification))
    children.append(el("FetchOrderLines", text="true" if fetch_lines else "false"))
    if references:
        children.append(
            el(
                "OrderReferenceList",
                *[el("string", text=ref, namespace=ARRAYS) for ref in references],
            )
        )
    if states:
        children.append(el("States", *[el("OrderStateEnum", text=s) for s in states]))
    return el("orderFilter", *children)


def window(simulator, days: int = 8) -> dict[str, str]:
    now = simulator.state.now()
    return {
        "begin_modification": paris(now - timedelta(days=days)),
        "end_modification": paris(now + timedelta(minutes=1)),
    }


def get_orders(simulator, token, flt) -> etree._Element:
    response = soap_call(simulator, "GetOrderList", token, flt)
    assert response.status_code == 200, response.text
    return soap_result(response, "GetOrderList")


def orders_of(result) -> list[etree._Element]:
    return result.findall(f"{c('OrderList')}/{c('Order')}")


def numbers(result) -> list[str]:
    return [order.findtext(c("OrderNumber")) for order in orders_of(result)]


def is_nil(element) -> bool:
    return element is not None and element.get(f"{{{XSI}}}nil") == "true"


def success(result) -> bool:
    return result.findtext(f"{{{MESSAGES}}}OperationSuccess") == "true"


# GetOrderList


def test_states_and_modification_dates_filter(simulator, token):
    simulator.state.seed_orders(api="marketplace", seller=LOGIN, count=80, seed=6)
    states = ["WaitingForShipmentAcceptation", "WaitingForSellerAcceptation"]

    result = get_orders(simulator, token, order_filter(states=states, **window(simulator)))

    assert success(result)
    expected = [
        o["order_id"]
        for o in simulator.state.orders_for("marketplace", LOGIN)
        if o["status"] in states
    ]
    assert expected
    assert numbers(result) == expected
    assert {order.findtext(c("OrderState")) for order in orders_of(result)} == set(states)


def test_dates_are_naive_paris_time(simulator, token):
    created = simulator.state.now().replace(microsecond=123456) - timedelta(hours=1)
    order_id = add(simulator, "WaitingForSellerAcceptation", created_at=created)
    states = ["WaitingForSellerAcceptation"]

    def found(begin, end) -> list[str]:
        flt = order_filter(states=states, begin_modification=begin, end_modification=end)
        return numbers(get_orders(simulator, token, flt))

    second = timedelta(seconds=1)
    assert found(paris(created - second), paris(created + second)) == [order_id]
    utc_naive = "%Y-%m-%dT%H:%M:%S"
    assert (
        found((created - second).strftime(utc_naive), (created + second).strftime(utc_naive)) == []
    )
    order = orders_of(
        get_orders(
            simulator,
            token,
            order_filter(
                states=states,
                begin_creation=paris(created - second),
                end_creation=paris(created + second),
            ),
        )
    )[0]
    # Milliseconds come through, as the real service writes them.
    assert order.findtext(c("CreationDate")) == paris(created) + ".123"
    assert order.findtext(c("LastUpdatedDate")) == paris(created) + ".123"


def test_dates_with_an_explicit_offset_are_read_as_such(simulator, token):
    created = simulator.state.now().replace(microsecond=0) - timedelta(hours=1)
    order_id = add(simulator, "WaitingForSellerAcceptation", created_at=created)
    second = timedelta(seconds=1)

    flt = order_filter(
        states=["WaitingForSellerAcceptation"],
        begin_modification=(created - second).astimezone(UTC).isoformat(),
        end_modification=(created + second).astimezone(UTC).isoformat(),
    )

    assert numbers(get_orders(simulator, token, flt)) == [order_id]


def test_dates_without_states_are_ignored_and_the_service_scans(simulator, token):
    order_id = add(simulator, "WaitingForShipmentAcceptation")

    flt = order_filter(
        begin_modification="2020-01-01T00:00:00", end_modification="2020-01-02T00:00:00"
    )

    assert numbers(get_orders(simulator, token, flt)) == [order_id]


def test_a_filter_without_dates_is_a_business_error(simulator, token):
    add(simulator, "WaitingForShipmentAcceptation")

    for flt in (order_filter(states=["WaitingForShipmentAcceptation"]), order_filter()):
        result = get_orders(simulator, token, flt)
        assert not success(result)
        assert "BeginModificationDate" in result.findtext(f"{{{MESSAGES}}}ErrorMessage")
        assert is_nil(result.find(c("OrderList")))


def test_no_date_value_means_no_date(simulator, token):
    flt = order_filter(
        states=["Shipped"],
        begin_modification="0001-01-01T00:00:00",
        end_modification="0001-01-01T00:00:00",
    )

    assert not success(get_orders(simulator, token, flt))


def test_filter_children_out_of_schema_order_are_lost(simulator, token):
    # WCF skips a member that comes after a later one: dates after States are never read.
    add(simulator, "Shipped")
    dates = window(simulator)
    flt = el(
        "orderFilter",
        el("FetchOrderLines", text="true"),
        el("States", el("OrderStateEnum", text="Shipped")),
        el("BeginModificationDate", text=dates["begin_modification"]),
        el("EndModificationDate", text=dates["end_modification"]),
    )

    assert not success(get_orders(simulator, token, flt))


def test_filter_children_in_another_namespace_are_ignored(simulator, token):
    add(simulator, "Shipped")
    dates = window(simulator)
    flt = el(
        "orderFilter",
        el("BeginModificationDate", text=dates["begin_modification"], namespace="urn:other"),
        el("EndModificationDate", text=dates["end_modification"], namespace="urn:other"),
        el("States", el("OrderStateEnum", text="Shipped")),
    )

    assert not success(get_orders(simulator, token, flt))


def test_order_reference_list(simulator, token):
    first = add(simulator, "Shipped")
    add(simulator, "Shipped")
    third = add(simulator, "WaitingForSellerAcceptation")

    flt = order_filter(references=[third, "1911111111NOPE1", first])

    assert sorted(numbers(get_orders(simulator, token, flt))) == sorted([first, third])


def test_orders_of_another_login_are_not_listed(simulator, token):
    simulator.state.add_order(api="marketplace", seller="autre-api", status="Shipped", lines=LINES)
    mine = add(simulator, "Shipped")

    result = get_orders(simulator, token, order_filter(states=["Shipped"], **window(simulator)))

    assert numbers(result) == [mine]


def test_another_corporation_has_no_orders(simulator, token):
    add(simulator, "Shipped")

    flt = order_filter(states=["Shipped"], corporation="CDSBE", **window(simulator))

    assert numbers(get_orders(simulator, token, flt)) == []


def test_fetch_order_lines_false_leaves_lines_out(simulator, token):
    add(simulator, "Shipped")

    flt = order_filter(states=["Shipped"], fetch_lines=False, **window(simulator))

    assert is_nil(orders_of(get_orders(simulator, token, flt))[0].find(c("OrderLineList")))


def test_order_fields_amounts_and_namespaces(simulator, token):
    order_id = add(simulator, "WaitingForShipmentAcceptation")
    record = simulator.state.order("marketplace", order_id)

    result = get_orders(
        simulator,
        token,
        order_filter(states=["WaitingForShipmentAcceptation"], **window(simulator)),
    )
    order = orders_of(result)[0]

    assert [etree.QName(child).localname for child in order] == ORDER_MEMBERS
    assert all(
        etree.QName(element).namespace == CDISCOUNT
        for element in order.iter()
        if isinstance(element.tag, str)
    )
    assert order.findtext(c("OrderNumber")) == order_id
    assert re.fullmatch(r"\d{10}[A-Z0-9]{5}", order_id)
    assert order.findtext(c("OrderState")) == "WaitingForShipmentAcceptation"
    lines = order.findall(f"{c('OrderLineList')}/{c('OrderLine')}")
    assert [line.findtext(c("SellerProductId")) for line in lines] == ["SKU-1", "SKU-2"]
    first = lines[0]
    assert first.findtext(c("ProductEan")) == "3760452700039"
    assert first.findtext(c("Name")) == "Bouilloire électrique 1,7 L"
    assert first.findtext(c("Quantity")) == "2"
    assert Decimal(first.findtext(c("PurchasePrice"))) == Decimal("39.80")  # the line total
    assert Decimal(first.findtext(c("UnitShippingCharges"))) == Decimal("4.90")
    assert Decimal(first.findtext(c("UnitAdditionalShippingCharges"))) == Decimal("1.50")
    assert first.findtext(c("AcceptationState")) == "AcceptedBySeller"
    assert first.findtext(c("ProductCondition")) == "New"
    assert first.findtext(c("RowId")) == "0"
    assert first.findtext(c("Sku"))
    assert is_nil(first.find(c("SkuParent")))
    # 2 × 19.90 + 12.50, shipping 4.90 + 1.50 + 2.90
    assert Decimal(order.findtext(c("ValidatedTotalAmount"))) == Decimal("61.60")
    assert Decimal(order.findtext(c("ValidatedTotalShippingCharges"))) == Decimal("9.30")
    commission = Decimal(order.findtext(c("SiteCommissionValidatedAmount")))
    assert commission == record["commission"] > 0
    assert Decimal(order.findtext(c("SiteCommissionShippedAmount"))) == 0
    address = order.find(c("ShippingAddress"))
    assert address.findtext(c("Street")) == record["customer"]["street"]
    assert address.findtext(c("ZipCode")) == record["customer"]["postal_code"]
    assert address.findtext(c("City")) == record["customer"]["city"]
    assert address.findtext(c("Country")) == "FR"
    assert is_nil(address.find(c("RelayId")))
    customer = order.find(c("Customer"))
    assert customer.findtext(c("LastName")) == record["customer"]["last_name"]
    assert customer.findtext(c("EncryptedEmail")).endswith("@clients.cdiscount.com")
    assert re.fullmatch(r"0[67]\d{8}", customer.findtext(c("MobilePhone")))


def test_unpaid_orders_have_no_address(simulator, token):
    for status in ("WaitingForSellerAcceptation", "AcceptedBySeller", "PaymentInProgress"):
        add(simulator, status)

    result = get_orders(
        simulator,
        token,
        order_filter(
            states=["WaitingForSellerAcceptation", "AcceptedBySeller", "PaymentInProgress"],
            **window(simulator),
        ),
    )

    assert len(orders_of(result)) == 3
    for order in orders_of(result):
        assert is_nil(order.find(c("ShippingAddress")))
        assert is_nil(order.find(c("BillingAddress")))
        assert is_nil(order.find(c("Customer")).find(c("LastName")))


def test_an_order_cancelled_before_payment_has_no_validated_amount(simulator, token):
    order_id = add(simulator, "CancelledByCustomer")

    order = orders_of(
        get_orders(
            simulator, token, order_filter(states=["CancelledByCustomer"], **window(simulator))
        )
    )[0]

    assert order.findtext(c("OrderNumber")) == order_id
    assert order.findtext(c("ValidatedTotalAmount")) == "0"
    assert Decimal(order.findtext(c("InitialTotalAmount"))) == Decimal("61.60")
    address = order.find(c("ShippingAddress"))
    assert is_nil(address.find(c("Street")))
    assert is_nil(address.find(c("FirstName")))
    assert address.findtext(c("ZipCode"))


def test_shipped_orders_with_parcels(simulator, token):
    add(simulator, "Shipped")
    flt = order_filter(states=["Shipped"], **window(simulator))
    flt.insert(list(flt).index(flt.find(c("FetchOrderLines"))) + 1, el("FetchParcels", text="true"))

    order = orders_of(get_orders(simulator, token, flt))[0]

    parcel = order.find(f"{c('ParcelList')}/{c('Parcel')}")
    assert parcel.findtext(c("ParcelNumber"))
    assert order.findtext(c("OrderState")) == "Shipped"
    lines = order.findall(f"{c('OrderLineList')}/{c('OrderLine')}")
    assert {line.findtext(c("AcceptationState")) for line in lines} == {"ShippedBySeller"}


@pytest.mark.parametrize(
    "flt",
    [
        order_filter(states=["Shipped"], begin_modification="27/11/2026", end_modification="x"),
        order_filter(states=["Expédiée"], begin_modification="2026-11-27T00:00:00"),
    ],
)
def test_undeserializable_filters_are_faults(simulator, token, flt):
    response = soap_call(simulator, "GetOrderList", token, flt)

    assert response.status_code == 500
    assert read_fault(response)[1] == "DeserializationFailed"


# ValidateOrderList


def validate_order(
    number, state, skus=("SKU-1", "SKU-2"), line_state=None, carrier=None, tracking=None, url=None
):
    """A ValidateOrder with its children in schema order (§M5)."""
    children = []
    if carrier:
        children.append(el("CarrierName", text=carrier))
    children.append(
        el(
            "OrderLineList",
            *[
                el(
                    "ValidateOrderLine",
                    el("AcceptationState", text=line_state or state),
                    el("ProductCondition", text="New"),
                    el("SellerProductId", text=sku),
                )
                for sku in skus
            ],
        )
    )
    children.append(el("OrderNumber", text=number))
    children.append(el("OrderState", text=state))
    if tracking:
        children.append(el("TrackingNumber", text=tracking))
    if url:
        children.append(el("TrackingUrl", text=url))
    return el("ValidateOrder", *children)


def validate(simulator, token, *orders) -> etree._Element:
    response = soap_call(
        simulator,
        "ValidateOrderList",
        token,
        el("validateOrderListMessage", el("OrderList", *orders)),
    )
    assert response.status_code == 200, response.text
    result = soap_result(response, "ValidateOrderList")
    assert success(result)  # §M5: a refused change still answers OperationSuccess=true
    return result


def outcomes(result) -> list[etree._Element]:
    return result.findall(f"{c('ValidateOrderResults')}/{c('ValidateOrderResult')}")


def errors(outcome) -> list[tuple[str, str]]:
    return [
        (error.findtext(c("ErrorType")), error.findtext(c("Message")))
        for error in outcome.findall(f"{c('Errors')}/{c('Error')}")
    ]


def test_accept(simulator, token):
    order_id = add(simulator, "WaitingForSellerAcceptation")

    result = validate(simulator, token, validate_order(order_id, "AcceptedBySeller"))

    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "true"
    assert outcome.findtext(c("OrderNumber")) == order_id
    assert errors(outcome) == []
    line_results = outcome.findall(
        f"{c('ValidateOrderLineResults')}/{c('ValidateOrderLineResult')}"
    )
    assert [(r.findtext(c("SellerProductId")), r.findtext(c("Updated"))) for r in line_results] == [
        ("SKU-1", "true"),
        ("SKU-2", "true"),
    ]
    assert is_nil(result.find(f"{{{MESSAGES}}}ErrorMessage"))
    order = simulator.state.order("marketplace", order_id)
    assert order["status"] == "AcceptedBySeller"
    assert {line["status"] for line in order["lines"]} == {"AcceptedBySeller"}
    assert order["history"][-1]["cause"] == "seller"


def test_accepted_order_gets_paid_on_the_clock(simulator, token):
    order_id = add(simulator, "WaitingForSellerAcceptation")
    validate(simulator, token, validate_order(order_id, "AcceptedBySeller"))

    simulator.state.advance_clock(simulator.state.payment_delay + 1)

    flt = order_filter(states=["WaitingForShipmentAcceptation"], **window(simulator))
    (order,) = orders_of(get_orders(simulator, token, flt))
    assert order.findtext(c("OrderNumber")) == order_id
    assert not is_nil(order.find(c("ShippingAddress")))


def test_refuse(simulator, token):
    order_id = add(simulator, "WaitingForSellerAcceptation")

    result = validate(simulator, token, validate_order(order_id, "RefusedBySeller"))

    assert outcomes(result)[0].findtext(c("Validated")) == "true"
    assert simulator.state.order("marketplace", order_id)["status"] == "RefusedBySeller"


def test_ship(simulator, token):
    order_id = add(simulator, "WaitingForShipmentAcceptation")
    url = "http://www.colissimo.fr/portail_colissimo/suivre.do?colispart=6A12345678901"

    result = validate(
        simulator,
        token,
        validate_order(
            order_id,
            "Shipped",
            line_state="ShippedBySeller",
            carrier="Colissimo",
            tracking="6A12345678901",
            url=url,
        ),
    )

    assert outcomes(result)[0].findtext(c("Validated")) == "true"
    order = simulator.state.order("marketplace", order_id)
    assert order["status"] == "Shipped"
    assert {line["status"] for line in order["lines"]} == {"ShippedBySeller"}
    assert order["parcels"][0]["parcel_number"] == "6A12345678901"
    assert order["parcels"][0]["carrier_name"] == "Colissimo"
    assert order["parcels"][0]["tracking_url"] == url


def test_ship_without_a_url_uses_the_carrier_default(simulator, token):
    order_id = add(simulator, "WaitingForShipmentAcceptation")

    validate(
        simulator,
        token,
        validate_order(
            order_id, "Shipped", line_state="ShippedBySeller", carrier="DPD", tracking="25012345"
        ),
    )

    assert simulator.state.order("marketplace", order_id)["parcels"][0]["tracking_url"] == (
        "http://www.dpd.fr/traces_25012345"
    )


@pytest.mark.parametrize(
    "status, wanted, line_state",
    [
        ("WaitingForShipmentAcceptation", "AcceptedBySeller", None),
        ("AcceptedBySeller", "AcceptedBySeller", None),
        ("PaymentInProgress", "Shipped", "ShippedBySeller"),
        ("WaitingForSellerAcceptation", "Shipped", "ShippedBySeller"),
        ("AutomaticCancellation", "RefusedBySeller", None),
        ("WaitingForSellerAcceptation", "CancelledByCustomer", "CancelledBeforePaymentByCustomer"),
    ],
)
def test_an_incoherent_change_is_not_validated(simulator, token, status, wanted, line_state):
    order_id = add(simulator, status)

    result = validate(
        simulator,
        token,
        validate_order(
            order_id, wanted, line_state=line_state, carrier="Colissimo", tracking="6A1"
        ),
    )

    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "false"
    ((error_type, message),) = errors(outcome)
    assert error_type == "OrderStateIncoherent"
    assert order_id in message
    assert result.findtext(f"{{{MESSAGES}}}ErrorMessage").startswith(f"{order_id} error: ")
    assert simulator.state.order("marketplace", order_id)["status"] == status


def test_shipping_again_names_the_tracking_number_already_recorded(simulator, token):
    order_id = add(simulator, "WaitingForShipmentAcceptation")
    ship = validate_order(
        order_id, "Shipped", line_state="ShippedBySeller", carrier="Colissimo", tracking="6A111"
    )
    validate(simulator, token, ship)

    result = validate(
        simulator,
        token,
        validate_order(
            order_id, "Shipped", line_state="ShippedBySeller", carrier="Colissimo", tracking="6A222"
        ),
    )

    ((error_type, message),) = errors(outcomes(result)[0])
    assert error_type == "OrderStateIncoherent"
    assert "6A111" in message
    assert len(simulator.state.order("marketplace", order_id)["parcels"]) == 1


def test_a_validation_missing_lines_is_refused(simulator, token):
    order_id = add(simulator, "WaitingForSellerAcceptation")

    result = validate(
        simulator, token, validate_order(order_id, "AcceptedBySeller", skus=["SKU-1"])
    )

    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "false"
    ((_, message),) = errors(outcome)
    assert "SKU-2" in message
    assert simulator.state.order("marketplace", order_id)["status"] == "WaitingForSellerAcceptation"


def test_lines_must_agree_with_the_order_state(simulator, token):
    order_id = add(simulator, "WaitingForSellerAcceptation")

    result = validate(
        simulator, token, validate_order(order_id, "AcceptedBySeller", line_state="RefusedBySeller")
    )

    assert outcomes(result)[0].findtext(c("Validated")) == "false"


def test_shipping_with_an_unknown_carrier_or_no_tracking_number(simulator, token):
    order_id = add(simulator, "WaitingForShipmentAcceptation")

    unknown = validate(
        simulator,
        token,
        validate_order(
            order_id, "Shipped", line_state="ShippedBySeller", carrier="La Poste", tracking="1K1"
        ),
    )
    untracked = validate(
        simulator,
        token,
        validate_order(order_id, "Shipped", line_state="ShippedBySeller", carrier="Colissimo"),
    )

    for result in (unknown, untracked):
        assert outcomes(result)[0].findtext(c("Validated")) == "false"
    assert "La Poste" in errors(outcomes(unknown)[0])[0][1]
    assert simulator.state.order("marketplace", order_id)["status"] == (
        "WaitingForShipmentAcceptation"
    )


def test_a_line_awaiting_cancellation_blocks_the_shipment(simulator, token):
    lines = [LINES[0], {**LINES[1], "status": "CancellationRequestPending"}]
    order_id = add(simulator, "WaitingForShipmentAcceptation", lines=lines)

    result = validate(
        simulator,
        token,
        validate_order(
            order_id, "Shipped", line_state="ShippedBySeller", carrier="Colissimo", tracking="6A1"
        ),
    )

    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "false"
    assert "SKU-2" in errors(outcome)[0][1]


def test_several_orders_in_one_call(simulator, token):
    good = add(simulator, "WaitingForSellerAcceptation")
    bad = add(simulator, "Shipped")

    result = validate(
        simulator,
        token,
        validate_order(good, "AcceptedBySeller"),
        validate_order(bad, "AcceptedBySeller"),
        validate_order("1911111111NOPE1", "AcceptedBySeller"),
    )

    assert [
        (o.findtext(c("OrderNumber")), o.findtext(c("Validated"))) for o in outcomes(result)
    ] == [
        (good, "true"),
        (bad, "false"),
        ("1911111111NOPE1", "false"),
    ]
    summary = result.findtext(f"{{{MESSAGES}}}ErrorMessage")
    assert bad in summary and "1911111111NOPE1" in summary and good not in summary


def test_an_unknown_enum_value_is_a_deserialization_fault(simulator, token):
    order_id = add(simulator, "WaitingForSellerAcceptation")

    response = soap_call(
        simulator,
        "ValidateOrderList",
        token,
        el("validateOrderListMessage", el("OrderList", validate_order(order_id, "Accepted"))),
    )

    assert response.status_code == 500
    assert read_fault(response)[1] == "DeserializationFailed"


# GetGlobalConfiguration


def test_global_configuration_lists_the_carriers(simulator, token):
    result = soap_result(
        soap_call(simulator, "GetGlobalConfiguration", token), "GetGlobalConfiguration"
    )

    carriers = result.findall(f"{c('CarrierList')}/{c('Carrier')}")
    assert [etree.QName(child).localname for child in carriers[0]] == [
        "CarrierId",
        "DefaultURL",
        "Name",
    ]
    by_name = {carrier.findtext(c("Name")): carrier for carrier in carriers}
    for name in (
        "Colissimo",
        "Chronopost",
        "La Poste - Courrier",
        "UPS",
        "DPD",
        "GLS",
        "Mondial Relay",
        "Relais Colis",
        "DHL Express",
    ):
        assert "{0}" in by_name[name].findtext(c("DefaultURL"))
    assert by_name["Colissimo"].findtext(c("DefaultURL")) == (
        "http://www.colissimo.fr/portail_colissimo/suivre.do?colispart={0}"
    )
    assert len({carrier.findtext(c("CarrierId")) for carrier in carriers}) == len(carriers)
