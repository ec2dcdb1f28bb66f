"""Marketplace API: STS token (§M1), SOAP envelope and faults (§M2), GetSellerInformation (§M3)."""

import pytest
import requests
from lxml import etree

from .helpers import (
    ACTION,
    MESSAGES,
    SOAP_ENV,
    TIMEOUT,
    XSI,
    c,
    get_seller_information,
    marketplace_token,
    read_fault,
    read_sts_token,
    soap_envelope,
    soap_post,
    soap_result,
    sts_response,
)

DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
TOKEN_BAD_FORMAT = "Token id is not correctly formatted."
TOKEN_UNKNOWN = "Your token does not exist, please renew your token id."


def test_sts_issues_a_32_hex_token_as_text_plain(simulator):
    response = sts_response(simulator)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.startswith(
        '<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">'
    )
    assert read_sts_token(response) is not None


def test_sts_tokens_differ_and_stay_valid_together(simulator):
    first, second = marketplace_token(simulator), marketplace_token(simulator)

    assert first != second
    assert get_seller_information(simulator, first).status_code == 200
    assert get_seller_information(simulator, second).status_code == 200


@pytest.mark.parametrize(
    "login, password", [("demo-api", "wrong"), ("nobody-api", "demo-password"), ("demo-api", "")]
)
def test_sts_with_bad_credentials_is_401(simulator, login, password):
    response = sts_response(simulator, login=login, password=password)

    assert response.status_code == 401
    assert read_sts_token(response) is None


def test_sts_without_basic_auth_is_401(simulator):
    response = requests.get(
        simulator.urls["CDISCOUNT_STS_URL"],
        params={"realm": simulator.urls["CDISCOUNT_SOAP_URL"]},
        timeout=TIMEOUT,
    )

    assert response.status_code == 401


def test_sts_reads_basic_credentials_as_utf8_split_at_the_first_colon(simulator):
    simulator.state.add_marketplace_login("accent-api", "pässwörd:é")

    def sts(password: bytes) -> requests.Response:
        return requests.get(
            simulator.urls["CDISCOUNT_STS_URL"],
            params={"realm": simulator.urls["CDISCOUNT_SOAP_URL"]},
            auth=(b"accent-api", password),
            timeout=TIMEOUT,
        )

    assert read_sts_token(sts("pässwörd:é".encode())) is not None
    assert sts("pässwörd:é".encode("latin-1")).status_code == 401  # not RFC 7617's UTF-8
    assert sts("pässwörd".encode()).status_code == 401


def test_sts_without_realm_is_refused(simulator):
    response = requests.get(
        simulator.urls["CDISCOUNT_STS_URL"], auth=("demo-api", "demo-password"), timeout=TIMEOUT
    )

    assert response.status_code == 400


def test_get_seller_information(simulator):
    token = marketplace_token(simulator)

    response = get_seller_information(simulator, token)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    result = soap_result(response, "GetSellerInformation")
    assert result.find(f"{{{MESSAGES}}}OperationSuccess").text == "true"
    assert result.find(f"{{{MESSAGES}}}ErrorMessage").get(f"{{{XSI}}}nil") == "true"
    assert result.find(c("ErrorList")) is not None
    assert result.findtext(c("SellerLogin")) == "demo-api"
    assert result.findtext(c("TokenId")) == token
    seller = result.find(c("Seller"))
    assert seller.findtext(c("ShopName")) == "Boutique Démo"
    assert seller.findtext(c("Login")) == "demo"
    assert seller.findtext(c("IsAvailable")) == "ActiveSeller"
    assert seller.findtext(c("State")) == "Activated"
    assert seller.findtext(c("Email"))
    assert seller.findtext(c("SiretNumber"))
    assert seller.find(c("SellerAddress")).findtext(c("City")) == "Bordeaux"
    modes = result.findall(f"{c('DeliveryModes')}/{c('DeliveryModeInformation')}")
    assert [mode.findtext(c("Code")) for mode in modes] == ["STD", "TRK", "REG"]
    assert all(mode.findtext(c("Name")) for mode in modes)
    assert result.findtext(f"{c('OfferPoolList')}/{c('OfferPool')}/{c('Id')}") == "1"


def test_result_children_come_in_data_contract_order(simulator):
    result = soap_result(
        get_seller_information(simulator, marketplace_token(simulator)), "GetSellerInformation"
    )

    names = [etree.QName(child).localname for child in result]
    assert names == [
        "ErrorMessage",
        "OperationSuccess",
        "ErrorList",
        "SellerLogin",
        "TokenId",
        "DeliveryModes",
        "OfferPoolList",
        "Seller",
    ]


def test_get_seller_information_for_another_login(simulator):
    simulator.state.add_marketplace_login("autre-api", "secret", shop_name="Autre Boutique")
    token = marketplace_token(simulator, login="autre-api", password="secret")

    result = soap_result(get_seller_information(simulator, token), "GetSellerInformation")

    assert result.findtext(f"{c('Seller')}/{c('ShopName')}") == "Autre Boutique"
    assert result.findtext(c("SellerLogin")) == "autre-api"


def assert_token_fault(response: requests.Response, message: str) -> None:
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/xml")
    assert read_fault(response) == (SOAP_ENV, "RequestTokenValidationError", message)


@pytest.mark.parametrize("token", ["not-a-token", "0123456789abcdef", "", None])
def test_badly_formatted_token_is_a_fault(simulator, token):
    assert_token_fault(get_seller_information(simulator, token), TOKEN_BAD_FORMAT)


def test_unknown_token_is_a_fault(simulator):
    assert_token_fault(get_seller_information(simulator, "0" * 32), TOKEN_UNKNOWN)


def test_token_expires_after_48_hours_of_simulator_clock(simulator):
    token = marketplace_token(simulator)

    simulator.state.advance_clock(172799)
    assert get_seller_information(simulator, token).status_code == 200
    simulator.state.advance_clock(1)
    assert_token_fault(get_seller_information(simulator, token), TOKEN_UNKNOWN)


def test_shortened_marketplace_token_lifetime(simulator):
    simulator.state.token_lifetime_marketplace = 30
    token = marketplace_token(simulator)

    simulator.state.advance_clock(30)

    assert_token_fault(get_seller_information(simulator, token), TOKEN_UNKNOWN)


def test_expire_all_tokens_ends_soap_tokens(simulator):
    token = marketplace_token(simulator)

    simulator.state.expire_all_tokens()

    assert_token_fault(get_seller_information(simulator, token), TOKEN_UNKNOWN)


def test_header_out_of_schema_order_loses_the_token(simulator):
    # WCF skips members that come after a later one: Security after Version is never read.
    token = marketplace_token(simulator)

    response = get_seller_information(
        simulator, token, order=("Context", "Localization", "Version", "Security")
    )

    assert_token_fault(response, TOKEN_BAD_FORMAT)


def test_header_in_the_wrong_namespace_loses_the_token(simulator):
    response = get_seller_information(
        simulator, marketplace_token(simulator), namespace="http://www.cdiscount.com"
    )

    assert_token_fault(response, TOKEN_BAD_FORMAT)


@pytest.mark.parametrize("action", ["", f"{ACTION}NoSuchOperation", "GetSellerInformation"])
def test_missing_or_unknown_soap_action_is_action_not_supported(simulator, action):
    body = soap_envelope("GetSellerInformation", marketplace_token(simulator))

    response = soap_post(simulator, "GetSellerInformation", body, action=action)

    assert response.status_code == 500
    namespace, code, message = read_fault(response)
    assert code == "ActionNotSupported"
    assert "ContractFilter mismatch" in message


def test_unquoted_soap_action_is_accepted(simulator):
    body = soap_envelope("GetSellerInformation", marketplace_token(simulator))

    response = soap_post(
        simulator, "GetSellerInformation", body, action=f"{ACTION}GetSellerInformation"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>",
        b"not xml at all",
        b"<Envelope><Body/></Envelope>",
        b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
        b"<GetSellerInformation xmlns='urn:wrong'/></s:Body></s:Envelope>",
    ],
)
def test_malformed_request_is_deserialization_failed(simulator, body):
    response = soap_post(simulator, "GetSellerInformation", body)

    assert response.status_code == 500
    assert read_fault(response)[:2] == (DISPATCHER, "DeserializationFailed")


def test_body_operation_must_match_the_action(simulator):
    body = soap_envelope("GetOrderList", marketplace_token(simulator))

    response = soap_post(
        simulator, "GetSellerInformation", body, action=f'"{ACTION}GetSellerInformation"'
    )

    namespace, code, message = read_fault(response)
    assert code == "DeserializationFailed"
    assert "GetOrderList" in message


def test_soap_12_content_type_is_415(simulator):
    body = soap_envelope("GetSellerInformation", marketplace_token(simulator))

    response = soap_post(
        simulator, "GetSellerInformation", body, content_type="application/soap+xml"
    )

    assert response.status_code == 415


def test_soap_endpoint_only_takes_post(simulator):
    assert requests.get(simulator.urls["CDISCOUNT_SOAP_URL"], timeout=TIMEOUT).status_code == 405


def test_external_entities_are_not_resolved(simulator, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("0123456789abcdef0123456789abcdef")
    token = marketplace_token(simulator)
    body = (
        soap_envelope("GetSellerInformation", token)
        .replace(token.encode(), b"&xxe;")
        .replace(
            b"?>",
            f'?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode(),
            1,
        )
    )

    response = soap_post(simulator, "GetSellerInformation", body)

    assert response.status_code == 500
    assert b"0123456789abcdef0123456789abcdef" not in response.content
