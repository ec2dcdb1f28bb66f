"""A text field stored encrypted with Fernet
(docs/architecture.md, Secrets: secrets encrypted at rest).

FIELD_ENCRYPTION_KEY holds one Fernet key or several, comma-separated: the first encrypts, all
decrypt, so a key can be rotated (`manage.py cdiscount reencrypt-secrets` then moves every value
to the first key and the old one can go).
"""

import binascii
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

CIPHERTEXT_PREFIX = "fernet:"


class MalformedKey(ValueError):
    """FIELD_ENCRYPTION_KEY is not a comma-separated list of Fernet keys."""


class UnreadableSecret(str):
    """A stored secret that no configured key decrypts: it reads as empty, and saving it writes
    the stored ciphertext back unchanged, so a save that did not change it never wipes it."""

    def __new__(cls, ciphertext: str):
        value = super().__new__(cls, "")
        value.ciphertext = ciphertext
        return value

    def __getnewargs__(self):
        return (self.ciphertext,)


def parse_keys(setting: str) -> list[bytes]:
    """The Fernet keys of FIELD_ENCRYPTION_KEY, first one first; MalformedKey says which is bad."""
    keys = [part.strip() for part in (setting or "").split(",") if part.strip()]
    if not keys:
        raise MalformedKey("FIELD_ENCRYPTION_KEY is empty.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, binascii.Error):
            which = f"key {position} of FIELD_ENCRYPTION_KEY" if len(keys) > 1 else "it"
            raise MalformedKey(
                f"FIELD_ENCRYPTION_KEY is not a valid Fernet key ({which} is not 32 url-safe "
                "base64-encoded bytes)."
            ) from None
    return [key.encode() for key in keys]


@lru_cache(maxsize=4)
def _fernet(setting: str) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in parse_keys(setting)])


def encrypt_text(plaintext: str) -> str:
    token = _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode())
    return CIPHERTEXT_PREFIX + token.decode()


def decrypt_text(stored: str) -> str:
    """The plaintext; InvalidToken when no configured key decrypts it."""
    if not stored.startswith(CIPHERTEXT_PREFIX):
        raise InvalidToken("value is not encrypted")
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(stored[len(CIPHERTEXT_PREFIX) :]).decode()


class EncryptedTextField(models.TextField):
    """Plain text in Python, Fernet ciphertext in the database; an empty value stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return decrypt_text(value)
        except (InvalidToken, MalformedKey):
            # The key changed: the system check stops startup; until the key is put back the
            # value reads as empty and is kept as it is.
            logger.error(
                "could not decrypt the stored %s (FIELD_ENCRYPTION_KEY changed?)", self.name
            )
            return UnreadableSecret(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableSecret):
            return value.ciphertext
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt_text(value)
