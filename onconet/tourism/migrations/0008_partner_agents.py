"""The partner-agent link moves from core's user into tourism (PartnerAgent); every current agent keeps its partner.
Core's migration 0009 then drops the old column."""

from django.db import migrations, models


def copy_links(apps, schema_editor):
    User = apps.get_model("core", "User")
    PartnerAgent = apps.get_model("tourism", "PartnerAgent")
    PartnerAgent.objects.bulk_create(
        PartnerAgent(user_id=user_id, partner_id=partner_id)
        for user_id, partner_id in User.objects.filter(partner__isnull=False).values_list("pk", "partner_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_holiday"),
        ("tourism", "0007_number_series_from_existing_numbers"),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnerAgent",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="agency",
                        serialize=False,
                        to="core.user",
                        verbose_name="user",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=models.deletion.PROTECT,
                        related_name="agents",
                        to="tourism.partner",
                        verbose_name="partner organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "partner agent",
                "verbose_name_plural": "partner agents",
                "ordering": ["partner", "user"],
            },
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),  # core 0009 copies back
    ]
