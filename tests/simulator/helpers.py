"""Talking to the simulator the way a client would, written independently of channels.cdiscount."""

import io
import re
import secrets
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from lxml import etree

from channels.simulator import DEMO_MARKETPLACE, DEMO_OCTOPIA, SimulatorServer

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CDISCOUNT = "http://www.cdiscount.com"
MESSAGES = "http://schemas.datacontract.org/2004/07/Cdiscount.Framework.Core.Communication.Messages"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SERIALIZATION = "http://schemas.microsoft.com/2003/10/Serialization/"
ACTION = "http://www.cdiscount.com/IMarketplaceAPIService/"
TIMEOUT = 5

HEADER_ORDER = ("Context", "Localization", "Security", "Version")


def octopia_token_response(
    sim: SimulatorServer,
    client_id: str = DEMO_OCTOPIA["client_id"],
    client_secret: str = DEMO_OCTOPIA["client_secret"],
) -> requests.Response:
    return requests.post(
        sim.urls["CDISCOUNT_AUTH_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout=TIMEOUT,
    )


def octopia_token(sim: SimulatorServer, **credentials: str) -> str:
    response = octopia_token_response(sim, **credentials)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def octopia_get(
    sim: SimulatorServer,
    path: str,
    token: str | None,
    seller_id: str | None = DEMO_OCTOPIA["seller_id"],
    **kwargs,
) -> requests.Response:
    return octopia_call(sim, "GET", path, token, seller_id=seller_id, **kwargs)


def sts_response(
    sim: SimulatorServer,
    login: str = DEMO_MARKETPLACE["login"],
    password: str = DEMO_MARKETPLACE["password"],
) -> requests.Response:
    return requests.get(
        sim.urls["CDISCOUNT_STS_URL"],
        params={"realm": sim.urls["CDISCOUNT_SOAP_URL"]},
        auth=(login, password),
        timeout=TIMEOUT,
    )


def read_sts_token(response: requests.Response) -> str | None:
    """The token if the STS answer is the expected element with 32 lowercase hex, else None."""
    if response.status_code != 200:
        return None
    try:
        root = etree.fromstring(response.content)
    except etree.XMLSyntaxError:
        return None
    if root.tag != f"{{{SERIALIZATION}}}string" or not re.fullmatch(
        r"[0-9a-f]{32}", root.text or ""
    ):
        return None
    return root.text


def marketplace_token(sim: SimulatorServer, **credentials: str) -> str:
    token = read_sts_token(sts_response(sim, **credentials))
    assert token is not None
    return token


def header_message(token: str | None, *, order=HEADER_ORDER, namespace=MESSAGES) -> etree._Element:
    """A headerMessage as §M2 shows it, optionally with its children reordered or misplaced."""
    header = etree.Element(f"{{{CDISCOUNT}}}headerMessage", nsmap={"a": namespace, "i": XSI})

    def sub(parent, name, text=None, nil=False):
        element = etree.SubElement(parent, f"{{{namespace}}}{name}")
        if nil:
            element.set(f"{{{XSI}}}nil", "true")
        element.text = text
        return element

    parts = {}
    context = parts["Context"] = etree.Element(f"{{{namespace}}}Context")
    sub(context, "CatalogID", "1")
    sub(context, "CustomerPoolID", "1")
    sub(context, "SiteID", "100")
    localization = parts["Localization"] = etree.Element(f"{{{namespace}}}Localization")
    for name, value in (("Country", "Fr"), ("Currency", "Eur"), ("DecimalPosition", "2")):
        sub(localization, name, value)
    sub(localization, "Language", "Fr")
    security = parts["Security"] = etree.Element(f"{{{namespace}}}Security")
    for name in ("DomainRightsList", "IssuerID", "SessionID", "SubjectLocality"):
        sub(security, name, nil=True)
    if token is None:
        sub(security, "TokenId", nil=True)
    else:
        sub(security, "TokenId", token)
    sub(security, "UserName", nil=True)
    version = parts["Version"] = etree.Element(f"{{{namespace}}}Version")
    version.text = "1.0"
    for name in order:
        header.append(parts[name])
    return header


def soap_envelope(operation: str, token: str | None, **header_options) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    call = etree.SubElement(body, f"{{{CDISCOUNT}}}{operation}", nsmap={None: CDISCOUNT})
    call.append(header_message(token, **header_options))
    return etree.tostring(envelope, encoding="utf-8", xml_declaration=True)


def soap_post(
    sim: SimulatorServer,
    operation: str,
    body: bytes,
    *,
    action: str | None = None,
    content_type: str = "text/xml; charset=utf-8",
) -> requests.Response:
    headers = {"Content-Type": content_type}
    soap_action = f'"{ACTION}{operation}"' if action is None else action
    if soap_action:
        headers["SOAPAction"] = soap_action
    # Generous: a 40,000-offer package is integrated inside one answer; this only stops a hang.
    return requests.post(sim.urls["CDISCOUNT_SOAP_URL"], data=body, headers=headers, timeout=60)


def get_seller_information(sim: SimulatorServer, token: str | None, **options) -> requests.Response:
    return soap_post(
        sim, "GetSellerInformation", soap_envelope("GetSellerInformation", token, **options)
    )


def read_fault(response: requests.Response) -> tuple[str, str, str]:
    """(faultcode namespace, faultcode local name, faultstring), resolving the code's prefix."""
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, response.text
    code = fault.find("faultcode")
    prefix, _, local = code.text.partition(":")
    return code.nsmap[prefix], local, fault.findtext("faultstring")


def soap_result(response: requests.Response, operation: str) -> etree._Element:
    root = etree.fromstring(response.content)
    result = root.find(
        f"{{{SOAP_ENV}}}Body/{{{CDISCOUNT}}}{operation}Response/{{{CDISCOUNT}}}{operation}Result"
    )
    assert result is not None, response.text
    return result


def c(name: str) -> str:
    """A qualified name in the Cdiscount namespace, for find()."""
    return f"{{{CDISCOUNT}}}{name}"


def octopia_post(
    sim: SimulatorServer,
    path: str,
    token: str,
    payload,
    seller_id: str = DEMO_OCTOPIA["seller_id"],
) -> requests.Response:
    return octopia_call(sim, "POST", path, token, payload, seller_id=seller_id)


def el(name: str, *children, text: str | None = None, namespace: str = CDISCOUNT):
    """An element for a SOAP parameter: el("orderFilter", el("FetchOrderLines", text="true"))."""
    element = etree.Element(f"{{{namespace}}}{name}")
    element.text = text
    for item in children:
        element.append(item)
    return element


def soap_call(
    sim: SimulatorServer, operation: str, token: str, *params: etree._Element
) -> requests.Response:
    """POST `operation` with its headerMessage then `params` (in the order given)."""
    envelope = etree.fromstring(soap_envelope(operation, token))
    call = envelope.find(f"{{{SOAP_ENV}}}Body/{{{CDISCOUNT}}}{operation}")
    for param in params:
        call.append(param)
    return soap_post(sim, operation, etree.tostring(envelope, encoding="utf-8"))


def octopia_call(
    sim: SimulatorServer,
    method: str,
    path: str,
    token: str | None,
    payload=None,
    *,
    seller_id: str | None = DEMO_OCTOPIA["seller_id"],
    headers: dict[str, str] | None = None,
    **kwargs,
) -> requests.Response:
    """Any Octopia API call; the JSON `payload`, when given, is the body. A None token or
    Seller ID leaves that header out."""
    all_headers = {"Accept": "application/json"}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    if seller_id is not None:
        all_headers["SellerId"] = seller_id
    all_headers.update(headers or {})
    if payload is not None:
        kwargs["json"] = payload
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.request(
        method, sim.urls["CDISCOUNT_API_URL"] + path, headers=all_headers, **kwargs
    )


# Offers: the Marketplace zip (§M6), built independently of the simulator, and a server for it

OFFER_NS = (
    "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;"
    "assembly=Cdiscount.Service.OfferIntegration"
)
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="text/xml" />'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
    b"</Types>"
)
RELS = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Type="http://cdiscount.com/uri/document" Target="/Content/Offers.xml" '
    b'Id="1" /></Relationships>'
)


def offers_xml(
    offers: list[dict],
    *,
    package_type: str | None = "StockAndPrice",
    purge: str | None = "false",
    capacity: int | None = None,
    namespace: str = OFFER_NS,
) -> bytes:
    """Content/Offers.xml; an offer's "shipping" key lists its ShippingInformation attributes."""

    def q(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    nsmap = {None: namespace, "x": "http://schemas.microsoft.com/winfx/2006/xaml"}
    root = etree.Element(q("OfferPackage"), nsmap=nsmap if namespace else None)
    root.set("Name", "stock-2026-11-27T09:00Z")
    if package_type is not None:
        root.set("PackageType", package_type)
    if purge is not None:
        root.set("PurgeAndReplace", purge)
    collection = etree.SubElement(
        etree.SubElement(root, q("OfferPackage.Offers")), q("OfferCollection")
    )
    collection.set("Capacity", str(len(offers) if capacity is None else capacity))
    for offer in offers:
        attributes = {k: str(v) for k, v in offer.items() if k != "shipping"}
        element = etree.SubElement(collection, q("Offer"), attributes)
        if "shipping" in offer:
            holder = etree.SubElement(element, q("Offer.ShippingInformationList"))
            shipping = etree.SubElement(holder, q("ShippingInformationList"))
            shipping.set("Capacity", str(len(offer["shipping"])))
            for information in offer["shipping"]:
                etree.SubElement(shipping, q("ShippingInformation"), information)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def offers_zip(
    xml: bytes, *, content_types: bytes | None = CONTENT_TYPES, rels: bytes | None = RELS
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types is not None:
            archive.writestr("[Content_Types].xml", content_types)
        if rels is not None:
            archive.writestr("_rels/.rels", rels)
        archive.writestr("Content/Offers.xml", xml)
    return buffer.getvalue()


class FileServer:
    """A tiny HTTP server handing out bytes at unguessable URLs, as the product serves its zips."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        self.gate = threading.Event()  # cleared by hold(): answers wait until it is set
        self.gate.set()
        files, hits, gate = self.files, self.hits, self.gate

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                gate.wait(timeout=TIMEOUT)
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def hold(self) -> threading.Event:
        """Make downloads hang until the returned event is set."""
        self.gate.clear()
        return self.gate

    def serve(self, data: bytes, name: str = "offers.zip") -> str:
        path = f"/{secrets.token_hex(8)}/{name}"
        self.files[path] = data
        return self.base_url + path

    def stop(self) -> None:
        self.gate.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
