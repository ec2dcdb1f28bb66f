"""Cdiscount Marketplace API (CDISCOUNT_API.md §M): the STS token service and the SOAP service."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from . import soap
from .exchange import Request, Response
from .state import MARKETPLACE, MarketplaceAccount, SimulatorState


def _html(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    # The IIS front of the real services answers transport-level errors with HTML pages.
    return Response.text(
        status,
        f"<html><body><h1>{status} - {message}</h1></body></html>",
        content_type="text/html; charset=utf-8",
        headers=headers,
    )


# §M1: the token


def sts(state: SimulatorState, request: Request) -> Response:
    if request.method != "GET":
        return _html(405, "Method not allowed")
    if not request.query.get("realm"):
        return _html(400, "Bad Request: the realm parameter is required")
    credentials = request.basic_credentials()
    account = state.authenticate_marketplace(*credentials) if credentials else None
    if account is None:
        # The real service has answered bad credentials with an HTML page too (§M1).
        return _html(
            401,
            "Unauthorized: Access is denied.",
            headers={"WWW-Authenticate": 'Basic realm="sts.cdiscount.com"'},
        )
    token = secrets.token_hex(16)  # 32 lowercase hex characters
    state.issue_token(MARKETPLACE, account.login, token)
    return Response.text(
        200,
        f'<string xmlns="{soap.SERIALIZATION}">{token}</string>',
        content_type="text/plain; charset=utf-8",
    )


# §M2: the SOAP service


@dataclass(frozen=True)
class Call:
    """One authenticated SOAP call, as an operation handler sees it."""

    state: SimulatorState
    request: Request
    account: MarketplaceAccount
    token: str
    params: dict[str, etree._Element]


@dataclass(frozen=True)
class Operation:
    handler: Callable[[Call], Response]
    params: tuple[str, ...]  # body parameters after headerMessage, in schema order


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, *params: str) -> Callable[[Callable[[Call], Response]], Callable]:
    """Register the handler of SOAP operation `name`, taking `params` after headerMessage."""

    def register(handler: Callable[[Call], Response]) -> Callable[[Call], Response]:
        OPERATIONS[name] = Operation(handler, params)
        return handler

    return register


def soap_endpoint(state: SimulatorState, request: Request) -> Response:
    if request.method != "POST":
        return _html(405, "Method not allowed")
    # basicHttpBinding is SOAP 1.1: anything but text/xml is refused before the envelope is read.
    if request.content_type != "text/xml":
        return Response(415)
    action = (request.headers.get("SOAPAction") or "").strip().strip('"')
    name = action.removeprefix(soap.ACTION_PREFIX) if action.startswith(soap.ACTION_PREFIX) else ""
    spec = OPERATIONS.get(name)
    try:
        if spec is None:
            raise soap.action_not_supported_fault(action)
        payload = soap.parse_operation(request.body, name)
        params = soap.read_in_order(payload, soap.CDISCOUNT, ("headerMessage", *spec.params))
        token = soap.header_token(params)
        issued = state.live_token(MARKETPLACE, token)
        account = state.marketplace_account(issued.principal) if issued else None
        if account is None:
            raise soap.token_fault(soap.TOKEN_UNKNOWN)
        return spec.handler(Call(state, request, account, token, params))
    except soap.SoapFault as fault:
        return fault.response()


# §M3: the token validity probe

# Delivery modes a seller typically has configured (codes as GetSellerInformation lists them).
_DELIVERY_MODES = (("STD", "Standard"), ("TRK", "Suivi"), ("REG", "Recommandé"))
_ADDRESS_FIELDS = (
    "Address1",
    "Address2",
    "ApartmentNumber",
    "Building",
    "City",
    "Civility",
    "CompanyName",
    "Country",
    "County",
    "FirstName",
    "Instructions",
    "LastName",
    "PlaceName",
    "RelayId",
    "Street",
    "ZipCode",
)


@operation("GetSellerInformation")
def get_seller_information(call: Call) -> Response:
    account = call.account
    envelope, result = soap.open_result(
        "GetSellerInformation", seller_login=account.login, token_id=call.token
    )
    # SellerMessage members follow the base fields in alphabetical (DataContract) order.
    modes = soap.child(result, "DeliveryModes")
    for code, label in _DELIVERY_MODES:
        mode = soap.child(modes, "DeliveryModeInformation")
        soap.leaf(mode, "Code", code)
        soap.leaf(mode, "Name", label)
    pool = soap.child(soap.child(result, "OfferPoolList"), "OfferPool")
    soap.leaf(pool, "Description", "Cdiscount")
    soap.leaf(pool, "Id", 1)
    seller = soap.child(result, "Seller")
    soap.leaf(seller, "Email", account.email)
    soap.leaf(seller, "IsAvailable", "ActiveSeller")
    soap.leaf(seller, "Login", account.seller_login)
    soap.leaf(seller, "MobileNumber", None)
    soap.leaf(seller, "PhoneNumber", "0556000000")
    address = soap.child(seller, "SellerAddress")
    for field_name in _ADDRESS_FIELDS:
        soap.leaf(address, field_name, account.address.get(field_name))
    soap.leaf(seller, "ShopName", account.shop_name)
    soap.leaf(seller, "ShopUrl", None)
    soap.leaf(seller, "SiretNumber", account.siret_number)
    soap.leaf(seller, "State", "Activated")
    return soap.envelope_response(envelope)
