"""`onconet backup [--output FILE]`: the database and the uploaded files in one .tar.gz (see onconet.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onconet.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (a consistent copy) and the uploaded files into one .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="archive to write (default: var/backups/onconet-TIME.tar.gz)")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        output = output or Path(settings.VAR_DIR) / "backups" / f"onconet-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(self.style.SUCCESS(f"Backed up {manifest['engine']} ({rows} rows) to {output}"))
