"""The call observer: told of every HTTP exchange with its operation and status, never in the
way of the call itself."""

import pytest
import requests

from channels.cdiscount import errors
from tests.cdiscount import test_marketplace_client as marketplace
from tests.cdiscount import test_octopia_client as octopia


class Calls(list):
    def __call__(self, operation, status):
        self.append((operation, status))


def test_a_renewal_and_retry_are_three_calls_with_their_statuses(rsps):
    calls = Calls()
    rsps.get(octopia.SELLERS_URL, **octopia.TOKEN_EXPIRED)
    rsps.post(octopia.AUTH_URL, json=octopia.TOKEN_ANSWER)
    rsps.get(octopia.SELLERS_URL, json=octopia.SELLER_ANSWER)
    with octopia.make_client(observer=calls) as client:
        client.get_seller_info()
    assert calls == [("GET /sellers", 401), ("Octopia token", 200), ("GET /sellers", 200)]


def test_ids_are_left_out_of_the_operation(rsps):
    calls = Calls()
    rsps.get(
        f"{octopia.API_URL}/orders/2411071234ABC",
        **octopia.problem_answer(404, "Not Found", "Order not found"),
    )
    with octopia.make_client(observer=calls) as client, pytest.raises(errors.RejectedError):
        client.get_order("2411071234ABC")
    assert calls == [("GET /orders/{id}", 404)]


def test_no_answer_is_told_as_none(rsps):
    calls = Calls()
    rsps.get(octopia.SELLERS_URL, body=requests.exceptions.ConnectionError("refused"))
    with octopia.make_client(observer=calls) as client, pytest.raises(errors.TransientError):
        client.get_seller_info()
    assert calls == [("GET /sellers", None)]


def test_a_failing_observer_does_not_fail_the_call(rsps):
    def broken(operation, status):
        raise RuntimeError("metrics database down")

    rsps.get(octopia.SELLERS_URL, json=octopia.SELLER_ANSWER)
    with octopia.make_client(observer=broken) as client:
        assert client.get_seller_info().seller_id == octopia.SELLER_ANSWER["id"]


def test_the_marketplace_client_tells_its_operations_too(rsps):
    calls = Calls()
    rsps.get(marketplace.STS_URL, status=401, body="Unauthorized")
    with marketplace.make_client(token=None, observer=calls) as client:
        with pytest.raises(errors.InvalidCredentialsError):
            client.get_token()
    assert calls == [("Marketplace token (STS)", 401)]
