"""MarketplaceClient offers (§M6, §M7): the zip package, and the SOAP calls parsed back in order."""

import io
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from lxml import etree

from channels.cdiscount import (
    OfferPackageStatus,
    OfferPackageSubmission,
    OfferResult,
    OfferUpdate,
    RemoteOffer,
    errors,
)
from tests.cdiscount.support import assert_no_secret
from tests.cdiscount.test_marketplace_client import (
    INTERNAL_FAULT,
    NEW_TOKEN,
    NS_CD,
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
from tests.cdiscount.test_marketplace_orders import result_envelope

NS_OFFER = (
    "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;"
    "assembly=Cdiscount.Service.OfferIntegration"
)
NS_XAML = "http://schemas.microsoft.com/winfx/2006/xaml"
NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
ZIP_URL = "https://shop.example.fr/cdiscount/packages/6f1b0c3e9a5d4e27b8c1f0a2d3e4b5c6.zip"
NAME = "stock-2026-11-27T09:00Z"

THE_VERT = OfferUpdate(
    sku="THE-VERT-BIO-100G",
    ean="3760452700039",
    quantity=7,
    price=Decimal("19.9"),
    origin_price=Decimal("24.90"),
    shipping_fee=Decimal("4.90"),
    additional_shipping_fee=Decimal("1.50"),
)
TASSE = OfferUpdate(sku="TASSE-GRES-35CL", ean="3760452700046", quantity=0)


def offer(index, **changes):
    options = {"sku": f"SKU-{index:05d}", "ean": f"376045{index:07d}", "quantity": index % 50}
    options.update(changes)
    return OfferUpdate(**options)


def o(name):
    return q(NS_OFFER, name)


def build(offers, **kwargs):
    destination = io.BytesIO()
    kwargs.setdefault("name", NAME)
    count = make_client().build_offer_package(offers, destination, **kwargs)
    return count, zipfile.ZipFile(io.BytesIO(destination.getvalue()))


def offers_xml(package):
    return etree.fromstring(package.read("Content/Offers.xml"))


def offer_elements(root):
    """The Offer elements, after checking the §M6 structure around them."""
    assert [child.tag for child in children(root)] == [o("OfferPackage.Offers")]
    (collection,) = children(children(root)[0])
    assert collection.tag == o("OfferCollection")
    offers = children(collection)
    assert all(element.tag == o("Offer") for element in offers)
    assert collection.attrib == {"Capacity": str(len(offers))}
    return offers


def attributes(element):
    return list(element.attrib.items())  # in document order


# -- build_offer_package: the zip -----------------------------------------------------------------


def test_zip_holds_the_three_parts_of_m6():
    count, package = build([THE_VERT, TASSE])

    assert count == 2
    assert package.testzip() is None
    assert sorted(package.namelist()) == sorted(
        ["[Content_Types].xml", "_rels/.rels", "Content/Offers.xml"]
    )
    types = etree.fromstring(package.read("[Content_Types].xml"))
    assert types.tag == q(NS_TYPES, "Types")
    assert [(child.tag, child.attrib) for child in children(types)] == [
        (q(NS_TYPES, "Default"), {"Extension": "xml", "ContentType": "text/xml"}),
        (
            q(NS_TYPES, "Default"),
            {
                "Extension": "rels",
                "ContentType": "application/vnd.openxmlformats-package.relationships+xml",
            },
        ),
    ]
    rels = etree.fromstring(package.read("_rels/.rels"))
    assert rels.tag == q(NS_RELS, "Relationships")
    assert [(child.tag, child.attrib) for child in children(rels)] == [
        (
            q(NS_RELS, "Relationship"),
            {
                "Type": "http://cdiscount.com/uri/document",
                "Target": "/Content/Offers.xml",
                "Id": "1",
            },
        )
    ]


def test_stock_and_price_package():
    _, package = build([THE_VERT, TASSE])
    root = offers_xml(package)

    assert root.tag == o("OfferPackage")
    assert root.nsmap == {None: NS_OFFER, "x": NS_XAML}
    assert attributes(root) == [
        ("Name", NAME),
        ("PackageType", "StockAndPrice"),
        ("PurgeAndReplace", "false"),
    ]
    the_vert, tasse = offer_elements(root)
    assert attributes(the_vert) == [
        ("SellerProductId", "THE-VERT-BIO-100G"),
        ("ProductEan", "3760452700039"),
        ("Price", "19.90"),
        ("Stock", "7"),
    ]
    # Exclude Price Upload: no Price attribute at all.
    assert attributes(tasse) == [
        ("SellerProductId", "TASSE-GRES-35CL"),
        ("ProductEan", "3760452700046"),
        ("Stock", "0"),
    ]
    # StockAndPrice carries no shipping, even when a fee is known.
    assert children(the_vert) == [] and children(tasse) == []
    assert package.read("Content/Offers.xml").startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_full_package():
    refurbished = offer(
        3,
        price=Decimal("12.5"),
        condition="Refurbished",
        vat_rate=Decimal("5.5"),
        ecotax=Decimal("0.125"),
        deatax=Decimal("0.3"),
        preparation_time=4,
        shipping_fee=Decimal("3"),
    )
    _, package = build([THE_VERT, TASSE, refurbished], full=True)
    root = offers_xml(package)

    assert attributes(root) == [
        ("Name", NAME),
        ("PackageType", "Full"),
        ("PurgeAndReplace", "false"),
    ]
    the_vert, tasse, third = offer_elements(root)
    assert attributes(the_vert) == [
        ("SellerProductId", "THE-VERT-BIO-100G"),
        ("ProductEan", "3760452700039"),
        ("Price", "19.90"),
        ("Stock", "7"),
        ("ProductCondition", "6"),
        ("Vat", "20.00"),
        ("EcoPart", "0.00"),
        ("DeaTax", "0.00"),
        ("PreparationTime", "2"),
    ]
    (shipping_list_property,) = children(the_vert)
    assert shipping_list_property.tag == o("Offer.ShippingInformationList")
    (shipping_list,) = children(shipping_list_property)
    assert shipping_list.tag == o("ShippingInformationList")
    assert shipping_list.attrib == {"Capacity": "1"}
    (tracked,) = children(shipping_list)
    assert tracked.tag == o("ShippingInformation")
    assert attributes(tracked) == [
        ("DeliveryMode", "Tracked"),
        ("ShippingCharges", "4.90"),
        ("AdditionalShippingCharges", "1.50"),
    ]
    # No fee: no delivery mode; no price: no Price.
    assert children(tasse) == []
    assert "Price" not in tasse.attrib
    assert dict(attributes(third)) == {
        "SellerProductId": "SKU-00003",
        "ProductEan": "3760450000003",
        "Price": "12.50",
        "Stock": "3",
        "ProductCondition": "5",
        "Vat": "5.50",
        "EcoPart": "0.13",
        "DeaTax": "0.30",
        "PreparationTime": "4",
    }
    (tracked,) = children(children(children(third)[0])[0])
    assert tracked.attrib["AdditionalShippingCharges"] == "0.00"


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("New", "6"),
        ("Refurbished", "5"),
        ("LikeNew", "1"),
        ("VeryGoodState", "2"),
        ("GoodState", "3"),
        ("AverageState", "4"),
    ],
)
def test_full_package_condition_codes(condition, code):
    _, package = build([offer(1, condition=condition)], full=True)
    (element,) = offer_elements(offers_xml(package))
    assert element.get("ProductCondition") == code


def test_text_is_escaped():
    update = offer(1, sku='SKU "A" & <B>')
    _, package = build([update], name="stock & <prix>")
    root = offers_xml(package)
    assert root.get("Name") == "stock & <prix>"
    assert offer_elements(root)[0].get("SellerProductId") == 'SKU "A" & <B>'


def test_path_destination(tmp_path):
    path = tmp_path / "offers.zip"
    assert make_client().build_offer_package([THE_VERT], path, name=NAME) == 1
    with zipfile.ZipFile(path) as package:
        assert len(offer_elements(offers_xml(package))) == 1
    assert make_client().build_offer_package([TASSE], str(path), name=NAME) == 1


def test_a_generator_is_read_lazily_while_the_package_is_written():
    destination = io.BytesIO()
    sizes = []

    def offers():
        for index in range(20_000):
            sizes.append(len(destination.getbuffer()))
            yield offer(index)

    count = make_client().build_offer_package(offers(), destination, name=NAME, count=20_000)

    assert count == 20_000
    # Compressed Offers.xml reached the destination while offers were still being produced.
    assert sizes[0] > 0  # [Content_Types].xml and _rels/.rels first
    assert sizes[10_000] > sizes[0]
    assert sizes[-1] > sizes[10_000]
    with zipfile.ZipFile(io.BytesIO(destination.getvalue())) as package:
        assert len(offer_elements(offers_xml(package))) == 20_000


def test_40000_offers_do_not_hold_the_xml_in_memory(tmp_path):
    path = tmp_path / "offers.zip"

    # One offer handed out 40,000 times: what is traced is the builder's memory, not the input's.
    template = offer(1, price=Decimal("19.90"))

    def offers():
        for _ in range(40_000):
            yield template

    client = make_client()
    tracemalloc.start()
    try:
        client.build_offer_package(offers(), path, name=NAME, count=40_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    with zipfile.ZipFile(path) as package:
        xml_size = package.getinfo("Content/Offers.xml").file_size
        assert len(offer_elements(offers_xml(package))) == 40_000
    assert xml_size > 3_500_000  # the whole XML, had it been built in memory
    assert peak < xml_size / 4


@pytest.mark.parametrize(
    ("offers", "count", "error"),
    [
        ([], None, ValueError),
        ([TASSE], 2, ValueError),
        ((offer(i) for i in range(3)), None, TypeError),
        ((offer(i) for i in range(3)), 40_001, ValueError),
        ((offer(i) for i in range(3)), 0, ValueError),
        ([TASSE], True, TypeError),
    ],
    ids=["empty", "len-differs", "iterator-without-count", "over-40000", "zero", "bool-count"],
)
def test_build_checks_its_arguments_before_writing(offers, count, error):
    destination = io.BytesIO()
    with pytest.raises(error):
        make_client().build_offer_package(offers, destination, name=NAME, count=count)
    assert destination.getvalue() == b""


def test_more_than_40000_in_a_sequence(tmp_path):
    with pytest.raises(ValueError, match="40000"):
        make_client().build_offer_package(
            [offer(i) for i in range(40_001)], tmp_path / "p.zip", name=NAME
        )
    assert not (tmp_path / "p.zip").exists()


@pytest.mark.parametrize(
    ("offers", "count", "error"),
    [
        ((offer(i) for i in range(3)), 2, ValueError),
        ((offer(i) for i in range(3)), 4, ValueError),
        ((item for item in [TASSE, "SKU"]), 2, TypeError),
    ],
    ids=["more-than-count", "fewer-than-count", "not-an-offer"],
)
def test_a_bad_stream_leaves_no_package(tmp_path, offers, count, error):
    destination = io.BytesIO(b"kept")
    destination.seek(4)
    with pytest.raises(error):
        make_client().build_offer_package(offers, destination, name=NAME, count=count)
    assert destination.getvalue() == b"kept"  # cut back to where it stood


def test_a_failing_generator_removes_the_file(tmp_path):
    path = tmp_path / "offers.zip"

    def offers():
        yield TASSE
        raise RuntimeError("catalogue query failed")

    with pytest.raises(RuntimeError):
        make_client().build_offer_package(offers(), path, name=NAME, count=2)
    assert not path.exists()


def test_build_needs_a_name():
    with pytest.raises(ValueError):
        make_client().build_offer_package([TASSE], io.BytesIO(), name=" ")


def test_build_sends_nothing(rsps):
    build([TASSE])
    assert len(rsps.calls) == 0


# -- SOAP answers ---------------------------------------------------------------------------------


def submit_answer(package_id="4711", success="true", error_message=None):
    return result_envelope(
        "SubmitOfferPackage",
        f"<PackageId>{package_id}</PackageId>",
        success=success,
        error_message=error_message,
    )


def property_log(code, message, error, name="Stock"):
    return (
        f"<OfferReportPropertyLog><LogMessage>{message}</LogMessage><Name>{name}</Name>"
        f"<PropertyCode>{code}</PropertyCode><PropertyError>{error}</PropertyError>"
        "</OfferReportPropertyLog>"
    )


def report_log(sku, ean, validated, status, *properties):
    return (
        "<OfferReportLog><LogDate>2026-11-27T09:05:12.37</LogDate>"
        f"<OfferIntegrationStatus>{status}</OfferIntegrationStatus>"
        f"<ProductEan>{ean}</ProductEan><SellerProductId>{sku}</SellerProductId>"
        "<Sku>THE0123456789</Sku>"
        f"<Validated>{validated}</Validated>"
        f"<PropertyList>{''.join(properties)}</PropertyList></OfferReportLog>"
    )


def package_answer(status, logs="", errors_count="0", package_id="4711"):
    status_xml = (
        '<PackageIntegrationStatus i:nil="true"/>'
        if status is None
        else f"<PackageIntegrationStatus>{status}</PackageIntegrationStatus>"
    )
    return result_envelope(
        "GetOfferPackageSubmissionResult",
        f"<NumberOfErrors>{errors_count}</NumberOfErrors>"
        f"<OfferLogList>{logs}</OfferLogList>"
        f"<PackageId>{package_id}</PackageId>{status_xml}",
    )


def offer_list_answer(offers, current, pages):
    return result_envelope(
        "GetOfferListPaginated",
        f"<CurrentPageNumber>{current}</CurrentPageNumber><NumberOfPages>{pages}</NumberOfPages>"
        f"<OfferList>{''.join(offers)}</OfferList>",
    )


def offer_xml(sku, stock="7", price="19.90", state="Active", ean="3760452700039"):
    return (
        "<Offer><BestShippingCharges>4.90</BestShippingCharges>"
        "<CreationDate>2026-01-15T09:00:00</CreationDate>"
        "<LastUpdateDate>2026-11-27T09:05:12.37</LastUpdateDate>"
        f"<OfferState>{state}</OfferState><Price>{price}</Price>"
        "<ProductCondition>New</ProductCondition>"
        f"<ProductEan>{ean}</ProductEan><SellerProductId>{sku}</SellerProductId>"
        "<ShippingInformationList><ShippingInformation><DeliveryMode>Tracked</DeliveryMode>"
        "</ShippingInformation></ShippingInformationList>"
        f"<Stock>{stock}</Stock></Offer>"
    )


def parameter_of(request, operation, token=OLD_TOKEN):
    """The operation's one parameter element, after checking the envelope (§M2)."""
    call = assert_soap_request(request, token, operation=operation)
    header, parameter = children(call)
    for element in parameter.iter():
        assert etree.QName(element).namespace in (NS_CD, NS_ARRAYS)
    return parameter


def fields(element):
    return [(etree.QName(child).localname, child.text) for child in children(element)]


# -- submit_offer_package -------------------------------------------------------------------------


def test_submit_offer_package_sends_the_url(rsps, cdiscount_logs):
    add_soap(rsps, submit_answer("4711"))

    submission = make_client().submit_offer_package(ZIP_URL, offer_count=2)

    assert submission == OfferPackageSubmission(package_id="4711", offer_count=2)
    (call,) = rsps.calls
    parameter = parameter_of(call.request, "SubmitOfferPackage")
    assert parameter.tag == q(NS_CD, "offerPackageRequest")
    assert fields(parameter) == [("ZipFileFullPath", ZIP_URL)]
    # The URL is a capability: not in the logs.
    assert "6f1b0c3e9a5d4e27b8c1f0a2d3e4b5c6" not in cdiscount_logs.text


def test_submit_offers_writes_the_zip_through_publish_then_sends_its_url(rsps):
    add_soap(rsps, submit_answer("4711"))
    published = io.BytesIO()

    def publish(write):
        assert not rsps.calls  # the zip is written before Cdiscount is told where it is
        write(published)
        return ZIP_URL

    client = make_client()
    submission = client.submit_offers([THE_VERT, TASSE], full=True, name=NAME, publish=publish)

    assert submission == OfferPackageSubmission(package_id="4711", offer_count=2)
    package = zipfile.ZipFile(io.BytesIO(published.getvalue()))
    skus = [element.get("SellerProductId") for element in offers_xml(package).iter(o("Offer"))]
    assert skus == [THE_VERT.sku, TASSE.sku]
    (call,) = rsps.calls
    assert fields(parameter_of(call.request, "SubmitOfferPackage")) == [
        ("ZipFileFullPath", ZIP_URL)
    ]


def test_submit_offers_needs_somewhere_to_publish(rsps):
    with pytest.raises(ValueError, match="publish"):
        make_client().submit_offers([TASSE])
    assert not rsps.calls


def test_submit_without_count_leaves_it_unknown(rsps):
    add_soap(rsps, submit_answer("12"))
    assert make_client().submit_offer_package(ZIP_URL).offer_count is None


def test_zip_that_cannot_be_downloaded_is_rejected(rsps, cdiscount_logs):
    add_soap(
        rsps,
        submit_answer("-1", success="false", error_message="The ZIP file can't be downloaded."),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().submit_offer_package(ZIP_URL)
    assert caught.value.cdiscount_message == "The ZIP file can't be downloaded."
    assert "6f1b0c3e9a5d4e27b8c1f0a2d3e4b5c6" not in str(caught.value)
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


@pytest.mark.parametrize("package_id", ["0", "-1"])
def test_package_id_not_positive_is_rejected_even_on_success(rsps, package_id):
    add_soap(rsps, submit_answer(package_id, error_message="Le fichier est vide."))
    with pytest.raises(errors.RejectedError, match=f"PackageId {package_id}") as caught:
        make_client().submit_offer_package(ZIP_URL)
    assert caught.value.cdiscount_message == "Le fichier est vide."


@pytest.mark.parametrize("body", ["<PackageId i:nil='true'/>", "<PackageId>abc</PackageId>", ""])
def test_submit_answer_without_package_id_is_malformed(rsps, body):
    add_soap(rsps, result_envelope("SubmitOfferPackage", body))
    with pytest.raises(errors.MalformedResponseError, match="PackageId"):
        make_client().submit_offer_package(ZIP_URL)


@pytest.mark.parametrize("url", ["", "offers.zip", "ftp://shop.example.fr/p.zip", None])
def test_submit_needs_an_http_url(rsps, url):
    with pytest.raises(ValueError):
        make_client().submit_offer_package(url)
    assert len(rsps.calls) == 0


def test_submit_token_fault_refreshes_once_and_resends(rsps):
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, submit_answer("4711"))

    assert make_client().submit_offer_package(ZIP_URL).package_id == "4711"
    assert [(c.request.method, c.request.url) for c in rsps.calls] == [
        ("POST", SOAP_URL),
        ("GET", TOKEN_URL),
        ("POST", SOAP_URL),
    ]
    first = parameter_of(rsps.calls[0].request, "SubmitOfferPackage", OLD_TOKEN)
    second = parameter_of(rsps.calls[2].request, "SubmitOfferPackage", NEW_TOKEN)
    assert fields(first) == fields(second) == [("ZipFileFullPath", ZIP_URL)]


def test_submit_server_fault_is_transient(rsps):
    add_soap(
        rsps,
        INTERNAL_FAULT,
        status=500,
    )
    with pytest.raises(errors.ServerError):
        make_client().submit_offer_package(ZIP_URL)


def test_submit_rate_limited(rsps):
    add_soap(rsps, "", status=429, headers={"Retry-After": "120"})
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().submit_offer_package(ZIP_URL)
    assert caught.value.retry_after == 120.0


# -- get_offer_package ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state"),
    [(None, "IntegrationPending"), ("IntegrationPending", "IntegrationPending")],
)
def test_package_still_pending(rsps, status, state):
    add_soap(rsps, package_answer(status))

    result = make_client().get_offer_package("4711")

    assert result == OfferPackageStatus(
        package_id="4711",
        state=state,
        finished=False,
        rejected=False,
        error_count=None,
        results=(),
    )
    parameter = parameter_of(rsps.calls[0].request, "GetOfferPackageSubmissionResult")
    assert parameter.tag == q(NS_CD, "offerPackageFilter")
    assert fields(parameter) == [("PackageID", "4711")]  # capital ID (§M6)


def test_integrated_package_maps_every_offer_log(rsps):
    logs = "".join(
        [
            report_log(
                "THE-VERT-BIO-100G",
                "3760452700039",
                "true",
                "Integrated",
                property_log("90", "Offre mise à jour", "false"),
            ),
            report_log(
                "NEW-SKU",
                "3760452700060",
                "true",
                "Integrated",
                property_log("80", "Créée", "false"),
            ),
            report_log(
                "TASSE-GRES-35CL",
                "3760452700046",
                "false",
                "Rejected",
                property_log("0", "Contrôle du prix", "false", name="Price"),
                property_log("19", "Le prix doit être supérieur à 0", "true", name="Price"),
                property_log("18", "Stock insuffisant", "true"),
            ),
            report_log("SKU-NO-LOG", "3760452700077", "false", "Rejected"),
        ]
    )
    add_soap(rsps, package_answer("Integrated", logs, errors_count="2"))

    status = make_client().get_offer_package("4711")

    assert (status.state, status.finished, status.rejected, status.error_count) == (
        "Integrated",
        True,
        False,
        2,
    )
    assert status.results == (
        OfferResult(
            "THE-VERT-BIO-100G", "3760452700039", "Integrated", True, "90", "Offre mise à jour"
        ),
        OfferResult("NEW-SKU", "3760452700060", "Integrated", True, "80", "Créée"),
        OfferResult(
            "TASSE-GRES-35CL",
            "3760452700046",
            "Rejected",
            False,
            "19",
            "Le prix doit être supérieur à 0",
        ),
        OfferResult("SKU-NO-LOG", "3760452700077", "Rejected", False, None, None),
    )


def test_rejected_package(rsps):
    logs = report_log(
        "SKU-1", "3760452700039", "false", "Rejected", property_log("13", "Produit inconnu", "true")
    )
    add_soap(rsps, package_answer("Rejected", logs, errors_count="1"))

    status = make_client().get_offer_package("4711")

    assert (status.finished, status.rejected, status.error_count) == (True, True, 1)
    assert status.results[0].code == "13"


def test_the_error_code_is_read_from_property_error_as_cdiscount_writes_it(rsps):
    """Cdiscount's own layout: PropertyError holds the code (13 unknown product), PropertyCode
    the property at fault (1 = EAN), LogMessage a pipe-separated line ending in the sentence."""
    line = "SKU-1|3760452700039|EAN|Rejected|13|Non existent - request its creation"
    logs = report_log(
        "SKU-1", "3760452700039", "false", "Rejected", property_log("1", line, "13", name="EAN")
    ) + report_log(
        "SKU-2", "3760452700046", "true", "Integrated", property_log("5", "Offer updated", "90")
    )
    add_soap(rsps, package_answer("Integrated", logs, errors_count="1"))

    rejected, accepted = make_client().get_offer_package("4711").results

    assert (rejected.accepted, rejected.code) == (False, "13")
    assert rejected.message == "Non existent - request its creation"
    assert (accepted.accepted, accepted.code, accepted.message) == (True, "90", "Offer updated")


def test_error_count_is_counted_when_not_given(rsps):
    logs = report_log("SKU-1", "376", "false", "Rejected", property_log("36", "Inconnue", "true"))
    answer = package_answer("Integrated", logs).replace("<NumberOfErrors>0</NumberOfErrors>", "")
    add_soap(rsps, answer)
    assert make_client().get_offer_package("4711").error_count == 1


def test_integrated_with_nil_log_list(rsps):
    answer = package_answer("Integrated").replace(
        "<OfferLogList></OfferLogList>", '<OfferLogList i:nil="true"/>'
    )
    add_soap(rsps, answer)
    status = make_client().get_offer_package("4711")
    assert (status.finished, status.results, status.error_count) == (True, (), 0)


@pytest.mark.parametrize(
    "answer",
    [
        package_answer("Integrated", package_id="4712"),
        package_answer("Integrated", report_log("", "376", "true", "Integrated")),
        package_answer("Integrated", report_log("SKU-1", "376", "maybe", "Integrated")),
        result_envelope("GetOfferPackageSubmissionResult", "<PackageId>4711</PackageId>")[:-40],
    ],
    ids=["other-package", "log-without-sku", "log-without-validated", "truncated"],
)
def test_malformed_package_results(rsps, answer):
    add_soap(rsps, answer)
    with pytest.raises(errors.MalformedResponseError):
        make_client().get_offer_package("4711")


@pytest.mark.parametrize("package_id", ["", "abc", "0", "-3", "47_11", 4711])
def test_get_offer_package_needs_a_positive_id(rsps, package_id):
    with pytest.raises(ValueError):
        make_client().get_offer_package(package_id)
    assert len(rsps.calls) == 0


def test_get_offer_package_token_fault_then_refresh(rsps):
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, package_answer("IntegrationPending"))
    assert make_client().get_offer_package(" 4711 ").package_id == "4711"
    parameter = parameter_of(rsps.calls[2].request, "GetOfferPackageSubmissionResult", NEW_TOKEN)
    assert fields(parameter) == [("PackageID", "4711")]


# -- list_offers ----------------------------------------------------------------------------------


def test_list_offers_pages_until_the_last(rsps):
    add_soap(rsps, offer_list_answer([offer_xml("SKU-1"), offer_xml("SKU-2", stock="0")], 1, 3))
    add_soap(rsps, offer_list_answer([offer_xml("SKU-3", price="5")], 2, 3))
    add_soap(rsps, offer_list_answer([offer_xml("SKU-4", state="Inactive")], 3, 3))

    listing = make_client().list_offers()
    assert len(rsps.calls) == 0  # a generator
    offers = list(listing)

    assert [offer.sku for offer in offers] == ["SKU-1", "SKU-2", "SKU-3", "SKU-4"]
    assert offers[0] == RemoteOffer("SKU-1", "3760452700039", 7, Decimal("19.90"), "Active")
    assert (offers[1].quantity, offers[2].price, offers[3].state) == (0, Decimal("5"), "Inactive")
    for page, call in enumerate(rsps.calls, start=1):
        parameter = parameter_of(call.request, "GetOfferListPaginated")
        assert parameter.tag == q(NS_CD, "offerFilter")
        assert fields(parameter) == [("OfferPoolId", "1"), ("PageNumber", str(page))]


def test_list_offers_for_skus_sends_the_list_in_m7_order(rsps):
    add_soap(rsps, offer_list_answer([offer_xml("SKU-1")], 1, 1))

    offers = list(make_client().list_offers(skus=["SKU-1", "SKU-2", "SKU-1"]))

    assert [offer.sku for offer in offers] == ["SKU-1"]
    parameter = parameter_of(rsps.calls[0].request, "GetOfferListPaginated")
    assert [name for name, _ in fields(parameter)] == [
        "OfferPoolId",
        "PageNumber",
        "SellerProductIdList",
    ]
    sku_list = children(parameter)[2]
    assert [(child.tag, child.text) for child in children(sku_list)] == [
        (q(NS_ARRAYS, "string"), "SKU-1"),
        (q(NS_ARRAYS, "string"), "SKU-2"),
    ]


def test_list_offers_reads_tolerantly(rsps):
    add_soap(
        rsps,
        offer_list_answer(
            [
                offer_xml("SKU-A", stock="beaucoup", price="n/a", ean=""),
                "<Offer><Stock>3</Stock></Offer>",
                '<Offer><Price i:nil="true"/><SellerProductId>SKU-B</SellerProductId></Offer>',
            ],
            1,
            1,
        ),
    )
    assert list(make_client().list_offers()) == [
        RemoteOffer("SKU-A", None, None, None, "Active"),
        RemoteOffer("SKU-B", None, None, None, None),
    ]


def test_list_offers_empty_catalogue_is_one_call(rsps):
    add_soap(rsps, offer_list_answer([], 0, 0))
    assert list(make_client().list_offers()) == []
    assert len(rsps.calls) == 1


def test_list_offers_for_no_sku_asks_nothing(rsps):
    assert list(make_client().list_offers(skus=[])) == []
    assert len(rsps.calls) == 0


def test_a_server_ignoring_page_number_is_not_asked_forever(rsps):
    add_soap(rsps, offer_list_answer([offer_xml("SKU-1")], 1, 3))
    add_soap(rsps, offer_list_answer([offer_xml("SKU-1")], 1, 3))
    with pytest.raises(errors.MalformedResponseError, match="asked for page 2, got page 1"):
        list(make_client().list_offers())
    assert len(rsps.calls) == 2


def test_list_offers_without_offer_list_is_malformed(rsps):
    add_soap(rsps, result_envelope("GetOfferListPaginated", "<NumberOfPages>1</NumberOfPages>"))
    with pytest.raises(errors.MalformedResponseError, match="OfferList"):
        list(make_client().list_offers())


def test_list_offers_token_fault_mid_listing(rsps):
    add_soap(rsps, offer_list_answer([offer_xml("SKU-1")], 1, 2))
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, offer_list_answer([offer_xml("SKU-2")], 2, 2))

    assert [offer.sku for offer in make_client().list_offers()] == ["SKU-1", "SKU-2"]
    assert fields(parameter_of(rsps.calls[3].request, "GetOfferListPaginated", NEW_TOKEN)) == [
        ("OfferPoolId", "1"),
        ("PageNumber", "2"),
    ]


def test_list_offers_business_error(rsps):
    add_soap(
        rsps,
        result_envelope(
            "GetOfferListPaginated",
            '<OfferList i:nil="true"/>',
            success="false",
            error_message="Le filtre est invalide.",
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        list(make_client().list_offers())
    assert caught.value.cdiscount_message == "Le filtre est invalide."


def test_list_offers_server_error(rsps):
    add_soap(rsps, "<html>Service Unavailable</html>", status=503, content_type="text/html")
    with pytest.raises(errors.ServerError):
        list(make_client().list_offers())
