"""OctopiaClient after the sale (§O7-§O9) against mocked HTTP: what it sends, how tolerantly it
reads the [unconfirmed] answers, and the sentences it turns refusals into."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from channels.cdiscount import AfterSaleReason, DiscussionKind, Outcome, errors
from channels.cdiscount._octopia_parse import read_order
from tests.cdiscount.support import assert_no_secret
from tests.cdiscount.test_octopia_client import (
    API_URL,
    OLD_TOKEN,
    PROBLEM_JSON,
    SECRETS,
    SELLER_ID,
    make_client,
    problem,
)

ORDER_ID = "SCID01260325142759UT8E"


def order(status="InPreparation"):
    line = {
        "status": status,
        "quantity": 1,
        "offer": {"sellerProductId": "SKU-1", "supplyMode": "Seller"},
        "totalPrice": {"sellingPrice": 20.0, "shippingCost": 4.9},
    }
    return read_order(
        {
            "orderId": ORDER_ID,
            "reference": "2611270930ABCDE",
            "status": status,
            "lines": [{**line, "orderLineId": "1"}, {**line, "orderLineId": "2"}],
        }
    )


def add_problem(rsps, method, url, status, *problem_args):
    """Octopia refusing: an RFC 7807 problem (§O2)."""
    getattr(rsps, method)(
        url, status=status, body=problem(*problem_args), content_type=PROBLEM_JSON
    )


def sent(call):
    request = call.request
    assert request.headers["Authorization"] == f"Bearer {OLD_TOKEN}"
    assert request.headers["SellerId"] == SELLER_ID
    return json.loads(request.body) if request.body else None


def query(call):
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


# §O7 cancelling


def test_reasons_are_asked_for_the_seller_before_shipment_and_read_in_any_listing_form(rsps):
    rsps.get(f"{API_URL}/cancellation-reasons", json={"items": [{"id": "a", "label": "A"}, "b"]})
    with make_client() as client:
        reasons = client.cancellation_reasons()
    assert [(r.code, r.label) for r in reasons] == [("a", "A"), ("b", None)]
    assert query(rsps.calls[0]) == {
        "salesChannel": "CDISFR",
        "userType": "Seller",
        "orderStatus": "InPreparation",
    }


def test_a_whole_order_cancellation_sends_the_documented_body(rsps):
    rsps.post(f"{API_URL}/order-cancellation-requests", status=201, json={"requestId": "R1"})
    with make_client() as client:
        request = client.order_cancel(order(), reason=AfterSaleReason.OUT_OF_STOCK)
    assert sent(rsps.calls[0]) == {
        "orderSellerId": ORDER_ID,
        "reason": "seller-out-of-stock",
        "shippingCostRefund": True,
    }
    assert rsps.calls[0].request.headers["Content-Type"] == "application/json"
    assert (request.request_id, request.status, request.state, request.line_ids) == (
        "R1",
        "Pending",
        Outcome.PENDING,
        (),
    )


def test_a_partial_cancellation_names_each_line_and_reads_the_other_id_key(rsps):
    rsps.post(
        f"{API_URL}/order-partial-cancellation-requests",
        status=201,
        json={"cancellationRequestId": "R2", "status": "Pending"},
    )
    with make_client() as client:
        request = client.order_cancel(order(), lines=["2"], reason=AfterSaleReason.OUT_OF_STOCK)
    assert sent(rsps.calls[0]) == {
        "orderSellerId": ORDER_ID,
        "lines": [
            {
                "lineId": "2",
                "offerId": "SKU-1",
                "reason": "seller-out-of-stock",
                "shippingCostRefund": True,
            }
        ],
    }
    assert (request.request_id, request.line_ids) == ("R2", ("2",))


def test_a_created_request_without_a_body_takes_its_id_from_location(rsps):
    rsps.post(
        f"{API_URL}/order-cancellation-requests",
        status=201,
        headers={"Location": f"{API_URL}/order-cancellation-requests/R9"},
    )
    with make_client() as client:
        assert client.order_cancel(order(), reason=AfterSaleReason.PRICE_ERROR).request_id == "R9"


@pytest.mark.parametrize(
    ("line_ids", "error"),
    [
        ([], "at least one line"),
        (["7"], "has no line 7"),
        ("1", "not one string"),
        (None, "not one this API takes"),
    ],
)
def test_partial_cancellation_arguments_are_checked_before_any_call(rsps, line_ids, error):
    # The last case: a reason Octopia has no cancellation code for.
    reason = AfterSaleReason.OUT_OF_STOCK if line_ids is not None else AfterSaleReason.OTHER
    with make_client() as client, pytest.raises((ValueError, TypeError), match=error):
        client.order_cancel(order(), lines=line_ids, reason=reason)


def test_a_refused_line_level_request_says_so_and_offers_the_whole_order(rsps, cdiscount_logs):
    add_problem(
        rsps,
        "post",
        f"{API_URL}/order-partial-cancellation-requests",
        400,
        400,
        "Bad Request",
        "Partial cancellation is not available",
    )
    with make_client() as client, pytest.raises(errors.CancellationRefusedError) as refused:
        client.order_cancel(order(), lines=["1"], reason=AfterSaleReason.OUT_OF_STOCK)
    error = refused.value
    assert error.whole_order_offered
    assert str(error).startswith(
        "Cdiscount refused the cancellation of some lines of order 2611270930ABCDE (line 1): "
        "only a whole-order cancellation is possible: Bad Request: Partial cancellation"
    )
    assert (error.status, error.trace_id) == (400, "00-4bf92f3577b34da6a3ce929d0e0e4736-01")
    assert isinstance(error, errors.RejectedError)
    assert_no_secret(error, cdiscount_logs, *SECRETS)


@pytest.mark.parametrize(
    ("status", "order_status", "expected"),
    [
        (409, "InPreparation", "it can no longer be cancelled"),
        (400, "Shipped", "it can no longer be cancelled"),
        (404, "InPreparation", "does not know order 2611270930ABCDE"),
        (422, "InPreparation", "check the reason given"),
    ],
)
def test_a_refused_whole_order_cancellation_says_what_to_do(rsps, status, order_status, expected):
    rsps.post(
        f"{API_URL}/order-cancellation-requests",
        status=status,
        body=problem(status, "Refused"),
        content_type=PROBLEM_JSON,
    )
    with make_client() as client, pytest.raises(errors.CancellationRefusedError) as refused:
        client.order_cancel(order(order_status), reason=AfterSaleReason.OUT_OF_STOCK)
    assert expected in str(refused.value)
    assert not refused.value.whole_order_offered


def test_follow_up_reads_each_requests_outcome_and_ignores_other_orders(rsps):
    rsps.get(
        f"{API_URL}/order-cancellation-requests",
        json=[
            {"requestId": "R1", "orderSellerId": ORDER_ID, "status": "Accepted"},
            {"id": "R2", "orderId": ORDER_ID, "state": "Rejected", "refusalReason": "Shipped"},
            {"requestId": "R3", "orderSellerId": ORDER_ID, "status": "InProgress"},
            {"requestId": "R4", "orderSellerId": "SCID-OTHER", "status": "Accepted"},
        ],
    )
    with make_client() as client:
        found = client.order_cancellations(order())
    assert query(rsps.calls[0]) == {"orderSellerId": ORDER_ID}
    assert [(r.request_id, r.state, r.message) for r in found] == [
        ("R1", Outcome.ACCEPTED, None),
        ("R2", Outcome.REFUSED, "Shipped"),
        ("R3", Outcome.PENDING, None),
    ]


# §O8 commercial gestures


@pytest.mark.parametrize(
    "answer",
    [
        {"allowableAmount": 44.9},
        {"allowableAmount": {"amount": 44.9, "currencyCode": "EUR"}},
        [{"allowableAmount": "44.90"}],
    ],
)
def test_the_allowance_is_read_in_any_form(rsps, answer):
    rsps.get(f"{API_URL}/orders/{ORDER_ID}/commercial-gestures-available-amounts", json=answer)
    with make_client() as client:
        allowance = client.refund_allowance(order("Shipped"))
    assert (allowance.amount, allowance.currency) == (Decimal("44.9"), "EUR")


def test_a_refund_sends_the_documented_body_and_keeps_what_was_asked(rsps):
    rsps.post(f"{API_URL}/order-commercial-gesture-requests", status=201, json={"id": "G1"})
    with make_client() as client:
        refund = client.order_refund(
            order("Shipped"), amount=Decimal("12.5"), reason=AfterSaleReason.OTHER, details=" Lost "
        )
    assert sent(rsps.calls[0]) == {
        "orderId": ORDER_ID,
        "reason": "Other",
        "amount": 12.5,
        "reasonDetails": "Lost",
    }
    assert (refund.refund_id, refund.amount, refund.reason_code, refund.state) == (
        "G1",
        Decimal("12.5"),
        "Other",
        Outcome.PENDING,
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"amount": Decimal("0"), "reason": AfterSaleReason.MISSING_PRODUCT}, "more than 0"),
        ({"amount": 5, "reason": AfterSaleReason.MISSING_PRODUCT}, "Decimal"),
        ({"amount": Decimal("5"), "reason": AfterSaleReason.OTHER}, "details are required"),
        ({"amount": Decimal("5"), "reason": " "}, "reason must be an AfterSaleReason"),
        ({"reason": AfterSaleReason.MISSING_PRODUCT}, "give an amount, or the lines"),
    ],
)
def test_refund_arguments_are_checked_before_any_call(rsps, kwargs, error):
    with make_client() as client, pytest.raises((ValueError, TypeError), match=error):
        client.order_refund(order("Shipped"), **kwargs)


def test_lines_are_refunded_as_a_gesture_of_their_amount(rsps):
    rsps.post(f"{API_URL}/order-commercial-gesture-requests", status=201, json={"id": "G2"})
    with make_client() as client:
        refund = client.order_refund(
            order("Shipped"), lines=["2"], reason=AfterSaleReason.DAMAGED_PRODUCT
        )
    assert sent(rsps.calls[0]) == {
        "orderId": ORDER_ID,
        "reason": "Other",
        "amount": 20.0,
        "reasonDetails": "Product damaged: lines SKU-1",
    }
    assert (refund.amount, [item.kind for item in refund.items]) == (Decimal("20"), ["gesture"])


def test_a_refused_refund_is_a_sentence_with_cdiscounts_words(rsps):
    add_problem(
        rsps,
        "post",
        f"{API_URL}/order-commercial-gesture-requests",
        400,
        400,
        "Bad Request",
        "The amount 60.00 exceeds the allowable amount 49.80",
    )
    with make_client() as client, pytest.raises(errors.RefundRefusedError) as refused:
        client.order_refund(
            order("Shipped"), amount=Decimal("60"), reason=AfterSaleReason.MISSING_PRODUCT
        )
    (item,) = refused.value.result.items
    assert (item.state, item.amount) == (Outcome.REFUSED, Decimal("60"))
    assert str(refused.value).startswith(
        "Cdiscount refused the refund of 60.00 EUR on order 2611270930ABCDE"
    )
    assert "exceeds the allowable amount 49.80" in str(refused.value)


def test_refunds_follow_the_cursor_from_the_body_or_the_link_header(rsps):
    url = f"{API_URL}/order-commercial-gesture-requests"
    rsps.get(url, json={"items": [{"id": "G1", "orderId": ORDER_ID}], "nextCursor": "c2"})
    rsps.get(
        url,
        json={"items": [{"id": "G2", "orderId": ORDER_ID, "status": "Refunded"}]},
        headers={"Link": f'<{url}?orderId={ORDER_ID}&cursor=c3>; rel="next"'},
    )
    rsps.get(url, json={"items": [{"id": "G3", "amount": {"amount": 2}}]})
    with make_client() as client:
        refunds = client.order_refunds(order("Shipped"))
    assert [(r.refund_id, r.state, r.amount) for r in refunds] == [
        ("G1", Outcome.PENDING, None),
        ("G2", Outcome.ACCEPTED, None),
        ("G3", Outcome.PENDING, Decimal("2")),
    ]
    assert [query(call).get("cursor") for call in rsps.calls] == [None, "c2", "c3"]
    assert query(rsps.calls[0]) == {"orderId": ORDER_ID, "limit": "50"}


def test_a_cursor_coming_back_is_malformed_not_an_endless_loop(rsps):
    url = f"{API_URL}/order-commercial-gesture-requests"
    for _ in range(2):
        rsps.get(url, json={"items": [{"id": "G1", "orderId": ORDER_ID}], "nextCursor": "same"})
    with make_client() as client, pytest.raises(errors.MalformedResponseError, match="twice"):
        client.order_refunds(order("Shipped"))


# §O9 discussions


def test_discussions_are_asked_with_their_filters_and_read_tolerantly(rsps):
    rsps.get(
        f"{API_URL}/discussions",
        json={
            "items": [
                {
                    "discussionId": "D1",
                    "order": {"orderId": ORDER_ID},
                    "typologyCode": "productIsDamaged",
                    "graduation": "Claim",
                    "isOpen": True,
                    "processStatus": "ToTreat",
                },
                {"id": "D2", "graduation": "Level_1", "status": "Closed"},
                {"id": "D3", "graduation": "Discussion"},
                {"subject": "no id: skipped"},
            ]
        },
    )
    with make_client() as client:
        found = list(
            client.discussions(
                open_only=True, claims_only=True, since=datetime(2026, 11, 1, tzinfo=UTC)
            )
        )
    assert query(rsps.calls[0]) == {
        "isOpen": "true",
        "updatedAtMin": "2026-11-01T00:00:00Z",
        "pageIndex": "1",
        "pageSize": "100",
    }
    # Octopia has no graduation filter: D3, no claim, is left out by the client.
    assert [
        (d.discussion_id, d.order_id, d.is_claim, d.escalated, d.open, d.to_answer) for d in found
    ] == [("D1", ORDER_ID, True, False, True, True), ("D2", None, True, True, False, False)]
    assert [d.kind for d in found] == [DiscussionKind.CLAIM, DiscussionKind.ESCALATED]
    assert found[0].typology == "productIsDamaged"


def test_a_discussion_comes_with_its_messages_oldest_first(rsps):
    rsps.get(
        f"{API_URL}/discussions/D1",
        json={
            "discussion": {"id": "D1", "isOpen": True},
            "messages": [
                {
                    "content": "Second",
                    "sender": {"type": "Seller"},
                    "createdAt": "2026-11-02T10:00:00Z",
                },
                {
                    "body": "First",
                    "sender": "Customer",
                    "createdAt": "2026-11-01T10:00:00Z",
                    "hasRead": True,
                },
                {"sender": "Customer"},
            ],
        },
    )
    with make_client() as client:
        discussion = client.discussion("D1")
    assert [(m.body, m.sender, m.read) for m in discussion.messages] == [
        ("First", "Customer", True),
        ("Second", "Seller", None),
    ]
    assert discussion.last_customer_message_at == datetime(2026, 11, 1, 10, tzinfo=UTC)


def test_a_reply_and_a_close_send_the_documented_forms(rsps):
    rsps.post(f"{API_URL}/messages", status=201, json={"messageId": "M1"})
    rsps.patch(f"{API_URL}/discussions/D1", status=204)
    with make_client() as client:
        client.discussion_reply("D1", " Hello ")
        closed = client.discussion_close("D1")
    assert (closed.discussion_id, closed.closed) == ("D1", True)
    assert sent(rsps.calls[0]) == {"discussionId": "D1", "body": "Hello", "receiver": "Customer"}
    assert sent(rsps.calls[1]) == [{"op": "replace", "path": "/isOpen", "value": False}]
    assert rsps.calls[1].request.headers["Content-Type"] == "application/json-patch+json"


def test_a_reply_to_a_closed_discussion_is_refused_with_a_sentence(rsps):
    add_problem(
        rsps, "post", f"{API_URL}/messages", 409, 409, "Conflict", "Discussion D1 is closed."
    )
    with make_client() as client, pytest.raises(errors.RejectedError) as refused:
        client.discussion_reply("D1", "Hello")
    assert str(refused.value).startswith(
        "Cdiscount refused the message on discussion D1: the discussion is closed or escalated"
    )


def test_a_refused_close_is_an_outcome_with_a_sentence(rsps):
    add_problem(
        rsps, "patch", f"{API_URL}/discussions/D1", 409, 409, "Conflict", "Discussion escalated."
    )
    with make_client() as client:
        result = client.discussion_close("D1")
    assert (result.closed, result.outcome) == (False, "refused")
    assert result.message.startswith(
        "Cdiscount refused to close discussion D1: the discussion is closed or escalated"
    )
