"""`onconet check`: Django's system checks with the deployment checks on, plus OncoNet's own.

Django's `check` command is extended rather than replaced: `--no-deploy` gives the plain development checks.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands.check import Command as DjangoCheckCommand


class Command(DjangoCheckCommand):
    help = "Check the installation for deployment: Django's checks, database, broker, migrations, settings."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-deploy", action="store_true", help="skip the deployment checks")

    def handle(self, *app_labels: Any, **options: Any) -> None:
        if not options.pop("no_deploy", False):
            options["deploy"] = True
            options.setdefault("databases", None)
            options["databases"] = options["databases"] or ["default"]
        super().handle(*app_labels, **options)
