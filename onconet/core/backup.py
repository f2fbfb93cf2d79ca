"""Backup and restore of an installation: the database and the uploaded files, in one .tar.gz.

- SQLite: a consistent copy taken with SQLite's online backup API (readers and writers may go on meanwhile).
- PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore --clean --if-exists --no-owner`.
- The uploaded files (MEDIA_ROOT) go along, and a manifest records the engine, the time and the row counts,
  so a restore refuses an archive of the other engine and reports what it brought back.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FORMAT = 1


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    args += ["--username", str(db.get("USER") or "postgres"), "--dbname", str(db["NAME"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def row_counts() -> dict[str, int]:
    """Rows per model of OncoNet's apps (what a restore should bring back)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"core", "tourism", "passports", "analytics", "scheduling", "partnerships"}
    }


def backup(output: Path) -> dict[str, Any]:
    """Write the archive to `output`; returns the manifest."""
    engine = _engine()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        if engine == "sqlite":
            target = sqlite3.connect(folder / SQLITE_FILE)
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
            database = SQLITE_FILE
        else:
            args, env = _pg_env()
            command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(folder / PG_FILE), *args]
            _run(command, env)
            database = PG_FILE
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "database": database,
            "counts": row_counts(),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            archive.add(folder / MANIFEST, arcname=MANIFEST)
            archive.add(folder / database, arcname=database)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname="media")
    return manifest


def restore(archive_path: Path) -> dict[str, Any]:
    """Replace the database and the uploaded files with the archive's; returns its manifest."""
    engine = _engine()
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist.")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(folder, filter="data")  # refuses absolute paths and links out of the folder
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{archive_path} is not an OncoNet backup: {exc}") from None
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            raise BackupError(f"{archive_path} has no readable {MANIFEST}.") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Backup format {manifest.get('format')} is not supported (this version reads {FORMAT}).")
        if manifest.get("engine") != engine:
            raise BackupError(
                f"The backup is of a {manifest.get('engine')} database; this installation uses {engine}. "
                "Move data between engines with `onconet dumpdata`/`loaddata`."
            )
        for connection in connections.all():
            connection.close()
        if engine == "sqlite":
            source = sqlite3.connect(folder / SQLITE_FILE)
            target = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            args, env = _pg_env()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(folder / PG_FILE),
                ],
                env,
            )
        media = Path(settings.MEDIA_ROOT)
        if (folder / "media").is_dir():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(folder / "media", media)
    return manifest


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


__all__ = ["BackupError", "backup", "restore", "row_counts"]
