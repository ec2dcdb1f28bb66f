"""MarketplaceClient after the sale (§M8 cancel, §M9 refund vouchers, §M10 discussions) against
mocked HTTP: the requests element by element, in order, and the answers read item by item."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lxml import etree

from channels.cdiscount import _marketplace_parse, errors
from channels.cdiscount._marketplace_aftersale import Gesture, LineRefund
from channels.cdiscount.aftersale import (
    ALREADY_CLOSED,
    CANCELLATION_PENDING,
    CLOSED,
    LAST_ANSWER_MISSING,
    NOT_FOUND,
    SELLER_PORTAL_URL,
    UNKNOWN,
    AfterSaleReason,
    DiscussionKind,
    Outcome,
)
from channels.cdiscount.errors import RefundRefusedError
from tests.cdiscount.test_marketplace_client import (
    NS_CD,
    NS_MSG,
    NS_XSI,
    OLD_TOKEN,
    add_soap,
    assert_soap_request,
    children,
    make_client,
    q,
)
from tests.cdiscount.test_marketplace_orders import (
    INCOHERENT,
    NS_ARRAYS,
    PAID_ORDER_XML,
    expected_lines,
    local,
    paid_order,
    result_envelope,
    validate_fields,
    validate_order_of,
    validate_response,
)

NUMBER = "2607141030K7QXZ"


def fields_of(element):
    """[(tag, text or nested fields)] in document order, every element in the cdiscount
    namespace unless it is an Arrays item."""
    fields = []
    for child in children(element):
        nested = children(child)
        fields.append((local(child), fields_of(child) if nested else child.text))
    return fields


def parameter_of(request, operation, name):
    call = assert_soap_request(request, OLD_TOKEN, operation=operation)
    header, parameter = children(call)
    assert parameter.tag == q(NS_CD, name)
    return parameter


def read_order(xml):
    return _marketplace_parse.read_order(
        etree.fromstring(
            f'<Order xmlns="{NS_CD}" xmlns:i="{NS_XSI}">' + xml.removeprefix("<Order>")
        )
    )


# -- §M8: cancel ------------------------------------------------------------------------------


def test_cancel_sends_every_line_shipment_refused_without_a_carrier(rsps):
    add_soap(rsps, validate_response())

    result = make_client().order_cancel(paid_order(), reason=AfterSaleReason.OUT_OF_STOCK)

    assert validate_fields(validate_order_of(rsps.calls[0].request)) == [
        ("OrderLineList", expected_lines(*["ShipmentRefusedBySeller"] * 3)),
        ("OrderNumber", NUMBER),
        ("OrderState", "ShipmentRefusedBySeller"),
    ]
    assert (result.status, result.state) == ("ShipmentRefusedBySeller", Outcome.ACCEPTED)
    assert result.line_ids == ("THE-VERT-BIO-100G", "TASSE-GRES-35CL", "TASSE-GRES-35CL#2")


def test_cancel_before_acceptance_refuses(rsps):
    add_soap(rsps, validate_response())
    order = read_order(
        PAID_ORDER_XML.replace("WaitingForShipmentAcceptation", "WaitingForSellerAcceptation")
    )

    cancelled = make_client().order_cancel(order, reason=AfterSaleReason.PRICE_ERROR)
    assert cancelled.status == "RefusedBySeller"

    fields = dict(validate_fields(validate_order_of(rsps.calls[0].request)))
    assert fields["OrderState"] == "RefusedBySeller"
    assert fields["OrderLineList"] == expected_lines(*["RefusedBySeller"] * 3)


def test_cancel_some_lines_keeps_the_others_as_they_are(rsps):
    add_soap(rsps, validate_response())

    make_client().order_cancel(
        paid_order(), lines=["TASSE-GRES-35CL#2"], reason=AfterSaleReason.OUT_OF_STOCK
    )

    fields = dict(validate_fields(validate_order_of(rsps.calls[0].request)))
    assert fields["OrderLineList"] == expected_lines(
        "AcceptedBySeller", "AcceptedBySeller", "ShipmentRefusedBySeller"
    )


@pytest.mark.parametrize(
    ("line_ids", "sentence"),
    [
        (None, f"Cdiscount would not cancel order {NUMBER}: it is no longer cancellable"),
        (["THE-VERT-BIO-100G"], "cancel the whole order instead, or ship it"),
    ],
)
def test_a_refused_cancellation_is_a_sentence_with_cdiscount_words(rsps, line_ids, sentence):
    add_soap(rsps, validate_response(validated="false", errors_xml=INCOHERENT))

    with pytest.raises(errors.CancellationRefusedError) as refused:
        make_client().order_cancel(
            paid_order(), lines=line_ids, reason=AfterSaleReason.OUT_OF_STOCK
        )

    assert isinstance(refused.value, errors.RejectedError)
    assert refused.value.whole_order_offered is (line_ids is not None)
    assert sentence in str(refused.value)
    assert refused.value.cdiscount_message.startswith("OrderStateIncoherent")


def test_cancel_an_unknown_line_sends_nothing(rsps):
    with pytest.raises(ValueError, match="no line NOPE"):
        make_client().order_cancel(
            paid_order(), lines=["NOPE"], reason=AfterSaleReason.OUT_OF_STOCK
        )
    assert len(rsps.calls) == 0


# -- §M9: refund vouchers ---------------------------------------------------------------------


def refund_answer(gestures="", refunds="", success="true", error_message=None):
    return result_envelope(
        "CreateRefundVoucher",
        f"<CommercialGestureList>{gestures}</CommercialGestureList>"
        f"<OrderNumber>{NUMBER}</OrderNumber>"
        f"<SellerRefundList>{refunds}</SellerRefundList>",
        success=success,
        error_message=error_message,
    )


def outcome(success, message=None):
    text = (
        f'<ErrorMessage xmlns="{NS_MSG}">{message}</ErrorMessage>'
        if message
        else f'<ErrorMessage i:nil="true" xmlns="{NS_MSG}"/>'
    )
    return f'{text}<OperationSuccess xmlns="{NS_MSG}">{success}</OperationSuccess>'


def gesture_answer(success, motive_id, amount, message=None):
    return (
        f"<RefundInformationMessage>{outcome(success, message)}<Amount>{amount}</Amount>"
        f"<MotiveId>{motive_id}</MotiveId></RefundInformationMessage>"
    )


def line_answer(success, sku, value, message=None):
    return (
        f"<SellerRefundResult>{outcome(success, message)}<Ean>3760452700039</Ean>"
        f"<Motive>ClientClaim</Motive><SellerProductId>{sku}</SellerProductId>"
        f"<Value>{value}</Value></SellerRefundResult>"
    )


def test_refund_sends_gestures_then_the_order_then_the_lines_in_schema_order(rsps):
    add_soap(
        rsps,
        refund_answer(
            gestures=gesture_answer("true", 135, "5.00"),
            refunds=line_answer("true", "THE-VERT-BIO-100G", "39.80"),
        ),
    )

    result = make_client().order_refund(
        paid_order(),
        lines=["THE-VERT-BIO-100G"],
        amount=Decimal("5.00"),
        reason=AfterSaleReason.LATE_DELIVERY,
    )

    request = parameter_of(rsps.calls[0].request, "CreateRefundVoucher", "request")
    assert fields_of(request) == [
        (
            "CommercialGestureList",
            [("RefundInformation", [("Amount", "5.00"), ("MotiveId", "135")])],
        ),
        ("OrderNumber", NUMBER),
        (
            "SellerRefundList",
            [
                (
                    "SellerRefundRequest",
                    [
                        ("Mode", "Claim"),
                        ("Motive", "ClientClaim"),
                        (
                            "RefundOrderLine",
                            [
                                ("Ean", "3760452700039"),
                                # Shipping goes back with the last line only.
                                ("RefundShippingCharges", "false"),
                                ("SellerProductId", "THE-VERT-BIO-100G"),
                            ],
                        ),
                    ],
                )
            ],
        ),
    ]
    assert all(etree.QName(e).namespace == NS_CD for e in request.iter())
    assert [(i.kind, i.accepted, i.amount) for i in result.items] == [
        ("line", True, Decimal("39.80")),
        ("gesture", True, Decimal("5.00")),
    ]
    assert result.refused == ()
    assert (result.state, result.amount) == (Outcome.ACCEPTED, Decimal("44.80"))


def test_refunding_every_line_refunds_the_shipping_too(rsps):
    skus = ["THE-VERT-BIO-100G", "TASSE-GRES-35CL", "TASSE-GRES-35CL"]
    add_soap(rsps, refund_answer(refunds="".join(line_answer("true", sku, "1") for sku in skus)))

    make_client().order_refund(
        paid_order(),
        lines=["THE-VERT-BIO-100G", "TASSE-GRES-35CL", "TASSE-GRES-35CL#2"],
        reason=AfterSaleReason.OUT_OF_STOCK,
    )

    request = parameter_of(rsps.calls[0].request, "CreateRefundVoucher", "request")
    sent = [dict(fields) for _, fields in fields_of(request)[1][1]]
    assert [item["Motive"] for item in sent] == ["ProductStockUnavailable"] * 3
    assert [dict(item["RefundOrderLine"])["RefundShippingCharges"] for item in sent] == ["true"] * 3


def test_a_gesture_alone_sends_no_refund_list(rsps):
    add_soap(rsps, refund_answer(gestures=gesture_answer("true", 139, "2.50")))

    make_client().order_refund(paid_order(), amount=Decimal("2.50"), reason=AfterSaleReason.OTHER)

    request = parameter_of(rsps.calls[0].request, "CreateRefundVoucher", "request")
    assert [local(child) for child in children(request)] == ["CommercialGestureList", "OrderNumber"]


def test_each_item_is_checked_even_when_the_top_level_flag_is_false(rsps):
    add_soap(
        rsps,
        refund_answer(
            refunds=line_answer("true", "THE-VERT-BIO-100G", "39.80")
            + line_answer("false", "TASSE-GRES-35CL", "0", "Demande de remboursement invalide"),
            success="false",
            error_message="Demande de remboursement invalide",
        ),
    )

    result = make_client().order_refund(
        paid_order(),
        lines=["THE-VERT-BIO-100G", "TASSE-GRES-35CL"],
        reason=AfterSaleReason.DAMAGED_PRODUCT,
    )

    assert [(i.sku, i.accepted) for i in result.items] == [
        ("THE-VERT-BIO-100G", True),
        ("TASSE-GRES-35CL", False),
    ]
    (refused,) = result.refused
    assert refused.message.startswith(
        "Cdiscount refused the refund of line TASSE-GRES-35CL: Cdiscount judged the request "
        "invalid; refunds are for shipped orders"
    )
    assert refused.cdiscount_message == "Demande de remboursement invalide"
    assert refused.amount is None
    assert result.state == Outcome.PARTIAL


def test_a_top_level_success_does_not_hide_a_refused_item(rsps):
    add_soap(
        rsps,
        refund_answer(
            gestures=gesture_answer("false", 137, "90.00", "Montant trop élevé"),
            refunds=line_answer("true", "THE-VERT-BIO-100G", "39.80"),
        ),
    )

    result = make_client().order_refund(
        paid_order(),
        lines=["THE-VERT-BIO-100G"],
        amount=Decimal("90.00"),
        reason=AfterSaleReason.SHIPPING_FEES,
    )

    assert [i.accepted for i in result.items] == [True, False]
    assert result.refused[0].message == (
        "Cdiscount refused the gesture of 90.00 EUR: Montant trop élevé"
    )


def test_nothing_passed_is_a_refund_refused_error_holding_each_item(rsps):
    add_soap(
        rsps,
        refund_answer(success="false", error_message="Demande de remboursement invalide"),
    )

    with pytest.raises(RefundRefusedError) as refused:
        make_client().order_refund(
            paid_order(), amount=Decimal("3.00"), reason=AfterSaleReason.OTHER
        )

    assert isinstance(refused.value, errors.RejectedError)
    (item,) = refused.value.result.items
    # Not answered for: refused with the top-level words.
    assert (item.accepted, item.cdiscount_message) == (False, "Demande de remboursement invalide")
    assert str(refused.value).startswith("Cdiscount refused the gesture of 3.00 EUR")
    assert refused.value.cdiscount_message == "Demande de remboursement invalide"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({}, ValueError),
        ({"lines": ["NOPE"]}, ValueError),
        ({"lines": ["TASSE-GRES-35CL", "TASSE-GRES-35CL"]}, ValueError),
        ({"lines": "TASSE-GRES-35CL"}, TypeError),
        ({"amount": Decimal("1.005")}, ValueError),
        ({"amount": Decimal("1.00"), "reason": "ClientClaim"}, TypeError),
    ],
)
def test_refund_checks_its_arguments_before_any_call(rsps, kwargs, error):
    with pytest.raises(error):
        make_client().order_refund(paid_order(), **{"reason": AfterSaleReason.OTHER, **kwargs})
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: LineRefund("X", motive="Because"), ValueError),
        (lambda: LineRefund("X", motive="ClientClaim", mode="Gift"), ValueError),
        (lambda: Gesture(Decimal("0"), 131), ValueError),
        (lambda: Gesture(Decimal("1.005"), 131), ValueError),
        (lambda: Gesture(Decimal("1.00"), 130), ValueError),
        (lambda: Gesture(1, 131), TypeError),
    ],
)
def test_refund_items_are_checked_when_made(make, error):
    with pytest.raises(error):
        make()


# -- §M10: discussions ------------------------------------------------------------------------


DISCUSSIONS = """<DiscussionList>
<DiscussionDto>
<ClaimType>DamagedProduct</ClaimType><CloseDate i:nil="true"/>
<CreationDate>2026-07-20T09:15:00.5</CreationDate><Id>8400123</Id>
<LastUpdatedDate>2026-07-21T10:00:00</LastUpdatedDate>
<Messages>
<Message><Content>Toujours rien ?</Content><Sender>Élodie</Sender>
<SenderType>Customer</SenderType><Timestamp>2026-07-21T10:00:00</Timestamp></Message>
<Message><Content>La tasse est arrivée cassée.</Content><Sender>Élodie</Sender>
<SenderType>Customer</SenderType><Timestamp>2026-07-20T09:15:00.5</Timestamp></Message>
</Messages>
<OrderNumber>2607141030K7QXZ</OrderNumber><Status>Open</Status>
<Subject>Produit endommagé</Subject>
</DiscussionDto>
<DiscussionDto><Subject>without an id: skipped</Subject></DiscussionDto>
<DiscussionDto>
<ClaimType i:nil="true"/><CreationDate>not a date</CreationDate><Id>8400124</Id>
<Messages i:nil="true"/><OrderNumber i:nil="true"/><Status>Closed</Status>
</DiscussionDto>
</DiscussionList>"""


def test_list_discussions_sends_the_filter_in_order(rsps):
    add_soap(rsps, result_envelope("GetDiscussionList", "<DiscussionList/>"))

    found = make_client().list_discussions(
        created_from=datetime(2026, 7, 1, 22, 0, tzinfo=UTC),
        created_to=datetime(2026, 7, 31, 22, 0, tzinfo=UTC),
        discussion_type="Claim",
        status="Open",
        order_ids=[NUMBER],
    )

    assert found == []
    element = parameter_of(rsps.calls[0].request, "GetDiscussionList", "discussionFilter")
    assert fields_of(element) == [
        ("BeginCreationDate", "2026-07-02T00:00:00"),  # naive Paris time (§M4)
        ("EndCreationDate", "2026-08-01T00:00:00"),
        ("DiscussionType", "Claim"),
        ("StatusList", [("DiscussionStateFilter", "Open")]),
        ("OrderNumberList", [("string", NUMBER)]),
    ]
    (number,) = children(children(element)[-1])
    assert number.tag == q(NS_ARRAYS, "string")


def test_list_discussions_without_dates_or_orders(rsps):
    add_soap(rsps, result_envelope("GetDiscussionList", "<DiscussionList/>"))

    make_client().list_discussions()

    element = parameter_of(rsps.calls[0].request, "GetDiscussionList", "discussionFilter")
    assert fields_of(element) == [
        ("DiscussionType", "All"),
        ("StatusList", [("DiscussionStateFilter", "All")]),
    ]


def test_discussions_are_read_tolerantly_with_messages_oldest_first(rsps):
    add_soap(rsps, result_envelope("GetDiscussionList", DISCUSSIONS))

    claim, other = make_client().list_discussions()

    assert (claim.discussion_id, claim.order_id, claim.status, claim.subject) == (
        "8400123",
        NUMBER,
        "Open",
        "Produit endommagé",
    )
    assert (claim.typology, claim.is_claim, claim.closed_at) == ("DamagedProduct", True, None)
    assert (claim.kind, claim.open, claim.to_answer) == (DiscussionKind.CLAIM, True, True)
    assert claim.created_at == datetime(2026, 7, 20, 7, 15, 0, 500000, tzinfo=UTC)
    assert [(m.body, m.sender) for m in claim.messages] == [
        ("La tasse est arrivée cassée.", "Customer"),
        ("Toujours rien ?", "Customer"),
    ]
    assert claim.messages[-1].sent_at == datetime(2026, 7, 21, 8, 0, tzinfo=UTC)
    assert claim.last_customer_message_at == datetime(2026, 7, 21, 8, 0, tzinfo=UTC)
    assert (other.discussion_id, other.created_at, other.messages, other.is_claim) == (
        "8400124",
        None,
        (),
        False,
    )


def test_an_answer_without_discussion_list_is_malformed(rsps):
    add_soap(rsps, result_envelope("GetDiscussionList", ""))
    with pytest.raises(errors.MalformedResponseError, match="no DiscussionList"):
        make_client().list_discussions()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"discussion_type": "Question"},
        {"status": "Answered"},
        {"created_from": datetime(2026, 7, 1, tzinfo=UTC)},
        {"created_from": datetime(2026, 7, 1), "created_to": datetime(2026, 7, 2)},
    ],
)
def test_list_discussions_checks_its_arguments_before_any_call(rsps, kwargs):
    with pytest.raises(ValueError):
        make_client().list_discussions(**kwargs)
    assert len(rsps.calls) == 0


def close_answer(*pairs):
    items = "".join(
        f"<CloseDiscussionResult><DiscussionId>{i}</DiscussionId>"
        f"<OperationStatus>{status}</OperationStatus></CloseDiscussionResult>"
        for i, status in pairs
    )
    return result_envelope(
        "CloseDiscussionList", f"<CloseDiscussionStatusList>{items}</CloseDiscussionStatusList>"
    )


def test_close_discussions_sends_longs_and_maps_every_status(rsps):
    add_soap(
        rsps,
        close_answer(
            (1, "DiscussionClosed"),
            (2, "AlreadyClosed"),
            (3, "DiscussionNotFound"),
            (4, "UnauthorizedCancelPending"),
            (5, "UnauthorizedLastAnswer"),
            (6, "SomethingNew"),
        ),
    )

    results = make_client().close_discussions(["1", "2", "3", "4", "5", "6", "7", "1"])

    element = parameter_of(rsps.calls[0].request, "CloseDiscussionList", "closeDiscussionRequest")
    (ids,) = children(element)
    assert ids.tag == q(NS_CD, "DiscussionIds")
    assert [(e.tag, e.text) for e in children(ids)] == [
        (q(NS_ARRAYS, "long"), str(n)) for n in range(1, 8)
    ]
    assert [(r.discussion_id, r.outcome, r.closed) for r in results] == [
        ("1", CLOSED, True),
        ("2", ALREADY_CLOSED, True),
        ("3", NOT_FOUND, False),
        ("4", CANCELLATION_PENDING, False),
        ("5", LAST_ANSWER_MISSING, False),
        ("6", UNKNOWN, False),
        ("7", UNKNOWN, False),
    ]
    assert results[3].message == (
        "Discussion 4 cannot be closed while the customer's cancellation request is pending: "
        "accept or refuse the cancellation first."
    )
    assert "(SomethingNew)" in results[5].message


def test_discussions_asks_for_claims_and_open_ones_and_keeps_those_updated_since(rsps):
    add_soap(rsps, result_envelope("GetDiscussionList", DISCUSSIONS))

    found = list(
        make_client().discussions(
            since=datetime(2026, 7, 21, tzinfo=UTC), open_only=True, claims_only=True
        )
    )

    element = parameter_of(rsps.calls[0].request, "GetDiscussionList", "discussionFilter")
    assert fields_of(element) == [
        ("DiscussionType", "Claim"),
        ("StatusList", [("DiscussionStateFilter", "Open")]),
    ]
    # 8400124 has no readable date: kept, never lost for want of one.
    assert [d.discussion_id for d in found] == ["8400123", "8400124"]


def test_one_discussion_is_found_among_all_and_an_unknown_one_is_a_sentence(rsps):
    add_soap(rsps, result_envelope("GetDiscussionList", DISCUSSIONS))
    add_soap(rsps, result_envelope("GetDiscussionList", DISCUSSIONS))
    client = make_client()

    assert client.discussion("8400124").status == "Closed"
    with pytest.raises(errors.RejectedError, match="knows no discussion 1 for this account"):
        client.discussion("1")


def test_a_reply_is_not_supported_and_points_to_the_seller_portal(rsps):
    with pytest.raises(errors.NotSupportedError) as refused:
        make_client().discussion_reply("8400123", "Bonjour")
    assert "answer the customer on the Cdiscount seller portal" in str(refused.value)
    assert SELLER_PORTAL_URL in str(refused.value)
    assert len(rsps.calls) == 0


def test_closing_one_discussion_reads_its_outcome(rsps):
    add_soap(rsps, close_answer((5, "UnauthorizedLastAnswer")))

    result = make_client().discussion_close("5")

    assert (result.discussion_id, result.outcome, result.closed) == (
        "5",
        LAST_ANSWER_MISSING,
        False,
    )


@pytest.mark.parametrize("ids", [[], ["12a"], "12"])
def test_close_discussions_checks_ids_before_any_call(rsps, ids):
    with pytest.raises((ValueError, TypeError)):
        make_client().close_discussions(ids)
    assert len(rsps.calls) == 0


# -- orders read claims, customer cancellations and vouchers ----------------------------------


def test_an_order_reads_claims_and_its_refund_vouchers():
    xml = (
        PAID_ORDER_XML.replace("<HasClaims>false</HasClaims>", "<HasClaims>true</HasClaims>")
        .replace("<HasClaim>false</HasClaim>", "<HasClaim>true</HasClaim>")
        .replace(
            "<ValidationStatus>None</ValidationStatus>",
            "<ValidationStatus>None</ValidationStatus><VoucherList>"
            "<Voucher><CreateDate>2026-07-22T10:00:00</CreateDate>"
            "<RefundInformation><Amount>5.5</Amount><MotiveId>135</MotiveId></RefundInformation>"
            "<Source>Seller</Source></Voucher>"
            "<Voucher><CreateDate>garbage</CreateDate><RefundInformation>"
            "<Amount>lots</Amount><MotiveId i:nil='true'/></RefundInformation>"
            "<Source>CDiscount</Source></Voucher>"
            "</VoucherList>",
        )
    )

    order = read_order(xml)

    assert order.has_claims is True
    assert [line.has_claim for line in order.lines] == [True, False, False]
    first, second = order.vouchers
    assert (first.created_at, first.amount, first.motive_id, first.source) == (
        datetime(2026, 7, 22, 8, 0, tzinfo=UTC),
        Decimal("5.5"),
        "135",
        "Seller",
    )
    assert (second.created_at, second.amount, second.motive_id, second.source) == (
        None,
        None,
        None,
        "CDiscount",
    )


def test_an_order_without_after_sale_fields_reads_the_defaults():
    order = read_order(
        PAID_ORDER_XML.replace("<HasClaims>false</HasClaims>", "").replace(
            "<HasClaim>false</HasClaim>", ""
        )
    )
    assert (order.has_claims, order.vouchers) == (False, ())
    assert not any(line.has_claim for line in order.lines)
