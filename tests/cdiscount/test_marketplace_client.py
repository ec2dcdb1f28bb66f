"""MarketplaceClient against mocked HTTP: STS token (§M1), SOAP envelope (§M2), probe (§M3)."""

import base64
from datetime import timedelta

import pytest
import requests
from lxml import etree

from channels.cdiscount import MarketplaceClient, errors
from tests.cdiscount.support import (
    TokenLog,
    assert_no_secret,
    assert_token_kept,
    assert_token_replaced,
    get_fresh_token,
)

STS_URL = "https://sts.cdiscount.com/users/httpIssue.svc/"
SOAP_URL = "https://wsvc.cdiscount.com/MarketplaceAPIService.svc"
TOKEN_URL = f"{STS_URL}?realm={SOAP_URL}"
LOGIN = "acmemaison-api"
PASSWORD = "P4ss-w0rd!Marketplace"
OLD_TOKEN = "0123456789abcdef0123456789abcdef"
NEW_TOKEN = "14c624832041440c8b91d9563bd79043"
SECRETS = (PASSWORD, OLD_TOKEN, NEW_TOKEN)

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_CD = "http://www.cdiscount.com"
NS_MSG = "http://schemas.datacontract.org/2004/07/Cdiscount.Framework.Core.Communication.Messages"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP_ACTION = '"http://www.cdiscount.com/IMarketplaceAPIService/GetSellerInformation"'
XML = "text/xml; charset=utf-8"


def sts_answer(token):
    return f'<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">{token}</string>'


# Shaped like the production answer recorded in alexandriagroup/cdiscountapi's cassettes.
SELLER_RESPONSE = f"""<s:Envelope xmlns:s="{NS_SOAP}"><s:Body>
<GetSellerInformationResponse xmlns="{NS_CD}">
<GetSellerInformationResult xmlns:i="{NS_XSI}">
<ErrorMessage xmlns="{NS_MSG}"/>
<OperationSuccess xmlns="{NS_MSG}">true</OperationSuccess>
<ErrorList/>
<SellerLogin>acmemaison</SellerLogin>
<TokenId>{OLD_TOKEN}</TokenId>
<DeliveryModes>
<DeliveryModeInformation><Code>TRK</Code><Name>Envoi Suivi</Name></DeliveryModeInformation>
<DeliveryModeInformation><Code>REG</Code><Name>Recommandé</Name></DeliveryModeInformation>
</DeliveryModes>
<OfferPoolList><OfferPool><Description>Cdiscount</Description><Id>1</Id></OfferPool></OfferPoolList>
<Seller>
<Email>contact@acme-maison.fr</Email>
<IsAvailable>ActiveSeller</IsAvailable>
<Login>acmemaison</Login>
<MobileNumber>0612345678</MobileNumber>
<PhoneNumber i:nil="true"/>
<SellerAddress>
<Address1>12 rue des Lilas</Address1><Address2 i:nil="true"/><ApartmentNumber i:nil="true"/>
<Building i:nil="true"/><City>Lyon</City><Civility>None</Civility>
<CompanyName>ACME MAISON SAS</CompanyName><Country>FR</Country><County i:nil="true"/>
<FirstName i:nil="true"/><Instructions i:nil="true"/><LastName i:nil="true"/>
<PlaceName i:nil="true"/><RelayId i:nil="true"/><Street i:nil="true"/><ZipCode>69003</ZipCode>
</SellerAddress>
<ShopName>Acme Maison</ShopName>
<ShopUrl i:nil="true"/>
<SiretNumber>81234567800021</SiretNumber>
<State>Activated</State>
</Seller>
</GetSellerInformationResult>
</GetSellerInformationResponse>
</s:Body></s:Envelope>"""


def fault(code, text):
    return (
        f'<s:Envelope xmlns:s="{NS_SOAP}"><s:Body><s:Fault>'
        f"<faultcode>{code}</faultcode>"
        f'<faultstring xml:lang="fr-FR">{text}</faultstring>'
        "</s:Fault></s:Body></s:Envelope>"
    )


TOKEN_FAULT = fault(
    "s:RequestTokenValidationError", "Your token does not exist, please renew your token id."
)
INTERNAL_FAULT = fault(
    "s:InternalServiceFault",
    "The server was unable to process the request due to an internal error.",
)


def business_error(message, errors_xml=""):
    return f"""<s:Envelope xmlns:s="{NS_SOAP}"><s:Body>
<GetSellerInformationResponse xmlns="{NS_CD}">
<GetSellerInformationResult xmlns:i="{NS_XSI}">
<ErrorMessage xmlns="{NS_MSG}">{message}</ErrorMessage>
<OperationSuccess xmlns="{NS_MSG}">false</OperationSuccess>
<ErrorList>{errors_xml}</ErrorList>
<SellerLogin i:nil="true"/>
<TokenId>{OLD_TOKEN}</TokenId>
<DeliveryModes i:nil="true"/><OfferPoolList i:nil="true"/><Seller i:nil="true"/>
</GetSellerInformationResult>
</GetSellerInformationResponse>
</s:Body></s:Envelope>"""


def make_client(**overrides):
    options = {
        "sts_url": STS_URL,
        "soap_url": SOAP_URL,
        "login": LOGIN,
        "password": PASSWORD,
        "token": OLD_TOKEN,
        "timeout": 7.0,
    }
    options.update(overrides)
    return MarketplaceClient(**options)


def add_token_ok(rsps, token=NEW_TOKEN):
    rsps.get(STS_URL, status=200, content_type="text/plain", body=sts_answer(token))


def add_soap(rsps, body, status=200, content_type=XML, **kwargs):
    rsps.post(SOAP_URL, status=status, content_type=content_type, body=body, **kwargs)


def children(element):
    return [child for child in element if isinstance(child.tag, str)]


def tags_and_texts(element):
    return [(child.tag, child.text) for child in children(element)]


def q(namespace, name):
    return f"{{{namespace}}}{name}"


def assert_soap_request(request, token, operation="GetSellerInformation"):
    """§M2 to the letter: headers, then the envelope element by element, in order."""
    assert request.method == "POST"
    assert request.url == SOAP_URL
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert request.headers["SOAPAction"] == (
        f'"http://www.cdiscount.com/IMarketplaceAPIService/{operation}"'
    )
    assert "Authorization" not in request.headers
    assert request.req_kwargs["timeout"] == 7.0

    envelope = etree.fromstring(request.body)
    assert envelope.tag == q(NS_SOAP, "Envelope")
    assert [child.tag for child in children(envelope)] == [q(NS_SOAP, "Body")]
    (call,) = children(children(envelope)[0])
    assert call.tag == q(NS_CD, operation)
    header = children(call)[0]
    assert header.tag == q(NS_CD, "headerMessage")

    context, localization, security, version = children(header)
    assert [context.tag, localization.tag, security.tag, version.tag] == [
        q(NS_MSG, "Context"),
        q(NS_MSG, "Localization"),
        q(NS_MSG, "Security"),
        q(NS_MSG, "Version"),
    ]
    assert tags_and_texts(context) == [
        (q(NS_MSG, "CatalogID"), "1"),
        (q(NS_MSG, "CustomerPoolID"), "1"),
        (q(NS_MSG, "SiteID"), "100"),
    ]
    assert tags_and_texts(localization) == [
        (q(NS_MSG, "Country"), "Fr"),
        (q(NS_MSG, "Currency"), "Eur"),
        (q(NS_MSG, "DecimalPosition"), "2"),
        (q(NS_MSG, "Language"), "Fr"),
    ]
    assert tags_and_texts(security) == [
        (q(NS_MSG, "DomainRightsList"), None),
        (q(NS_MSG, "IssuerID"), None),
        (q(NS_MSG, "SessionID"), None),
        (q(NS_MSG, "SubjectLocality"), None),
        (q(NS_MSG, "TokenId"), token),
        (q(NS_MSG, "UserName"), None),
    ]
    nil = q(NS_XSI, "nil")
    assert [child.get(nil) for child in children(security)] == [
        "true",
        "true",
        "true",
        "true",
        None,
        "true",
    ]
    assert (version.text, children(version)) == ("1.0", [])
    return call


# -- M1: token --------------------------------------------------------------------------------


def test_get_token_uses_basic_auth_and_the_realm(rsps):
    add_token_ok(rsps)
    received = TokenLog()
    client = make_client(token=None, token_store=received)

    token = get_fresh_token(client, value=NEW_TOKEN, lifetime=timedelta(hours=48))

    assert len(rsps.calls) == 1
    request = rsps.calls[0].request
    assert request.method == "GET"
    assert request.url == TOKEN_URL
    expected = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.body is None
    assert request.req_kwargs["timeout"] == 7.0

    assert received == [token]


@pytest.mark.parametrize("status", [401, 403])
def test_get_token_refused_credentials(rsps, status, cdiscount_logs):
    rsps.get(STS_URL, status=status, body="", headers={"WWW-Authenticate": 'Basic realm="sts"'})
    received = TokenLog()
    client = make_client(token_store=received)
    with pytest.raises(errors.InvalidCredentialsError) as caught:
        client.get_token()
    assert caught.value.status == status
    assert client.token == OLD_TOKEN
    assert received == []
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_get_token_html_page_means_refused_credentials(rsps, cdiscount_logs):
    rsps.get(
        STS_URL,
        status=200,
        content_type="text/html; charset=utf-8",
        body="<!DOCTYPE html><html><head><title>Connexion</title></head><body>Login</body></html>",
    )
    with pytest.raises(errors.InvalidCredentialsError) as caught:
        make_client().get_token()
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


@pytest.mark.parametrize(
    "body",
    [
        "0123456789abcdef0123456789abcdef",  # bare token, no element
        sts_answer("0123456789abcdef0123456789abcde"),  # 31 characters
        sts_answer("0123456789abcdef0123456789abcdeg"),  # not hex
        sts_answer(""),
        '<string xmlns="urn:other">0123456789abcdef0123456789abcdef</string>',
        '<?xml version="1.0"?><!DOCTYPE string [<!ENTITY t SYSTEM "file:///etc/hostname">]>'
        '<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">&t;</string>',
        "<string",
    ],
    ids=["bare", "short", "not-hex", "empty", "other-namespace", "xxe", "broken-xml"],
)
def test_get_token_bad_200_body_is_malformed(rsps, body):
    rsps.get(STS_URL, status=200, content_type="text/plain", body=body)
    client = make_client()
    with pytest.raises(errors.MalformedResponseError):
        client.get_token()
    assert client.token == OLD_TOKEN


def test_get_token_wrong_url_is_rejected(rsps):
    rsps.get(STS_URL, status=404, content_type="text/html", body="<html>Not Found</html>")
    with pytest.raises(errors.RejectedError):
        make_client().get_token()


def test_get_token_server_error(rsps):
    rsps.get(STS_URL, status=503, body="Service Unavailable")
    with pytest.raises(errors.ServerError):
        make_client().get_token()


def test_get_token_rate_limited(rsps):
    rsps.get(STS_URL, status=429, headers={"Retry-After": "60"}, body="")
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().get_token()
    assert caught.value.retry_after == 60.0


def test_get_token_timeout(rsps, cdiscount_logs):
    rsps.get(STS_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(errors.CdiscountConnectionError) as caught:
        make_client().get_token()
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("acme-api", "pässwörd:é"),  # within Latin-1: still sent as UTF-8
        ("acme-api", "mot-de-passe-€"),  # beyond Latin-1
        ("maïté-api", "P4ss"),
    ],
)
def test_get_token_sends_basic_credentials_as_utf8(rsps, login, password):
    add_token_ok(rsps)
    make_client(login=login, password=password).get_token()
    header = rsps.calls[0].request.headers["Authorization"]
    scheme, _, encoded = header.partition(" ")
    assert scheme == "Basic"
    # RFC 7617: user-id ":" password, UTF-8, base64; the first colon separates them.
    assert base64.b64decode(encoded) == f"{login}:{password}".encode()
    assert base64.b64decode(encoded).decode("utf-8").partition(":") == (login, ":", password)


# -- M2/M3: GetSellerInformation ----------------------------------------------------------------


def test_get_seller_info_sends_the_envelope_and_reads_the_seller(rsps):
    add_soap(rsps, SELLER_RESPONSE)
    client = make_client()

    info = client.get_seller_info()

    assert len(rsps.calls) == 1
    call = assert_soap_request(rsps.calls[0].request, OLD_TOKEN)
    assert len(children(call)) == 1  # only headerMessage (§M3)
    assert info.shop_name == "Acme Maison"
    assert info.login == "acmemaison"
    assert info.seller_id is None
    seller = info.raw["Seller"]
    assert seller["Email"] == "contact@acme-maison.fr"
    assert seller["IsAvailable"] == "ActiveSeller"
    assert seller["State"] == "Activated"
    assert seller["SiretNumber"] == "81234567800021"
    assert seller["PhoneNumber"] is None
    assert seller["SellerAddress"]["City"] == "Lyon"
    assert seller["SellerAddress"]["Address2"] is None
    assert info.raw["DeliveryModes"] == [
        {"Code": "TRK", "Name": "Envoi Suivi"},
        {"Code": "REG", "Name": "Recommandé"},
    ]
    assert info.raw["OfferPoolList"] == [{"Description": "Cdiscount", "Id": "1"}]
    assert "TokenId" not in info.raw
    assert OLD_TOKEN not in repr(info)


def test_response_is_read_by_namespace_not_by_prefix(rsps):
    renamed = (
        SELLER_RESPONSE.replace("<s:", "<env:")
        .replace("</s:", "</env:")
        .replace("xmlns:s=", "xmlns:env=")
        .replace(
            f'<GetSellerInformationResponse xmlns="{NS_CD}">',
            f'<cd:GetSellerInformationResponse xmlns:cd="{NS_CD}" xmlns="{NS_CD}">',
        )
        .replace("</GetSellerInformationResponse>", "</cd:GetSellerInformationResponse>")
        .replace(f'<OperationSuccess xmlns="{NS_MSG}">', f'<m:OperationSuccess xmlns:m="{NS_MSG}">')
        .replace("</OperationSuccess>", "</m:OperationSuccess>")
    )
    add_soap(rsps, renamed)
    assert make_client().get_seller_info().shop_name == "Acme Maison"


def test_operation_success_in_the_wrong_namespace_is_malformed(rsps):
    add_soap(
        rsps, SELLER_RESPONSE.replace(f'<OperationSuccess xmlns="{NS_MSG}">', "<OperationSuccess>")
    )
    with pytest.raises(errors.MalformedResponseError):
        make_client().get_seller_info()


def test_get_seller_info_without_token_gets_one_first(rsps):
    add_token_ok(rsps)
    add_soap(rsps, SELLER_RESPONSE)
    tokens = TokenLog()
    client = make_client(token=None, token_store=tokens)

    client.get_seller_info()

    assert [call.request.url for call in rsps.calls] == [TOKEN_URL, SOAP_URL]
    assert_soap_request(rsps.calls[1].request, NEW_TOKEN)
    assert len(tokens) == 1


def test_without_token_and_auto_refresh_off_nothing_is_sent(rsps):
    with pytest.raises(errors.TokenRejectedError):
        make_client(token=None, auto_refresh=False).get_seller_info()
    assert len(rsps.calls) == 0


def test_token_fault_refreshes_once_and_retries(rsps):
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, SELLER_RESPONSE)
    tokens = TokenLog()
    client = make_client(token_store=tokens)

    info = client.get_seller_info()

    assert info.shop_name == "Acme Maison"
    assert [(c.request.method, c.request.url) for c in rsps.calls] == [
        ("POST", SOAP_URL),
        ("GET", TOKEN_URL),
        ("POST", SOAP_URL),
    ]
    assert_soap_request(rsps.calls[0].request, OLD_TOKEN)
    assert_soap_request(rsps.calls[2].request, NEW_TOKEN)
    assert_token_replaced(client, tokens, NEW_TOKEN)


def test_second_token_fault_raises(rsps, cdiscount_logs):
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(
        rsps, fault("s:RequestTokenValidationError", "Token id is not correctly formatted."), 500
    )
    tokens = TokenLog()

    with pytest.raises(errors.TokenRejectedError) as caught:
        make_client(token_store=tokens).get_seller_info()

    assert len(rsps.calls) == 3
    assert len(tokens) == 1
    assert caught.value.cdiscount_message == "Token id is not correctly formatted."
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_auto_refresh_off_reports_the_stored_token_honestly(rsps):
    add_soap(rsps, TOKEN_FAULT, status=500)
    tokens = TokenLog()
    client = make_client(auto_refresh=False, token_store=tokens)

    with pytest.raises(errors.TokenRejectedError) as caught:
        client.get_seller_info()

    assert_token_kept(rsps, client, tokens, OLD_TOKEN)
    assert caught.value.status == 500
    assert caught.value.cdiscount_message == (
        "Your token does not exist, please renew your token id."
    )


def test_internal_fault_is_a_server_error(rsps):
    add_soap(
        rsps,
        INTERNAL_FAULT,
        status=500,
    )
    with pytest.raises(errors.ServerError) as caught:
        make_client().get_seller_info()
    assert caught.value.status == 500
    assert caught.value.cdiscount_message.startswith("The server was unable")
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, "<html><body>Runtime Error</body></html>"), (502, ""), (503, "Service Unavailable")],
)
def test_non_fault_5xx_is_a_server_error(rsps, status, body):
    add_soap(rsps, body, status=status, content_type="text/html")
    with pytest.raises(errors.ServerError) as caught:
        make_client().get_seller_info()
    assert caught.value.status == status


def test_deserialization_fault_is_rejected(rsps):
    add_soap(
        rsps,
        fault("a:DeserializationFailed", "The formatter threw an exception while deserializing."),
        status=500,
    )
    with pytest.raises(errors.RejectedError):
        make_client().get_seller_info()


def test_soap_403_is_rejected_without_refresh(rsps):
    add_soap(
        rsps, "<html><body>403 - Forbidden</body></html>", status=403, content_type="text/html"
    )
    tokens = TokenLog()
    with pytest.raises(errors.RejectedError) as caught:
        make_client(token_store=tokens).get_seller_info()
    assert caught.value.status == 403
    assert tokens == []
    assert len(rsps.calls) == 1


def test_rate_limited(rsps):
    add_soap(rsps, "", status=429, headers={"Retry-After": "45"})
    with pytest.raises(errors.RateLimitError) as caught:
        make_client().get_seller_info()
    assert caught.value.retry_after == 45.0


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("Connection reset by peer"),
        requests.exceptions.ChunkedEncodingError("Connection broken"),
    ],
    ids=["timeout", "reset", "dropped"],
)
def test_transport_failures_are_connection_errors(rsps, failure, cdiscount_logs):
    rsps.post(SOAP_URL, body=failure)
    with pytest.raises(errors.CdiscountConnectionError) as caught:
        make_client().get_seller_info()
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_business_error_is_rejected_with_cdiscount_text(rsps, cdiscount_logs):
    add_soap(
        rsps,
        business_error(
            "Le vendeur n'est pas autorisé.",
            f"<Error><ErrorType>SellerNotAllowed</ErrorType>"
            f"<Message>Accès refusé pour {OLD_TOKEN}</Message></Error>",
        ),
    )
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_seller_info()
    exc = caught.value
    assert exc.status == 200
    assert exc.cdiscount_message == "Le vendeur n'est pas autorisé.; Accès refusé pour ***"
    assert "Le vendeur n'est pas autorisé." in str(exc)
    # The answer echoes the TokenId: redacted from the kept body too.
    assert_no_secret(exc, cdiscount_logs, *SECRETS)


def test_business_error_with_empty_error_list(rsps):
    add_soap(rsps, business_error("Erreur interne"))
    with pytest.raises(errors.RejectedError) as caught:
        make_client().get_seller_info()
    assert caught.value.cdiscount_message == "Erreur interne"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (XML, "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"),
        (XML, "not xml at all"),
        (XML, f"<Envelope xmlns='{NS_SOAP}'/>"),
        (XML, f"<s:Envelope xmlns:s='{NS_SOAP}'><s:Body/></s:Envelope>"),
        (
            XML,
            SELLER_RESPONSE.replace(
                f'<OperationSuccess xmlns="{NS_MSG}">true</OperationSuccess>', ""
            ),
        ),
        (XML, SELLER_RESPONSE.replace("<Seller>", "<Other>").replace("</Seller>", "</Other>")),
        ("text/html", "<html><body>Maintenance</body></html>"),
        (
            XML,
            '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + SELLER_RESPONSE.replace("<ShopName>Acme Maison", "<ShopName>&x;"),
        ),
    ],
    ids=[
        "truncated",
        "garbage",
        "no-body",
        "no-result",
        "no-operation-success",
        "no-seller",
        "html",
        "xxe",
    ],
)
def test_malformed_answer(rsps, content_type, body):
    add_soap(rsps, body, content_type=content_type)
    with pytest.raises(errors.MalformedResponseError) as caught:
        make_client().get_seller_info()
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd


def test_password_never_leaks_from_any_failure(rsps, cdiscount_logs):
    rsps.get(STS_URL, status=500, body=f"Erreur: login={LOGIN} password={PASSWORD}")
    with pytest.raises(errors.ServerError) as caught:
        make_client(token=None).get_seller_info()
    assert_no_secret(caught.value, cdiscount_logs, *SECRETS)


def test_successful_calls_log_no_secret(rsps, cdiscount_logs):
    add_soap(rsps, TOKEN_FAULT, status=500)
    add_token_ok(rsps)
    add_soap(rsps, SELLER_RESPONSE)
    make_client().get_seller_info()
    assert "GetSellerInformation" in cdiscount_logs.text
    for secret in SECRETS:
        assert secret not in cdiscount_logs.text


def test_parameters_follow_the_header_and_survive_a_retry(rsps):
    """The shared funnel later operations use: parameters go after headerMessage (§M2)."""
    add_soap(rsps, TOKEN_FAULT.replace("GetSellerInformation", "GetOrderList"), status=500)
    add_token_ok(rsps)
    add_soap(rsps, SELLER_RESPONSE.replace("GetSellerInformation", "GetOrderList"))
    order_filter = etree.Element(q(NS_CD, "orderFilter"))
    etree.SubElement(order_filter, q(NS_CD, "FetchOrderLines")).text = "true"

    result = make_client()._soap_call("GetOrderList", [order_filter])

    assert result.tag == q(NS_CD, "GetOrderListResult")
    for index, token in ((0, OLD_TOKEN), (2, NEW_TOKEN)):
        call = assert_soap_request(rsps.calls[index].request, token, operation="GetOrderList")
        assert [child.tag for child in children(call)] == [
            q(NS_CD, "headerMessage"),
            q(NS_CD, "orderFilter"),
        ]
        assert children(call)[1].findtext(q(NS_CD, "FetchOrderLines")) == "true"
