"""The partner-agent link now lives in tourism (its migration 0008 copied every agent's partner): drop the column
and its constraint from core's user."""

from django.db import migrations


def copy_back(apps, schema_editor):
    """Backwards: the column is back (nullable), so every agent gets its partner again before the constraint."""
    User = apps.get_model("core", "User")
    for link in apps.get_model("tourism", "PartnerAgent").objects.all():
        User.objects.filter(pk=link.user_id).update(partner_id=link.partner_id)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_holiday"),
        ("tourism", "0008_partner_agents"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_partner_iff_partner_agent"),
        migrations.RunPython(migrations.RunPython.noop, copy_back),
        migrations.RemoveField(model_name="user", name="partner"),
    ]
