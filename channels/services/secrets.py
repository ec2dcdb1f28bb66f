"""Secrets at rest: whether the configured key reads them, and moving them to a new key."""

import logging
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from channels.fields import decrypt_text
from channels.models import CdiscountAccount, SettingsChange

logger = logging.getLogger(__name__)

# How many accounts the startup check reads: enough to catch a wrong key, quick on any table.
CHECK_SAMPLE = 20


@dataclass(frozen=True)
class UnreadableValue:
    account_id: int
    field: str

    def __str__(self) -> str:
        return f"{self.field} of Cdiscount account {self.account_id}"


@dataclass
class ReencryptResult:
    reencrypted: int = 0
    forgotten: list[UnreadableValue] = field(default_factory=list)
    unreadable: list[UnreadableValue] = field(default_factory=list)


def _stored_ciphertexts(queryset):
    """(account id, field, ciphertext as stored) of every non-empty secret in `queryset`."""
    raw = {f"raw_{name}": Cast(name, TextField()) for name in CdiscountAccount.SECRET_FIELDS}
    for row in queryset.annotate(**raw).values("pk", *raw):
        for name in CdiscountAccount.SECRET_FIELDS:
            if row[f"raw_{name}"]:
                yield row["pk"], name, row[f"raw_{name}"]


def _readable(ciphertext: str) -> bool:
    try:
        decrypt_text(ciphertext)
    except InvalidToken:
        return False
    return True


def secrets_unreadable(*, sample: int | None = CHECK_SAMPLE) -> list[UnreadableValue]:
    """The stored secrets (of the `sample` most recently changed accounts) that no configured
    key decrypts. Raises MalformedKey when the key itself is not a key."""
    accounts = CdiscountAccount.objects.order_by("-updated_at", "-pk")
    if sample is not None:
        accounts = accounts[:sample]
    return [
        UnreadableValue(account_id, name)
        for account_id, name, ciphertext in _stored_ciphertexts(accounts)
        if not _readable(ciphertext)
    ]


def secrets_reencrypt(*, forget_unreadable: bool = False) -> ReencryptResult:
    """Encrypts every stored secret again with the first key of FIELD_ENCRYPTION_KEY.

    A secret that no key decrypts is left as it is (listed in `unreadable`), or, with
    `forget_unreadable`, emptied so that the admin enters it again (recorded in the history).
    """
    result = ReencryptResult()
    with transaction.atomic():
        accounts = CdiscountAccount.objects.select_for_update().order_by("pk")
        for account_id, name, ciphertext in list(_stored_ciphertexts(accounts)):
            try:
                plaintext = decrypt_text(ciphertext)
            except InvalidToken:
                result.unreadable.append(UnreadableValue(account_id, name))
                continue
            # update() skips the auto_now stamp: the values did not change, only their envelope.
            CdiscountAccount.objects.filter(pk=account_id).update(**{name: plaintext})
            result.reencrypted += 1
        if forget_unreadable:
            for value in result.unreadable:
                CdiscountAccount.objects.filter(pk=value.account_id).update(**{value.field: ""})
                SettingsChange.objects.create(
                    account_id=value.account_id,
                    source=SettingsChange.Source.CLI,
                    fields=[value.field],
                )
            result.forgotten, result.unreadable = result.unreadable, []
    logger.info(
        "secrets re-encrypted: %s; forgotten: %s; unreadable: %s",
        result.reencrypted,
        len(result.forgotten),
        len(result.unreadable),
    )
    return result
