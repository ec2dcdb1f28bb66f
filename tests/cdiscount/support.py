"""Helpers shared by the Cdiscount client tests."""

from datetime import UTC, datetime, timedelta


def assert_no_secret(exc, caplog, *secrets):
    """No secret in anything an error or a log line exposes."""
    exposed = [
        str(exc),
        repr(exc),
        repr(exc.args),
        exc.message,
        exc.body or "",
        exc.cdiscount_message or "",
        caplog.text,
        *(record.getMessage() for record in caplog.records),
    ]
    for secret in secrets:
        for text in exposed:
            assert secret not in text, f"secret leaked into: {text[:300]!r}"


class TokenLog(list):
    """A token store with nothing to share: each renewal asks Cdiscount. It lists every token
    it was handed, oldest first."""

    def renew(self, *, held, fetch):
        token = fetch()
        self.append(token)
        return token

    def save(self, token):
        self.append(token)


def get_fresh_token(client, *, value, lifetime):
    """client.get_token(), with the token checked as one just received: UTC, `lifetime` long."""
    before = datetime.now(UTC)
    token = client.get_token()
    after = datetime.now(UTC)
    assert token.value == value
    assert before <= token.received_at <= after
    assert token.received_at.tzinfo is not None
    assert token.received_at.utcoffset() == timedelta(0)
    assert token.expires_at - token.received_at == lifetime
    assert client.token == value
    return token


def assert_token_replaced(client, tokens, new_token):
    """The client fetched one new token, handed it to its store, and now uses it."""
    assert len(tokens) == 1
    assert tokens[0].value == new_token
    assert client.token == new_token


def assert_token_kept(rsps, client, tokens, old_token):
    """One call, no token fetched: the client still holds the token it was given."""
    assert len(rsps.calls) == 1
    assert tokens == []
    assert client.token == old_token
