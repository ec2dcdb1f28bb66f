"""MarketplaceClient orders and carriers (§M4, §M5) against mocked HTTP.

The SOAP requests are parsed back and checked element by element, in order.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from channels.cdiscount import (
    Address,
    Carrier,
    Order,
    OrderLine,
    _marketplace_parse,
    errors,
    marketplace,
)
from tests.cdiscount.support import TokenLog, assert_no_secret
from tests.cdiscount.test_marketplace_client import (
    INTERNAL_FAULT,
    NEW_TOKEN,
    NS_CD,
    NS_MSG,
    NS_SOAP,
    NS_XSI,
    OLD_TOKEN,
    SECRETS,
    SOAP_URL,
    TOKEN_FAULT,
    TOKEN_URL,
    add_soap,
    add_token_ok,
    assert_soap_request,
    children,
    make_client,
    q,
)

NS_ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


# -- answers ----------------------------------------------------------------------------------


def result_envelope(operation, body, success="true", error_message=None):
    message = (
        f'<ErrorMessage xmlns="{NS_MSG}">{error_message}</ErrorMessage>'
        if error_message
        else f'<ErrorMessage i:nil="true" xmlns="{NS_MSG}"/>'
    )
    return f"""<s:Envelope xmlns:s="{NS_SOAP}"><s:Body>
<{operation}Response xmlns="{NS_CD}">
<{operation}Result xmlns:i="{NS_XSI}">
{message}
<OperationSuccess xmlns="{NS_MSG}">{success}</OperationSuccess>
<ErrorList/>
<SellerLogin>acmemaison</SellerLogin>
<TokenId>{OLD_TOKEN}</TokenId>
{body}
</{operation}Result>
</{operation}Response>
</s:Body></s:Envelope>"""


def order_list(*orders):
    return result_envelope("GetOrderList", f"<OrderList>{''.join(orders)}</OrderList>")


NIL_ADDRESS = '<{tag} i:nil="true"/>'

PAID_ORDER_XML = """<Order>
<ArchiveParcelList>false</ArchiveParcelList>
<BillingAddress>
<Address1>12 rue de l'Église</Address1><Address2 i:nil="true"/><ApartmentNumber i:nil="true"/>
<Building i:nil="true"/><City>Besançon</City><Civility>MRS</Civility>
<CompanyName i:nil="true"/><Country>FR</Country><County i:nil="true"/>
<FirstName>Élodie</FirstName><Instructions i:nil="true"/><LastName>Lefèvre</LastName>
<PlaceName i:nil="true"/><RelayId i:nil="true"/><Street>12 rue de l'Église</Street>
<ZipCode>25000</ZipCode>
</BillingAddress>
<CreationDate>2026-07-14T10:30:00.123</CreationDate>
<Customer>
<Civility>MRS</Civility><CustomerId>70123456</CustomerId><Email i:nil="true"/>
<EncryptedEmail>elodie-lefevre-1a2b3c@marketplace.cdiscount.com</EncryptedEmail>
<FirstName>Élodie</FirstName><LastName>Lefèvre</LastName>
<MobilePhone>0612345678</MobilePhone><Phone>0477123456</Phone>
</Customer>
<HasClaims>false</HasClaims>
<InitialTotalAmount>78.70</InitialTotalAmount>
<InitialTotalShippingChargesAmount>7.40</InitialTotalShippingChargesAmount>
<IsCLogistiqueOrder>false</IsCLogistiqueOrder>
<LastUpdatedDate>2026-07-14T11:02:45.67</LastUpdatedDate>
<ModifiedDate>2026-07-14T11:02:45.67</ModifiedDate>
<Offer i:nil="true"/>
<OrderLineList>
<OrderLine>
<AcceptationState>AcceptedBySeller</AcceptationState><CategoryCode>0R0E0A</CategoryCode>
<DeliveryDateMax>2026-07-18T00:00:00</DeliveryDateMax><HasClaim>false</HasClaim>
<InitialPrice>19.90</InitialPrice><IsCDAV>false</IsCDAV>
<Name>Thé vert bio Sencha – sachet 100 g</Name><ProductCondition>New</ProductCondition>
<ProductEan>3760452700039</ProductEan><ProductId>THE0123456789</ProductId>
<PurchasePrice>39.80</PurchasePrice><Quantity>2</Quantity><RowId>0</RowId>
<SellerProductId>THE-VERT-BIO-100G</SellerProductId>
<ShippingDateMax>2026-07-16T00:00:00</ShippingDateMax><Sku>THE0123456789</Sku>
<SkuParent i:nil="true"/>
<UnitAdditionalShippingCharges>0.00</UnitAdditionalShippingCharges>
<UnitShippingCharges>2.45</UnitShippingCharges>
</OrderLine>
<OrderLine>
<AcceptationState>AcceptedBySeller</AcceptationState>
<Name>Tasse en grès émaillé 35 cl</Name><ProductCondition>New</ProductCondition>
<ProductEan>3760452700046</ProductEan><PurchasePrice>25.00</PurchasePrice>
<Quantity>3</Quantity><RowId>1</RowId><SellerProductId>TASSE-GRES-35CL</SellerProductId>
<Sku>TAS3760452700046</Sku>
<UnitAdditionalShippingCharges>1.00</UnitAdditionalShippingCharges>
<UnitShippingCharges>0.50</UnitShippingCharges>
</OrderLine>
<OrderLine>
<AcceptationState>AcceptedBySeller</AcceptationState>
<Name>Tasse en grès émaillé 35 cl (reconditionnée)</Name>
<ProductCondition>GoodState</ProductCondition><ProductEan i:nil="true"/>
<PurchasePrice>6.50</PurchasePrice><Quantity>1</Quantity><RowId>2</RowId>
<SellerProductId>TASSE-GRES-35CL</SellerProductId><Sku>TAS3760452700046</Sku>
<UnitAdditionalShippingCharges>0</UnitAdditionalShippingCharges>
<UnitShippingCharges>0</UnitShippingCharges>
</OrderLine>
</OrderLineList>
<OrderNumber>2607141030K7QXZ</OrderNumber>
<OrderState>WaitingForShipmentAcceptation</OrderState>
<ParcelList i:nil="true"/>
<ShippedTotalAmount>0</ShippedTotalAmount>
<ShippingAddress>
<Address1>Résidence Les Tilleuls</Address1><Address2 i:nil="true"/>
<ApartmentNumber>Appt 21</ApartmentNumber><Building>Bât. C</Building>
<City>Saint-Étienne</City><Civility>MRS</Civility>
<CompanyName>Fromagerie Lefèvre &amp; Fils</CompanyName><Country>FR</Country>
<County i:nil="true"/><FirstName>Élodie</FirstName>
<Instructions>Digicode 4512B, sonner « Lefèvre »</Instructions><LastName>Lefèvre</LastName>
<PlaceName>Lieu-dit Le Moulin</PlaceName><RelayId i:nil="true"/>
<Street>4 chemin des Prés-Fleuris</Street><ZipCode>42000</ZipCode>
</ShippingAddress>
<ShippingCode>Tracked</ShippingCode>
<ShippingDateMax>2026-07-16T00:00:00</ShippingDateMax>
<SiteCommissionValidatedAmount>9.45</SiteCommissionValidatedAmount>
<Status>Paid</Status>
<ValidatedTotalAmount>78.70</ValidatedTotalAmount>
<ValidatedTotalShippingCharges>7.40</ValidatedTotalShippingCharges>
<ValidationStatus>None</ValidationStatus>
</Order>"""

# §M4: cancelled before payment, total 0 and mostly nil addresses.
CANCELLED_ORDER_XML = """<Order>
<BillingAddress>
<Address1 i:nil="true"/><Address2 i:nil="true"/><City i:nil="true"/><Civility>None</Civility>
<Country>FR</Country><FirstName i:nil="true"/><LastName i:nil="true"/><Street i:nil="true"/>
<ZipCode i:nil="true"/>
</BillingAddress>
<CreationDate>2026-01-15T09:00:00</CreationDate>
<Customer i:nil="true"/>
<LastUpdatedDate>2026-01-15T21:17:03.5</LastUpdatedDate>
<OrderLineList>
<OrderLine>
<AcceptationState>CancelledByCustomer</AcceptationState><Name>Miel d'acacia 500 g</Name>
<ProductCondition>New</ProductCondition><ProductEan>3760452700060</ProductEan>
<PurchasePrice>19.90</PurchasePrice><Quantity>2</Quantity>
<SellerProductId>MIEL-ACACIA-500G</SellerProductId>
<UnitAdditionalShippingCharges>0</UnitAdditionalShippingCharges>
<UnitShippingCharges>3.90</UnitShippingCharges>
</OrderLine>
</OrderLineList>
<OrderNumber>2601150900M2PLR</OrderNumber>
<OrderState>CancelledByCustomer</OrderState>
<ShippingAddress i:nil="true"/>
<ShippingDateMax>0001-01-01T00:00:00</ShippingDateMax>
<SiteCommissionValidatedAmount i:nil="true"/>
<ValidatedTotalAmount>0</ValidatedTotalAmount>
<ValidatedTotalShippingCharges>0</ValidatedTotalShippingCharges>
</Order>"""


def small_order(number, state="WaitingForShipmentAcceptation", updated="2026-07-14T11:02:45"):
    return f"""<Order>
<BillingAddress i:nil="true"/><CreationDate>2026-07-14T10:30:00</CreationDate>
<Customer i:nil="true"/><LastUpdatedDate>{updated}</LastUpdatedDate>
<OrderLineList><OrderLine>
<AcceptationState>AcceptedBySeller</AcceptationState><ProductCondition>New</ProductCondition>
<PurchasePrice>9.90</PurchasePrice><Quantity>1</Quantity>
<SellerProductId>MIEL-ACACIA-500G</SellerProductId>
<UnitShippingCharges>3.90</UnitShippingCharges>
</OrderLine></OrderLineList>
<OrderNumber>{number}</OrderNumber><OrderState>{state}</OrderState>
<ShippingAddress i:nil="true"/>
</Order>"""


def validate_response(number="2607141030K7QXZ", validated="true", errors_xml="", line_xml=""):
    line_xml = line_xml or (
        "<ValidateOrderLineResult><Errors/><SellerProductId>THE-VERT-BIO-100G</SellerProductId>"
        "<Updated>true</Updated></ValidateOrderLineResult>"
    )
    return result_envelope(
        "ValidateOrderList",
        f"<ValidateOrderResults><ValidateOrderResult><Errors>{errors_xml}</Errors>"
        f"<OrderNumber>{number}</OrderNumber>"
        f"<ValidateOrderLineResults>{line_xml}</ValidateOrderLineResults>"
        f"<Validated>{validated}</Validated><Warnings/></ValidateOrderResult>"
        "</ValidateOrderResults>",
    )


# -- reading requests back --------------------------------------------------------------------


def local(element):
    return etree.QName(element).localname


def order_filter_of(request, token=OLD_TOKEN):
    """The orderFilter as [(tag, text)], after checking the envelope (§M2) and its place."""
    call = assert_soap_request(request, token, operation="GetOrderList")
    header, order_filter = children(call)
    assert order_filter.tag == q(NS_CD, "orderFilter")
    return order_filter


def filter_fields(order_filter):
    fields = []
    for child in children(order_filter):
        assert child.tag == q(NS_CD, local(child))  # every field in the cdiscount namespace
        if local(child) in ("States", "OrderReferenceList"):
            fields.append((local(child), None))
        else:
            assert children(child) == []
            fields.append((local(child), child.text))
    return fields


def window_of(request, token=OLD_TOKEN):
    fields = dict(filter_fields(order_filter_of(request, token)))
    return (
        fields["BeginCreationDate"],
        fields["BeginModificationDate"],
        fields["EndCreationDate"],
        fields["EndModificationDate"],
    )


def states_of(order_filter):
    (states,) = [child for child in children(order_filter) if local(child) == "States"]
    assert all(child.tag == q(NS_CD, "OrderStateEnum") for child in children(states))
    return [child.text for child in children(states)]


def validate_order_of(request, token=OLD_TOKEN):
    call = assert_soap_request(request, token, operation="ValidateOrderList")
    header, message = children(call)
    assert message.tag == q(NS_CD, "validateOrderListMessage")
    (order_list_element,) = children(message)
    assert order_list_element.tag == q(NS_CD, "OrderList")
    (validate,) = children(order_list_element)
    assert validate.tag == q(NS_CD, "ValidateOrder")
    for element in validate.iter():
        assert etree.QName(element).namespace == NS_CD
    return validate


def validate_fields(validate):
    fields = []
    for child in children(validate):
        if local(child) == "OrderLineList":
            lines = [
                [(local(field), field.text) for field in children(line)] for line in children(child)
            ]
            assert all(local(line) == "ValidateOrderLine" for line in children(child))
            fields.append(("OrderLineList", lines))
        else:
            fields.append((local(child), child.text))
    return fields


# -- list_orders: the request -----------------------------------------------------------------


def test_list_orders_sends_one_filter_per_day_in_the_m4_order(rsps):
    add_soap(rsps, order_list(PAID_ORDER_XML))

    orders = list(
        make_client().list_orders(
            updated_from=paris(2026, 7, 14, 8, 0), updated_to=paris(2026, 7, 14, 12, 0)
        )
    )

    assert [order.order_id for order in orders] == ["2607141030K7QXZ"]
    (call,) = rsps.calls
    order_filter = order_filter_of(call.request)
    assert filter_fields(order_filter) == [
        ("BeginCreationDate", "2026-05-15T08:00:00"),  # 60 days before the window
        ("BeginModificationDate", "2026-07-14T08:00:00"),
        ("EndCreationDate", "2026-07-14T12:00:00"),
        ("EndModificationDate", "2026-07-14T12:00:00"),
        ("FetchOrderLines", "true"),
        ("FetchParcels", "false"),
        ("States", None),
    ]
    assert states_of(order_filter) == list(marketplace.ORDER_STATES)
    assert states_of(order_filter)[:10] == [
        "WaitingForSellerAcceptation",
        "AcceptedBySeller",
        "PaymentInProgress",
        "WaitingForShipmentAcceptation",
        "Shipped",
        "CancelledByCustomer",
        "RefusedBySeller",
        "AutomaticCancellation",
        "PaymentRefused",
        "ShipmentRefusedBySeller",
    ]


def test_list_orders_dates_are_paris_time_from_any_zone(rsps):
    add_soap(rsps, order_list())
    list(
        make_client().list_orders(
            updated_from=datetime(2026, 1, 15, 7, 59, 59, 500_000, tzinfo=UTC),
            updated_to=datetime(2026, 1, 15, 11, 0, 0, 1, tzinfo=UTC),
            statuses=["WaitingForShipmentAcceptation", "WaitingForSellerAcceptation"],
        )
    )
    order_filter = order_filter_of(rsps.calls[0].request)
    assert window_of(rsps.calls[0].request) == (
        "2025-11-16T08:59:59",
        "2026-01-15T08:59:59",  # winter: UTC+1; whole seconds, rounded outwards
        "2026-01-15T12:00:01",
        "2026-01-15T12:00:01",
    )
    assert states_of(order_filter) == [
        "WaitingForShipmentAcceptation",
        "WaitingForSellerAcceptation",
    ]


@pytest.mark.parametrize(
    ("updated_from", "updated_to", "windows"),
    [
        # 2026-03-29 02:00 Paris does not exist: that wall-clock day lasts 23 hours.
        pytest.param(
            paris(2026, 3, 28, 0, 0),
            paris(2026, 3, 30, 12, 0),
            [
                (
                    "2026-01-27T00:00:00",
                    "2026-03-28T00:00:00",
                    "2026-03-29T00:00:00",
                    "2026-03-29T00:00:00",
                ),
                (
                    "2026-01-28T00:00:00",
                    "2026-03-29T00:00:00",
                    "2026-03-30T00:00:00",
                    "2026-03-30T00:00:00",
                ),
                (
                    "2026-01-28T23:00:00",
                    "2026-03-30T00:00:00",
                    "2026-03-30T12:00:00",
                    "2026-03-30T12:00:00",
                ),
            ],
            id="start-of-summer-time",
        ),
        # 24 real hours after 2026-10-24 12:00 CEST is 2026-10-25 11:00 CET.
        pytest.param(
            paris(2026, 10, 24, 12, 0),
            paris(2026, 10, 26, 6, 0),
            [
                (
                    "2026-08-25T12:00:00",
                    "2026-10-24T12:00:00",
                    "2026-10-25T11:00:00",
                    "2026-10-25T11:00:00",
                ),
                (
                    "2026-08-26T12:00:00",
                    "2026-10-25T11:00:00",
                    "2026-10-26T06:00:00",
                    "2026-10-26T06:00:00",
                ),
            ],
            id="end-of-summer-time",
        ),
    ],
)
def test_windows_across_a_change_of_summer_time(rsps, updated_from, updated_to, windows):
    for _ in windows:
        add_soap(rsps, order_list())

    list(make_client().list_orders(updated_from=updated_from, updated_to=updated_to))

    assert [window_of(call.request) for call in rsps.calls] == windows


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 02:30 Paris: skipped the next night
        datetime(2026, 10, 24, 0, 30, tzinfo=UTC),  # 02:30 Paris: repeated the next night
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # inside the repeated hour
    ],
)
def test_every_window_is_at_most_a_day_in_real_and_in_paris_time(start):
    end = start + timedelta(days=9, hours=5)
    windows = list(marketplace.order_windows(start, end))
    assert windows[0][0] == start
    assert windows[-1][1] == end
    for (_, a_end), (b_start, _) in zip(windows, windows[1:], strict=False):
        assert a_end == b_start  # contiguous: nothing falls between two windows
    for window_start, window_end in windows:
        assert timedelta(0) < window_end - window_start <= timedelta(days=1)
        wall = [
            moment.astimezone(PARIS).replace(tzinfo=None) for moment in (window_start, window_end)
        ]
        assert wall[1] - wall[0] <= timedelta(days=1)
    assert len(windows) <= 11


def test_an_empty_range_is_one_call():
    moment = datetime(2026, 7, 14, 8, 0, tzinfo=UTC)
    assert list(marketplace.order_windows(moment, moment)) == [(moment, moment)]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"updated_from": datetime(2026, 7, 14, 8, 0)}, ValueError),
        ({"updated_from": paris(2026, 7, 15, 8, 0)}, ValueError),
        ({"statuses": []}, ValueError),
        ({"statuses": "Shipped"}, TypeError),
    ],
    ids=["naive", "reversed", "no-state", "string-state"],
)
def test_list_orders_checks_its_arguments_before_any_call(rsps, kwargs, error):
    arguments = {
        "updated_from": paris(2026, 7, 14, 8, 0),
        "updated_to": paris(2026, 7, 14, 12, 0),
        **kwargs,
    }
    with pytest.raises(error):
        make_client().list_orders(**arguments)
    assert len(rsps.calls) == 0


# -- list_orders: windows, dedupe, laziness ---------------------------------------------------


def test_an_order_in_two_windows_is_yielded_once_per_call(rsps):
    first = order_list(small_order("A1"), small_order("B2"))
    second = order_list(small_order("B2", updated="2026-07-15T10:00:00"), small_order("C3"))
    add_soap(rsps, first)
    add_soap(rsps, second)
    add_soap(rsps, first)
    add_soap(rsps, second)
    client = make_client()
    window = {"updated_from": paris(2026, 7, 14, 10, 0), "updated_to": paris(2026, 7, 15, 11, 0)}

    listing = client.list_orders(**window)
    assert len(rsps.calls) == 0
    assert next(listing).order_id == "A1"
    assert len(rsps.calls) == 1  # one window's answer at a time
    rest = [order.order_id for order in listing]

    assert rest == ["B2", "C3"]
    assert len(rsps.calls) == 2
    # A new call starts afresh.
    assert [order.order_id for order in client.list_orders(**window)] == ["A1", "B2", "C3"]


def test_token_fault_mid_listing_is_renewed_once_and_the_listing_continues(rsps):
    add_soap(rsps, order_list(small_order("A1")))
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, order_list(small_order("B2")))
    received = TokenLog()
    client = make_client(token_store=received)

    orders = list(
        client.list_orders(
            updated_from=paris(2026, 7, 13, 10, 0), updated_to=paris(2026, 7, 14, 12, 0)
        )
    )

    assert [order.order_id for order in orders] == ["A1", "B2"]
    assert [(c.request.method, c.request.url) for c in rsps.calls] == [
        ("POST", SOAP_URL),
        ("POST", SOAP_URL),
        ("GET", TOKEN_URL),
        ("POST", SOAP_URL),
    ]
    # The retry asks for the same window, with the new token.
    retried = window_of(rsps.calls[3].request, NEW_TOKEN)
    assert window_of(rsps.calls[1].request, OLD_TOKEN) == retried
    assert retried[1] == "2026-07-14T10:00:00"
    assert [token.value for token in received] == [NEW_TOKEN]


GARBLED = order_list(small_order("B2")).replace("</s:Envelope>", "")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"body": "", "status": 429, "headers": {"Retry-After": "120"}}, errors.RateLimitError),
        (
            {
                "body": INTERNAL_FAULT,
                "status": 500,
            },
            errors.ServerError,
        ),
        (
            {
                "body": "<html>Service Unavailable</html>",
                "status": 503,
                "content_type": "text/html",
            },
            errors.ServerError,
        ),
        ({"body": GARBLED}, errors.MalformedResponseError),
        ({"body": result_envelope("GetOrderList", "")}, errors.MalformedResponseError),
        (
            {"body": order_list(small_order("B2").replace("<OrderNumber>B2</OrderNumber>", ""))},
            errors.MalformedResponseError,
        ),
        (
            {
                "body": order_list(
                    small_order("B2")
                    .replace("<OrderState>", "<Other>")
                    .replace("</OrderState>", "</Other>")
                )
            },
            errors.MalformedResponseError,
        ),
        (
            {"body": order_list(small_order("B2").replace("9.90", "neuf euros"))},
            errors.MalformedResponseError,
        ),
        (
            {
                "body": order_list(
                    small_order("B2").replace(
                        "<SellerProductId>MIEL-ACACIA-500G</SellerProductId>", ""
                    )
                )
            },
            errors.MalformedResponseError,
        ),
        (
            {"body": order_list(small_order("B2", updated="mardi"))},
            errors.MalformedResponseError,
        ),
        (
            {
                "body": result_envelope(
                    "GetOrderList",
                    "<OrderList/>",
                    success="false",
                    error_message="La plage de dates est trop grande",
                )
            },
            errors.RejectedError,
        ),
    ],
    ids=[
        "429",
        "500-fault",
        "503-html",
        "garbled",
        "no-order-list",
        "no-order-number",
        "no-order-state",
        "bad-price",
        "line-without-seller-product-id",
        "bad-date",
        "operation-failed",
    ],
)
def test_failures_mid_listing_raise_the_right_error(rsps, answer, error, cdiscount_logs):
    add_soap(rsps, order_list(small_order("A1")))
    add_soap(rsps, **answer)
    seen = []
    with pytest.raises(error) as caught:
        for order in make_client().list_orders(
            updated_from=paris(2026, 7, 13, 10, 0), updated_to=paris(2026, 7, 14, 12, 0)
        ):
            seen.append(order.order_id)
    assert seen == ["A1"]
    assert len(rsps.calls) == 2  # no in-process retry
    if error is errors.RateLimitError:
        assert caught.value.retry_after == 120.0
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_a_nil_order_list_is_no_orders(rsps):
    add_soap(rsps, result_envelope("GetOrderList", '<OrderList i:nil="true"/>'))
    assert (
        list(
            make_client().list_orders(
                updated_from=paris(2026, 7, 14, 8, 0), updated_to=paris(2026, 7, 14, 9, 0)
            )
        )
        == []
    )


# -- mapping ----------------------------------------------------------------------------------


def list_one(rsps, order_xml):
    add_soap(rsps, order_list(order_xml))
    (order,) = make_client().list_orders(
        updated_from=paris(2026, 7, 14, 8, 0), updated_to=paris(2026, 7, 14, 12, 0)
    )
    return order


def test_a_paid_order_is_mapped_field_by_field(rsps):
    order = list_one(rsps, PAID_ORDER_XML)

    assert replace(order, raw_payload="") == Order(
        order_id="2607141030K7QXZ",
        reference="2607141030K7QXZ",
        status="WaitingForShipmentAcceptation",
        paid=True,
        awaiting_acceptance=False,
        closed=False,
        # Summer: Paris is UTC+2.
        created_at=datetime(2026, 7, 14, 8, 30, 0, 123000, tzinfo=UTC),
        updated_at=datetime(2026, 7, 14, 9, 2, 45, 670000, tzinfo=UTC),
        ship_by=datetime(2026, 7, 15, 22, 0, tzinfo=UTC),
        currency="EUR",
        customer_name="Élodie Lefèvre",
        billing_address=Address(
            civility="MRS",
            first_name="Élodie",
            last_name="Lefèvre",
            company_name=None,
            line1="12 rue de l'Église",  # Street and Address1 repeat each other
            line2=None,
            postal_code="25000",
            city="Besançon",
            country_code="FR",
            phone="0612345678",
            email="elodie-lefevre-1a2b3c@marketplace.cdiscount.com",
            instructions=None,
            relay_id=None,
        ),
        shipping_address=Address(
            civility="MRS",
            first_name="Élodie",
            last_name="Lefèvre",
            company_name="Fromagerie Lefèvre & Fils",
            line1="4 chemin des Prés-Fleuris",
            line2="Résidence Les Tilleuls, Bât. C, Appt 21, Lieu-dit Le Moulin",
            postal_code="42000",
            city="Saint-Étienne",
            country_code="FR",
            phone="0612345678",
            email="elodie-lefevre-1a2b3c@marketplace.cdiscount.com",
            instructions="Digicode 4512B, sonner « Lefèvre »",
            relay_id=None,
        ),
        total_amount=Decimal("78.70"),
        shipping_total=Decimal("7.40"),
        commission=Decimal("9.45"),
        lines=(
            OrderLine(
                line_id="THE-VERT-BIO-100G",
                sku="THE-VERT-BIO-100G",
                ean="3760452700039",
                name="Thé vert bio Sencha – sachet 100 g",
                quantity=2,
                unit_price=Decimal("19.90"),  # PurchasePrice is the line total (§M4)
                total_price=Decimal("39.80"),
                shipping_cost=Decimal("4.90"),  # 2.45 × 2 + 0.00
                status="AcceptedBySeller",
                seller_fulfilled=True,
                condition="New",
            ),
            OrderLine(
                line_id="TASSE-GRES-35CL",
                sku="TASSE-GRES-35CL",
                ean="3760452700046",
                name="Tasse en grès émaillé 35 cl",
                quantity=3,
                unit_price=Decimal("8.33"),
                total_price=Decimal("25.00"),
                shipping_cost=Decimal("2.50"),  # 0.50 × 3 + 1.00
                status="AcceptedBySeller",
                seller_fulfilled=True,
                condition="New",
            ),
            OrderLine(
                line_id="TASSE-GRES-35CL#2",  # the same product on a second line
                sku="TASSE-GRES-35CL",
                ean=None,
                name="Tasse en grès émaillé 35 cl (reconditionnée)",
                quantity=1,
                unit_price=Decimal("6.50"),
                total_price=Decimal("6.50"),
                shipping_cost=Decimal("0"),
                status="AcceptedBySeller",
                seller_fulfilled=True,
                condition="GoodState",
            ),
        ),
        raw_payload="",
    )
    # The Order element's XML, for support: parseable, by namespace, unknown fields kept.
    raw = etree.fromstring(order.raw_payload.encode())
    assert raw.tag == q(NS_CD, "Order")
    assert raw.findtext(q(NS_CD, "ShippingCode")) == "Tracked"
    assert raw.findtext(f"{q(NS_CD, 'ShippingAddress')}/{q(NS_CD, 'City')}") == "Saint-Étienne"
    assert OLD_TOKEN not in order.raw_payload


def test_an_order_cancelled_before_payment(rsps):
    order = list_one(rsps, CANCELLED_ORDER_XML)
    assert order.status == "CancelledByCustomer"
    assert (order.paid, order.awaiting_acceptance, order.closed) == (False, False, True)
    assert order.billing_address is None  # only Country and Civility "None": nothing to ship to
    assert order.shipping_address is None
    assert order.customer_name is None
    assert order.ship_by is None  # 0001-01-01T00:00:00
    assert order.created_at == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # winter: UTC+1
    assert order.updated_at == datetime(2026, 1, 15, 20, 17, 3, 500000, tzinfo=UTC)
    assert order.total_amount == Decimal("0")
    assert order.shipping_total == Decimal("0")
    assert order.commission is None
    (line,) = order.lines
    assert (line.quantity, line.unit_price, line.shipping_cost) == (
        2,
        Decimal("9.95"),
        Decimal("7.80"),
    )
    assert line.status == "CancelledByCustomer"


def test_totals_fall_back_to_the_lines(rsps):
    order = list_one(
        rsps,
        PAID_ORDER_XML.replace("<ValidatedTotalAmount>78.70</ValidatedTotalAmount>", "")
        .replace("<ValidatedTotalShippingCharges>7.40</ValidatedTotalShippingCharges>", "")
        .replace("<SiteCommissionValidatedAmount>9.45</SiteCommissionValidatedAmount>", ""),
    )
    assert order.total_amount == Decimal("78.70")
    assert order.shipping_total == Decimal("7.40")
    assert order.commission is None


def test_address_parts_fold_into_two_lines(rsps):
    shipping = """<ShippingAddress>
<Address1 i:nil="true"/><Address2>Chez M. Dupré</Address2><ApartmentNumber i:nil="true"/>
<Building>Résidence du Parc</Building><City>Pointe-à-Pitre</City><Civility>MR</Civility>
<Country>GP</Country><FirstName>Jérôme</FirstName><LastName>Dupré</LastName>
<PlaceName i:nil="true"/><RelayId>012345</RelayId><Street i:nil="true"/>
<ZipCode>97110</ZipCode>
</ShippingAddress>"""
    xml = PAID_ORDER_XML.split("<ShippingAddress>")[0] + shipping
    xml += PAID_ORDER_XML.split("</ShippingAddress>")[1]
    order = list_one(rsps, xml)
    address = order.shipping_address
    assert (address.line1, address.line2) == ("Chez M. Dupré", "Résidence du Parc")
    assert (address.country_code, address.relay_id, address.civility) == ("GP", "012345", "MR")


def test_response_is_read_by_namespace_not_by_prefix(rsps):
    body = (
        order_list(small_order("A1"))
        .replace("<OrderList>", f'<c:OrderList xmlns:c="{NS_CD}">')
        .replace("</OrderList>", "</c:OrderList>")
        .replace("<Order>", "<c:Order>")
        .replace("</Order>", "</c:Order>")
        .replace("<OrderNumber>", "<c:OrderNumber>")
        .replace("</OrderNumber>", "</c:OrderNumber>")
    )
    add_soap(rsps, body)
    (order,) = make_client().list_orders(
        updated_from=paris(2026, 7, 14, 8, 0), updated_to=paris(2026, 7, 14, 12, 0)
    )
    assert order.order_id == "A1"


def test_an_order_in_another_namespace_is_not_read(rsps):
    body = order_list(small_order("A1").replace("<Order>", '<Order xmlns="urn:other">'))
    add_soap(rsps, body)
    assert (
        list(
            make_client().list_orders(
                updated_from=paris(2026, 7, 14, 8, 0), updated_to=paris(2026, 7, 14, 12, 0)
            )
        )
        == []
    )


FLAGS = {
    # state: (paid, awaiting_acceptance, closed), per §M4
    "WaitingForSellerAcceptation": (False, True, False),
    "AcceptedBySeller": (False, False, False),
    "PaymentInProgress": (False, False, False),
    "WaitingForShipmentAcceptation": (True, False, False),
    "Shipped": (True, False, True),
    "CancelledByCustomer": (False, False, True),
    "RefusedBySeller": (False, False, True),
    "AutomaticCancellation": (False, False, True),
    "PaymentRefused": (False, False, True),
    "ShipmentRefusedBySeller": (False, False, True),
    "ValidatedFianet": (False, False, False),
    "BeingValidatedFianet": (False, False, False),
}


def test_every_state_is_covered():
    assert set(FLAGS) == set(marketplace.ORDER_STATES)


@pytest.mark.parametrize(
    ("state", "flags"), [*FLAGS.items(), ("BlockedFraudSuspicion", (False, False, False))]
)
def test_paid_awaiting_closed_for_every_state(rsps, state, flags):
    order = list_one(rsps, small_order("A1", state=state))
    assert order.status == state
    assert (order.paid, order.awaiting_acceptance, order.closed) == flags


# -- get_order --------------------------------------------------------------------------------


def test_get_order_asks_by_order_reference(rsps):
    add_soap(rsps, order_list(PAID_ORDER_XML))
    before = datetime.now(UTC)

    order = make_client().get_order("2607141030K7QXZ")

    assert order.order_id == "2607141030K7QXZ"
    order_filter = order_filter_of(rsps.calls[0].request)
    fields = filter_fields(order_filter)
    assert [name for name, _ in fields] == [
        "BeginCreationDate",
        "BeginModificationDate",
        "EndCreationDate",
        "EndModificationDate",
        "FetchOrderLines",
        "FetchParcels",
        "OrderReferenceList",
        "States",
    ]
    values = dict(fields)
    assert (values["FetchOrderLines"], values["FetchParcels"]) == ("true", "false")
    now_in_paris = before.astimezone(PARIS).replace(tzinfo=None)
    for name in ("BeginCreationDate", "BeginModificationDate"):
        assert datetime.fromisoformat(values[name]) < now_in_paris - timedelta(days=90)
    for name in ("EndCreationDate", "EndModificationDate"):
        assert datetime.fromisoformat(values[name]) > now_in_paris
    (references,) = [c for c in children(order_filter) if local(c) == "OrderReferenceList"]
    assert [(c.tag, c.text) for c in children(references)] == [
        (q(NS_ARRAYS, "string"), "2607141030K7QXZ")
    ]
    assert states_of(order_filter) == list(marketplace.ORDER_STATES)


def test_get_order_unknown_is_rejected(rsps):
    add_soap(rsps, order_list())
    with pytest.raises(errors.RejectedError, match="NOPE"):
        make_client().get_order("NOPE")


def test_get_order_skips_other_orders(rsps):
    add_soap(rsps, order_list(small_order("OTHER"), small_order("MINE")))
    assert make_client().get_order("MINE").order_id == "MINE"


# -- accept / refuse / ship -------------------------------------------------------------------


def paid_order():
    return _marketplace_parse.read_order(
        etree.fromstring(
            f'<Order xmlns="{NS_CD}" xmlns:i="{NS_XSI}">' + PAID_ORDER_XML.removeprefix("<Order>")
        )
    )


def expected_lines(first, second, third):
    return [
        [
            ("AcceptationState", first),
            ("ProductCondition", "New"),
            ("SellerProductId", "THE-VERT-BIO-100G"),
        ],
        [
            ("AcceptationState", second),
            ("ProductCondition", "New"),
            ("SellerProductId", "TASSE-GRES-35CL"),
        ],
        [
            ("AcceptationState", third),
            ("ProductCondition", "GoodState"),
            ("SellerProductId", "TASSE-GRES-35CL"),
        ],
    ]


@pytest.mark.parametrize(
    ("method", "state"), [("accept_order", "AcceptedBySeller"), ("refuse_order", "RefusedBySeller")]
)
def test_accept_and_refuse_send_every_line(rsps, method, state):
    add_soap(rsps, validate_response())

    assert getattr(make_client(), method)(paid_order()) is None

    (call,) = rsps.calls
    assert validate_fields(validate_order_of(call.request)) == [
        ("OrderLineList", expected_lines(state, state, state)),
        ("OrderNumber", "2607141030K7QXZ"),
        ("OrderState", state),
    ]


TRACKING_URL = "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"


def test_ship_sends_carrier_tracking_and_every_line(rsps):
    add_soap(rsps, validate_response())

    make_client().ship_order(
        paid_order(),
        carrier="La Poste - Courrier",
        tracking_number="6A12345678901",
        tracking_url=TRACKING_URL,
    )

    assert validate_fields(validate_order_of(rsps.calls[0].request)) == [
        ("CarrierName", "La Poste - Courrier"),
        ("OrderLineList", expected_lines(*["ShippedBySeller"] * 3)),
        ("OrderNumber", "2607141030K7QXZ"),
        ("OrderState", "Shipped"),
        ("TrackingNumber", "6A12345678901"),
        ("TrackingUrl", TRACKING_URL),
    ]


def test_ship_some_lines_keeps_the_others_as_they_are(rsps):
    add_soap(rsps, validate_response())
    make_client().ship_order(
        paid_order(),
        carrier="Colissimo",
        tracking_number="6A12345678901",
        tracking_url=TRACKING_URL + "&lang=fr",
        line_ids=["TASSE-GRES-35CL#2"],
    )
    fields = dict(validate_fields(validate_order_of(rsps.calls[0].request)))
    assert fields["OrderLineList"] == expected_lines(
        "AcceptedBySeller", "AcceptedBySeller", "ShippedBySeller"
    )
    assert fields["TrackingUrl"] == TRACKING_URL + "&lang=fr"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"line_ids": ["TASSE-GRES-35CL#3"]}, ValueError), ({"carrier": ""}, ValueError)],
)
def test_ship_checks_its_arguments_before_any_call(rsps, kwargs, error):
    arguments = {
        "carrier": "Colissimo",
        "tracking_number": "6A12345678901",
        "tracking_url": TRACKING_URL,
        **kwargs,
    }
    with pytest.raises(error):
        make_client().ship_order(paid_order(), **arguments)
    assert len(rsps.calls) == 0


INCOHERENT = (
    "<Error><ErrorType>OrderStateIncoherent</ErrorType>"
    "<Message>Shipped state is not possible to set at this stage</Message></Error>"
)
LINE_INCOHERENT = (
    "<ValidateOrderLineResult><Errors><Error><ErrorType>OrderLineIncoherentState</ErrorType>"
    "<Message>La ligne n'est pas dans un état permettant l'expédition</Message></Error>"
    "</Errors><SellerProductId>TASSE-GRES-35CL</SellerProductId><Updated>false</Updated>"
    "</ValidateOrderLineResult>"
)


@pytest.mark.parametrize(
    "call",
    [
        lambda client, order: client.accept_order(order),
        lambda client, order: client.refuse_order(order),
        lambda client, order: client.ship_order(
            order, carrier="Colissimo", tracking_number="6A1", tracking_url=TRACKING_URL
        ),
    ],
    ids=["accept", "refuse", "ship"],
)
def test_not_validated_is_rejected_even_with_operation_success(rsps, call, cdiscount_logs):
    body = validate_response(validated="false", errors_xml=INCOHERENT, line_xml=LINE_INCOHERENT)
    assert f'<OperationSuccess xmlns="{NS_MSG}">true</OperationSuccess>' in body
    add_soap(rsps, body)

    with pytest.raises(errors.RejectedError) as caught:
        call(make_client(), paid_order())

    exc = caught.value
    assert exc.cdiscount_message == (
        "OrderStateIncoherent: Shipped state is not possible to set at this stage; "
        "TASSE-GRES-35CL: OrderLineIncoherentState: "
        "La ligne n'est pas dans un état permettant l'expédition"
    )
    assert "2607141030K7QXZ" in str(exc)
    assert "OrderStateIncoherent" in str(exc)
    assert not isinstance(exc, errors.TransientError)
    assert_no_secret(exc, cdiscount_logs, *SECRETS)


def test_not_validated_quoting_the_token_is_redacted(rsps, cdiscount_logs):
    add_soap(
        rsps,
        validate_response(
            validated="false",
            errors_xml=f"<Error><ErrorType>UnexpectedException</ErrorType>"
            f"<Message>Jeton {OLD_TOKEN} invalide pour cette commande</Message></Error>",
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().accept_order(paid_order())
    assert "***" in caught.value.cdiscount_message
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


@pytest.mark.parametrize(
    "body",
    [
        validate_response().replace("<Validated>true</Validated>", ""),
        validate_response().replace(
            "<Validated>true</Validated>", "<Validated>peut-être</Validated>"
        ),
        validate_response(number="ANOTHER"),
        result_envelope("ValidateOrderList", "<ValidateOrderResults/>"),
        result_envelope("ValidateOrderList", ""),
    ],
    ids=["no-validated", "bad-validated", "other-order", "no-result", "no-results"],
)
def test_validate_answer_without_a_verdict_is_malformed(rsps, body):
    add_soap(rsps, body)
    with pytest.raises(errors.MalformedResponseError):
        make_client().accept_order(paid_order())


def test_validate_operation_failure_is_rejected(rsps):
    add_soap(
        rsps,
        result_envelope(
            "ValidateOrderList",
            '<ValidateOrderResults i:nil="true"/>',
            success="false",
            error_message="Commande introuvable",
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().refuse_order(paid_order())
    assert caught.value.cdiscount_message == "Commande introuvable"


def test_validate_refreshes_the_token_once_and_resends_the_same_order(rsps):
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, validate_response())
    make_client().ship_order(
        paid_order(), carrier="Colissimo", tracking_number="6A1", tracking_url=TRACKING_URL
    )
    first = validate_fields(validate_order_of(rsps.calls[0].request, OLD_TOKEN))
    again = validate_fields(validate_order_of(rsps.calls[2].request, NEW_TOKEN))
    assert first == again


# -- carriers ---------------------------------------------------------------------------------


def test_list_carriers(rsps):
    add_soap(
        rsps,
        result_envelope(
            "GetGlobalConfiguration",
            """<CarrierList>
<Carrier><CarrierId>1</CarrierId><DefaultURL>http://www.colissimo.fr/portail_colissimo/suivre.do?colispart={0}</DefaultURL><Name>Colissimo</Name></Carrier>
<Carrier><CarrierId>2</CarrierId><DefaultURL>http://www.chronopost.fr</DefaultURL><Name>Chronopost</Name></Carrier>
<Carrier><CarrierId>8</CarrierId><DefaultURL i:nil="true"/>
<Name>La Poste - Courrier</Name></Carrier>
<Carrier><CarrierId>99</CarrierId><Name i:nil="true"/></Carrier>
</CarrierList>
<Other>ignored</Other>""",
        ),
    )

    carriers = make_client().list_carriers()

    call = assert_soap_request(rsps.calls[0].request, OLD_TOKEN, operation="GetGlobalConfiguration")
    assert len(children(call)) == 1  # only headerMessage
    assert carriers == [
        Carrier(
            code="1",
            name="Colissimo",
            default_url="http://www.colissimo.fr/portail_colissimo/suivre.do?colispart={0}",
        ),
        Carrier(code="2", name="Chronopost", default_url="http://www.chronopost.fr"),
        Carrier(code="8", name="La Poste - Courrier", default_url=None),
    ]


def test_list_carriers_without_a_list_is_malformed(rsps):
    add_soap(rsps, result_envelope("GetGlobalConfiguration", ""))
    with pytest.raises(errors.MalformedResponseError):
        make_client().list_carriers()


def test_list_carriers_server_error(rsps):
    add_soap(rsps, "<html>Erreur</html>", status=502, content_type="text/html")
    with pytest.raises(errors.ServerError):
        make_client().list_carriers()
