"""Cdiscount Marketplace API (SOAP 1.1 over WCF), CDISCOUNT_API.md §M."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta

import requests
from lxml import etree

from ._base import BaseClient, media_type, response_text, utc_now
from ._xml import (
    NS_CDISCOUNT,
    NS_MESSAGES,
    NS_SERIALIZATION,
    NS_SOAP,
    NS_XSI,
    child_text,
    local_name,
    parse_xml,
    qname,
    sub,
    to_python,
)
from .errors import (
    CdiscountError,
    InvalidCredentialsError,
    MalformedResponseError,
    RejectedError,
    TokenRejectedError,
)
from .results import SellerInfo, Token

# §M1: a token is valid 48 hours from its issue.
TOKEN_LIFETIME = timedelta(hours=48)
_TOKEN_PATTERN = re.compile(r"[0-9a-fA-F]{32}")
SOAP_ACTION = '"http://www.cdiscount.com/IMarketplaceAPIService/{operation}"'
# Fields every OperationResult carries (§M2); TokenId is a secret and stays out of raw payloads.
_RESULT_COMMON = frozenset(
    {"ErrorMessage", "OperationSuccess", "ErrorList", "SellerLogin", "TokenId"}
)
_XS_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
_SELLER_LIST_TAGS = frozenset({"DeliveryModes", "OfferPoolList"})


class MarketplaceClient(BaseClient):
    """Client of the legacy Cdiscount Marketplace API for one seller account."""

    _api_label = "Marketplace"

    def __init__(
        self,
        *,
        sts_url: str,
        soap_url: str,
        login: str,
        password: str,
        token: str | None = None,
        timeout: float = 30,
        auto_refresh: bool = True,
        on_token: Callable[[Token], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            token=token,
            timeout=timeout,
            auto_refresh=auto_refresh,
            on_token=on_token,
            session=session,
        )
        self._sts_url = sts_url
        self._soap_url = soap_url
        self._login = login
        self._password = password

    # -- operations -------------------------------------------------------------------------

    def get_seller_info(self) -> SellerInfo:
        """GetSellerInformation: the token validity probe (§M3)."""
        operation = "GetSellerInformation"
        result = self._soap_call(operation)
        seller = result.find(qname(NS_CDISCOUNT, "Seller"))
        if seller is None:
            raise self._error(
                MalformedResponseError, f"Marketplace {operation}: the result holds no Seller"
            )
        raw = {
            local_name(child): to_python(child, _SELLER_LIST_TAGS)
            for child in result
            if isinstance(child.tag, str) and local_name(child) not in _RESULT_COMMON
        }
        return SellerInfo(
            seller_id=None,  # the Marketplace API exposes no numeric seller id
            shop_name=child_text(seller, NS_CDISCOUNT, "ShopName"),
            login=child_text(seller, NS_CDISCOUNT, "Login"),
            raw=raw,
        )

    # -- token (§M1) ------------------------------------------------------------------------

    def _request_token(self) -> Token:
        operation = "Marketplace token (STS)"
        # Built by hand, not with params=: §M1's literal form, as the recorded real traffic has it.
        url = f"{self._sts_url}?realm={self._soap_url}"
        auth = (_basic_auth_bytes(self._login), _basic_auth_bytes(self._password))
        response = self._send("GET", url, operation=operation, auth=auth)
        status = response.status_code
        if status in (401, 403):
            raise self._error(
                InvalidCredentialsError,
                f"{operation}: Cdiscount refused the API login or password (HTTP {status})",
                response=response,
            )
        if status != 200:
            # Other 4xx (404, 400) point at a wrong STS URL rather than wrong credentials.
            raise self._transient_error(response, operation) or self._error(
                RejectedError if 400 <= status < 500 else MalformedResponseError,
                f"{operation}: unexpected answer from the token service (HTTP {status})",
                response=response,
            )
        value = self._sts_token_value(response)
        if value is None and _looks_like_html(response):
            # §M1: the real STS has answered bad credentials with a 200 HTML page.
            raise self._error(
                InvalidCredentialsError,
                f"{operation}: the token service answered with a web page instead of a token; "
                "the API login or password is probably wrong",
                response=response,
            )
        if value is None:
            # Any other 200 without <string xmlns="…/Serialization/">32 hex</string>: the
            # credentials passed HTTP auth, the body is unusable, so it is a broken answer.
            raise self._error(
                MalformedResponseError,
                f"{operation}: the answer is not a 32-character token",
                response=response,
            )
        received_at = utc_now()
        return Token(value=value, expires_at=received_at + TOKEN_LIFETIME, received_at=received_at)

    @staticmethod
    def _sts_token_value(response: requests.Response) -> str | None:
        try:
            root = parse_xml(response.content)
        except (etree.XMLSyntaxError, ValueError):
            return None
        if root.tag != qname(NS_SERIALIZATION, "string") or len(root):
            return None
        value = (root.text or "").strip()
        return value if _TOKEN_PATTERN.fullmatch(value) else None

    # -- the SOAP funnel (§M2) --------------------------------------------------------------

    def _soap_call(self, operation: str, params: Iterable[etree._Element] = ()) -> etree._Element:
        """Every SOAP operation comes through here; returns the successful <OperationResult>.

        `params` are the operation's parameter elements (namespace http://www.cdiscount.com),
        placed after headerMessage.
        """
        label = f"Marketplace {operation}"
        envelope, token_element = _envelope(operation, params)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": SOAP_ACTION.format(operation=operation),
        }

        def send(token: str) -> etree._Element:
            token_element.text = token
            body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
            response = self._send(
                "POST", self._soap_url, operation=label, data=body, headers=headers
            )
            return self._read_soap_response(response, operation, label)

        return self._with_token(label, send)

    def _read_soap_response(
        self, response: requests.Response, operation: str, label: str
    ) -> etree._Element:
        status = response.status_code
        if status >= 400:
            fault = _fault(response)
            if fault is not None:
                raise self._fault_error(response, label, *fault)
            raise self._transient_error(response, label) or self._error(
                RejectedError,
                f"{label}: the SOAP service rejected the request (HTTP {status})",
                response=response,
            )
        if not 200 <= status < 300:
            raise self._error(
                MalformedResponseError, f"{label}: unexpected HTTP {status}", response=response
            )
        kind = media_type(response)
        if kind and "xml" not in kind:
            raise self._error(
                MalformedResponseError,
                f"{label}: expected XML, got content type {kind!r}",
                response=response,
            )
        try:
            body = _soap_body(response.content)
        except (etree.XMLSyntaxError, ValueError):
            raise self._error(
                MalformedResponseError, f"{label}: the answer is not valid XML", response=response
            ) from None
        if body is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer is not a SOAP envelope",
                response=response,
            )
        fault = _fault_in(body)
        if fault is not None:
            raise self._fault_error(response, label, *fault)
        result = body.find(
            f"{qname(NS_CDISCOUNT, operation + 'Response')}/"
            f"{qname(NS_CDISCOUNT, operation + 'Result')}"
        )
        success = _XS_BOOLEAN.get(child_text(result, NS_MESSAGES, "OperationSuccess") or "")
        if result is None or success is None:
            raise self._error(
                MalformedResponseError,
                f"{label}: the answer lacks {operation}Result/OperationSuccess",
                response=response,
            )
        if not success:
            # §M2: business errors are HTTP 200 with OperationSuccess=false.
            raise self._error(
                RejectedError,
                f"{label}: Cdiscount refused the operation",
                response=response,
                cdiscount_message=_result_errors(result),
            )
        return result

    def _fault_error(
        self, response: requests.Response, label: str, code: str, text: str | None
    ) -> CdiscountError:
        # §M2: token problems are faults s:RequestTokenValidationError (refresh once, retry).
        if code == "RequestTokenValidationError":
            return self._error(
                TokenRejectedError,
                f"{label}: Cdiscount rejected the token",
                response=response,
                cdiscount_message=text,
            )
        # §M2: DeserializationFailed means our request was malformed: retrying cannot help.
        if code == "DeserializationFailed":
            return self._error(
                RejectedError,
                f"{label}: Cdiscount could not read the request (fault {code})",
                response=response,
                cdiscount_message=text,
            )
        # Other faults: a 500 (InternalServiceFault…) is retried later; anything else refused.
        return self._transient_error(response, label, cdiscount_message=text) or self._error(
            RejectedError, f"{label}: SOAP fault {code}", response=response, cdiscount_message=text
        )

    def _secrets(self) -> list[str]:
        return [self._password, *super()._secrets()]


def _envelope(
    operation: str, params: Iterable[etree._Element]
) -> tuple[etree._Element, etree._Element]:
    """The request envelope and its TokenId element (filled per attempt)."""
    envelope = etree.Element(qname(NS_SOAP, "Envelope"), nsmap={"s": NS_SOAP})
    body = sub(envelope, NS_SOAP, "Body")
    call = etree.SubElement(body, qname(NS_CDISCOUNT, operation), nsmap={None: NS_CDISCOUNT})
    header = etree.SubElement(
        call, qname(NS_CDISCOUNT, "headerMessage"), nsmap={"a": NS_MESSAGES, "i": NS_XSI}
    )
    # §M2: WCF reads these in schema order; keep this order exactly.
    context = sub(header, NS_MESSAGES, "Context")
    sub(context, NS_MESSAGES, "CatalogID", "1")
    sub(context, NS_MESSAGES, "CustomerPoolID", "1")
    sub(context, NS_MESSAGES, "SiteID", "100")
    localization = sub(header, NS_MESSAGES, "Localization")
    sub(localization, NS_MESSAGES, "Country", "Fr")
    sub(localization, NS_MESSAGES, "Currency", "Eur")
    sub(localization, NS_MESSAGES, "DecimalPosition", "2")
    sub(localization, NS_MESSAGES, "Language", "Fr")
    security = sub(header, NS_MESSAGES, "Security")
    sub(security, NS_MESSAGES, "DomainRightsList", nil=True)
    sub(security, NS_MESSAGES, "IssuerID", nil=True)
    sub(security, NS_MESSAGES, "SessionID", nil=True)
    sub(security, NS_MESSAGES, "SubjectLocality", nil=True)
    token_element = sub(security, NS_MESSAGES, "TokenId")
    sub(security, NS_MESSAGES, "UserName", nil=True)
    sub(header, NS_MESSAGES, "Version", "1.0")
    for param in params:
        call.append(param)
    return envelope, token_element


def _soap_body(content: bytes) -> etree._Element | None:
    """The <s:Body> of a SOAP envelope, None if the document is not one (bad XML raises)."""
    root = parse_xml(content)
    if root.tag != qname(NS_SOAP, "Envelope"):
        return None
    return root.find(qname(NS_SOAP, "Body"))


def _fault(response: requests.Response) -> tuple[str, str | None] | None:
    """(faultcode local name, faultstring) when an error answer is a SOAP fault."""
    try:
        body = _soap_body(response.content)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return _fault_in(body) if body is not None else None


def _fault_in(body: etree._Element) -> tuple[str, str | None] | None:
    fault = body.find(qname(NS_SOAP, "Fault"))
    if fault is None:
        return None
    # SOAP 1.1 leaves faultcode/faultstring unqualified; {*} also takes a qualified one.
    code = (fault.findtext("{*}faultcode") or "").strip()
    text = (fault.findtext("{*}faultstring") or "").strip() or None
    # faultcode is a QName value such as "s:RequestTokenValidationError": keep its local part.
    return code.rpartition(":")[2], text


def _result_errors(result: etree._Element) -> str | None:
    """ErrorMessage plus every ErrorList/Error/Message, without repeats."""
    messages = [child_text(result, NS_MESSAGES, "ErrorMessage")]
    error_list = result.find(qname(NS_CDISCOUNT, "ErrorList"))
    if error_list is not None:
        messages.extend(child_text(error, NS_CDISCOUNT, "Message") for error in error_list)
    unique = dict.fromkeys(m for m in messages if m)
    return "; ".join(unique) or None


def _looks_like_html(response: requests.Response) -> bool:
    if "html" in media_type(response):
        return True
    start = response_text(response)[:512].lstrip().lower()
    return start.startswith(("<!doctype html", "<html"))


def _basic_auth_bytes(value: str) -> bytes:
    # requests encodes str credentials as Latin-1 and fails beyond it; fall back to UTF-8.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")
