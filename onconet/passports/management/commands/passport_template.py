"""`onconet passport-template OUT.xlsx`: write the empty passport workbook (template version 1)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onconet.passports.export import template_bytes


class Command(BaseCommand):
    help = "Write the empty regional passport workbook (XLSX) to OUT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out")

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        Path(out).write_bytes(template_bytes())
        self.stdout.write(f"wrote {out}")
