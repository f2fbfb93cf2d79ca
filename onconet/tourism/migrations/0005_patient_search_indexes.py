"""Indexes for the foreign patient registry's search (tourism.selectors.patients_search).

The search matches each word anywhere in the Latin family and given names and the native name, case-insensitively:
Django writes that as UPPER("column"::text) LIKE UPPER('%word%'), which a B-tree cannot serve. On PostgreSQL a
trigram GIN index over the same expression can (pg_trgm, a trusted extension since PostgreSQL 13: the database owner
may create it). SQLite has no such index and keeps scanning, so the trigram indexes are created on PostgreSQL only.
A B-tree on the passport number serves the passport branch of the search on both (the unique constraint starts with
the citizenship), so PostgreSQL can combine every branch of the search's OR from indexes.

The index on (family_name, date_of_birth) becomes one on (UPPER(family_name), date_of_birth): the duplicate check
of patient_register compares names with UPPER(), which the old index could not serve, and PostgreSQL walked the old
one to produce the search's ORDER BY family_name … LIMIT 50, filtering the whole table (100 ms at 100,000 patients).
"""

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "patient_family_trgm": "family_name",
    "patient_given_trgm": "given_name",
    "patient_native_trgm": "name_native",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "tourism_foreignpatient" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    # the extension stays: dropping it would break anything else that came to use it
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("tourism", "0004_patient_anonymisation"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.AddIndex(
            model_name="foreignpatient",
            index=models.Index(fields=["passport_number"], name="patient_passport"),
        ),
        migrations.RemoveIndex(model_name="foreignpatient", name="patient_name_dob"),
        migrations.AddIndex(
            model_name="foreignpatient",
            index=models.Index(
                django.db.models.functions.text.Upper("family_name"), "date_of_birth", name="patient_upper_name_dob"
            ),
        ),
    ]
