"""The `onconet` console script: Django's management commands under the project's name.

Commands may be typed with hyphens (`onconet import-passport`) as well as underscores; Python modules
cannot have hyphens, so the name is translated before Django looks it up.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    argv = ["onconet", *sys.argv[1:]]
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
