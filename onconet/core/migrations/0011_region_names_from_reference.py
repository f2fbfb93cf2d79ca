"""Fill the regions' English and Russian names from the reference file (reversible: the names are emptied)."""

import csv
from pathlib import Path

from django.db import migrations

NAMES = Path(__file__).resolve().parent.parent / "reference" / "ru_region_names.csv"


def fill(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    with NAMES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Region.objects.filter(code=row["iso_code"]).update(name_en=row["name_en"], name_ru=row["name_ru"])


def empty(apps, schema_editor):
    apps.get_model("core", "Region").objects.update(name_en="", name_ru="")


class Migration(migrations.Migration):
    dependencies = [("core", "0010_region_names_en_ru")]

    operations = [migrations.RunPython(fill, empty)]
