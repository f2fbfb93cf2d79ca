"""`onconet import-regions FILE`: add or update regions from a CSV shaped like the reference ru_regions.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onconet.core.errors import InvalidInput
from onconet.core.services import countries_sync, federal_districts_import_csv, regions_import_csv


class Command(BaseCommand):
    help = "Import regions (ISO 3166-2 code, name, federal district, population) from a CSV; all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV file; default: the bundled ru_regions.csv")
        parser.add_argument("--population-year", type=int, default=2010)

    def handle(self, *args: Any, file: str | None, population_year: int, **options: Any) -> None:
        countries_sync()
        federal_districts_import_csv()
        try:
            count = regions_import_csv(path=Path(file) if file else None, population_year=population_year)
        except InvalidInput as exc:
            for problem in exc.errors:
                row = problem.location.get("row", "")
                self.stderr.write(f"row {row}: {problem.field}: {problem.message} ({problem.value!r})")
            self.stderr.write(exc.detail)
            raise SystemExit(2) from exc
        except FileNotFoundError as exc:
            self.stderr.write(f"{file}: no such file")
            raise SystemExit(2) from exc
        self.stdout.write(self.style.SUCCESS(f"{count} regions imported."))
