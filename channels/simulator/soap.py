"""SOAP 1.1 as the Marketplace API's WCF service speaks it (docs/cdiscount-api.md §M2).

Requests are read by namespace and in schema order, the way WCF's DataContractSerializer reads
them, so a client that gets a namespace or an element order wrong fails here as it would there.
"""

from __future__ import annotations

import re

from lxml import etree

from .exchange import Response

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CDISCOUNT = "http://www.cdiscount.com"
MESSAGES = "http://schemas.datacontract.org/2004/07/Cdiscount.Framework.Core.Communication.Messages"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SERIALIZATION = "http://schemas.microsoft.com/2003/10/Serialization/"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
WCF_DISPATCHER = (
    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
)
ADDRESSING_NONE = "http://schemas.microsoft.com/ws/2005/05/addressing/none"
ACTION_PREFIX = "http://www.cdiscount.com/IMarketplaceAPIService/"

XML_CONTENT_TYPE = "text/xml; charset=utf-8"

# §M2: the exact fault strings clients match on.
TOKEN_BAD_FORMAT = "Token id is not correctly formatted."
TOKEN_UNKNOWN = "Your token does not exist, please renew your token id."
INTERNAL_ERROR = (
    "The server was unable to process the request due to an internal error.  For more "
    "information about the error, either turn on IncludeExceptionDetailInFaults (either from "
    "ServiceBehaviorAttribute or from the <serviceDebug> configuration behavior) on the server "
    "in order to send the exception information back to the client, or turn on tracing as per "
    "the Microsoft .NET Framework SDK documentation and inspect the server trace logs."
)

# headerMessage and its Security block, in schema order (§M2).
HEADER_FIELDS = ("Context", "Localization", "Security", "Version")
SECURITY_FIELDS = (
    "DomainRightsList",
    "IssuerID",
    "SessionID",
    "SubjectLocality",
    "TokenId",
    "UserName",
)

_TOKEN_FORMAT = re.compile(r"[0-9a-fA-F]{32}")
# Never fetch DTDs or expand entities from a request body.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class SoapFault(Exception):
    """A fault to answer with; `code_namespace` None means the envelope's own `s:` prefix."""

    def __init__(self, code: str, message: str, code_namespace: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.code_namespace = code_namespace

    def response(self) -> Response:
        return fault_response(self.code, self.message, self.code_namespace)


def fault_response(code: str, message: str, code_namespace: str | None = None) -> Response:
    """An HTTP 500 SOAP 1.1 fault, as WCF writes it."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    if code_namespace is None:
        faultcode = etree.SubElement(fault, "faultcode")
        faultcode.text = f"s:{code}"
    else:
        faultcode = etree.SubElement(fault, "faultcode", nsmap={"a": code_namespace})
        faultcode.text = f"a:{code}"
    faultstring = etree.SubElement(fault, "faultstring")
    faultstring.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    faultstring.text = message
    return Response(500, _serialize(envelope), XML_CONTENT_TYPE)


def token_fault(message: str) -> SoapFault:
    return SoapFault("RequestTokenValidationError", message)


def deserialization_fault(operation: str, detail: str) -> SoapFault:
    return SoapFault(
        "DeserializationFailed",
        "The formatter threw an exception while trying to deserialize the message: Error in "
        f"deserializing body of request message for operation '{operation}'. {detail}",
        WCF_DISPATCHER,
    )


def internal_error_fault() -> SoapFault:
    return SoapFault("InternalServiceFault", INTERNAL_ERROR, WCF_DISPATCHER)


def action_not_supported_fault(action: str) -> SoapFault:
    return SoapFault(
        "ActionNotSupported",
        f"The message with Action '{action}' cannot be processed at the receiver, due to a "
        "ContractFilter mismatch at the EndpointDispatcher. This may be because of either a "
        "contract mismatch (mismatched Actions between sender and receiver) or a "
        "binding/security mismatch between the sender and the receiver.  Check that sender and "
        "receiver have the same contract and the same binding (including security "
        "requirements, e.g. Message, Transport, None).",
        ADDRESSING_NONE,
    )


# Reading requests


def parse_operation(body: bytes, operation: str) -> etree._Element:
    """The body's operation element; a DeserializationFailed fault if it is not there."""
    try:
        envelope = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise deserialization_fault(operation, f"The XML is not well-formed: {exc}.") from exc
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise deserialization_fault(operation, "Expected a SOAP 1.1 Envelope.")
    body_element = next((child for child in envelope if child.tag == f"{{{SOAP_ENV}}}Body"), None)
    payload = (
        next((child for child in body_element if isinstance(child.tag, str)), None)
        if body_element is not None
        else None
    )
    expected = f"{{{CDISCOUNT}}}{operation}"
    if payload is None or payload.tag != expected:
        found = etree.QName(payload) if payload is not None else None
        raise deserialization_fault(
            operation,
            "OperationFormatter encountered an invalid Message body. Expected to find node "
            f"type 'Element' with name '{operation}' and namespace '{CDISCOUNT}'. Found "
            + (
                f"node type 'Element' with name '{found.localname}' and namespace "
                f"'{found.namespace or ''}'"
                if found is not None
                else "no element"
            ),
        )
    return payload


def read_in_order(
    parent: etree._Element | None, namespace: str, names: tuple[str, ...] | list[str]
) -> dict[str, etree._Element]:
    """The children named `names`, read like WCF's DataContractSerializer reads them.

    It walks the schema order once: an element in another namespace, or one that comes after a
    later member, is skipped as unknown data (so, to the service, it is simply missing).
    """
    found: dict[str, etree._Element] = {}
    if parent is None:
        return found
    position = 0
    for child in parent:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        qname = etree.QName(child)
        if qname.namespace != namespace or qname.localname not in names[position:]:
            continue
        found[qname.localname] = child
        position = names.index(qname.localname, position) + 1
    return found


def items(parent: etree._Element | None, namespace: str, name: str) -> list[etree._Element]:
    """The repeated children of a list element (`Order*`, `string*`...), read by namespace."""
    if parent is None:
        return []
    tag = f"{{{namespace}}}{name}"
    return [element for element in parent if element.tag == tag]


def text_of(element: etree._Element | None) -> str | None:
    """The element's text, None when absent or `i:nil="true"`."""
    if element is None or element.get(f"{{{XSI}}}nil") == "true":
        return None
    return element.text or ""


def header_token(operation_params: dict[str, etree._Element]) -> str:
    """TokenId from headerMessage/Security; raise the token fault the service would."""
    header = read_in_order(operation_params.get("headerMessage"), MESSAGES, HEADER_FIELDS)
    security = read_in_order(header.get("Security"), MESSAGES, SECURITY_FIELDS)
    token = (text_of(security.get("TokenId")) or "").strip()
    if not _TOKEN_FORMAT.fullmatch(token):
        raise token_fault(TOKEN_BAD_FORMAT)
    return token


# Writing responses


def open_result(
    operation: str,
    *,
    seller_login: str,
    token_id: str,
    error_message: str | None = None,
    success: bool | None = None,
) -> tuple[etree._Element, etree._Element]:
    """The response envelope and its `<Operation>Result`, holding the fields every result has.

    Returns (envelope, result); the caller appends the operation's own fields to `result`.
    OperationSuccess is false when there is an error message, unless `success` says otherwise
    (ValidateOrderList reports refused orders in ErrorMessage yet succeeds, §M5).
    """
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    response = etree.SubElement(
        body, f"{{{CDISCOUNT}}}{operation}Response", nsmap={None: CDISCOUNT}
    )
    result = etree.SubElement(response, f"{{{CDISCOUNT}}}{operation}Result", nsmap={"i": XSI})
    # ErrorMessage and OperationSuccess come from a base class in the Messages namespace.
    error = etree.SubElement(result, f"{{{MESSAGES}}}ErrorMessage", nsmap={None: MESSAGES})
    if error_message is None:
        error.set(f"{{{XSI}}}nil", "true")
    else:
        error.text = error_message
    if success is None:
        success = error_message is None
    flag = etree.SubElement(result, f"{{{MESSAGES}}}OperationSuccess", nsmap={None: MESSAGES})
    flag.text = "true" if success else "false"
    child(result, "ErrorList")
    leaf(result, "SellerLogin", seller_login)
    leaf(result, "TokenId", token_id)
    return envelope, result


def child(parent: etree._Element, name: str) -> etree._Element:
    """A container element in the Cdiscount namespace."""
    return etree.SubElement(parent, f"{{{CDISCOUNT}}}{name}")


def leaf(parent: etree._Element, name: str, value: object) -> etree._Element:
    """A value element in the Cdiscount namespace; None is written `i:nil="true"`."""
    element = etree.SubElement(parent, f"{{{CDISCOUNT}}}{name}")
    if value is None:
        element.set(f"{{{XSI}}}nil", "true")
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
    return element


def envelope_response(envelope: etree._Element) -> Response:
    return Response(200, _serialize(envelope), XML_CONTENT_TYPE)


def _serialize(envelope: etree._Element) -> bytes:
    # WCF writes no XML declaration.
    return etree.tostring(envelope, encoding="utf-8", xml_declaration=False)
