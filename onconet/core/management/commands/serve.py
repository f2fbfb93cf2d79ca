"""`onconet serve`: what `make run` runs — migrate, load the demo if the database is empty, then start the
background worker and the web server together, and stop both on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from onconet.core import demo


class Command(BaseCommand):
    help = "Migrate, load demo data into an empty database, and run the web server with a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args: Any, addrport: str, no_worker: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        if demo.database_is_empty():
            self.stdout.write("Empty database: loading the demo network…")
            call_command("demo")
        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker", *worker_arguments()),
                    *("--beat", "--schedule", str(Path(settings.VAR_DIR) / "celerybeat-schedule")),
                ],
                env=None,
            )
        url = f"http://{addrport}/"
        self.stdout.write(self.style.SUCCESS(f"\nOncoNet is starting on {url}"))
        if settings.DEMO_PASSWORDS_ALLOWED:
            logins = ", ".join(login.username for login in demo.DEMO_LOGINS)
            self.stdout.write(f"Demo logins: {logins} — password for all: {demo.DEMO_PASSWORD}")
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.\n")
        # SIGTERM (e.g. from a process manager) should stop the worker too, as Ctrl-C does.
        signal.signal(signal.SIGTERM, _raise_system_exit)
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _raise_system_exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def worker_arguments() -> list[str]:
    """Arguments for a worker: the embedded file broker has no fan-out, so no gossip, mingle or heartbeat."""
    args = ["--loglevel", "INFO", "--concurrency", "2"]
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return args
