"""Start each number series (quotes Q, invoices INV, credit notes CN) after the highest number already given, so
the counters of 0006 never hand out a number that exists."""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

SERIES = (("Q", "Quote"), ("INV", "Invoice"), ("CN", "CreditNote"))
NUMBER = re.compile(r"^(?P<series>[A-Z]+)-(?P<year>\d{4})-(?P<n>\d+)$")


def seed(apps: Any, schema_editor: Any) -> None:
    NumberSeries = apps.get_model("tourism", "NumberSeries")
    highest: dict[tuple[str, int], int] = {}
    for series, model_name in SERIES:
        for number in apps.get_model("tourism", model_name).objects.values_list("number", flat=True).iterator():
            found = NUMBER.match(number)
            if found is None or found["series"] != series:
                continue
            key = (series, int(found["year"]))
            highest[key] = max(highest.get(key, 0), int(found["n"]))
    for (series, year), last in highest.items():
        NumberSeries.objects.update_or_create(series=series, year=year, defaults={"last": last})


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("tourism", "NumberSeries").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tourism", "0006_number_series_and_possible_duplicates")]

    operations = [migrations.RunPython(seed, unseed)]
