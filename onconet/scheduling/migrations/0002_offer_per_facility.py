"""A capacity offer belongs to one facility's machines of one kind (a simulation models one facility's machines).

Offers published before had no facility and cannot be attributed to one: they are removed, to be published again
from a simulation."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def drop_unattributed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("scheduling", "CapacityOffer").objects.filter(facility__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="capacityoffer", name="one_offer_per_kind_month"),
        migrations.AddField(
            model_name="capacityoffer",
            name="facility",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="capacity_offers",
                to="core.facility",
                verbose_name="facility",
            ),
        ),
        migrations.RunPython(drop_unattributed, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="capacityoffer",
            name="facility",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="capacity_offers",
                to="core.facility",
                verbose_name="facility",
            ),
        ),
        migrations.AlterModelOptions(
            name="capacityoffer",
            options={
                "ordering": ["facility", "kind", "month"],
                "verbose_name": "capacity offer",
                "verbose_name_plural": "capacity offers",
            },
        ),
        migrations.AddConstraint(
            model_name="capacityoffer",
            constraint=models.UniqueConstraint(
                fields=("facility", "kind", "month"), name="one_offer_per_facility_kind_month"
            ),
        ),
    ]
