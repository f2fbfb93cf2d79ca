"""Passport pages: list, overview, HTMX row editing, import job page, exports; scoping over pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onconet.core.models import Job
from onconet.passports import services
from onconet.passports.models import Passport, StaffMember
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def passport(reference, region):
    make_standards()
    services.passport_import(book=read_workbook(xlsx_bytes(valid_rows())), period=2025, user=None)
    return Passport.objects.get(region=region, period=2025)


def test_pages_render_for_the_reporter(client, users, passport):
    client.force_login(users["reporter"])
    for url in (
        "/passports/",
        f"/passports/{passport.pk}/",
        f"/passports/{passport.pk}/check/",
        f"/passports/{passport.pk}/region/",
        "/passports/import/",
        "/passports/new/",
        "/passports/standards/",
    ):
        assert client.get(url).status_code == 200, url
    for section in ("facilities", "staff", "equipment", "beds", "compliance"):
        assert client.get(f"/passports/{passport.pk}/{section}/").status_code == 200, section


def test_other_regions_passport_pages_are_404(client, users, passport):
    client.force_login(users["reporter2"])
    for url in (
        f"/passports/{passport.pk}/",
        f"/passports/{passport.pk}/staff/",
        f"/passports/{passport.pk}/export/xlsx/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/passports/{passport.pk}/do/submit/").status_code == 404
    passport.refresh_from_db()
    assert passport.status == "draft"


def test_partner_agent_cannot_see_passports(client, users, passport):
    client.force_login(users["partner"])
    assert client.get("/passports/").status_code == 403
    assert client.get(f"/passports/{passport.pk}/").status_code == 404


def test_htmx_add_row_shows_problems_next_to_fields(client, users, passport):
    client.force_login(users["reporter"])
    url = f"/passports/{passport.pk}/staff/rows/"
    response = client.post(
        url,
        {"facility_code": "DISP", "staff_id": "S9", "specialty": "oncologist", "birth_year": "2024", "fte": "1"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#new-row"
    assert response.context["form"].errors["birth_year"] == ["must be between 1935 and 2007"]
    assert not StaffMember.objects.filter(staff_id="S9").exists()
    response = client.post(
        url,
        {"facility_code": "DISP", "staff_id": "S9", "specialty": "oncologist", "birth_year": "1980", "fte": "1"},
        **HTMX,
    )
    assert b'id="row-' in response.content
    assert b'hx-swap-oob="outerHTML:#new-row"' in response.content
    assert StaffMember.objects.filter(staff_id="S9").exists()


def test_htmx_edit_and_delete_row(client, users, passport):
    client.force_login(users["reporter"])
    row = StaffMember.objects.get(staff_id="S3")
    url = f"/passports/{passport.pk}/staff/rows/{row.pk}/"
    form = client.get(url + "?edit=1", **HTMX)
    assert b'name="staff_id"' in form.content
    response = client.post(
        url,
        {
            "facility_code": "CAOP1",
            "staff_id": "S3",
            "specialty": "chemotherapist",
            "birth_year": "1995",
            "fte": "0.75",
        },
        **HTMX,
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.specialty == "chemotherapist"
    assert client.delete(url, **HTMX).status_code == 200
    assert not StaffMember.objects.filter(pk=row.pk).exists()


def test_locked_passport_refuses_row_changes(client, users, passport):
    Passport.objects.update(status="approved")
    client.force_login(users["reporter"])
    row = StaffMember.objects.get(staff_id="S3")
    response = client.delete(f"/passports/{passport.pk}/staff/rows/{row.pk}/", **HTMX)
    assert response.status_code == 409
    assert StaffMember.objects.filter(pk=row.pk).exists()
    page = client.get(f"/passports/{passport.pk}/staff/")
    assert page.context["editable"] is False


def test_transition_buttons(client, users, passport):
    client.force_login(users["reporter"])
    client.post(f"/passports/{passport.pk}/do/submit/")
    passport.refresh_from_db()
    assert passport.status == "submitted"
    client.force_login(users["admin"])
    response = client.post(f"/passports/{passport.pk}/do/return/", {"comment": ""}, follow=True)
    assert "Say what the reporter should correct." in response.content.decode()
    client.post(f"/passports/{passport.pk}/do/return/", {"comment": "Fix beds"})
    passport.refresh_from_db()
    assert passport.status == "draft"
    client.force_login(users["reporter"])
    page = client.get(f"/passports/{passport.pk}/").content.decode()
    assert "Fix beds" in page


def test_import_page_queues_a_job(client, users, reference, django_capture_on_commit_callbacks):
    make_standards()
    client.force_login(users["reporter"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/passports/import/", {"file": SimpleUploadedFile("klu.xlsx", xlsx_bytes(valid_rows())), "period": 2025}
        )
    job = Job.objects.get(kind="passport_import")
    assert response.url == f"/passports/import/{job.pk}/"
    assert len(callbacks) == 1
    assert client.get(response.url).status_code == 200
    client.force_login(users["reporter2"])
    assert client.get(response.url).status_code == 404


def test_region_sheet_form(client, users, passport):
    client.force_login(users["reporter"])
    response = client.post(
        f"/passports/{passport.pk}/region/",
        {"population": "abc", "cancer_incidence": "", "dispensary": str(passport.dispensary_id)},
    )
    assert response.context["errors"] == {"population": "must be a whole number"}
    response = client.post(
        f"/passports/{passport.pk}/region/",
        {"population": "1000000", "cancer_incidence": "4900", "dispensary": str(passport.dispensary_id)},
    )
    assert response.status_code == 302
    passport.refresh_from_db()
    assert (passport.population, passport.cancer_incidence) == (1_000_000, 4900)


def test_exports_download(client, users, passport):
    client.force_login(users["analyst"])
    assert client.get(f"/passports/{passport.pk}/export/xlsx/").content[:2] == b"PK"
    assert client.get(f"/passports/{passport.pk}/export/csv/")["Content-Type"] == "application/zip"
    assert client.get(f"/passports/{passport.pk}/export/json/").json()["region"] == "RU-KLU"
    assert client.get(f"/passports/{passport.pk}/export/dhis2/").json()["orgUnit"] == "RU-KLU"
    assert client.get(f"/passports/{passport.pk}/export/pdf/").status_code == 404
    assert client.get("/passports/template.xlsx").content[:2] == b"PK"


def test_new_passport_with_copy_forward(client, users, passport):
    client.force_login(users["reporter"])
    response = client.post("/passports/new/", {"region": passport.region_id, "period": 2026, "copy_forward": "on"})
    new = Passport.objects.get(period=2026)
    assert response.url == f"/passports/{new.pk}/"
    assert StaffMember.objects.filter(passport=new).count() == 3
