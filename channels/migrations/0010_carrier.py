import django.db.models.deletion
from django.db import migrations, models


def forget_carriers_kept_per_api(apps, schema_editor):
    # The list was kept per API generation; it is now per account and the jobs fetch it again.
    apps.get_model("channels", "Carrier").objects.all().delete()


def give_every_company_its_account(apps, schema_editor):
    # Pages read a company's account and never create it: older companies may lack one.
    Company = apps.get_model("channels", "Company")
    CdiscountAccount = apps.get_model("channels", "CdiscountAccount")
    CdiscountAccount.objects.bulk_create(
        CdiscountAccount(company=company)
        for company in Company.objects.filter(cdiscount_account__isnull=True)
    )


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0009_settingschange_admin"),
    ]

    operations = [
        migrations.RunPython(forget_carriers_kept_per_api, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="carrier", name="unique_carrier_name"),
        migrations.RemoveField(model_name="carrier", name="api"),
        migrations.RenameField(model_name="carrier", old_name="fetched_at", new_name="refreshed_at"),
        migrations.AddField(
            model_name="carrier",
            name="account",
            field=models.ForeignKey(
                default=None,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="carriers",
                to="channels.cdiscountaccount",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="carrier",
            name="default_url",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="default tracking URL"
            ),
        ),
        migrations.AddConstraint(
            model_name="carrier",
            constraint=models.UniqueConstraint(
                fields=("account", "name"), name="unique_account_carrier"
            ),
        ),
        migrations.RunPython(give_every_company_its_account, migrations.RunPython.noop),
    ]
