"""`onconet restore FILE --yes`: replace the database and the uploaded files with a backup's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onconet.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `onconet backup`: the database and the uploaded files are REPLACED."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="confirm that the current data is to be replaced")

    def handle(self, *args: Any, archive: Path, yes: bool, **options: Any) -> None:
        if not yes:
            raise CommandError("Restoring replaces every record and uploaded file; run again with --yes to do it.")
        try:
            manifest = restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(f"Restored {manifest['engine']} backup of {manifest['created_at']} ({rows} rows).")
        )
