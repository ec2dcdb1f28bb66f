"""Marketplace API after the sale in the simulator, over raw SOAP: a seller's cancellation
(§M8), refund vouchers (§M9), customer cancellations, claims and discussions (§M10)."""

import pytest
import requests

from .helpers import (
    MESSAGES,
    TIMEOUT,
    c,
    el,
    marketplace_token,
    read_fault,
    soap_call,
    soap_result,
)
from .test_marketplace_orders import (
    ARRAYS,
    add,
    errors,
    get_orders,
    is_nil,
    order_filter,
    orders_of,
    outcomes,
    success,
    validate,
    validate_order,
)


@pytest.fixture
def token(simulator) -> str:
    return marketplace_token(simulator)


ALL_STATES = ["WaitingForShipmentAcceptation", "Shipped", "ShipmentRefusedBySeller"]


def control(simulator, method, path, **json):
    response = requests.request(
        method, f"{simulator.url}/_simulator{path}", json=json or None, timeout=TIMEOUT
    )
    return response


def read_order(simulator, token, number):
    (order,) = orders_of(
        get_orders(simulator, token, order_filter(references=[number], states=ALL_STATES))
    )
    return order


def read_order_any_state(simulator, token, number):
    (order,) = orders_of(get_orders(simulator, token, order_filter(references=[number])))
    return order


def lines_of(order):
    return [
        (
            line.findtext(c("SellerProductId")),
            line.findtext(c("AcceptationState")),
            line.findtext(c("Quantity")),
            line.findtext(c("HasClaim")),
        )
        for line in order.findall(f"{c('OrderLineList')}/{c('OrderLine')}")
    ]


# -- §M8 --------------------------------------------------------------------------------------


def test_shipment_refused_refunds_every_line_with_quantity_zero(simulator, token):
    number = add(simulator, "WaitingForShipmentAcceptation")

    result = validate(simulator, token, validate_order(number, "ShipmentRefusedBySeller"))

    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "true"
    order = read_order(simulator, token, number)
    assert order.findtext(c("OrderState")) == "ShipmentRefusedBySeller"
    assert order.findtext(c("Status")) == "Cancelled"
    assert lines_of(order) == [
        ("SKU-1", "RefundedAfterShipmentRefused", "0", "false"),
        ("SKU-2", "RefundedAfterShipmentRefused", "0", "false"),
    ]


@pytest.mark.parametrize("status", ["Shipped", "WaitingForSellerAcceptation", "RefusedBySeller"])
def test_shipment_refused_is_incoherent_outside_awaiting_shipment(simulator, token, status):
    number = add(simulator, status)

    result = validate(simulator, token, validate_order(number, "ShipmentRefusedBySeller"))

    (outcome,) = outcomes(result)
    assert outcome.findtext(c("Validated")) == "false"
    assert errors(outcome)[0][0] == "OrderStateIncoherent"
    assert simulator.state.order("marketplace", number)["status"] == status


def test_shipment_refused_on_some_lines_only_is_incoherent(simulator, token):
    number = add(simulator, "WaitingForShipmentAcceptation")
    order = validate_order(number, "ShipmentRefusedBySeller")
    order.find(
        f"{c('OrderLineList')}/{c('ValidateOrderLine')}/{c('AcceptationState')}"
    ).text = "AcceptedBySeller"

    (outcome,) = outcomes(validate(simulator, token, order))

    assert outcome.findtext(c("Validated")) == "false"
    assert errors(outcome)[0][0] == "OrderStateIncoherent"


# -- §M9 --------------------------------------------------------------------------------------


def refund_request(number, gestures=(), lines=()):
    children = []
    if gestures:
        children.append(
            el(
                "CommercialGestureList",
                *[
                    el(
                        "RefundInformation",
                        el("Amount", text=amount),
                        el("MotiveId", text=motive_id),
                    )
                    for amount, motive_id in gestures
                ],
            )
        )
    children.append(el("OrderNumber", text=number))
    if lines:
        children.append(
            el(
                "SellerRefundList",
                *[
                    el(
                        "SellerRefundRequest",
                        el("Mode", text="Claim"),
                        el("Motive", text=motive),
                        el(
                            "RefundOrderLine",
                            el("Ean", text="3760452700039"),
                            el("RefundShippingCharges", text=shipping),
                            el("SellerProductId", text=sku),
                        ),
                    )
                    for sku, motive, shipping in lines
                ],
            )
        )
    return el("request", *children)


def refund(simulator, token, request):
    response = soap_call(simulator, "CreateRefundVoucher", token, request)
    assert response.status_code == 200, response.text
    return soap_result(response, "CreateRefundVoucher")


def items(result, container, item):
    answers = []
    for element in result.findall(f"{c(container)}/{c(item)}"):
        message = element.find(f"{{{MESSAGES}}}ErrorMessage")
        answers.append(
            (
                element.findtext(f"{{{MESSAGES}}}OperationSuccess"),
                None if is_nil(message) else message.text,
            )
        )
    return answers


def test_refund_a_line_and_a_gesture(simulator, token):
    number = add(simulator, "Shipped")

    result = refund(
        simulator,
        token,
        refund_request(
            number, gestures=[("5.00", "135")], lines=[("SKU-2", "ClientClaim", "true")]
        ),
    )

    assert success(result) and is_nil(result.find(f"{{{MESSAGES}}}ErrorMessage"))
    assert items(result, "SellerRefundList", "SellerRefundResult") == [("true", None)]
    # SKU-2: 12.50, and its shipping 2.90 asked for.
    assert result.findtext(f"{c('SellerRefundList')}/{c('SellerRefundResult')}/{c('Value')}") == (
        "15.4"
    )
    assert items(result, "CommercialGestureList", "RefundInformationMessage") == [("true", None)]
    order = read_order(simulator, token, number)
    assert order.findtext(c("OrderState")) == "Shipped"
    assert [line[1] for line in lines_of(order)] == ["ShippedBySeller", "RefundedAfterShipping"]
    vouchers = [
        (
            voucher.findtext(f"{c('RefundInformation')}/{c('Amount')}"),
            voucher.findtext(f"{c('RefundInformation')}/{c('MotiveId')}"),
            voucher.findtext(c("Source")),
        )
        for voucher in order.findall(f"{c('VoucherList')}/{c('Voucher')}")
    ]
    assert vouchers == [("15.4", "", "Seller"), ("5", "135", "Seller")]  # "": nil


def test_a_partial_refusal_answers_each_item_and_the_top_flag_false(simulator, token):
    number = add(simulator, "Shipped")  # 52.30 of products (shipping charges aside)

    result = refund(
        simulator,
        token,
        refund_request(
            number,
            gestures=[("10.00", "137"), ("500.00", "139"), ("1.00", "140")],
            lines=[("SKU-1", "ClientClaim", "false"), ("SKU-9", "ClientClaim", "false")],
        ),
    )

    assert not success(result)
    assert result.findtext(f"{{{MESSAGES}}}ErrorMessage") == "Demande de remboursement invalide"
    gestures = items(result, "CommercialGestureList", "RefundInformationMessage")
    assert [flag for flag, _ in gestures] == ["true", "false", "false"]
    assert "dépasse le montant remboursable" in gestures[1][1]
    assert "motif de geste commercial 140 inconnu" in gestures[2][1]
    lines = items(result, "SellerRefundList", "SellerRefundResult")
    assert lines[0] == ("true", None)
    assert lines[1][0] == "false" and "n'a pas de ligne SKU-9" in lines[1][1]
    vouchers = control(simulator, "GET", f"/marketplace/orders/{number}/vouchers").json()
    assert [(v["amount"], v["motive_id"], v["sku"]) for v in vouchers] == [
        ("39.80", None, "SKU-1"),
        ("10.00", 137, None),
    ]


def test_a_line_is_refunded_once(simulator, token):
    number = add(simulator, "Shipped")
    refund(simulator, token, refund_request(number, lines=[("SKU-1", "ClientClaim", "false")]))

    result = refund(
        simulator, token, refund_request(number, lines=[("SKU-1", "ClientClaim", "false")])
    )

    ((flag, message),) = items(result, "SellerRefundList", "SellerRefundResult")
    assert flag == "false" and "déjà remboursée" in message


def test_an_order_not_shipped_refuses_every_item(simulator, token):
    number = add(simulator, "WaitingForShipmentAcceptation")

    result = refund(
        simulator,
        token,
        refund_request(number, gestures=[("1.00", "131")], lines=[("SKU-1", "ClientClaim", "0")]),
    )

    assert not success(result)
    answers = [
        *items(result, "CommercialGestureList", "RefundInformationMessage"),
        *items(result, "SellerRefundList", "SellerRefundResult"),
    ]
    assert [flag for flag, _ in answers] == ["false", "false"]
    assert all("n'est pas expédiée" in message for _, message in answers)
    assert control(simulator, "GET", f"/marketplace/orders/{number}/vouchers").json() == []


def test_an_unknown_refund_motive_is_a_deserialization_fault(simulator, token):
    number = add(simulator, "Shipped")

    response = soap_call(
        simulator,
        "CreateRefundVoucher",
        token,
        refund_request(number, lines=[("SKU-1", "BecauseISaidSo", "false")]),
    )

    assert response.status_code == 500
    assert read_fault(response)[1] == "DeserializationFailed"


# -- customer cancellations and claims ---------------------------------------------------------


def test_a_customer_cancellation_blocks_shipping_then_cancels_the_order(simulator, token):
    number = add(simulator, "WaitingForShipmentAcceptation")

    asked = control(
        simulator, "POST", f"/marketplace/orders/{number}/customer-cancellation", line_ids=["SKU-1"]
    )

    assert asked.status_code == 200, asked.text
    assert [line[1] for line in lines_of(read_order(simulator, token, number))] == [
        "CancellationRequestPending",
        "AcceptedBySeller",
    ]
    ship = validate_order(
        number, "Shipped", line_state="ShippedBySeller", carrier="Colissimo", tracking="6A1"
    )
    (outcome,) = outcomes(validate(simulator, token, ship))
    assert outcome.findtext(c("Validated")) == "false"

    control(simulator, "POST", f"/marketplace/orders/{number}/customer-cancellation", settle=True)
    order = read_order_any_state(simulator, token, number)
    assert order.findtext(c("OrderState")) == "CancelledByCustomer"
    assert {line[1] for line in lines_of(order)} == {"RefundedAfterCustomerCancellation"}


def test_settling_some_lines_keeps_the_order_to_ship(simulator, token):
    number = add(simulator, "WaitingForShipmentAcceptation")

    control(
        simulator,
        "POST",
        f"/marketplace/orders/{number}/customer-cancellation",
        line_ids=["SKU-2"],
        settle=True,
    )

    record = simulator.state.order("marketplace", number)
    assert record["status"] == "WaitingForShipmentAcceptation"
    assert [line["status"] for line in record["lines"]] == [
        "AcceptedBySeller",
        "CancelledAfterPaymentByCustomer",
    ]


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/marketplace/orders/NOPE/customer-cancellation", {}, "no Marketplace order NOPE"),
        ("/marketplace/discussions", {"kind": "Claim"}, "give an order_id"),
        ("/marketplace/discussions/1/messages", {"content": "x"}, "no discussion 1"),
    ],
)
def test_control_refusals(simulator, path, body, error):
    response = control(simulator, "POST", path, **body)
    assert response.status_code == 400
    assert error in response.json()["error"]


def test_a_claim_flags_the_order_and_its_line_until_closed(simulator, token):
    number = add(simulator, "Shipped")
    claim = control(
        simulator,
        "POST",
        "/marketplace/discussions",
        order_id=number,
        kind="Claim",
        claim_type="DamagedProduct",
        line_ids=["SKU-2"],
    ).json()
    order = read_order(simulator, token, number)
    assert order.findtext(c("HasClaims")) == "true"
    assert [line[3] for line in lines_of(order)] == ["false", "true"]

    control(
        simulator,
        "POST",
        f"/marketplace/discussions/{claim['id']}/messages",
        sender_type="Seller",
        content="Je vous rembourse.",
    )
    close(simulator, token, claim["id"])

    assert read_order(simulator, token, number).findtext(c("HasClaims")) == "false"


def test_seeding_raises_after_sale_events_on_some_orders(simulator):
    for _ in range(6):
        add(simulator, "Shipped")
        add(simulator, "WaitingForShipmentAcceptation")

    response = control(
        simulator, "POST", "/marketplace/after-sale/seed", login="demo-api", rate=1, seed=3
    )

    assert response.json() == {"cancellations": 6, "claims": 6, "discussions": 0}
    listed = control(simulator, "GET", "/marketplace/discussions?login=demo-api").json()
    assert {d["kind"] for d in listed} == {"Claim"}


# -- §M10 -------------------------------------------------------------------------------------


def discussion_filter(*children):
    return el("discussionFilter", *children)


def discussions(simulator, token, *children):
    response = soap_call(simulator, "GetDiscussionList", token, discussion_filter(*children))
    assert response.status_code == 200, response.text
    result = soap_result(response, "GetDiscussionList")
    return result.findall(f"{c('DiscussionList')}/{c('Discussion')}")


def close(simulator, token, *ids):
    request = el(
        "closeDiscussionRequest",
        el("DiscussionIds", *[el("long", text=str(i), namespace=ARRAYS) for i in ids]),
    )
    response = soap_call(simulator, "CloseDiscussionList", token, request)
    assert response.status_code == 200, response.text
    result = soap_result(response, "CloseDiscussionList")
    return [
        (int(item.findtext(c("DiscussionId"))), item.findtext(c("OperationStatus")))
        for item in result.iter(c("CloseDiscussionResult"))
    ]


def open_discussion(simulator, **body):
    response = control(simulator, "POST", "/marketplace/discussions", **body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_messages_arrive_over_time(simulator, token):
    number = add(simulator, "Shipped")
    open_discussion(
        simulator,
        order_id=number,
        content="Où est mon colis ?",
        follow_ups=[{"after_seconds": 600, "content": "Une réponse ?"}],
    )

    (discussion,) = discussions(simulator, token)
    assert [m.findtext(c("Content")) for m in discussion.iter(c("Message"))] == [
        "Où est mon colis ?"
    ]
    simulator.state.advance_clock(601)
    (discussion,) = discussions(simulator, token)
    assert [m.findtext(c("SenderType")) for m in discussion.iter(c("Message"))] == [
        "Customer",
        "Customer",
    ]
    assert discussion.findtext(c("OrderNumber")) == number
    assert discussion.findtext(c("Status")) == "Open"


def test_filters_by_type_status_and_order_in_either_member_order(simulator, token):
    first, second = add(simulator, "Shipped"), add(simulator, "Shipped")
    claim = open_discussion(
        simulator, order_id=first, kind="Claim", claim_type="PackageNotReceived"
    )
    question = open_discussion(simulator, order_id=second)
    control(
        simulator,
        "POST",
        f"/marketplace/discussions/{question}/messages",
        sender_type="Seller",
        content="Expédié.",
    )

    def ids(*children):
        return [int(d.findtext(c("Id"))) for d in discussions(simulator, token, *children)]

    assert ids(el("DiscussionType", text="Claim")) == [claim]
    assert ids(el("StatusList", el("DiscussionStateFilter", text="NotProcessed"))) == [claim]
    numbers = el("OrderNumberList", el("string", text=second, namespace=ARRAYS))
    status = el("StatusList", el("DiscussionStateFilter", text="Open"))
    assert ids(status, numbers) == [question]
    numbers = el("OrderNumberList", el("string", text=second, namespace=ARRAYS))
    status = el("StatusList", el("DiscussionStateFilter", text="Open"))
    assert ids(numbers, status) == [question]
    now = simulator.state.now()
    later = (now.replace(year=now.year + 1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert ids(el("BeginCreationDate", text=later)) == []


def test_close_statuses(simulator, token):
    shipped, to_ship = add(simulator, "Shipped"), add(simulator, "WaitingForShipmentAcceptation")
    unanswered = open_discussion(simulator, order_id=shipped)
    answered = open_discussion(simulator, order_id=shipped)
    cancelling = open_discussion(simulator, order_id=to_ship)
    for discussion in (answered, cancelling):
        control(
            simulator,
            "POST",
            f"/marketplace/discussions/{discussion}/messages",
            sender_type="Seller",
            content="Réponse.",
        )
    control(simulator, "POST", f"/marketplace/orders/{to_ship}/customer-cancellation")

    assert close(simulator, token, answered, unanswered, cancelling, 42) == [
        (answered, "DiscussionClosed"),
        (unanswered, "UnauthorizedLastAnswer"),
        (cancelling, "UnauthorizedCancelPending"),
        (42, "DiscussionNotFound"),
    ]
    assert close(simulator, token, answered) == [(answered, "AlreadyClosed")]
    (closed,) = discussions(
        simulator, token, el("StatusList", el("DiscussionStateFilter", text="Closed"))
    )
    assert closed.findtext(c("CloseDate")) is not None


def test_another_login_sees_none_of_it(simulator, token):
    simulator.state.add_marketplace_login("other-api", "other-password")
    number = add(simulator, "Shipped")
    discussion = open_discussion(simulator, order_id=number)
    other = marketplace_token(simulator, login="other-api", password="other-password")

    assert discussions(simulator, other) == []
    assert close(simulator, other, discussion) == [(discussion, "DiscussionNotFound")]
    result = refund(simulator, other, refund_request(number, gestures=[("1.00", "131")]))
    assert result.findtext(f"{{{MESSAGES}}}ErrorMessage").endswith("est introuvable.")


def test_a_reset_forgets_discussions_and_vouchers(simulator, token):
    number = add(simulator, "Shipped")
    open_discussion(simulator, order_id=number)
    refund(simulator, token, refund_request(number, gestures=[("1.00", "131")]))

    simulator.state.reset()

    assert control(simulator, "GET", "/marketplace/discussions?login=demo-api").json() == []


def test_shipment_refused_also_refunds_a_line_the_customer_asked_to_cancel(simulator, token):
    number = add(simulator, "WaitingForShipmentAcceptation")
    control(
        simulator, "POST", f"/marketplace/orders/{number}/customer-cancellation", line_ids=["SKU-1"]
    )

    validate(simulator, token, validate_order(number, "ShipmentRefusedBySeller"))

    assert {line[1] for line in lines_of(read_order(simulator, token, number))} == {
        "RefundedAfterShipmentRefused"
    }
