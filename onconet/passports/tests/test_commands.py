"""The command line: passport-template and import-passport (one problem a line, exit status 2)."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from onconet.passports.models import Passport, StaffMember
from onconet.passports.tests.factories import changed, csv_zip_bytes, make_standards, valid_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def standards(reference):
    make_standards()


def test_template_command_writes_the_workbook(tmp_path):
    out = tmp_path / "template.xlsx"
    call_command("passport_template", str(out), stdout=StringIO())
    assert out.read_bytes()[:2] == b"PK"


def test_import_command(standards, tmp_path):
    path = tmp_path / "klu.xlsx"
    path.write_bytes(xlsx_bytes(valid_rows()))
    out = StringIO()
    call_command("import_passport", str(path), "--period", "2025", stdout=out)
    assert "imported RU-KLU 2025: facilities +3/~0, staff +3/~0" in out.getvalue()
    assert StaffMember.objects.count() == 3


def test_import_command_dry_run(standards, tmp_path):
    path = tmp_path / "klu.xlsx"
    path.write_bytes(xlsx_bytes(valid_rows()))
    out = StringIO()
    call_command("import_passport", str(path), "--period", "2025", "--dry-run", stdout=out)
    assert "would import RU-KLU 2025" in out.getvalue()
    assert not Passport.objects.exists()


def test_import_command_prints_every_problem_and_exits_2(standards, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    rows = changed(changed(valid_rows(), "beds", 0, beds=-3), "staff", 1, fte="lots")
    path.write_bytes(xlsx_bytes(rows))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_passport", str(path), "--period", "2025")
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"{path}: staff, row 3, column fte: must be a number (with a dot as the decimal separator) (value 'lots')",
        f"{path}: beds, row 2, column beds: must be at least 0 (value -3)",
        f"{path}: The workbook has 2 problem(s); nothing was imported.",
    ]
    assert not Passport.objects.exists()


def test_import_command_reads_a_folder_of_csv_files(standards, tmp_path):
    import zipfile

    folder = tmp_path / "csv"
    folder.mkdir()
    archive = tmp_path / "p.zip"
    archive.write_bytes(csv_zip_bytes(valid_rows()))
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder)
    call_command("import_passport", str(folder), "--period", "2025", stdout=StringIO())
    assert StaffMember.objects.count() == 3


def test_import_command_missing_file(standards, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_passport", "/nonexistent.xlsx", "--period", "2025")
    assert exit_info.value.code == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_hyphenated_command_from_the_console_script(tmp_path):
    out = tmp_path / "t.xlsx"
    result = subprocess.run(
        [sys.executable, "-m", "onconet.cli", "passport-template", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert Path(out).exists()
