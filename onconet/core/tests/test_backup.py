"""Backup and restore round trip on the configured engine (SQLite by default, PostgreSQL in CI's second pass):
the records and the uploaded files come back exactly, and bad archives are refused without touching anything."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import make_facility
from onconet.core.backup import BackupError, backup, restore, row_counts
from onconet.core.models import Facility, Region


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "contracts").mkdir(parents=True)
    (settings.MEDIA_ROOT / "contracts" / "signed.pdf").write_bytes(b"%PDF-1.7 signed")
    return Path(settings.MEDIA_ROOT)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(reference, media, tmp_path):
    region = Region.objects.get(code="RU-KLU")
    kept = make_facility(region, "KLU-KEEP", name="Kept hospital")
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    before = row_counts()

    # Life goes on after the backup: a facility is renamed, another added, a file replaced
    Facility.objects.filter(pk=kept.pk).update(name="Renamed")
    make_facility(region, "KLU-NEW")
    (media / "contracts" / "signed.pdf").write_bytes(b"overwritten")
    (media / "stray.txt").write_text("made after the backup")

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)
    assert "Restored" in out.getvalue()
    assert row_counts() == before
    assert Facility.objects.get(pk=kept.pk).name == "Kept hospital"
    assert not Facility.objects.filter(code="KLU-NEW").exists()
    assert (media / "contracts" / "signed.pdf").read_bytes() == b"%PDF-1.7 signed"
    assert not (media / "stray.txt").exists()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["counts"]["core.Facility"] == before["core.Facility"]


@pytest.mark.django_db(transaction=True)
def test_bad_archives_are_refused_and_change_nothing(reference, media, tmp_path):
    region = Region.objects.get(code="RU-KLU")
    make_facility(region, "KLU-STAY")
    counts = row_counts()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "whatever.tar.gz"))
    with pytest.raises(BackupError, match="does not exist"):
        restore(tmp_path / "missing.tar.gz")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="not an OncoNet backup"):
        restore(junk)
    # an archive of the other engine
    good = tmp_path / "good.tar.gz"
    manifest = backup(good)
    other = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        data = json.dumps({**manifest, "engine": other}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match=f"backup is of a {other} database"):
        restore(forged)
    assert row_counts() == counts
    assert Facility.objects.filter(code="KLU-STAY").exists()
