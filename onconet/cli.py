"""The `onconet` console script: Django's management commands under the project's name.

Commands may be typed with hyphens (`onconet import-passport`) as well as underscores; Python modules
cannot have hyphens, so the name is translated before Django looks it up.
"""

import os
import sys

SOLVER_COMMANDS = ("schedule", "schedule-generate", "schedule_generate", "schedule-replay", "schedule_replay")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in SOLVER_COMMANDS:
        # The scheduler needs no database: it runs without loading Django at all.
        from onconet.scheduling.solver.cli import COMMANDS

        sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    argv = ["onconet", *sys.argv[1:]]
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
