"""A text field stored encrypted with Fernet (PRODUCT.md §7: secrets encrypted at rest)."""

import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

CIPHERTEXT_PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt_text(plaintext: str) -> str:
    token = _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode())
    return CIPHERTEXT_PREFIX + token.decode()


def decrypt_text(stored: str) -> str:
    if not stored.startswith(CIPHERTEXT_PREFIX):
        raise ValueError("value is not encrypted")
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(stored[len(CIPHERTEXT_PREFIX) :]).decode()


class EncryptedTextField(models.TextField):
    """Plain text in Python, Fernet ciphertext in the database; an empty value stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return decrypt_text(value)
        except (InvalidToken, ValueError):
            # A changed FIELD_ENCRYPTION_KEY: the secret is lost, the admin must enter it again.
            logger.error("could not decrypt %s: was FIELD_ENCRYPTION_KEY changed?", self.name)
            return ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt_text(value)
