"""The Marketplace API's offer package (§M6): the zip fetched from the URL the seller gives.

SubmitOfferPackage downloads the zip before it answers, as the real service does: that is how it
can answer "The ZIP file can't be downloaded." (PackageId -1) when the URL cannot be fetched
(connection refused, 404, timeout) or what comes back is not a zip. The download has a timeout
and a size limit, and reading the zip takes a fraction of a second even at 40,000 offers, so the
call still answers at once; integration itself happens later, on the simulator clock.

What is wrong inside a readable zip (a missing part, a wrong relationship, an OfferPackage in the
wrong namespace, PurgeAndReplace="true", a Capacity that does not match the offers...) does not
fail the call: the package gets its id and is Rejected when it integrates, the reason in the
submission result's ErrorMessage.
"""

from __future__ import annotations

import http.client
import io
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

OFFER_NAMESPACE = (
    "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;"
    "assembly=Cdiscount.Service.OfferIntegration"
)
CONTENT_TYPES_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"
RELATIONSHIPS_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT_RELATIONSHIP = "http://cdiscount.com/uri/document"
RELATIONSHIPS_CONTENT_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
XML_CONTENT_TYPE = "text/xml"
CONTENT_TYPES_PART = "/[Content_Types].xml"
RELATIONSHIPS_PART = "/_rels/.rels"
OFFERS_PART = "/Content/Offers.xml"
PACKAGE_TYPES = ("StockAndPrice", "Full")
MAX_OFFERS = 40_000

DOWNLOAD_TIMEOUT = 10.0  # seconds, connecting and each read
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
MAX_PART_BYTES = 256 * 1024 * 1024  # uncompressed, against zip bombs

# Never fetch DTDs or expand entities from a seller's file.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class DownloadFailed(Exception):
    """The zip could not be fetched, or what was fetched is not a zip."""


class _Rejected(Exception):
    """The zip was read but the package in it is not acceptable; the message says why."""


@dataclass(frozen=True)
class ReadPackage:
    """What a zip holds: Offers.xml's attributes and offers, or why the package is rejected."""

    name: str | None
    package_type: str | None
    offers: list[dict[str, Any]]  # each Offer's attributes, plus "ShippingInformationList"
    error: str | None = None


def fetch(url: str, timeout: float = DOWNLOAD_TIMEOUT) -> ReadPackage:
    return read(download(url, timeout))


def download(url: str, timeout: float = DOWNLOAD_TIMEOUT) -> bytes:
    """The body at `url` (http or https, no auth, redirects followed); DownloadFailed if not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DownloadFailed("the ZipFileFullPath is not an http(s) URL")
    # The zip is often served by a process on this machine: no proxy between the two.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    headers = {"User-Agent": "CdiscountSimulator/1.0"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with opener.open(request, timeout=timeout) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError is an OSError
        reason = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) else str(exc)
        raise DownloadFailed(reason) from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise DownloadFailed(f"the file is larger than {MAX_DOWNLOAD_BYTES} bytes")
    return data


def read(data: bytes) -> ReadPackage:
    """The package in a zip; DownloadFailed if `data` is not a zip at all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise DownloadFailed("the file is not a zip") from exc
    with archive:
        try:
            parts = _parts(archive)
            _check_content_types(_parse(archive, parts, CONTENT_TYPES_PART))
            _check_relationships(_parse(archive, parts, RELATIONSHIPS_PART))
            root = _parse(archive, parts, OFFERS_PART)
        except _Rejected as rejected:
            return ReadPackage(None, None, [], str(rejected))
    return _read_offer_package(root)


def _parts(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    # Part names are case-insensitive (OPC); Windows tools may write backslashes.
    return {_part_key(info.filename): info for info in archive.infolist() if not info.is_dir()}


def _part_key(name: str) -> str:
    return "/" + name.replace("\\", "/").lstrip("/").lower()


def _parse(
    archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], name: str
) -> etree._Element:
    info = parts.get(_part_key(name))
    if info is None:
        raise _Rejected(f"The package has no {name.lstrip('/')}.")
    if info.file_size > MAX_PART_BYTES:
        raise _Rejected(f"{name.lstrip('/')} is larger than {MAX_PART_BYTES} bytes.")
    try:
        content = archive.read(info)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise _Rejected(f"{name.lstrip('/')} cannot be extracted: {exc}.") from exc
    try:
        return etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _Rejected(f"{name.lstrip('/')} is not well-formed XML: {exc}.") from exc


def _check_content_types(root: etree._Element) -> None:
    if root.tag != f"{{{CONTENT_TYPES_NAMESPACE}}}Types":
        raise _Rejected(
            f"[Content_Types].xml must be a Types element in {CONTENT_TYPES_NAMESPACE}."
        )
    defaults = {
        (element.get("Extension") or "").lower(): element.get("ContentType")
        for element in root.iterchildren(f"{{{CONTENT_TYPES_NAMESPACE}}}Default")
    }
    overrides = {
        _part_key(element.get("PartName") or ""): element.get("ContentType")
        for element in root.iterchildren(f"{{{CONTENT_TYPES_NAMESPACE}}}Override")
    }
    if defaults.get("rels") != RELATIONSHIPS_CONTENT_TYPE:
        raise _Rejected(
            f'[Content_Types].xml must map the extension "rels" to {RELATIONSHIPS_CONTENT_TYPE}.'
        )
    offers_type = overrides.get(_part_key(OFFERS_PART), defaults.get("xml"))
    if offers_type != XML_CONTENT_TYPE:
        raise _Rejected(f'[Content_Types].xml must map the extension "xml" to {XML_CONTENT_TYPE}.')


def _check_relationships(root: etree._Element) -> None:
    if root.tag != f"{{{RELATIONSHIPS_NAMESPACE}}}Relationships":
        raise _Rejected(
            f"_rels/.rels must be a Relationships element in {RELATIONSHIPS_NAMESPACE}."
        )
    for relationship in root.iterchildren(f"{{{RELATIONSHIPS_NAMESPACE}}}Relationship"):
        target = _part_key(relationship.get("Target") or "")
        if relationship.get("Type") == DOCUMENT_RELATIONSHIP and target == _part_key(OFFERS_PART):
            return
    raise _Rejected(
        f"_rels/.rels has no Relationship of Type {DOCUMENT_RELATIONSHIP} with Target "
        f"{OFFERS_PART}."
    )


def _read_offer_package(root: etree._Element) -> ReadPackage:
    def tag(name: str) -> str:
        return f"{{{OFFER_NAMESPACE}}}{name}"

    if root.tag != tag("OfferPackage"):
        found = etree.QName(root)
        return ReadPackage(
            None,
            None,
            [],
            f"Content/Offers.xml must hold an OfferPackage in the namespace {OFFER_NAMESPACE}; "
            f"found {found.localname} in {found.namespace or 'no namespace'}.",
        )
    name = root.get("Name")
    package_type = root.get("PackageType")
    collection = root.find(f"{tag('OfferPackage.Offers')}/{tag('OfferCollection')}")
    offers = (
        [_read_offer(element, tag) for element in collection.iterchildren(tag("Offer"))]
        if collection is not None
        else []
    )
    error = None
    purge = root.get("PurgeAndReplace")
    if package_type not in PACKAGE_TYPES:
        error = f"PackageType must be StockAndPrice or Full, not {package_type!r}."
    elif purge is not None and purge.strip().lower() == "true":
        # §M6: the real service would delete every offer that is not in this package.
        error = (
            'PurgeAndReplace="true" would delete every offer that is not in this package: '
            "the package is rejected."
        )
    elif purge is None or purge.strip().lower() != "false":
        error = f'PurgeAndReplace must be "false", not {purge!r}.'
    elif collection is None:
        error = "The OfferPackage has no OfferPackage.Offers/OfferCollection."
    elif collection.get("Capacity") != str(len(offers)):
        error = (
            f"The OfferCollection Capacity is {collection.get('Capacity')!r} but it holds "
            f"{len(offers)} Offer elements."
        )
    elif len(offers) > MAX_OFFERS:
        error = f"A package holds at most {MAX_OFFERS} offers, not {len(offers)}."
    return ReadPackage(name, package_type, offers, error)


def _read_offer(element: etree._Element, tag: Any) -> dict[str, Any]:
    offer: dict[str, Any] = dict(element.attrib)
    shipping = element.find(tag("Offer.ShippingInformationList"))
    if shipping is not None:
        offer["ShippingInformationList"] = [
            dict(information.attrib)
            for information in shipping.iterfind(
                f"{tag('ShippingInformationList')}/{tag('ShippingInformation')}"
            )
        ]
    return offer
