"""Credentials per API generation: today's username, password and Seller ID move to the fields of
the account's current API; the other API's fields start empty."""

from django.db import migrations, models

import channels.fields

# Which new field each old one moves to, by the account's API. The Seller ID is Octopia's only:
# a Marketplace account keeps it there for the day it switches.
MOVES = {
    "octopia": {
        "username": "octopia_client_id",
        "password": "octopia_client_secret",
        "seller_id": "octopia_seller_id",
    },
    "marketplace": {
        "username": "marketplace_login",
        "password": "marketplace_password",
        "seller_id": "octopia_seller_id",
    },
}


def move_to_current_api(apps, schema_editor):
    Account = apps.get_model("channels", "CdiscountAccount")
    for account in Account.objects.all():
        moves = MOVES.get(account.api, MOVES["octopia"])
        # update() keeps updated_at: the credentials did not change, only where they are kept.
        Account.objects.filter(pk=account.pk).update(
            **{new: getattr(account, old) for old, new in moves.items()}
        )


def move_back(apps, schema_editor):
    Account = apps.get_model("channels", "CdiscountAccount")
    for account in Account.objects.all():
        moves = MOVES.get(account.api, MOVES["octopia"])
        Account.objects.filter(pk=account.pk).update(
            **{old: getattr(account, new) for old, new in moves.items()}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0016_guards"),
    ]

    operations = [
        migrations.AddField(
            model_name="cdiscountaccount",
            name="octopia_client_id",
            field=models.CharField(blank=True, max_length=200, verbose_name="Client ID"),
        ),
        migrations.AddField(
            model_name="cdiscountaccount",
            name="octopia_client_secret",
            field=channels.fields.EncryptedTextField(blank=True, verbose_name="Client Secret"),
        ),
        migrations.AddField(
            model_name="cdiscountaccount",
            name="octopia_seller_id",
            field=models.CharField(blank=True, max_length=32, verbose_name="Seller ID"),
        ),
        migrations.AddField(
            model_name="cdiscountaccount",
            name="marketplace_login",
            field=models.CharField(blank=True, max_length=200, verbose_name="API Login"),
        ),
        migrations.AddField(
            model_name="cdiscountaccount",
            name="marketplace_password",
            field=channels.fields.EncryptedTextField(blank=True, verbose_name="API Password"),
        ),
        migrations.RunPython(move_to_current_api, move_back),
        migrations.RemoveField(model_name="cdiscountaccount", name="username"),
        migrations.RemoveField(model_name="cdiscountaccount", name="password"),
        migrations.RemoveField(model_name="cdiscountaccount", name="seller_id"),
    ]
