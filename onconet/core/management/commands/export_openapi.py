"""`onconet export-openapi [OUT]`: write the API's OpenAPI document (the committed copy is docs/openapi.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


def openapi_document() -> str:
    # The API object belongs to `config`, the layer above the apps; importing it when the command runs keeps
    # core from importing upward when Django collects its management commands.
    from config.api import api

    return (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


class Command(BaseCommand):
    help = "Write the OpenAPI document of /api/v1/ to a file (default docs/openapi.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", nargs="?", default=str(Path(settings.BASE_DIR) / "docs" / "openapi.json"))

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(openapi_document(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
