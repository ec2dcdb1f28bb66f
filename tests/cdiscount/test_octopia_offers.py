"""OctopiaClient offers (§O5, §O6) against mocked HTTP: JSON packages, polling, reading back."""

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from channels.cdiscount import (
    OfferPackageStatus,
    OfferPackageSubmission,
    OfferResult,
    OfferUpdate,
    RemoteOffer,
    errors,
)
from tests.cdiscount.support import assert_no_secret
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
    problem_answer,
)

PACKAGES_URL = f"{API_URL}/offer-packages"
PACKAGE_ID = "3f6c2a9e-5b1d-4c8e-9a07-d2e4b61f0c53"
PACKAGE_URL = f"{PACKAGES_URL}/{PACKAGE_ID}"
REQUESTS_URL = f"{PACKAGE_URL}/offer-requests"
RESULTS_URL = f"{PACKAGE_URL}/offer-requests-results"
OFFERS_URL = f"{API_URL}/offers"

THE_VERT = OfferUpdate(
    sku="THE-VERT-BIO-100G",
    ean="3760452700039",
    quantity=7,
    price=Decimal("19.90"),
    origin_price=Decimal("24.90"),
    shipping_fee=Decimal("4.90"),
    additional_shipping_fee=Decimal("1.50"),
)
# Exclude Price Upload, no delivery modes: stock only.
TASSE = OfferUpdate(sku="TASSE-GRES-35CL", ean="3760452700046", quantity=0)

THE_VERT_JSON = {
    "sellerExternalReference": "THE-VERT-BIO-100G",
    "product": {"gtin": "3760452700039", "reference": "THE-VERT-BIO-100G"},
    "condition": "New",
    "quantity": 7,
    "price": {
        "price": 19.90,
        "originPrice": 24.90,
        "taxes": [
            {"code": "VAT", "value": 20.0},
            {"code": "Ecotax", "value": 0.0},
            {"code": "Deatax", "value": 0.0},
        ],
    },
    "deliveryModes": [{"code": "THD", "cost": 4.90, "additionalCost": 1.50}],
    "preparationTime": 2,
}
TASSE_JSON = {
    "sellerExternalReference": "TASSE-GRES-35CL",
    "product": {"gtin": "3760452700046", "reference": "TASSE-GRES-35CL"},
    "condition": "New",
    "quantity": 0,
    "preparationTime": 2,
}


def offer(index, **changes):
    options = {"sku": f"SKU-{index:05d}", "ean": f"376045{index:07d}", "quantity": index % 50}
    options.update(changes)
    return OfferUpdate(**options)


def query(request):
    return parse_qs(urlsplit(request.url).query, keep_blank_values=True, strict_parsing=True)


def path_of(request):
    return urlsplit(request.url)._replace(query="").geturl()


def sent_json(request):
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.body)


def assert_api_headers(request, token=OLD_TOKEN):
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert request.headers["SellerId"] == SELLER_ID
    assert request.headers["Accept"] == "application/json"
    assert request.req_kwargs["timeout"] == 12.5


def add_submission(rsps, batches=1):
    rsps.post(
        PACKAGES_URL,
        status=201,
        json={"packageId": PACKAGE_ID},
        headers={"Content-Location": f"/offer-packages/{PACKAGE_ID}"},
    )
    for _ in range(batches):
        rsps.post(REQUESTS_URL, status=202)
    rsps.patch(PACKAGE_URL, status=204)


def calls(rsps):
    return [(call.request.method, path_of(call.request)) for call in rsps.calls]


# -- OfferUpdate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"sku": " "}, ValueError),
        ({"ean": ""}, ValueError),
        ({"quantity": -1}, ValueError),
        ({"quantity": 1.0}, ValueError),
        ({"quantity": True}, ValueError),
        ({"preparation_time": -2}, ValueError),
        ({"price": 19.9}, TypeError),
        ({"price": Decimal("-0.01")}, ValueError),
        ({"price": Decimal("NaN")}, ValueError),
        ({"shipping_fee": Decimal("Infinity")}, ValueError),
        ({"vat_rate": 20}, TypeError),
        ({"condition": "Used"}, ValueError),
    ],
)
def test_offer_update_refuses_what_cannot_be_sent(changes, error):
    with pytest.raises(error):
        offer(1, **changes)


def test_offer_update_defaults():
    update = OfferUpdate(sku="SKU-1", ean="3760452700039", quantity=3)
    assert (update.price, update.shipping_fee, update.condition) == (None, None, "New")
    assert (update.vat_rate, update.ecotax, update.deatax) == (Decimal("20.0"), 0, 0)
    assert update.preparation_time == 2


# -- submit_offers: what is sent ------------------------------------------------------------------


def test_submit_offers_sends_an_update_package_as_o5(rsps):
    add_submission(rsps)

    submission = make_client().submit_offers([THE_VERT, TASSE])

    assert submission == OfferPackageSubmission(package_id=PACKAGE_ID, offer_count=2)
    assert calls(rsps) == [
        ("POST", PACKAGES_URL),
        ("POST", REQUESTS_URL),
        ("PATCH", PACKAGE_URL),
    ]
    create, offers, ready = (call.request for call in rsps.calls)
    for request in (create, offers, ready):
        assert_api_headers(request)
    assert create.headers["salesChannelId"] == "CDISFR"
    assert sent_json(create) == {"packageType": "Update"}
    # Exclude Price Upload: TASSE carries no price; no fee, no deliveryModes.
    assert sent_json(offers) == [THE_VERT_JSON, TASSE_JSON]
    assert list(sent_json(offers)[0]) == list(THE_VERT_JSON)  # keys in §O5's order
    assert sent_json(ready) == {"state": "Ready"}


def test_amounts_are_json_numbers_rounded_to_cents(rsps):
    add_submission(rsps)
    update = offer(
        1,
        price=Decimal("19.995"),
        vat_rate=Decimal("5.5"),
        ecotax=Decimal("0.125"),
        shipping_fee=Decimal("0"),
    )

    make_client().submit_offers([update])

    body = rsps.calls[1].request.body
    text = body.decode() if isinstance(body, bytes) else body
    assert '"price": 20.0' in text  # a number, not a string
    (sent,) = json.loads(text)
    assert sent["price"]["taxes"] == [
        {"code": "VAT", "value": 5.5},
        {"code": "Ecotax", "value": 0.13},
        {"code": "Deatax", "value": 0.0},
    ]
    assert "originPrice" not in sent["price"]
    # A fee of 0 is still a fee: the delivery mode goes, additionalCost 0 when not given.
    assert sent["deliveryModes"] == [{"code": "THD", "cost": 0.0, "additionalCost": 0.0}]


def test_full_sends_an_upsert_package(rsps):
    add_submission(rsps)
    refurbished = offer(2, price=Decimal("9.90"), condition="Refurbished", preparation_time=5)

    make_client().submit_offers([refurbished], full=True)

    assert sent_json(rsps.calls[0].request) == {"packageType": "Upsert"}
    (sent,) = sent_json(rsps.calls[1].request)
    assert sent["condition"] == "Refurbished"
    assert sent["preparationTime"] == 5
    assert sent["price"]["price"] == 9.9
    assert "deliveryModes" not in sent


def test_offers_go_1000_per_request(rsps):
    add_submission(rsps, batches=3)
    offers = [offer(i) for i in range(2500)]

    submission = make_client().submit_offers(offers)

    assert submission.offer_count == 2500
    assert calls(rsps) == [("POST", PACKAGES_URL)] + [("POST", REQUESTS_URL)] * 3 + [
        ("PATCH", PACKAGE_URL)
    ]
    batches = [sent_json(call.request) for call in rsps.calls[1:4]]
    assert [len(batch) for batch in batches] == [1000, 1000, 500]
    sent_skus = [item["sellerExternalReference"] for batch in batches for item in batch]
    assert sent_skus == [update.sku for update in offers]


def test_exactly_1000_offers_is_one_request(rsps):
    add_submission(rsps, batches=1)
    make_client().submit_offers([offer(i) for i in range(1000)])
    assert len(rsps.calls) == 3


def test_package_id_from_content_location_when_the_body_is_empty(rsps):
    rsps.post(
        PACKAGES_URL,
        status=201,
        body="",
        headers={"Content-Location": f"{API_URL}/offer-packages/{PACKAGE_ID}"},
    )
    rsps.post(REQUESTS_URL, status=202)
    rsps.patch(PACKAGE_URL, status=204)

    assert make_client().submit_offers([TASSE]).package_id == PACKAGE_ID


def test_package_id_is_quoted_into_the_path(rsps):
    rsps.post(PACKAGES_URL, status=201, json={"packageId": 4711})
    rsps.post(f"{PACKAGES_URL}/4711/offer-requests", status=202)
    rsps.patch(f"{PACKAGES_URL}/4711", status=204)
    assert make_client().submit_offers([TASSE]).package_id == "4711"


def test_answer_without_package_id_is_malformed_and_nothing_else_is_sent(rsps):
    rsps.post(PACKAGES_URL, status=201, json={"state": "WaitingForCompletion"})
    with pytest.raises(errors.MalformedResponseError, match="packageId"):
        make_client().submit_offers([TASSE])
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("offers", "error"),
    [
        ([], ValueError),
        ([offer(i) for i in range(40_001)], ValueError),
        ([TASSE, {"sku": "SKU-1"}], TypeError),
        ("SKU-1", TypeError),
        (iter([TASSE]), TypeError),
    ],
    ids=["none", "over-40000", "not-an-offer", "string", "iterator"],
)
def test_submit_offers_checks_everything_before_any_call(rsps, offers, error):
    with pytest.raises(error):
        make_client().submit_offers(offers)
    assert len(rsps.calls) == 0


def test_40000_offers_are_accepted(rsps):
    add_submission(rsps, batches=40)
    assert make_client().submit_offers([offer(i) for i in range(40_000)]).offer_count == 40_000


# -- submit_offers: failures ----------------------------------------------------------------------


def test_token_expiring_between_batches_is_renewed_and_the_batch_resent(rsps):
    rsps.post(PACKAGES_URL, status=201, json={"packageId": PACKAGE_ID})
    rsps.post(REQUESTS_URL, status=202)
    rsps.post(REQUESTS_URL, **TOKEN_EXPIRED)
    add_token_ok(rsps)
    rsps.post(REQUESTS_URL, status=202)
    rsps.patch(PACKAGE_URL, status=204)
    offers = [offer(i) for i in range(1500)]

    make_client().submit_offers(offers)

    assert calls(rsps) == [
        ("POST", PACKAGES_URL),
        ("POST", REQUESTS_URL),
        ("POST", REQUESTS_URL),
        ("POST", AUTH_URL),
        ("POST", REQUESTS_URL),
        ("PATCH", PACKAGE_URL),
    ]
    assert_api_headers(rsps.calls[2].request, OLD_TOKEN)
    assert_api_headers(rsps.calls[4].request, NEW_TOKEN)
    assert_api_headers(rsps.calls[5].request, NEW_TOKEN)
    assert rsps.calls[2].request.body == rsps.calls[4].request.body
    assert len(sent_json(rsps.calls[4].request)) == 500


def test_server_error_mid_package_stops_before_ready(rsps, cdiscount_logs):
    rsps.post(PACKAGES_URL, status=201, json={"packageId": PACKAGE_ID})
    rsps.post(REQUESTS_URL, status=202)
    rsps.post(
        REQUESTS_URL,
        **problem_answer(503, "Service Unavailable", trace_id="00-offers-trace-01"),
    )

    with pytest.raises(errors.ServerError) as caught:
        make_client().submit_offers([offer(i) for i in range(1500)])

    assert caught.value.trace_id == "00-offers-trace-01"
    assert [method for method, _ in calls(rsps)] == ["POST", "POST", "POST"]  # no PATCH
    assert f"offer package {PACKAGE_ID} left incomplete" in cdiscount_logs.text
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_rate_limited_on_creation(rsps):
    rsps.post(PACKAGES_URL, status=429, headers={"Retry-After": "30"})
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().submit_offers([TASSE])
    assert caught.value.retry_after == 30.0
    assert len(rsps.calls) == 1


def test_offers_refused_are_a_rejected_error_with_the_problem(rsps):
    rsps.post(PACKAGES_URL, status=201, json={"packageId": PACKAGE_ID})
    rsps.post(
        REQUESTS_URL,
        status=400,
        content_type=PROBLEM_JSON,
        body=json.dumps(
            {
                "title": "One or more validation errors occurred.",
                "status": 400,
                "errors": {"[0].quantity": ["The quantity must be positive."]},
                "traceId": "00-abc-01",
            }
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().submit_offers([TASSE])
    assert "[0].quantity: The quantity must be positive." in caught.value.cdiscount_message
    assert caught.value.status == 400


# -- get_offer_package ----------------------------------------------------------------------------


def result_item(sku, status="Integrated", code="9000", message="Offer updated", **extra):
    item = {"sellerExternalReference": sku, "integrationStatus": status, **extra}
    if code is not None:
        item["results"] = [{"resultCode": code, "message": message}]
    return item


@pytest.mark.parametrize("state", ["WaitingForCompletion", "Ready", "IntegrationPending"])
def test_package_still_running_is_not_finished(rsps, state):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": state})

    status = make_client().get_offer_package(PACKAGE_ID)

    assert status == OfferPackageStatus(
        package_id=PACKAGE_ID,
        state=state,
        finished=False,
        rejected=False,
        error_count=None,
        results=(),
    )
    assert len(rsps.calls) == 1  # results are not asked before integration ends
    assert_api_headers(rsps.calls[0].request)
    assert rsps.calls[0].request.body is None


def test_integrated_package_reads_every_result_page(rsps):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": "Integrated"})
    first = [result_item(f"SKU-{i:05d}") for i in range(99)] + [
        result_item("NEW-SKU", code="8000", message="Offer created", product={"gtin": "376"})
    ]
    second = [
        result_item("SKU-UNKNOWN", status="Rejected", code="4001", message="Unknown product"),
        result_item("SKU-NO-CODE"),
        {
            "sellerExternalReference": "SKU-TWO-RESULTS",
            "integrationStatus": "Rejected",
            "results": [
                {"resultCode": "9000", "message": "Offer updated"},
                {"resultCode": "4102", "message": "Price below the allowed minimum"},
            ],
        },
    ]
    rsps.get(RESULTS_URL, json={"items": first})
    rsps.get(RESULTS_URL, json={"items": second})

    status = make_client().get_offer_package(PACKAGE_ID)

    assert (status.state, status.finished, status.rejected) == ("Integrated", True, False)
    assert len(status.results) == 103
    assert status.error_count == 2
    assert [query(call.request) for call in rsps.calls[1:]] == [
        {"pageIndex": ["1"], "pageSize": ["100"]},
        {"pageIndex": ["2"], "pageSize": ["100"]},
    ]
    assert status.results[0] == OfferResult(
        sku="SKU-00000",
        ean=None,
        status="Integrated",
        accepted=True,
        code="9000",
        message="Offer updated",
    )
    assert status.results[99] == OfferResult(
        sku="NEW-SKU",
        ean="376",
        status="Integrated",
        accepted=True,
        code="8000",
        message="Offer created",
    )
    assert status.results[100:] == (
        OfferResult("SKU-UNKNOWN", None, "Rejected", False, "4001", "Unknown product"),
        OfferResult("SKU-NO-CODE", None, "Integrated", True, "9000", "Offer updated"),
        OfferResult(
            "SKU-TWO-RESULTS", None, "Rejected", False, "4102", "Price below the allowed minimum"
        ),
    )


def test_result_without_code_reads_the_integration_status(rsps):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": "Integrated"})
    rsps.get(
        RESULTS_URL,
        json={
            "items": [
                result_item("SKU-1", code=None),
                result_item("SKU-2", status="Rejected", code=None),
            ]
        },
    )
    results = make_client().get_offer_package(PACKAGE_ID).results
    assert [(r.sku, r.accepted, r.code) for r in results] == [
        ("SKU-1", True, None),
        ("SKU-2", False, None),
    ]


def test_rejected_package_is_finished_and_rejected(rsps):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": "Rejected"})
    rsps.get(RESULTS_URL, json={"items": []})

    status = make_client().get_offer_package(PACKAGE_ID)

    assert (status.finished, status.rejected, status.error_count, status.results) == (
        True,
        True,
        0,
        (),
    )


def test_results_follow_a_next_link_on_a_short_page(rsps):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": "Integrated"})
    rsps.get(
        RESULTS_URL,
        json={"items": [result_item("SKU-1")]},
        headers={"Link": f'<{RESULTS_URL}?pageIndex=2&pageSize=100>; rel="next"'},
    )
    rsps.get(RESULTS_URL, json={"items": [result_item("SKU-2")]})

    results = make_client().get_offer_package(PACKAGE_ID).results

    assert [result.sku for result in results] == ["SKU-1", "SKU-2"]
    assert query(rsps.calls[2].request)["pageIndex"] == ["2"]


@pytest.mark.parametrize(
    ("state", "detail", "finished", "rejected"),
    [
        # Results asked for too early: the package is not finished yet.
        pytest.param(
            "Integrated",
            "The package integration is not finished",
            False,
            False,
            id="asked-too-early-is-not-finished",
        ),
        # A rejected package without results is finished all the same.
        pytest.param(
            "Rejected",
            "No result for this package",
            True,
            True,
            id="rejected-without-results-is-finished",
        ),
    ],
)
def test_a_package_whose_results_are_refused(rsps, state, detail, finished, rejected):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": state})
    rsps.get(
        RESULTS_URL,
        **problem_answer(400, "Bad Request", detail),
    )

    status = make_client().get_offer_package(PACKAGE_ID)

    assert (
        status.state,
        status.finished,
        status.rejected,
        status.results,
        status.error_count,
    ) == (state, finished, rejected, (), None)


def test_results_repeating_a_page_are_malformed(rsps):
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": "Integrated"})
    same = {"items": [result_item(f"SKU-{i}") for i in range(100)]}
    rsps.get(RESULTS_URL, json=same)
    rsps.get(RESULTS_URL, json=same)
    with pytest.raises(errors.MalformedResponseError, match="page 2 repeats page 1"):
        make_client().get_offer_package(PACKAGE_ID)


def test_unknown_package_is_rejected(rsps):
    rsps.get(
        PACKAGE_URL,
        **problem_answer(404, "Not Found", "Package not found"),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_offer_package(PACKAGE_ID)
    assert caught.value.status == 404


def test_expired_token_while_polling_is_renewed_once(rsps):
    rsps.get(PACKAGE_URL, **problem_answer(401, "Unauthorized"))
    add_token_ok(rsps)
    rsps.get(PACKAGE_URL, json={"packageId": PACKAGE_ID, "state": "Ready"})

    assert make_client().get_offer_package(PACKAGE_ID).state == "Ready"
    assert calls(rsps) == [("GET", PACKAGE_URL), ("POST", AUTH_URL), ("GET", PACKAGE_URL)]
    assert_api_headers(rsps.calls[2].request, NEW_TOKEN)


@pytest.mark.parametrize(
    ("package", "results"),
    [
        ({"packageId": PACKAGE_ID}, None),
        ([{"state": "Integrated"}], None),
        ({"state": "Integrated"}, {"results": []}),
        ({"state": "Integrated"}, {"items": [{"integrationStatus": "Integrated"}]}),
        ({"state": "Integrated"}, {"items": ["SKU-1"]}),
    ],
    ids=["no-state", "not-an-object", "no-items", "result-without-sku", "result-not-object"],
)
def test_malformed_package_answers(rsps, package, results):
    rsps.get(PACKAGE_URL, json=package)
    if results is not None:
        rsps.get(RESULTS_URL, json=results)
    with pytest.raises(errors.MalformedResponseError):
        make_client().get_offer_package(PACKAGE_ID)


def test_package_answer_that_is_not_json_is_malformed(rsps):
    rsps.get(PACKAGE_URL, body="<html>oops</html>", content_type="text/html")
    with pytest.raises(errors.MalformedResponseError, match="expected JSON"):
        make_client().get_offer_package(PACKAGE_ID)


def test_get_offer_package_needs_an_id(rsps):
    with pytest.raises(ValueError):
        make_client().get_offer_package(" ")
    assert len(rsps.calls) == 0


# -- list_offers ----------------------------------------------------------------------------------


def remote(sku, quantity=7, price=19.90, **extra):
    return {
        "sellerExternalReference": sku,
        "product": {"gtin": "3760452700039"},
        "quantity": quantity,
        "price": {"price": price},
        "deliveryModes": [{"code": "THD", "cost": 4.90}],
        "state": "Active",
        **extra,
    }


def test_list_offers_pages_through_every_offer(rsps):
    rsps.get(OFFERS_URL, json={"items": [remote(f"SKU-{i:03d}") for i in range(100)]})
    rsps.get(OFFERS_URL, json={"items": [remote("SKU-LAST", quantity=0, price=5)]})

    listing = make_client().list_offers()
    assert len(rsps.calls) == 0  # a generator
    offers = list(listing)

    assert len(offers) == 101
    assert offers[0] == RemoteOffer(
        sku="SKU-000",
        ean="3760452700039",
        quantity=7,
        price=Decimal("19.9"),
        state="Active",
    )
    assert offers[-1].quantity == 0 and offers[-1].price == Decimal("5")
    assert [query(call.request) for call in rsps.calls] == [
        {"salesChannelId": ["CDISFR"], "pageIndex": ["1"], "pageSize": ["100"]},
        {"salesChannelId": ["CDISFR"], "pageIndex": ["2"], "pageSize": ["100"]},
    ]
    for call in rsps.calls:
        assert call.request.method == "GET"
        assert path_of(call.request) == OFFERS_URL
        assert_api_headers(call.request)


def test_list_offers_reads_tolerantly(rsps):
    rsps.get(
        OFFERS_URL,
        json={
            "items": [
                {"sellerProductId": "SKU-A", "gtin": "3760452700046", "price": 9.5, "stock": 2},
                {"sellerExternalReference": "SKU-B", "quantity": "lots", "price": "n/a"},
                {"product": {"gtin": "3760452700053"}, "quantity": 1},
                "garbage",
                {"sellerExternalReference": "SKU-C", "quantity": -3, "status": "Inactive"},
            ]
        },
    )

    offers = list(make_client().list_offers())

    assert offers == [
        RemoteOffer("SKU-A", "3760452700046", 2, Decimal("9.5"), None),
        RemoteOffer("SKU-B", None, None, None, None),
        RemoteOffer("SKU-C", None, None, None, "Inactive"),
    ]


def test_list_offers_for_skus_asks_one_listing_each(rsps):
    rsps.get(OFFERS_URL, json={"items": [remote("SKU-1")]})
    # A server ignoring the filter: offers of other SKUs are left out.
    rsps.get(OFFERS_URL, json={"items": [remote("SKU-OTHER"), remote("SKU-2", quantity=3)]})

    offers = list(make_client().list_offers(skus=["SKU-1", "SKU-2", "SKU-1"]))

    assert [(o.sku, o.quantity) for o in offers] == [("SKU-1", 7), ("SKU-2", 3)]
    assert [query(call.request)["sellerExternalReference"] for call in rsps.calls] == [
        ["SKU-1"],
        ["SKU-2"],
    ]
    assert all(query(call.request)["salesChannelId"] == ["CDISFR"] for call in rsps.calls)


def test_list_offers_for_no_sku_asks_nothing(rsps):
    assert list(make_client().list_offers(skus=[])) == []
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(("skus", "error"), [("SKU-1", TypeError), ([""], ValueError)])
def test_list_offers_checks_skus_at_the_call(rsps, skus, error):
    with pytest.raises(error):
        make_client().list_offers(skus=skus)


def test_list_offers_empty_catalogue(rsps):
    rsps.get(OFFERS_URL, status=204, body="")
    assert list(make_client().list_offers()) == []


def test_list_offers_server_error_mid_listing(rsps):
    rsps.get(OFFERS_URL, json={"items": [remote(f"SKU-{i:03d}") for i in range(100)]})
    rsps.get(OFFERS_URL, status=500, body="Internal Server Error", content_type="text/plain")
    listing = make_client().list_offers()
    assert len([next(listing) for _ in range(100)]) == 100
    with pytest.raises(errors.ServerError):
        next(listing)


def test_list_offers_page_without_items_is_malformed(rsps):
    rsps.get(OFFERS_URL, json={"offers": []})
    with pytest.raises(errors.MalformedResponseError, match="items"):
        list(make_client().list_offers())
