"""`onconet anonymise-patients [--dry-run]`: anonymise foreign patients whose retention period has passed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onconet.tourism.privacy import patients_anonymise_expired


class Command(BaseCommand):
    help = (
        "Anonymise foreign patients with every referral closed, nothing owed and no activity for "
        "PATIENT_RETENTION_DAYS days (the same work the daily beat task does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list who is due without changing anything")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, dry_run: bool, json: bool, **options: Any) -> None:
        result = patients_anonymise_expired(dry_run=dry_run)
        if json:
            self.stdout.write(_dumps(result))
            return
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(
            f"Retention {result['retention_days']} days (before {result['cutoff'][:10]}): "
            f"{len(result['anonymised'])} patient(s) {verb}, {len(result['skipped'])} skipped."
        )
        for pk, why in result["skipped"].items():
            self.stdout.write(f"  skipped patient #{pk}: {why}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
