from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0008_offer_package_items"),
    ]

    operations = [
        migrations.AlterField(
            model_name="settingschange",
            name="source",
            field=models.CharField(
                choices=[
                    ("web", "web"),
                    ("cli", "command line"),
                    ("action", "action"),
                    ("admin", "admin"),
                ],
                default="web",
                max_length=10,
            ),
        ),
    ]
