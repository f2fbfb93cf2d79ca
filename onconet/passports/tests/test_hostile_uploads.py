"""Hostile workbooks: zip bombs, a million rows, XML entities; oversized bodies. Each is refused with a listed
problem (exit 2 on the command line, 400/403/413 in the API, the page's form, a failed job), in bounded memory,
and a user who may not import is refused before a byte of the body is read."""

from __future__ import annotations

import io
import os
import time
import zipfile
from io import StringIO

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from django.core.management import call_command

from onconet.core import services as core_services
from onconet.core.jobs import execute_job
from onconet.core.models import Job
from onconet.core.tests import multipart
from onconet.passports.api import start_import_job
from onconet.passports.models import Passport
from onconet.passports.services import ImportRejected, passport_import
from onconet.passports.tests import hostile
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db
API = "/api/v1"
MB = hostile.MB
ENTITY = '<!DOCTYPE worksheet [<!ENTITY e "RU-KLU">]>'
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
DTD_REFUSED = "The workbook's XML declares a document type or entities, which are refused."


@pytest.fixture
def standards(reference):
    make_standards()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_upload(client, path, data, *, period=2025, **kwargs):
    return multipart.post_upload(client, path, data, fields={"period": period}, **kwargs)


def bearer(user):
    _token, raw = core_services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def problems_of(data, filename="p.xlsx"):
    with pytest.raises(ImportRejected) as err:
        passport_import(book=read_workbook(data, filename), period=2025, user=None)
    return [p.as_dict() for p in err.value.errors]


BOMB_PROBLEM = {
    "sheet": "",
    "row": None,
    "column": "",
    "value": "p.zip",
    "message": "The archive unpacks to 200.0 MiB; the limit is 50.0 MiB.",
}
ROWS_PROBLEM = {
    "sheet": "staff",
    "row": 50002,
    "column": "",
    "value": None,
    "message": "The sheet has more than 50000 rows; the limit is 50000.",
}


# ---------------------------------------------------------------- XML


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(ValueError, match="Unable to read workbook") as err:
        openpyxl.load_workbook(io.BytesIO(hostile.entity_xlsx(ENTITY, "&e;")), read_only=True)
    assert isinstance(err.value.__cause__, EntitiesForbidden)


@pytest.mark.parametrize(
    ("prolog", "cell", "message"),
    [
        (ENTITY, "&e;", DTD_REFUSED),
        (hostile.BILLION_LAUGHS, "&lol9;", DTD_REFUSED),
        (XXE, "&xxe;", DTD_REFUSED),
        ("<!DOCTYPE worksheet>", "RU-KLU", DTD_REFUSED),  # a document type alone is refused too
        ("", "&undefined;", "The workbook's XML is damaged: undefined entity: line 1, column 553."),
    ],
    ids=["internal-entity", "billion-laughs", "external-entity", "bare-dtd", "undefined-entity"],
)
def test_hostile_xml_is_a_listed_problem(standards, prolog, cell, message):
    assert problems_of(hostile.entity_xlsx(prolog, cell)) == [
        {"sheet": "staff", "row": None, "column": "", "value": "p.xlsx", "message": message}
    ]


def test_hostile_xml_via_the_api_is_400_not_500(client, users, standards):
    response, _ = post_upload(
        client, f"{API}/passports/import", hostile.entity_xlsx("", "&undefined;"), auth=bearer(users["reporter"])
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("The workbook's XML is damaged: undefined entity")


# ---------------------------------------------------------------- bombs and long sheets, from each side


def test_zip_bomb_and_a_million_rows_read_in_bounded_memory(standards):
    for data, filename, expected in (
        (hostile.zip_bomb(), "p.zip", BOMB_PROBLEM),
        (hostile.million_short_rows_xlsx(), "p.xlsx", ROWS_PROBLEM),
    ):
        with hostile.peak_memory() as memory:
            found = problems_of(data, filename)
        assert found == [expected]
        assert memory["peak"] < 20 * MB


@pytest.mark.parametrize("declared", [None, 1], ids=["counted", "end-record-lies"])
def test_a_zip_of_a_hundred_thousand_entries_is_refused_from_its_end_record(standards, declared):
    data = hostile.many_entries_zip(declared=declared)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # what zipfile would otherwise list
        assert len(archive.infolist()) == 100_000
    with hostile.peak_memory() as memory:
        found = problems_of(data, "p.zip")
    assert [p["message"] for p in found] == ["The archive holds more than 200 files; at most 200 are read."]
    assert memory["peak"] < 8 * MB  # the file itself is 4.7 MB; zipfile's listing of it took about 60 MB


def test_a_million_full_rows_are_refused_by_their_unpacked_size(standards):
    assert len(hostile.million_row_xlsx()) < 2 * MB
    assert problems_of(hostile.million_row_xlsx()) == [
        {
            "sheet": "",
            "row": None,
            "column": "",
            "value": "p.xlsx",
            "message": "The archive unpacks to 327.1 MiB; the limit is 50.0 MiB.",
        }
    ]


def test_cells_beyond_the_limit_are_refused(standards, settings):
    settings.PASSPORT_IMPORT_MAX_CELLS = 1000  # rows one cell long, each reaching column XFD (16 384 cells)
    data = hostile.xlsx(lambda: iter(['<row><c t="inlineStr"><is><t>x</t></is></c></row>', '<row><c r="XFD2"/></row>']))
    assert problems_of(data) == [
        {
            "sheet": "staff",
            "row": 2,
            "column": "",
            "value": None,
            "message": "The workbook has more than 1000 cells; the limit is 1000.",
        }
    ]


@pytest.mark.parametrize("url", ["/passports/import", "/passports/import-jobs"])
def test_partner_agent_is_refused_before_a_byte_is_read(client, users, media, url):
    for data in (hostile.zip_bomb(), hostile.million_row_xlsx()):
        with hostile.peak_memory() as memory:
            response, read = post_upload(client, f"{API}{url}", data, auth=bearer(users["partner"]))
        assert response.status_code == 403
        assert response.json()["detail"] == "You are not allowed to import passports."
        assert read == 0
        assert memory["peak"] < 20 * MB
    assert not Job.objects.exists()
    assert not (media / "imports").exists()


def test_partner_agent_session_is_refused_before_the_csrf_check_reads_the_body(client, users):
    client.force_login(users["partner"])
    response, read = post_upload(client, f"{API}/passports/import", hostile.zip_bomb())
    assert (response.status_code, read) == (403, 0)


def test_regional_reporter_gets_problems_in_bounded_memory(client, users, standards):
    for data, filename, expected in (
        (hostile.zip_bomb(), "p.zip", BOMB_PROBLEM),
        (hostile.million_short_rows_xlsx(), "p.xlsx", ROWS_PROBLEM),
    ):
        started = time.monotonic()
        with hostile.peak_memory() as memory:
            response, _ = post_upload(
                client, f"{API}/passports/import", data, filename=filename, auth=bearer(users["reporter"])
            )
        assert response.status_code == 400
        assert response.json()["errors"] == [expected]
        assert memory["peak"] < 50 * MB
        assert time.monotonic() - started < 30  # not a benchmark: the reported file took 53 s
    assert not Passport.objects.exists()


def test_the_worker_job_fails_with_the_problem(users, standards, media):
    upload = _django_upload(hostile.zip_bomb(), "p.zip")
    job = start_import_job(users["reporter"], upload, "p.zip", 2025, False)
    with hostile.peak_memory() as memory:
        execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "The workbook has 1 problem(s); nothing was imported."
    assert job.result == {"errors": [BOMB_PROBLEM]}
    assert memory["peak"] < 20 * MB


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (hostile.zip_bomb, "bomb.zip", "The archive unpacks to 200.0 MiB; the limit is 50.0 MiB. (value '{path}')"),
        (
            hostile.million_short_rows_xlsx,
            "rows.xlsx",
            "staff, row 50002: The sheet has more than 50000 rows; the limit is 50000.",
        ),
        (
            lambda: hostile.entity_xlsx(hostile.BILLION_LAUGHS, "&lol9;"),
            "laughs.xlsx",
            f"staff: {DTD_REFUSED} (value '{{path}}')",
        ),
    ],
    ids=["zip-bomb", "million-rows", "billion-laughs"],
)
def test_the_command_lists_the_problem_and_exits_2(standards, tmp_path, capsys, data, name, expected):
    path = tmp_path / name
    path.write_bytes(data())
    with hostile.peak_memory() as memory, pytest.raises(SystemExit) as exit_info:
        call_command("import_passport", str(path), "--period", "2025", stdout=StringIO())
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"{path}: " + expected.format(path=path.name),
        f"{path}: The workbook has 1 problem(s); nothing was imported.",
    ]
    assert "Traceback" not in err
    assert memory["peak"] < 50 * MB


# ---------------------------------------------------------------- the body's size


@pytest.mark.parametrize("url", ["/passports/import", "/passports/import-jobs"])
def test_a_declared_length_over_the_limit_is_refused_before_reading(client, users, media, url):
    response, read = post_upload(client, f"{API}{url}", b"PK", auth=bearer(users["reporter"]), declared_length=60 * MB)
    assert response.status_code == 413
    assert response.json()["detail"] == "The upload is 60.0 MiB; the limit is 20.0 MiB."
    assert read == 0
    assert not (media / "imports").exists()


def test_import_jobs_cut_a_file_over_the_limit_while_it_streams(client, users, media, settings):
    settings.PASSPORT_IMPORT_MAX_MB = 1  # the body fits the form allowance; the file part does not
    response, read = post_upload(
        client, f"{API}/passports/import-jobs", b"PK" + b"0" * (MB + 1000), auth=bearer(users["reporter"])
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The upload is larger than 1.0 MiB, the limit."
    assert read <= MB + 128 * 1024
    assert not Job.objects.exists()
    assert not (media / "imports").exists()


def test_the_import_page_refuses_before_reading(client, users, media):
    client.force_login(users["reporter"])
    response, read = post_upload(client, "/passports/import/", b"PK", declared_length=60 * MB)
    assert (response.status_code, read) == (413, 0)
    assert "The upload is 60.0 MiB; the limit is 20.0 MiB." in response.content.decode()
    client.force_login(users["partner"])
    response, read = post_upload(client, "/passports/import/", hostile.zip_bomb(), filename="p.zip")
    assert (response.status_code, read) == (403, 0)
    assert not Job.objects.exists()


# ---------------------------------------------------------------- stored workbooks


def _django_upload(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _age(path, days):
    when = time.time() - days * 24 * 3600
    os.utime(path, (when, when))


def test_a_succeeded_import_deletes_its_workbook_and_a_failed_one_keeps_it_for_a_retry(users, standards, media):
    from onconet.core.jobs import job_files_root

    good = start_import_job(
        users["reporter"], _django_upload(xlsx_bytes(valid_rows()), "klu.xlsx"), "klu.xlsx", 2025, False
    )
    bad = start_import_job(users["reporter"], _django_upload(b"PK0000", "bad.xlsx"), "bad.xlsx", 2025, False)
    assert len(list(job_files_root().iterdir())) == 2
    execute_job(good.pk)
    execute_job(bad.pk)
    assert Job.objects.get(pk=good.pk).status == "succeeded"
    assert Job.objects.get(pk=bad.pk).status == "failed"
    assert [p.name for p in job_files_root().iterdir()] == [bad.params["path"].split("/")[-1]]


def test_stored_workbooks_are_deleted_after_the_retention_period(users, media, settings):
    from onconet.core.jobs import job_files_delete_expired, job_files_root

    settings.IMPORT_FILE_RETENTION_DAYS = 7
    old = start_import_job(users["reporter"], _django_upload(b"PK", "old.xlsx"), "old.xlsx", 2025, False)
    fresh = start_import_job(users["reporter"], _django_upload(b"PK", "new.xlsx"), "new.xlsx", 2025, False)
    waiting = start_import_job(users["reporter"], _django_upload(b"PK", "wait.xlsx"), "wait.xlsx", 2025, False)
    Job.objects.filter(pk__in=[old.pk, fresh.pk]).update(status="failed")
    for job in (old, waiting):
        _age(media / job.params["path"], days=8)
    _age(media / fresh.params["path"], days=6)
    assert job_files_delete_expired() == [old.params["path"]]  # the queued job still needs its file
    assert sorted(p.name for p in job_files_root().iterdir()) == sorted(
        job.params["path"].split("/")[-1] for job in (fresh, waiting)
    )
    core_services.job_retry(user=users["reporter"], job=Job.objects.get(pk=old.pk))
    execute_job(old.pk)
    old.refresh_from_db()
    assert old.status == "failed"
    assert old.error == "The uploaded workbook is no longer kept (uploads are deleted after 7 days); upload it again."


def test_the_zip_members_are_read_no_further_than_declared(standards, settings):
    """A member whose header understates its size is cut at the declared size (then fails its CRC check)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("region.csv", "region_code,period,population\n" + "RU-KLU,2025,1\n" * 100_000)
    data = bytearray(buffer.getvalue())
    real = 30 + 14 * 100_000
    for offset in (data.find(real.to_bytes(4, "little")), data.rfind(real.to_bytes(4, "little"))):
        data[offset : offset + 4] = (100).to_bytes(4, "little")
    found = problems_of(bytes(data), "p.zip")
    assert len(found) == 1
    assert found[0]["message"].startswith("The zip archive is damaged: BadZipFile: Bad CRC-32")


def test_the_import_page_still_checks_csrf_once_the_upload_may_be_read(users, standards, media):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["reporter"])
    response, _ = post_upload(client, "/passports/import/", xlsx_bytes(valid_rows()))
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_a_passport_as_large_as_the_national_demos_largest_reads_within_the_limits(standards):
    """Moscow in the national demo: about 12 000 staff and 2 600 machines (onconet/passports/demo.py, SCALES)."""
    rows = valid_rows()
    person, machine = rows["staff"][0], rows["equipment"][0]
    rows["staff"] = [{**person, "staff_id": f"S{n}"} for n in range(12_000)]
    rows["equipment"] = [{**machine, "equipment_id": f"E{n}"} for n in range(2_600)]
    book = read_workbook(xlsx_bytes(rows), "moscow.xlsx")
    assert (book.problems, book.fatal) == ([], False)
    assert (len(book.sheets["staff"].rows), len(book.sheets["equipment"].rows)) == (12_000, 2_600)


def test_a_zip_bomb_sent_on_the_page_shows_its_problem_in_the_table(client, users, standards, media):
    client.force_login(users["reporter"])
    response, _ = post_upload(client, "/passports/import/", hostile.zip_bomb(), filename="p.zip")
    job = Job.objects.get(kind="passport_import")
    assert response.url == f"/passports/import/{job.pk}/"
    execute_job(job.pk)
    page = client.get(response.url).content.decode()
    assert 'id="problems-table"' in page
    assert "The archive unpacks to 200.0 MiB; the limit is 50.0 MiB." in page
