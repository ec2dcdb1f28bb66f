"""Helpers shared by the Cdiscount client tests."""


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
