"""XML helpers for the Marketplace API: a safe parser, namespaced building and reading."""

from __future__ import annotations

from typing import Any

from lxml import etree

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_CDISCOUNT = "http://www.cdiscount.com"
NS_MESSAGES = (
    "http://schemas.datacontract.org/2004/07/Cdiscount.Framework.Core.Communication.Messages"
)
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_SERIALIZATION = "http://schemas.microsoft.com/2003/10/Serialization/"
NS_ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"

XSI_NIL = f"{{{NS_XSI}}}nil"


class UnsafeXmlError(ValueError):
    """The document carries a DTD: SOAP forbids it, and it is how XXE and entity bombs come."""


def qname(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def parse_xml(content: bytes) -> etree._Element:
    """Parses untrusted XML: no entity expansion, no network, no DTD (raises ValueError)."""
    # A new parser per call: lxml parsers must not be shared between threads.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root = etree.fromstring(content, parser=parser)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXmlError("document type declarations are not accepted")
    return root


def sub(
    parent: etree._Element,
    namespace: str,
    name: str,
    text: str | None = None,
    *,
    nil: bool = False,
) -> etree._Element:
    """Appends a child element; `nil` writes i:nil="true" as WCF expects for absent values."""
    child = etree.SubElement(parent, qname(namespace, name))
    if nil:
        child.set(XSI_NIL, "true")
    elif text is not None:
        child.text = text
    return child


def is_nil(element: etree._Element) -> bool:
    return element.get(XSI_NIL) == "true"


def child_text(element: etree._Element | None, namespace: str, name: str) -> str | None:
    """Stripped text of a child; None when absent, nil or empty."""
    if element is None:
        return None
    child = element.find(qname(namespace, name))
    if child is None or is_nil(child):
        return None
    text = (child.text or "").strip()
    return text or None


def to_python(element: etree._Element, list_tags: frozenset[str] = frozenset()) -> Any:
    """Turns a result element into dicts/lists/strings for the raw payload kept for support.

    Elements named in `list_tags` (WCF ArrayOf… containers) always become lists, so a container
    holding one item reads the same as one holding many; nil becomes None.
    """
    if is_nil(element):
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if local_name(element) in list_tags:
        return [to_python(child, list_tags) for child in children]
    if not children:
        return element.text or ""
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(local_name(child), []).append(to_python(child, list_tags))
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}
