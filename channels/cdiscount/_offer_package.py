"""The Marketplace API's offer package (§M6): a zip holding Content/Offers.xml, written as a stream.

Offers.xml goes through lxml's incremental writer straight into the zip entry: one offer's
elements at a time, so memory does not grow with the number of offers.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sized
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from ._offers import amount, check_offer, check_package_size
from ._xml import qname
from .results import OfferUpdate

NS_OFFER = (
    "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;"
    "assembly=Cdiscount.Service.OfferIntegration"
)
NS_XAML = "http://schemas.microsoft.com/winfx/2006/xaml"
NS_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFERS_PATH = "Content/Offers.xml"
# §M6: the integer ProductCondition of Full packages.
CONDITION_CODES = {
    "New": 6,
    "Refurbished": 5,
    "LikeNew": 1,
    "VeryGoodState": 2,
    "GoodState": 3,
    "AverageState": 4,
}
# §M6: Tracked is the mandatory delivery mode.
TRACKED_DELIVERY_MODE = "Tracked"

Destination = BinaryIO | str | os.PathLike[str]


# Qualified once: 40,000 offers ask for them.
_OFFER_PACKAGE = qname(NS_OFFER, "OfferPackage")
_OFFERS_PROPERTY = qname(NS_OFFER, "OfferPackage.Offers")
_OFFER_COLLECTION = qname(NS_OFFER, "OfferCollection")
_OFFER = qname(NS_OFFER, "Offer")
_SHIPPING_PROPERTY = qname(NS_OFFER, "Offer.ShippingInformationList")
_SHIPPING_LIST = qname(NS_OFFER, "ShippingInformationList")
_SHIPPING = qname(NS_OFFER, "ShippingInformation")


def write_offer_package(
    offers: Iterable[OfferUpdate],
    destination: Destination,
    *,
    name: str,
    full: bool,
    count: int | None,
) -> int:
    """Writes the zip to `destination` (a path, or a binary file open for writing).

    The offers are read once, lazily. `count` is required when `offers` has no len(): the
    OfferCollection's Capacity comes before the offers, and a different number of offers is a
    ValueError. After any error the destination holds no usable package: a path is removed,
    a seekable file cut back to where it stood.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("the package name is required")
    if count is None:
        if not isinstance(offers, Sized):
            raise TypeError("count is required when offers is an iterator")
        count = len(offers)
    if not isinstance(count, int) or isinstance(count, bool):
        raise TypeError("count must be an int")
    if isinstance(offers, Sized) and len(offers) != count:
        raise ValueError(f"count is {count} but {len(offers)} offers were given")
    check_package_size(count)

    if isinstance(destination, str | os.PathLike):
        path = Path(destination)
        try:
            with path.open("wb") as file:
                _write_zip(offers, file, name=name, full=full, count=count)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return count

    start = _position(destination)
    try:
        _write_zip(offers, destination, name=name, full=full, count=count)
    except BaseException:
        if start is not None:
            destination.seek(start)
            destination.truncate()
        raise
    return count


def _position(file: BinaryIO) -> int | None:
    try:
        return file.tell() if file.seekable() else None
    except (AttributeError, OSError):
        return None


def _write_zip(
    offers: Iterable[OfferUpdate], file: BinaryIO, *, name: str, full: bool, count: int
) -> None:
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _content_types())
        package.writestr("_rels/.rels", _relationships())
        with package.open(OFFERS_PATH, "w") as stream:
            _write_offers(offers, stream, name=name, full=full, count=count)


def _content_types() -> bytes:
    types = etree.Element(qname(NS_CONTENT_TYPES, "Types"), nsmap={None: NS_CONTENT_TYPES})
    for extension, content_type in (
        ("xml", "text/xml"),
        ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
    ):
        etree.SubElement(
            types,
            qname(NS_CONTENT_TYPES, "Default"),
            Extension=extension,
            ContentType=content_type,
        )
    return etree.tostring(types, xml_declaration=True, encoding="utf-8")


def _relationships() -> bytes:
    relationships = etree.Element(
        qname(NS_RELATIONSHIPS, "Relationships"), nsmap={None: NS_RELATIONSHIPS}
    )
    etree.SubElement(
        relationships,
        qname(NS_RELATIONSHIPS, "Relationship"),
        Type="http://cdiscount.com/uri/document",
        Target=f"/{OFFERS_PATH}",
        Id="1",
    )
    return etree.tostring(relationships, xml_declaration=True, encoding="utf-8")


def _write_offers(
    offers: Iterable[OfferUpdate], stream: BinaryIO, *, name: str, full: bool, count: int
) -> None:
    written = 0
    package_attributes = {
        "Name": name,
        "PackageType": "Full" if full else "StockAndPrice",
        # §M6: "true" deletes every offer not in the package. Never sent otherwise.
        "PurgeAndReplace": "false",
    }
    with etree.xmlfile(stream, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element(_OFFER_PACKAGE, package_attributes, nsmap={None: NS_OFFER, "x": NS_XAML}):
            with xml.element(_OFFERS_PROPERTY):
                with xml.element(_OFFER_COLLECTION, Capacity=str(count)):
                    for offer in offers:
                        if written == count:
                            raise ValueError(f"more offers than the count given ({count})")
                        _write_offer(xml, check_offer(offer), full)
                        written += 1
    if written != count:
        raise ValueError(f"{written} offers instead of the count given ({count})")


def _write_offer(xml: etree.xmlfile, offer: OfferUpdate, full: bool) -> None:
    """One Offer element; attributes in §M6's order, Price only when it changes."""
    attributes = {"SellerProductId": offer.sku, "ProductEan": offer.ean}
    if offer.price is not None:
        attributes["Price"] = _xml_amount(offer.price)
    attributes["Stock"] = str(offer.quantity)
    if not full:
        with xml.element(_OFFER, attributes):
            pass
        return
    attributes.update(
        ProductCondition=str(CONDITION_CODES[offer.condition]),
        Vat=_xml_amount(offer.vat_rate),
        EcoPart=_xml_amount(offer.ecotax),
        DeaTax=_xml_amount(offer.deatax),
        PreparationTime=str(offer.preparation_time),
    )
    with xml.element(_OFFER, attributes):
        if offer.shipping_fee is None:
            return
        with xml.element(_SHIPPING_PROPERTY):
            with xml.element(_SHIPPING_LIST, Capacity="1"):
                shipping = {
                    "DeliveryMode": TRACKED_DELIVERY_MODE,
                    "ShippingCharges": _xml_amount(offer.shipping_fee),
                    "AdditionalShippingCharges": _xml_amount(
                        offer.additional_shipping_fee or Decimal("0")
                    ),
                }
                with xml.element(_SHIPPING, shipping):
                    pass


def _xml_amount(value: Decimal) -> str:
    """Amounts and rates as Offers.xml writes them: two decimals, a dot ("19.90")."""
    return str(amount(value))
