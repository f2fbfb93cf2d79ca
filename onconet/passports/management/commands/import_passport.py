"""`onconet import-passport FILE [--period YEAR] [--dry-run]`: import one region's passport workbook.

FILE is an XLSX workbook, a zip of CSV files or a folder of CSV files named after the sheets. Every
problem is printed on its own line as `sheet, row N, column C: message (value …)`, and the exit status
is 2; nothing is written then. A locked passport is refused the same way, and so is a hostile file (a zip bomb,
a sheet past the row limit, XML with a document type declaration): its problem is listed, never a traceback.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onconet.core.errors import DomainError
from onconet.passports.services import passport_import
from onconet.passports.workbook import read_path


class Command(BaseCommand):
    help = "Import a regional passport workbook (XLSX, zip of CSV, or a folder of CSV) for a year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="+", help="one or more workbooks (one region each)")
        parser.add_argument(
            "--period", type=int, default=None, help="the reporting year (default: the workbook's region sheet)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    def handle(self, *args: Any, file: list[str], period: int | None, dry_run: bool, **options: Any) -> None:
        failed = False
        for name in file:
            path = Path(name)
            if not path.exists():
                self.stderr.write(f"{name}: no such file or folder")
                failed = True
                continue
            try:
                result = passport_import(book=read_path(path), period=period, user=None, dry_run=dry_run)
            except OSError as exc:  # unreadable on disk; what the file holds is reported as problems instead
                self.stderr.write(f"{name}: cannot be read: {exc.strerror or exc}")
                failed = True
                continue
            except DomainError as exc:
                failed = True
                for problem in exc.errors:
                    self.stderr.write(f"{name}: {problem}")
                self.stderr.write(f"{name}: {exc.detail}")
                continue
            verb = "would import" if dry_run else "imported"
            counts = ", ".join(f"{k} +{result.created.get(k, 0)}/~{result.updated.get(k, 0)}" for k in result.created)
            self.stdout.write(f"{name}: {verb} {result.region} {result.period}: {counts}")
        if failed:
            raise SystemExit(2)
