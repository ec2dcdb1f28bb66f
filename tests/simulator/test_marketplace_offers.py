"""Marketplace API offers over SOAP: SubmitOfferPackage and GetOfferPackageSubmissionResult (§M6),
GetOfferListPaginated and GetOfferList (§M7), read by namespace as a client must."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from lxml import etree

from .helpers import (
    CONTENT_TYPES,
    MESSAGES,
    RELS,
    TIMEOUT,
    XSI,
    c,
    el,
    get_seller_information,
    marketplace_token,
    offers_xml,
    offers_zip,
    read_fault,
    soap_call,
    soap_result,
)

LOGIN = "demo-api"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
EAN_1, EAN_2 = "3760452700039", "3760452700046"  # §M6's examples, known by default
TRACKED = {
    "DeliveryMode": "Tracked",
    "ShippingCharges": "4.90",
    "AdditionalShippingCharges": "1.50",
}
DOWNLOAD_FAILED = "The ZIP file can't be downloaded."


@pytest.fixture
def token(simulator) -> str:
    return marketplace_token(simulator)


def full_offer(sku="SKU-1", ean=EAN_1, stock=7, price="19.90", **changes) -> dict:
    """A Full offer as §M6 describes it."""
    offer = {
        "SellerProductId": sku,
        "ProductEan": ean,
        "ProductCondition": "6",
        "Price": price,
        "Stock": stock,
        "Vat": "20",
        "EcoPart": "0",
        "DeaTax": "0",
        "PreparationTime": "2",
        "shipping": [TRACKED],
    }
    offer.update(changes)
    return {key: value for key, value in offer.items() if value is not None}


def stock_offer(sku="SKU-1", ean=EAN_1, **values) -> dict:
    return {"SellerProductId": sku, "ProductEan": ean, **values}


def submit(simulator, token, url: str) -> etree._Element:
    request = el("offerPackageRequest", el("ZipFileFullPath", text=url))
    response = soap_call(simulator, "SubmitOfferPackage", token, request)
    assert response.status_code == 200, response.text
    return soap_result(response, "SubmitOfferPackage")


def submit_package(simulator, token, file_server, offers, **xml_options) -> str:
    url = file_server.serve(offers_zip(offers_xml(offers, **xml_options)))
    result = submit(simulator, token, url)
    assert success(result), result.findtext(f"{{{MESSAGES}}}ErrorMessage")
    package_id = result.findtext(c("PackageId"))
    assert int(package_id) > 0
    return package_id


def submission_result(simulator, token, package_id) -> etree._Element:
    flt = el("offerPackageFilter", el("PackageID", text=str(package_id)))
    response = soap_call(simulator, "GetOfferPackageSubmissionResult", token, flt)
    assert response.status_code == 200, response.text
    return soap_result(response, "GetOfferPackageSubmissionResult")


def integrate(simulator, token, file_server, offers, **xml_options) -> etree._Element:
    package_id = submit_package(simulator, token, file_server, offers, **xml_options)
    simulator.state.advance_clock(simulator.state.package_integration_delay)
    return submission_result(simulator, token, package_id)


def success(result) -> bool:
    return result.findtext(f"{{{MESSAGES}}}OperationSuccess") == "true"


def is_nil(element) -> bool:
    return element is not None and element.get(f"{{{XSI}}}nil") == "true"


def logs(result) -> list[etree._Element]:
    return result.findall(f"{c('OfferLogList')}/{c('OfferReportLog')}")


def errors_by_sku(result) -> dict[str, list[tuple[str, str]]]:
    """SellerProductId -> [(PropertyError, Name)] of each OfferReportLog."""
    return {
        log.findtext(c("SellerProductId")): [
            (prop.findtext(c("PropertyError")), prop.findtext(c("Name")))
            for prop in log.findall(f"{c('PropertyList')}/{c('OfferReportPropertyLog')}")
        ]
        for log in logs(result)
    }


def names(element) -> list[str]:
    return [etree.QName(child).localname for child in element]


# SubmitOfferPackage


def test_submit_downloads_the_zip_and_answers_a_package_id(simulator, token, file_server):
    url = file_server.serve(offers_zip(offers_xml([full_offer()], package_type="Full")))

    result = submit(simulator, token, url)

    assert success(result)
    assert is_nil(result.find(f"{{{MESSAGES}}}ErrorMessage"))
    assert int(result.findtext(c("PackageId"))) > 0
    assert names(result)[-1] == "PackageId"
    assert file_server.hits == [url.removeprefix(file_server.base_url)]
    [package] = simulator.state.offer_packages("marketplace", LOGIN)
    assert package["id"] == result.findtext(c("PackageId"))
    assert package["type"] == "Full"
    assert package["url"] == url
    assert package["offers"][0]["SellerProductId"] == "SKU-1"
    assert package["offers"][0]["ShippingInformationList"] == [TRACKED]


def test_package_ids_differ(simulator, token, file_server):
    first = submit_package(simulator, token, file_server, [full_offer()], package_type="Full")
    second = submit_package(simulator, token, file_server, [full_offer()], package_type="Full")

    assert int(second) > int(first)


@pytest.mark.parametrize("failure", ["404", "refused", "not a zip", "no url", "file url"])
def test_download_failure_answers_the_spec_message(simulator, token, file_server, failure):
    url = {
        "404": file_server.base_url + "/missing/offers.zip",
        "refused": "http://127.0.0.1:9/offers.zip",
        "not a zip": file_server.serve(b"<html>not a zip</html>"),
        "no url": "",
        "file url": "file:///etc/hostname",
    }[failure]

    result = submit(simulator, token, url)

    assert not success(result)
    assert result.findtext(f"{{{MESSAGES}}}ErrorMessage") == DOWNLOAD_FAILED
    assert result.findtext(c("PackageId")) == "-1"
    assert simulator.state.offer_packages("marketplace", LOGIN) == []


def test_a_download_in_progress_holds_up_nothing_else(simulator, token, file_server):
    gate = file_server.hold()
    url = file_server.serve(offers_zip(offers_xml([full_offer()], package_type="Full")))

    with ThreadPoolExecutor(max_workers=1) as pool:
        submitted = pool.submit(submit, simulator, token, url)
        deadline = time.monotonic() + TIMEOUT
        while not file_server.hits and time.monotonic() < deadline:
            time.sleep(0.01)
        assert file_server.hits, "the simulator never fetched the zip"
        assert not submitted.done()
        assert get_seller_information(simulator, token).status_code == 200
        assert simulator.state.offer_packages("marketplace", LOGIN) == []
        gate.set()
        result = submitted.result(timeout=TIMEOUT)

    assert success(result)
    assert len(simulator.state.offer_packages("marketplace", LOGIN)) == 1


# GetOfferPackageSubmissionResult


def test_status_is_nil_until_integrated(simulator, token, file_server):
    simulator.state.package_integration_delay = 600
    package_id = submit_package(simulator, token, file_server, [full_offer()], package_type="Full")

    pending = submission_result(simulator, token, package_id)
    simulator.state.advance_clock(590)
    still_pending = submission_result(simulator, token, package_id)
    assert simulator.state.offers_for("marketplace", LOGIN) == {}
    simulator.state.advance_clock(10)
    done = submission_result(simulator, token, package_id)

    for result in (pending, still_pending):
        assert success(result)
        assert is_nil(result.find(c("PackageIntegrationStatus")))
        assert is_nil(result.find(c("OfferLogList")))
        assert result.findtext(c("NumberOfErrors")) == "0"
    assert done.findtext(c("PackageIntegrationStatus")) == "Integrated"
    assert simulator.state.offers_for("marketplace", LOGIN)["SKU-1"]["quantity"] == 7


def test_pending_status_can_read_integration_pending(simulator, token, file_server):
    simulator.state.marketplace_pending_status = "IntegrationPending"
    package_id = submit_package(simulator, token, file_server, [full_offer()], package_type="Full")

    result = submission_result(simulator, token, package_id)

    assert result.findtext(c("PackageIntegrationStatus")) == "IntegrationPending"


def test_submission_result_shape_and_order(simulator, token, file_server):
    result = integrate(simulator, token, file_server, [full_offer()], package_type="Full")

    assert success(result)
    assert names(result) == [
        "ErrorMessage",
        "OperationSuccess",
        "ErrorList",
        "SellerLogin",
        "TokenId",
        "NumberOfErrors",
        "OfferLogList",
        "PackageId",
        "PackageIntegrationStatus",
    ]
    assert result.findtext(c("NumberOfErrors")) == "0"
    [log] = logs(result)
    assert names(log) == [
        "LogDate",
        "OfferIntegrationStatus",
        "ProductEan",
        "PropertyList",
        "SellerProductId",
        "Sku",
        "Validated",
    ]
    assert all(etree.QName(child).namespace == "http://www.cdiscount.com" for child in log)
    assert log.findtext(c("OfferIntegrationStatus")) == "Integrated"
    assert log.findtext(c("ProductEan")) == EAN_1
    assert log.findtext(c("SellerProductId")) == "SKU-1"
    assert log.findtext(c("Sku")) == f"AUC{EAN_1}"
    assert log.findtext(c("Validated")) == "true"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", log.findtext(c("LogDate")))
    [prop] = log.findall(f"{c('PropertyList')}/{c('OfferReportPropertyLog')}")
    assert names(prop) == ["LogMessage", "Name", "PropertyCode", "PropertyError"]
    assert prop.findtext(c("PropertyError")) == "80"
    assert prop.findtext(c("LogMessage")).split("|")[:5] == [
        "SKU-1",
        EAN_1,
        "Offer",
        "Integrated",
        "80",
    ]


def test_created_then_updated_with_stock_and_price(simulator, token, file_server):
    integrate(simulator, token, file_server, [full_offer()], package_type="Full")

    result = integrate(simulator, token, file_server, [stock_offer(Stock="3", Price="17.50")])

    assert errors_by_sku(result) == {"SKU-1": [("90", "Offer")]}
    offer = simulator.state.offers_for("marketplace", LOGIN)["SKU-1"]
    assert (offer["quantity"], offer["price"]) == (3, Decimal("17.50"))
    assert offer["shipping"] == [
        {"mode": "Tracked", "cost": Decimal("4.90"), "additional_cost": Decimal("1.50")}
    ]
    assert offer["condition"] == "New"


def test_stock_alone_keeps_the_price(simulator, token, file_server):
    integrate(simulator, token, file_server, [full_offer()], package_type="Full")

    integrate(simulator, token, file_server, [stock_offer(Stock="0")])

    offer = simulator.state.offers_for("marketplace", LOGIN)["SKU-1"]
    assert (offer["quantity"], offer["price"]) == (0, Decimal("19.90"))


@pytest.mark.parametrize(
    "offer, package_type, expected",
    [
        (full_offer(ean="1234567890128"), "Full", ("13", "ProductEan")),
        (full_offer(price="0"), "Full", ("19", "Price")),
        (full_offer(price="-1.00"), "Full", ("19", "Price")),
        (full_offer(price="19,90"), "Full", ("11", "Price")),
        (full_offer(stock="-2"), "Full", ("17", "Stock")),
        (full_offer(stock="2.5"), "Full", ("11", "Stock")),
        (
            full_offer(shipping=[TRACKED | {"DeliveryMode": "Standard"}]),
            "Full",
            ("40", "ShippingInformationList"),
        ),
        (full_offer(shipping=None), "Full", ("40", "ShippingInformationList")),
        (full_offer(Vat=None), "Full", ("10", "Vat")),
        (full_offer(ProductCondition="7"), "Full", ("11", "ProductCondition")),
        (full_offer(stock=None), "Full", ("10", "Stock")),
        (stock_offer(Stock="3"), "StockAndPrice", ("36", "Offer")),
        (stock_offer(ean="1234567890128", Stock="3"), "StockAndPrice", ("13", "ProductEan")),
    ],
)
def test_offer_rejections(simulator, token, file_server, offer, package_type, expected):
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-OK", ean=EAN_2, quantity=1)
    ok = (
        full_offer(sku="SKU-OK", ean=EAN_2)
        if package_type == "Full"
        else stock_offer("SKU-OK", EAN_2, Stock="4")
    )

    result = integrate(simulator, token, file_server, [offer, ok], package_type=package_type)

    assert result.findtext(c("PackageIntegrationStatus")) == "Integrated"
    assert result.findtext(c("NumberOfErrors")) == "1"
    rejected, accepted = logs(result)
    assert rejected.findtext(c("OfferIntegrationStatus")) == "Rejected"
    assert rejected.findtext(c("Validated")) == "false"
    assert is_nil(rejected.find(c("Sku")))
    assert expected in errors_by_sku(result)[offer["SellerProductId"]]
    assert accepted.findtext(c("OfferIntegrationStatus")) == "Integrated"
    assert "SKU-1" not in simulator.state.offers_for("marketplace", LOGIN)


def test_property_log_carries_codes_and_a_pipe_separated_message(simulator, token, file_server):
    result = integrate(
        simulator, token, file_server, [full_offer(ean="1234567890128")], package_type="Full"
    )

    [log] = logs(result)
    [prop] = log.findall(f"{c('PropertyList')}/{c('OfferReportPropertyLog')}")
    assert prop.findtext(c("Name")) == "ProductEan"
    assert prop.findtext(c("PropertyCode")) == "1"
    assert prop.findtext(c("PropertyError")) == "13"
    sku, ean, name, status, code, message = prop.findtext(c("LogMessage")).split("|")
    assert (sku, ean, name, status, code) == (
        "SKU-1",
        "1234567890128",
        "ProductEan",
        "Rejected",
        "13",
    )
    assert message


def test_a_package_with_no_valid_offer_ends_rejected(simulator, token, file_server):
    result = integrate(simulator, token, file_server, [stock_offer(Stock="1")])

    assert result.findtext(c("PackageIntegrationStatus")) == "Rejected"
    assert result.findtext(c("NumberOfErrors")) == "1"
    assert errors_by_sku(result) == {"SKU-1": [("36", "Offer")]}


def test_another_ean_for_a_known_reference_is_rejected(simulator, token, file_server):
    integrate(simulator, token, file_server, [full_offer()], package_type="Full")

    result = integrate(simulator, token, file_server, [stock_offer(ean=EAN_2, Stock="1")])

    assert errors_by_sku(result) == {"SKU-1": [("25", "SellerProductId")]}


@pytest.mark.parametrize(
    "xml_options, zip_options, reason",
    [
        ({"purge": "true"}, {}, "PurgeAndReplace"),
        ({"purge": "True"}, {}, "PurgeAndReplace"),
        ({"purge": None}, {}, "PurgeAndReplace"),
        ({"package_type": "Offers"}, {}, "PackageType"),
        ({"package_type": None}, {}, "PackageType"),
        ({"capacity": 5}, {}, "Capacity"),
        ({"namespace": ""}, {}, "namespace"),
        ({}, {"content_types": None}, "[Content_Types].xml"),
        ({}, {"rels": None}, "_rels/.rels"),
        (
            {},
            {"rels": RELS.replace(b"cdiscount.com/uri/document", b"example.com/doc")},
            "Relationship",
        ),
        ({}, {"rels": RELS.replace(b"/Content/Offers.xml", b"/Content/Other.xml")}, "Relationship"),
        ({}, {"content_types": CONTENT_TYPES.replace(b"text/xml", b"text/plain")}, "xml"),
    ],
)
def test_package_rejected_as_a_whole(
    simulator, token, file_server, xml_options, zip_options, reason
):
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-1", ean=EAN_1, quantity=9)
    xml = offers_xml(
        [stock_offer(Stock="1"), stock_offer("SKU-2", EAN_2, Stock="1")], **xml_options
    )
    url = file_server.serve(offers_zip(xml, **zip_options))
    submitted = submit(simulator, token, url)
    assert success(submitted)
    simulator.state.advance_clock(30)

    result = submission_result(simulator, token, submitted.findtext(c("PackageId")))

    assert success(result)
    assert result.findtext(c("PackageIntegrationStatus")) == "Rejected"
    assert reason in result.findtext(f"{{{MESSAGES}}}ErrorMessage")
    assert int(result.findtext(c("NumberOfErrors"))) >= 1
    assert simulator.state.offers_for("marketplace", LOGIN)["SKU-1"]["quantity"] == 9
    assert reason in simulator.state.offer_packages("marketplace", LOGIN)[0]["error"]


def test_purge_and_replace_true_rejects_every_offer_and_deletes_nothing(
    simulator, token, file_server
):
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-1", ean=EAN_1, quantity=9)
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-2", ean=EAN_2, quantity=4)

    result = integrate(simulator, token, file_server, [stock_offer(Stock="1")], purge="true")

    assert result.findtext(c("PackageIntegrationStatus")) == "Rejected"
    assert errors_by_sku(result) == {"SKU-1": [("21", "Package")]}
    stored = simulator.state.offers_for("marketplace", LOGIN)
    assert (stored["SKU-1"]["quantity"], stored["SKU-2"]["quantity"]) == (9, 4)


def test_unknown_package_is_a_business_error(simulator, token):
    result = submission_result(simulator, token, 999999)

    assert not success(result)
    assert result.findtext(f"{{{MESSAGES}}}ErrorMessage")
    assert is_nil(result.find(c("PackageIntegrationStatus")))


def test_another_sellers_package_is_unknown(simulator, token, file_server):
    package_id = submit_package(simulator, token, file_server, [full_offer()], package_type="Full")
    simulator.state.add_marketplace_login("autre-api", "secret")
    other = marketplace_token(simulator, login="autre-api", password="secret")

    assert not success(submission_result(simulator, other, package_id))


def test_package_id_must_be_a_number(simulator, token):
    flt = el("offerPackageFilter", el("PackageID", text="abc"))

    response = soap_call(simulator, "GetOfferPackageSubmissionResult", token, flt)

    assert response.status_code == 500
    assert read_fault(response)[1] == "DeserializationFailed"


def test_ignored_update_is_reported_integrated_but_changes_nothing(simulator, token, file_server):
    integrate(simulator, token, file_server, [full_offer(stock="7")], package_type="Full")
    simulator.state.ignore_next_offer_updates("marketplace", LOGIN, "SKU-1")

    silent = integrate(simulator, token, file_server, [stock_offer(Stock="2", Price="9.90")])

    assert errors_by_sku(silent) == {"SKU-1": [("90", "Offer")]}
    assert silent.findtext(c("PackageIntegrationStatus")) == "Integrated"
    offer = simulator.state.offers_for("marketplace", LOGIN)["SKU-1"]
    assert (offer["quantity"], offer["price"]) == (7, Decimal("19.90"))
    integrate(simulator, token, file_server, [stock_offer(Stock="2", Price="9.90")])
    offer = simulator.state.offers_for("marketplace", LOGIN)["SKU-1"]
    assert (offer["quantity"], offer["price"]) == (2, Decimal("9.90"))


def test_forty_thousand_offers_in_one_zip(simulator, token, file_server):
    eans = [f"{n:013d}" for n in range(40_000)]
    simulator.state.add_known_eans("marketplace", LOGIN, eans)
    offers = [full_offer(sku=f"SKU-{n}", ean=ean, stock=n % 30) for n, ean in enumerate(eans)]

    result = integrate(simulator, token, file_server, offers, package_type="Full")

    assert result.findtext(c("PackageIntegrationStatus")) == "Integrated"
    assert result.findtext(c("NumberOfErrors")) == "0"
    assert len(logs(result)) == 40_000
    assert simulator.state.offers_for("marketplace", LOGIN)["SKU-39999"]["quantity"] == 39_999 % 30


# §M7: GetOfferListPaginated and GetOfferList


def offer_filter(*, page=None, pool=None, skus=(), state=None):
    """An offerFilter with its children in schema order (§M7)."""
    children = []
    if pool is not None:
        children.append(el("OfferPoolId", text=str(pool)))
    if state is not None:
        children.append(el("OfferStateFilter", text=state))
    if page is not None:
        children.append(el("PageNumber", text=str(page)))
    if skus:
        children.append(
            el("SellerProductIdList", *[el("string", text=sku, namespace=ARRAYS) for sku in skus])
        )
    return el("offerFilter", *children)


def offer_page(simulator, token, **options) -> etree._Element:
    response = soap_call(simulator, "GetOfferListPaginated", token, offer_filter(**options))
    assert response.status_code == 200, response.text
    return soap_result(response, "GetOfferListPaginated")


def skus_of(result) -> list[str]:
    return [
        o.findtext(c("SellerProductId")) for o in result.findall(f"{c('OfferList')}/{c('Offer')}")
    ]


def test_offer_list_paginated_reads_offers_back(simulator, token, file_server):
    integrate(simulator, token, file_server, [full_offer()], package_type="Full")

    result = offer_page(simulator, token, page=1, pool=1)

    assert success(result)
    assert names(result)[-3:] == ["OfferList", "CurrentPageNumber", "NumberOfPages"]
    [offer] = result.findall(f"{c('OfferList')}/{c('Offer')}")
    member_names = names(offer)
    assert member_names == sorted(member_names, key=str.lower)
    assert offer.findtext(c("SellerProductId")) == "SKU-1"
    assert offer.findtext(c("ProductEan")) == EAN_1
    assert offer.findtext(c("Price")) == "19.9"
    assert offer.findtext(c("Stock")) == "7"
    assert offer.findtext(c("OfferState")) == "Active"
    assert offer.findtext(c("ProductCondition")) == "New"
    assert offer.findtext(c("VatRate")) == "20"
    [shipping] = offer.findall(f"{c('ShippingInformationList')}/{c('ShippingInformation')}")
    assert shipping.findtext(f"{c('DeliveryMode')}/{c('Name')}") == "Tracked"
    assert shipping.findtext(c("ShippingCharges")) == "4.9"
    assert result.findtext(c("CurrentPageNumber")) == "1"
    assert result.findtext(c("NumberOfPages")) == "1"


def test_offer_list_pages_hold_100_offers(simulator, token):
    for n in range(250):
        simulator.state.add_offer(
            api="marketplace", seller=LOGIN, sku=f"SKU-{n:03d}", ean=f"{n:013d}", quantity=n
        )

    pages = [offer_page(simulator, token, page=page) for page in (1, 2, 3, 4)]

    assert [len(skus_of(page)) for page in pages] == [100, 100, 50, 0]
    assert skus_of(pages[2]) == [f"SKU-{n:03d}" for n in range(200, 250)]
    assert {page.findtext(c("NumberOfPages")) for page in pages} == {"3"}
    assert [page.findtext(c("CurrentPageNumber")) for page in pages] == ["1", "2", "3", "4"]
    assert skus_of(offer_page(simulator, token)) == skus_of(pages[0])


def test_offer_list_by_seller_product_ids(simulator, token):
    for n in range(5):
        simulator.state.add_offer(
            api="marketplace", seller=LOGIN, sku=f"SKU-{n}", ean=f"{n:013d}", quantity=n
        )

    result = offer_page(simulator, token, page=1, skus=["SKU-3", "SKU-1", "SKU-9"])

    assert skus_of(result) == ["SKU-3", "SKU-1"]
    assert result.findtext(c("NumberOfPages")) == "1"


def test_offer_list_of_another_pool_or_state_is_empty(simulator, token):
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-1", ean=EAN_1, quantity=1)

    assert skus_of(offer_page(simulator, token, pool=16)) == []
    assert skus_of(offer_page(simulator, token, state="Inactive")) == []
    assert skus_of(offer_page(simulator, token, state="Active")) == ["SKU-1"]


def test_offer_list_is_per_login(simulator, token):
    simulator.state.add_offer(api="marketplace", seller=LOGIN, sku="SKU-1", ean=EAN_1, quantity=1)
    simulator.state.add_marketplace_login("autre-api", "secret")
    other = marketplace_token(simulator, login="autre-api", password="secret")

    assert skus_of(offer_page(simulator, other)) == []


def test_get_offer_list_unpaged(simulator, token):
    for n in range(150):
        simulator.state.add_offer(
            api="marketplace", seller=LOGIN, sku=f"SKU-{n:03d}", ean=f"{n:013d}", quantity=n
        )

    everything = soap_call(simulator, "GetOfferList", token, el("offerFilter"))
    some = soap_call(
        simulator,
        "GetOfferList",
        token,
        el(
            "offerFilter", el("SellerProductIdList", el("string", text="SKU-007", namespace=ARRAYS))
        ),
    )

    assert len(skus_of(soap_result(everything, "GetOfferList"))) == 150
    assert skus_of(soap_result(some, "GetOfferList")) == ["SKU-007"]
