"""OctopiaClient orders and carriers (§O4) against mocked HTTP: requests, paging, mapping."""

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from channels.cdiscount import (
    Address,
    Carrier,
    Order,
    OrderLine,
    _octopia_parse,
    errors,
    octopia,
)
from tests.cdiscount.support import TokenLog, assert_no_secret
from tests.cdiscount.test_octopia_client import (
    API_URL,
    AUTH_URL,
    NEW_TOKEN,
    OLD_TOKEN,
    PROBLEM_JSON,
    SECRETS,
    SELLER_ID,
    TOKEN_EXPIRED,
    add_token_ok,
    make_client,
    problem,
    problem_answer,
)

ORDERS_URL = f"{API_URL}/orders"
CARRIERS_URL = f"{API_URL}/carriers"
FROM = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
TO = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

LEFEVRE_BILLING = {
    "civility": "MRS",
    "firstName": "Élodie",
    "lastName": "Lefèvre",
    "companyName": None,
    "addressLine1": "12 rue de l'Église",
    "addressLine2": None,
    "city": "Besançon",
    "postalCode": "25000",
    "countryCode": "FR",
    "phone": "0612345678",
    "email": "elodie.lefevre.8f3k2@cdiscount-clients.fr",
}
LEFEVRE_SHIPPING = {
    "civility": "MRS",
    "firstName": "Élodie",
    "lastName": "Lefèvre",
    "companyName": "Fromagerie Lefèvre & Fils",
    "addressLine1": "4 chemin des Prés-Fleuris",
    "addressLine2": "Bâtiment C, 2ᵉ étage",
    "city": "Saint-Étienne",
    "postalCode": "42000",
    "countryCode": "FR",
    "phone": "0477123456",
    "email": "elodie.lefevre.8f3k2@cdiscount-clients.fr",
    "instructions": "Sonner à l'interphone « Lefèvre »",
}

PAID_ORDER = {
    "orderId": "SCID01261127083000AB12",
    "reference": "2611270830K7QXZ",
    "salesChannel": {"id": "CDISFR"},
    "seller": {"id": "98979"},
    "status": "InPreparation",
    "createdAt": "2026-11-27T08:30:00Z",
    "purchasedAt": "2026-11-27T08:30:00Z",
    "updatedAt": "2026-11-27T08:47:12.345Z",
    "shippedAtMax": "2026-11-29T17:00:00Z",
    "currencyCode": "EUR",
    "payment": {"method": "Card"},
    "billingAddress": LEFEVRE_BILLING,
    "somethingNew": {"nested": [1, 2, 3]},
    "lines": [
        {
            "orderLineId": "1",
            "status": "InPreparation",
            "quantity": 2,
            "offer": {
                "sellerProductId": "THE-VERT-BIO-100G",
                "productGtin": "3760452700039",
                "supplyMode": "Seller",
                "condition": "New",
                "productTitle": "Thé vert bio Sencha – sachet 100 g",
            },
            "totalPrice": {"sellingPrice": 39.80, "shippingCost": 4.90},
            "shippingAddress": LEFEVRE_SHIPPING,
            "deliveryMode": {"code": "THD"},
            "parcels": [],
        },
        {
            "orderLineId": "2",
            "status": "InPreparation",
            "quantity": 3,
            "offer": {
                "sellerProductId": "TASSE-GRES-35CL",
                "productGtin": "3760452700046",
                "supplyMode": "Seller",
            },
            "totalPrice": {"sellingPrice": 25.00, "shippingCost": 2.50},
            "shippingAddress": LEFEVRE_SHIPPING,
            "deliveryMode": {"code": "THD"},
            "parcels": [],
        },
        {
            "orderLineId": "3",
            "status": "InPreparation",
            "quantity": 1,
            "offer": {
                "sellerProductId": "BOUILLOIRE-INOX",
                "productGtin": "3760452700053",
                "supplyMode": "Octopia",
            },
            "totalPrice": {"sellingPrice": 12.99, "shippingCost": 0},
            "shippingAddress": LEFEVRE_SHIPPING,
            "deliveryMode": {"code": "THD"},
            "parcels": [],
        },
    ],
}

# §O4: unpaid orders carry no address yet.
UNPAID_ORDER = {
    "orderId": "SCID01261127091500CD34",
    "reference": "2611270915M2PLR",
    "status": "WaitingAcceptance",
    "createdAt": "2026-11-27T09:15:00Z",
    "updatedAt": "2026-11-27T09:15:00Z",
    "shippedAtMax": None,
    "currencyCode": "EUR",
    "billingAddress": None,
    "lines": [
        {
            "orderLineId": "1",
            "status": "WaitingAcceptance",
            "quantity": 1,
            "offer": {
                "sellerProductId": "MIEL-ACACIA-500G",
                "productGtin": "3760452700060",
                "supplyMode": "Seller",
            },
            "totalPrice": {"sellingPrice": 9.90, "shippingCost": 3.90},
            "shippingAddress": None,
        }
    ],
}


def order_with(index, status="InPreparation"):
    """A small, valid order; `index` makes the ids unique."""
    order = copy.deepcopy(UNPAID_ORDER)
    order["orderId"] = f"SCID0126112709{index:08d}"
    order["reference"] = f"2611270915{index:05d}"
    order["status"] = status
    return order


def page(orders):
    return {"itemsPerPage": len(orders), "items": orders}


def add_page(rsps, orders, **kwargs):
    rsps.get(ORDERS_URL, json=page(orders), **kwargs)


def query(request):
    return parse_qs(urlsplit(request.url).query, keep_blank_values=True, strict_parsing=True)


def assert_api_headers(request, token, *, body=False):
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert request.headers["SellerId"] == SELLER_ID
    assert request.headers["Accept"] == "application/json"
    if body:
        assert request.headers["Content-Type"] == "application/json"
    else:
        assert "Content-Type" not in request.headers
        assert request.body is None
    assert request.req_kwargs["timeout"] == 12.5


# -- list_orders: the request ---------------------------------------------------------------


def test_list_orders_sends_the_filter_of_o4(rsps):
    add_page(rsps, [PAID_ORDER, UNPAID_ORDER])

    orders = list(make_client().list_orders(updated_from=FROM, updated_to=TO))

    assert [order.order_id for order in orders] == [
        "SCID01261127083000AB12",
        "SCID01261127091500CD34",
    ]
    (call,) = rsps.calls
    request = call.request
    assert request.method == "GET"
    assert urlsplit(request.url)._replace(query="").geturl() == ORDERS_URL
    assert_api_headers(request, OLD_TOKEN)
    assert query(request) == {
        "salesChannelId": ["CDISFR"],
        "updatedAtMin": ["2026-11-27T08:00:00Z"],
        "updatedAtMax": ["2026-11-27T09:00:00Z"],
        "status": [",".join(octopia.ORDER_STATUSES)],
        "pageIndex": ["1"],
        "pageSize": ["100"],
        "sort": ["updatedAt"],
    }
    assert query(request)["status"] == [
        "Processing,WaitingAcceptance,Accepted,InPreparation,Shipped,Delivered,"
        "Refused,Cancelled,Rejected"
    ]


def test_list_orders_with_statuses_and_other_time_zones(rsps):
    add_page(rsps, [])
    paris_winter = timezone(timedelta(hours=1))
    list(
        make_client().list_orders(
            updated_from=datetime(2026, 11, 27, 9, 0, 0, 999_999, tzinfo=paris_winter),
            updated_to=datetime(2026, 11, 27, 10, 30, 0, 1, tzinfo=paris_winter),
            statuses=["InPreparation", "WaitingAcceptance"],
        )
    )
    params = query(rsps.calls[0].request)
    # Whole seconds, never narrower than asked: the start rounds down, the end up.
    assert params["updatedAtMin"] == ["2026-11-27T08:00:00Z"]
    assert params["updatedAtMax"] == ["2026-11-27T09:30:01Z"]
    assert params["status"] == ["InPreparation,WaitingAcceptance"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"updated_from": datetime(2026, 11, 27, 8, 0)}, ValueError),
        ({"updated_to": datetime(2026, 11, 27, 9, 0)}, ValueError),
        ({"updated_from": TO, "updated_to": FROM}, ValueError),
        ({"statuses": []}, ValueError),
        ({"statuses": [" "]}, ValueError),
        ({"statuses": "InPreparation"}, TypeError),
    ],
    ids=["naive-from", "naive-to", "reversed", "no-status", "blank-status", "string-status"],
)
def test_list_orders_checks_its_arguments_before_any_call(rsps, kwargs, error):
    arguments = {"updated_from": FROM, "updated_to": TO, **kwargs}
    with pytest.raises(error):
        make_client().list_orders(**arguments)  # raised at the call, not at iteration
    assert len(rsps.calls) == 0


# -- list_orders: paging --------------------------------------------------------------------


def test_paging_stops_on_a_short_page_and_is_lazy(rsps):
    first = [order_with(i) for i in range(100)]
    second = [order_with(i) for i in range(100, 137)]
    add_page(rsps, first)
    add_page(rsps, second)

    listing = make_client().list_orders(updated_from=FROM, updated_to=TO)
    assert len(rsps.calls) == 0  # a generator: nothing asked before the first order is wanted
    assert next(listing).order_id == first[0]["orderId"]
    assert len(rsps.calls) == 1  # the second page is not asked while the first is read
    rest = list(listing)

    assert len(rest) == 136
    assert [call.request.method for call in rsps.calls] == ["GET", "GET"]
    assert [query(call.request)["pageIndex"] for call in rsps.calls] == [["1"], ["2"]]
    for call in rsps.calls:
        params = query(call.request)
        assert params["pageSize"] == ["100"]
        assert params["sort"] == ["updatedAt"]
        assert params["updatedAtMin"] == ["2026-11-27T08:00:00Z"]


def test_a_full_last_page_costs_one_empty_page(rsps):
    add_page(rsps, [order_with(i) for i in range(100)])
    add_page(rsps, [])
    orders = list(make_client().list_orders(updated_from=FROM, updated_to=TO))
    assert len(orders) == 100
    assert [query(call.request)["pageIndex"] for call in rsps.calls] == [["1"], ["2"]]


def test_no_content_is_no_orders(rsps):
    rsps.get(ORDERS_URL, status=204, body="")
    assert list(make_client().list_orders(updated_from=FROM, updated_to=TO)) == []


def test_a_server_ignoring_page_index_is_not_asked_forever(rsps):
    same = [order_with(i) for i in range(100)]
    add_page(rsps, same)
    add_page(rsps, same)
    listing = make_client().list_orders(updated_from=FROM, updated_to=TO)
    with pytest.raises(errors.MalformedResponseError, match="page 2 repeats page 1"):
        list(listing)
    assert len(rsps.calls) == 2


# -- list_orders: failures mid-listing -------------------------------------------------------


def test_token_expiring_mid_listing_is_renewed_once_and_the_listing_continues(rsps):
    add_page(rsps, [order_with(i) for i in range(100)])
    rsps.get(ORDERS_URL, **TOKEN_EXPIRED)
    add_token_ok(rsps)
    add_page(rsps, [order_with(i) for i in range(100, 105)])
    received = TokenLog()
    client = make_client(token_store=received)

    orders = list(client.list_orders(updated_from=FROM, updated_to=TO))

    assert len(orders) == 105
    assert len({order.order_id for order in orders}) == 105
    assert [(c.request.method, c.request.url.split("?")[0]) for c in rsps.calls] == [
        ("GET", ORDERS_URL),
        ("GET", ORDERS_URL),
        ("POST", AUTH_URL),
        ("GET", ORDERS_URL),
    ]
    assert [query(rsps.calls[i].request)["pageIndex"] for i in (0, 1, 3)] == [["1"], ["2"], ["2"]]
    assert_api_headers(rsps.calls[1].request, OLD_TOKEN)
    assert_api_headers(rsps.calls[3].request, NEW_TOKEN)
    assert [token.value for token in received] == [NEW_TOKEN]


def test_second_401_mid_listing_raises(rsps, cdiscount_logs):
    add_page(rsps, [order_with(i) for i in range(100)])
    unauthorized = problem_answer(401, "Unauthorized", f"Token {OLD_TOKEN} revoked")
    rsps.get(ORDERS_URL, **unauthorized)
    add_token_ok(rsps)
    rsps.get(ORDERS_URL, **unauthorized)
    listing = make_client().list_orders(updated_from=FROM, updated_to=TO)
    seen = []
    with pytest.raises(errors.TokenRejectedError) as caught:
        for order in listing:
            seen.append(order)
    assert len(seen) == 100
    assert len(rsps.calls) == 4
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            {
                "status": 429,
                "headers": {"Retry-After": "30"},
                "content_type": PROBLEM_JSON,
                "body": problem(429, "Too Many Requests", trace_id="trace-429"),
            },
            errors.RateLimitError,
        ),
        (
            {
                "status": 503,
                "content_type": PROBLEM_JSON,
                "body": problem(503, "Service Unavailable", trace_id="trace-503"),
            },
            errors.ServerError,
        ),
        ({"status": 502, "content_type": "text/html", "body": "<html>Bad Gateway</html>"}, None),
        (
            {"status": 200, "content_type": "text/html", "body": "<html>Maintenance</html>"},
            errors.MalformedResponseError,
        ),
        (
            {"status": 200, "content_type": "application/json", "body": '{"items": [{"orderId"'},
            errors.MalformedResponseError,
        ),
        ({"status": 200, "json": {"items": {"orderId": "X"}}}, errors.MalformedResponseError),
        ({"status": 200, "json": [order_with(1)]}, errors.MalformedResponseError),
        ({"status": 200, "json": {"orders": []}}, errors.MalformedResponseError),
        ({"status": 200, "json": page(["SCID1"])}, errors.MalformedResponseError),
        (
            {"status": 200, "json": page([{**order_with(1), "orderId": None}])},
            errors.MalformedResponseError,
        ),
        (
            {"status": 200, "json": page([{**order_with(1), "status": ""}])},
            errors.MalformedResponseError,
        ),
    ],
    ids=[
        "429",
        "503",
        "502-html",
        "html",
        "truncated",
        "items-not-list",
        "bare-list",
        "no-items",
        "order-not-object",
        "order-without-id",
        "order-without-status",
    ],
)
def test_failures_mid_listing_raise_the_right_error(rsps, answer, error, cdiscount_logs):
    error = error or errors.ServerError
    add_page(rsps, [order_with(i) for i in range(100)])
    rsps.get(ORDERS_URL, **answer)
    seen = []
    with pytest.raises(error) as caught:
        for order in make_client().list_orders(updated_from=FROM, updated_to=TO):
            seen.append(order)
    assert len(seen) == 100  # the first page was handed over before the failure
    assert len(rsps.calls) == 2  # no in-process retry
    exc = caught.value
    if error is errors.RateLimitError:
        assert exc.retry_after == 30.0
        assert exc.trace_id == "trace-429"
    if answer["status"] == 503:
        assert exc.trace_id == "trace-503"
    assert isinstance(exc, errors.TransientError) == (answer["status"] != 200)
    assert_no_secret(exc, cdiscount_logs, *SECRETS)


def test_a_malformed_order_names_itself(rsps):
    broken = order_with(7)
    broken["lines"][0]["quantity"] = "deux"
    add_page(rsps, [broken])
    with pytest.raises(errors.MalformedResponseError) as caught:
        list(make_client().list_orders(updated_from=FROM, updated_to=TO))
    assert broken["orderId"] in str(caught.value)
    assert "quantity" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda line: line.pop("orderLineId"), "orderLineId"),
        (lambda line: line["offer"].pop("sellerProductId"), "sellerProductId"),
        (lambda line: line.pop("quantity"), "quantity"),
        (lambda line: line.__setitem__("quantity", 1.5), "quantity"),
        (lambda line: line.__setitem__("quantity", -1), "quantity"),
        (lambda line: line.pop("totalPrice"), "sellingPrice"),
        (lambda line: line["totalPrice"].__setitem__("sellingPrice", "NaN"), "sellingPrice"),
        (lambda line: line["totalPrice"].__setitem__("shippingCost", True), "shippingCost"),
    ],
    ids=[
        "no-line-id",
        "no-sku",
        "no-quantity",
        "fractional-quantity",
        "negative-quantity",
        "no-price",
        "nan-price",
        "bool-shipping",
    ],
)
def test_a_line_without_what_matters_is_malformed(rsps, change, what):
    broken = order_with(3)
    change(broken["lines"][0])
    add_page(rsps, [broken])
    with pytest.raises(errors.MalformedResponseError, match=what):
        list(make_client().list_orders(updated_from=FROM, updated_to=TO))


def test_a_bad_date_is_malformed(rsps):
    add_page(rsps, [{**order_with(1), "updatedAt": "hier"}])
    with pytest.raises(errors.MalformedResponseError, match="updatedAt"):
        list(make_client().list_orders(updated_from=FROM, updated_to=TO))


# -- mapping ----------------------------------------------------------------------------------


def expected_shipping_address():
    return Address(
        civility="MRS",
        first_name="Élodie",
        last_name="Lefèvre",
        company_name="Fromagerie Lefèvre & Fils",
        line1="4 chemin des Prés-Fleuris",
        line2="Bâtiment C, 2ᵉ étage",
        postal_code="42000",
        city="Saint-Étienne",
        country_code="FR",
        phone="0477123456",
        email="elodie.lefevre.8f3k2@cdiscount-clients.fr",
        instructions="Sonner à l'interphone « Lefèvre »",
        relay_id=None,
    )


def test_a_paid_order_is_mapped_field_by_field(rsps):
    add_page(rsps, [PAID_ORDER])
    (order,) = make_client().list_orders(updated_from=FROM, updated_to=TO)

    assert replace(order, raw_payload="") == Order(
        order_id="SCID01261127083000AB12",
        reference="2611270830K7QXZ",
        status="InPreparation",
        paid=True,
        awaiting_acceptance=False,
        closed=False,
        created_at=datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
        updated_at=datetime(2026, 11, 27, 8, 47, 12, 345000, tzinfo=UTC),
        ship_by=datetime(2026, 11, 29, 17, 0, tzinfo=UTC),
        currency="EUR",
        customer_name="Élodie Lefèvre",
        billing_address=Address(
            civility="MRS",
            first_name="Élodie",
            last_name="Lefèvre",
            company_name=None,
            line1="12 rue de l'Église",
            line2=None,
            postal_code="25000",
            city="Besançon",
            country_code="FR",
            phone="0612345678",
            email="elodie.lefevre.8f3k2@cdiscount-clients.fr",
            instructions=None,
            relay_id=None,
        ),
        shipping_address=expected_shipping_address(),
        total_amount=Decimal("85.19"),  # 39.80 + 25.00 + 12.99 + 4.90 + 2.50 + 0
        shipping_total=Decimal("7.40"),
        commission=None,
        lines=(
            OrderLine(
                line_id="1",
                sku="THE-VERT-BIO-100G",
                ean="3760452700039",
                name="Thé vert bio Sencha – sachet 100 g",
                quantity=2,
                unit_price=Decimal("19.90"),
                total_price=Decimal("39.8"),
                shipping_cost=Decimal("4.9"),
                status="InPreparation",
                seller_fulfilled=True,
                condition="New",
            ),
            OrderLine(
                line_id="2",
                sku="TASSE-GRES-35CL",
                ean="3760452700046",
                name=None,
                quantity=3,
                unit_price=Decimal("8.33"),  # 25.00 / 3, rounded to cents
                total_price=Decimal("25.0"),
                shipping_cost=Decimal("2.5"),
                status="InPreparation",
                seller_fulfilled=True,
                condition=None,
            ),
            OrderLine(
                line_id="3",
                sku="BOUILLOIRE-INOX",
                ean="3760452700053",
                name=None,
                quantity=1,
                unit_price=Decimal("12.99"),
                total_price=Decimal("12.99"),
                shipping_cost=Decimal("0"),
                status="InPreparation",
                seller_fulfilled=False,  # supplyMode Octopia: not the seller's to ship
                condition=None,
            ),
        ),
        raw_payload="",
    )
    # The order's JSON, unknown fields included, for support.
    assert json.loads(order.raw_payload) == PAID_ORDER
    assert "Lefèvre" in order.raw_payload  # kept readable, not \\u-escaped
    assert order.created_at.utcoffset() == timedelta(0)
    assert all(isinstance(line.unit_price, Decimal) for line in order.lines)
    assert "raw_payload" not in repr(order)


def test_an_unpaid_order_has_no_address(rsps):
    add_page(rsps, [UNPAID_ORDER])
    (order,) = make_client().list_orders(updated_from=FROM, updated_to=TO)
    assert (order.paid, order.awaiting_acceptance, order.closed) == (False, True, False)
    assert order.billing_address is None
    assert order.shipping_address is None
    assert order.customer_name is None
    assert order.ship_by is None
    assert order.total_amount == Decimal("13.80")
    assert order.shipping_total == Decimal("3.90")


def test_an_order_level_total_and_tolerated_shapes(rsps):
    order = copy.deepcopy(PAID_ORDER)
    order["totalPrice"] = {"sellingPrice": "77.79", "shippingCost": "7.40"}
    order["orderId"] = 12345678  # a number where a string was expected
    order["createdAt"] = "2026-11-27T09:30:00.1234567+01:00"
    order["updatedAt"] = "2026-11-27T08:47:12"  # naive: read as UTC
    order.pop("currencyCode")
    order.pop("reference")
    order["shippingAddress"] = {**LEFEVRE_SHIPPING, "addressLine3": "Lieu-dit Le Moulin"}
    order["customer"] = {"firstName": "Élodie", "lastName": "Lefèvre-Martin"}
    order["lines"][0]["totalPrice"]["sellingPrice"] = "39.80"
    order["lines"][1]["totalPrice"].pop("shippingCost")
    order["lines"][1]["offer"]["supplyMode"] = "seller"
    add_page(rsps, [order])

    (mapped,) = make_client().list_orders(updated_from=FROM, updated_to=TO)

    assert mapped.order_id == "12345678"
    assert mapped.reference == "12345678"
    assert mapped.currency == "EUR"
    assert mapped.created_at == datetime(2026, 11, 27, 8, 30, 0, 123456, tzinfo=UTC)
    assert mapped.updated_at == datetime(2026, 11, 27, 8, 47, 12, tzinfo=UTC)
    assert mapped.total_amount == Decimal("85.19")
    assert mapped.shipping_total == Decimal("7.40")
    assert mapped.customer_name == "Élodie Lefèvre-Martin"
    assert mapped.shipping_address.line2 == "Bâtiment C, 2ᵉ étage, Lieu-dit Le Moulin"
    assert mapped.lines[0].total_price == Decimal("39.80")
    assert mapped.lines[1].shipping_cost == Decimal("0")
    assert mapped.lines[1].seller_fulfilled is True


def test_a_line_of_zero_units_keeps_its_total(rsps):
    order = order_with(9, "Cancelled")
    order["lines"][0]["quantity"] = 0
    order["lines"][0]["totalPrice"] = {"sellingPrice": 0, "shippingCost": 0}
    add_page(rsps, [order])
    (mapped,) = make_client().list_orders(updated_from=FROM, updated_to=TO)
    assert (mapped.lines[0].quantity, mapped.lines[0].unit_price) == (0, Decimal("0"))


FLAGS = {
    # status: (paid, awaiting_acceptance, closed), per §O4
    "Processing": (False, False, False),
    "WaitingAcceptance": (False, True, False),
    "Accepted": (False, False, False),
    "InPreparation": (True, False, False),
    "Shipped": (True, False, True),
    "Delivered": (True, False, True),
    "Refused": (False, False, True),
    "Cancelled": (False, False, True),
    "Rejected": (False, False, True),
}


def test_every_status_is_covered():
    assert set(FLAGS) == set(octopia.ORDER_STATUSES)


@pytest.mark.parametrize(("status", "flags"), [*FLAGS.items(), ("SomethingNew", (False,) * 3)])
def test_paid_awaiting_closed_for_every_status(rsps, status, flags):
    add_page(rsps, [order_with(1, status)])
    (order,) = make_client().list_orders(updated_from=FROM, updated_to=TO)
    assert order.status == status
    assert (order.paid, order.awaiting_acceptance, order.closed) == flags


# -- get_order --------------------------------------------------------------------------------


def test_get_order(rsps):
    rsps.get(f"{ORDERS_URL}/SCID01261127083000AB12", json=PAID_ORDER)
    order = make_client().get_order("SCID01261127083000AB12")
    (call,) = rsps.calls
    assert call.request.url == f"{ORDERS_URL}/SCID01261127083000AB12"
    assert_api_headers(call.request, OLD_TOKEN)
    assert order.reference == "2611270830K7QXZ"
    assert len(order.lines) == 3


def test_get_order_quotes_the_id_as_one_path_segment(rsps):
    rsps.get(f"{ORDERS_URL}/A%2FB%3Fx%3D1", json={**PAID_ORDER, "orderId": "A/B?x=1"})
    assert make_client().get_order("A/B?x=1").order_id == "A/B?x=1"


def test_get_order_wrapped_in_items_is_tolerated(rsps):
    rsps.get(f"{ORDERS_URL}/SCID01261127083000AB12", json=page([PAID_ORDER]))
    assert make_client().get_order("SCID01261127083000AB12").status == "InPreparation"


def test_get_order_unknown_is_rejected(rsps):
    rsps.get(
        f"{ORDERS_URL}/NOPE",
        **problem_answer(404, "Not Found", "Order NOPE not found", trace_id="trace-404"),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_order("NOPE")
    assert caught.value.status == 404
    assert caught.value.trace_id == "trace-404"


@pytest.mark.parametrize(
    "body", [{"orderId": "X"}, [], {"items": []}], ids=["no-status", "list", "empty"]
)
def test_get_order_malformed(rsps, body):
    rsps.get(f"{ORDERS_URL}/X", json=body)
    with pytest.raises(errors.MalformedResponseError):
        make_client().get_order("X")


def test_get_order_refreshes_an_expired_token(rsps):
    url = f"{ORDERS_URL}/SCID01261127083000AB12"
    rsps.get(url, **problem_answer(401, "Unauthorized"))
    add_token_ok(rsps)
    rsps.get(url, json=PAID_ORDER)
    assert make_client().get_order("SCID01261127083000AB12").paid is True
    assert_api_headers(rsps.calls[2].request, NEW_TOKEN)


# -- accept / refuse --------------------------------------------------------------------------


def mapped(order_payload):
    return _octopia_parse.read_order(order_payload)


@pytest.mark.parametrize(
    ("method", "approval", "status"),
    [("accept_order", "Accepted", 204), ("refuse_order", "Refused", 200)],
)
def test_accept_and_refuse_post_the_approval_status(rsps, method, approval, status):
    url = f"{ORDERS_URL}/SCID01261127091500CD34/approval-status"
    rsps.post(
        url, status=status, body="" if status == 204 else "{}", content_type="application/json"
    )

    assert getattr(make_client(), method)(mapped(UNPAID_ORDER)) is None

    (call,) = rsps.calls
    assert call.request.method == "POST"
    assert call.request.url == url
    assert_api_headers(call.request, OLD_TOKEN, body=True)
    assert json.loads(call.request.body) == {"approval_status": approval}


def test_accept_in_the_wrong_state_is_rejected(rsps, cdiscount_logs):
    rsps.post(
        f"{ORDERS_URL}/SCID01261127083000AB12/approval-status",
        **problem_answer(
            400, "Bad Request", "Order is not in WaitingAcceptance status", trace_id="trace-acc"
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().accept_order(mapped(PAID_ORDER))
    assert "WaitingAcceptance" in caught.value.cdiscount_message
    assert caught.value.trace_id == "trace-acc"
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_accept_refreshes_an_expired_token_once(rsps):
    url = f"{ORDERS_URL}/SCID01261127091500CD34/approval-status"
    rsps.post(url, **problem_answer(401, "Unauthorized"))
    add_token_ok(rsps)
    rsps.post(url, status=204)
    make_client().accept_order(mapped(UNPAID_ORDER))
    assert [c.request.url for c in rsps.calls] == [url, AUTH_URL, url]
    assert json.loads(rsps.calls[2].request.body) == {"approval_status": "Accepted"}
    assert_api_headers(rsps.calls[2].request, NEW_TOKEN, body=True)


# -- ship -------------------------------------------------------------------------------------

SHIPMENTS_URL = f"{ORDERS_URL}/SCID01261127083000AB12/shipments"
TRACKING_URL = "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"


def test_ship_sends_one_parcel_with_the_seller_lines(rsps):
    rsps.post(SHIPMENTS_URL, status=201, json={"parcelNumber": "6A12345678901"})

    make_client().ship_order(
        mapped(PAID_ORDER),
        carrier="Colissimo",
        tracking_number="6A12345678901",
        tracking_url=TRACKING_URL,
    )

    (call,) = rsps.calls
    assert call.request.method == "POST"
    assert call.request.url == SHIPMENTS_URL
    assert_api_headers(call.request, OLD_TOKEN, body=True)
    assert json.loads(call.request.body) == [
        {
            "parcelNumber": "6A12345678901",
            "carrierName": "Colissimo",
            "trackingUrl": TRACKING_URL,
            "orderLineIds": ["1", "2"],  # line 3 is fulfilled by Octopia
        }
    ]


def test_ship_some_lines(rsps):
    rsps.post(SHIPMENTS_URL, status=201, body="")
    make_client().ship_order(
        mapped(PAID_ORDER),
        carrier="Chronopost",
        tracking_number=" XY123456789FR ",
        tracking_url="https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=XY123456789FR",
        line_ids=["2"],
    )
    (parcel,) = json.loads(rsps.calls[0].request.body)
    assert parcel["orderLineIds"] == ["2"]
    assert parcel["parcelNumber"] == "XY123456789FR"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"line_ids": ["9"]}, ValueError),
        ({"line_ids": []}, ValueError),
        ({"line_ids": "1"}, TypeError),
        ({"carrier": " "}, ValueError),
        ({"tracking_number": ""}, ValueError),
    ],
    ids=["unknown-line", "no-line", "string-line-ids", "no-carrier", "no-tracking"],
)
def test_ship_checks_its_arguments_before_any_call(rsps, kwargs, error):
    arguments = {
        "carrier": "Colissimo",
        "tracking_number": "6A12345678901",
        "tracking_url": TRACKING_URL,
        **kwargs,
    }
    with pytest.raises(error):
        make_client().ship_order(mapped(PAID_ORDER), **arguments)
    assert len(rsps.calls) == 0


def test_ship_an_order_with_no_seller_line_is_refused_locally(rsps):
    order = replace(
        mapped(PAID_ORDER),
        lines=tuple(replace(line, seller_fulfilled=False) for line in mapped(PAID_ORDER).lines),
    )
    with pytest.raises(ValueError, match="no line to ship"):
        make_client().ship_order(
            order, carrier="Colissimo", tracking_number="6A1", tracking_url=TRACKING_URL
        )


def test_ship_refused_by_octopia(rsps):
    rsps.post(
        SHIPMENTS_URL,
        **problem_answer(
            400, "Bad Request", "Order line 1 is not InPreparation", trace_id="t-ship"
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().ship_order(
            mapped(PAID_ORDER),
            carrier="Colissimo",
            tracking_number="6A12345678901",
            tracking_url=TRACKING_URL,
        )
    assert caught.value.trace_id == "t-ship"


def test_ship_server_error_is_transient(rsps):
    rsps.post(SHIPMENTS_URL, status=500, body="")
    with pytest.raises(errors.ServerError):
        make_client().ship_order(
            mapped(PAID_ORDER),
            carrier="Colissimo",
            tracking_number="6A12345678901",
            tracking_url=TRACKING_URL,
        )


# -- carriers ---------------------------------------------------------------------------------


def test_list_carriers(rsps):
    rsps.get(
        CARRIERS_URL,
        json=[
            {"code": "COLISSIMO", "label": "Colissimo"},
            {"code": "CHRONOPOST", "label": "Chronopost", "isActive": True},
            {"code": "LAPOSTE", "label": "La Poste - Courrier"},
            {"code": "BROKEN"},
            "garbage",
        ],
    )
    carriers = make_client().list_carriers()
    (call,) = rsps.calls
    assert call.request.url == CARRIERS_URL
    assert_api_headers(call.request, OLD_TOKEN)
    assert carriers == [
        Carrier(code="COLISSIMO", name="Colissimo", default_url=None),
        Carrier(code="CHRONOPOST", name="Chronopost", default_url=None),
        Carrier(code="LAPOSTE", name="La Poste - Courrier", default_url=None),
    ]


def test_list_carriers_in_an_items_envelope(rsps):
    rsps.get(CARRIERS_URL, json={"items": [{"code": "UPS", "label": "UPS"}]})
    assert make_client().list_carriers() == [Carrier(code="UPS", name="UPS", default_url=None)]


def test_list_carriers_malformed(rsps):
    rsps.get(CARRIERS_URL, json={"carriers": "none"})
    with pytest.raises(errors.MalformedResponseError):
        make_client().list_carriers()
