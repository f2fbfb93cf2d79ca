"""Make the audit log append-only in the database itself: UPDATE and DELETE on it are refused by triggers,
whoever connects (the application refuses too, but a trigger also stops raw SQL and other programs).

TRUNCATE is left to the table's owner: production connects as a role that does not own the tables."""

from django.db import migrations

from onconet.core.migrations._audit_triggers import POSTGRES_DOWN, POSTGRES_UP, SQLITE_DOWN, SQLITE_UP


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_user_partner_and_constraints")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
