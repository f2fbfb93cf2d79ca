"""The partnerships pages by role, their forms with bad input (the page says what is wrong and nothing changes),
404 for records outside a user's scope, and the exports' content types."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from conftest import make_facility, pdf_bytes, png_bytes
from onconet.partnerships import services
from onconet.partnerships.models import Accreditation, CountryIndicator, FollowUp, Participant, Visit

from .conftest import TODAY, TOUR_START


def _errors(form, field=None):
    """The form's error messages (of one field, or all) as plain text."""
    if field is not None:
        return " ".join(form.errors.get(field, []))
    return " ".join(m for messages in form.errors.values() for m in messages)


PAGES = [
    "/partnerships/",
    "/partnerships/delegations/",
    "/partnerships/agreements/",
    "/partnerships/accreditations/",
    "/partnerships/countries/",
    "/partnerships/certified/",
]


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("admin", set(PAGES)),
        ("coordinator", set(PAGES)),
        ("analyst", set(PAGES)),
        ("reporter", {"/partnerships/accreditations/", "/partnerships/certified/", "/partnerships/"}),
        ("reviewer", {"/partnerships/certified/"}),
        ("partner", {"/partnerships/certified/"}),
    ],
)
def test_pages_by_role(client, users, tour, username, allowed):
    client.force_login(users[username])
    for path in PAGES:
        response = client.get(path)
        if path in allowed:
            assert response.status_code in (200, 302), (username, path)
        else:
            assert response.status_code == 403, (username, path)
    detail = client.get(f"/partnerships/delegations/{tour.pk}/")
    assert detail.status_code == (200 if "/partnerships/delegations/" in allowed else 403)


def test_reporter_is_sent_to_accreditations(client, users):
    client.force_login(users["reporter"])
    assert client.get("/partnerships/").url == "/partnerships/accreditations/"


def test_delegation_page_shows_programme_participants_costs_and_outcomes(client, users, tour):
    client.force_login(users["analyst"])
    page = client.get(f"/partnerships/delegations/{tour.pk}/")
    body = page.content.decode()
    assert "Fédération Hospitalière de France" in body
    assert [d.number for d in page.context["days"]] == [1, 2, 3, 4, 5, 6]
    assert 'id="visit-form"' not in body  # the analyst reads, never writes
    assert page.context["delegation"].distance_km == pytest.approx(2486, rel=0.005)
    participants = client.get(f"/partnerships/delegations/{tour.pk}/?tab=participants")
    assert [p.full_name for p in participants.context["participants"]] == ["Aidar Nurlanov", "Irina Sokolova"]
    assert participants.context["visa_pending"] == 1
    costs = client.get(f"/partnerships/delegations/{tour.pk}/?tab=costs")
    assert [(r["t"].currency, r["percent"]) for r in costs.context["totals"]] == [("EUR", 0)]
    assert client.get("/partnerships/delegations/999999/").status_code == 404


def test_organiser_adds_a_visit_and_a_day_outside_the_dates_is_refused(client, users, tour):
    client.force_login(users["coordinator"])
    url = f"/partnerships/delegations/{tour.pk}/visits/"
    outside = (TOUR_START + dt.timedelta(days=6)).isoformat()
    response = client.post(url, {"visit-date": outside, "visit-institution": "Hôpital Foch", "visit-topic": "private"})
    assert response.status_code == 400
    assert "outside the delegation's dates" in _errors(response.context["visit_form"], "date")
    assert Visit.objects.filter(delegation=tour).count() == 2
    day = (TOUR_START + dt.timedelta(days=3)).isoformat()
    response = client.post(
        url,
        {
            "visit-date": day,
            "visit-start_time": "10:00",
            "visit-end_time": "15:00",
            "visit-institution": "Hôpital Foch",
            "visit-topic": "private",
        },
    )
    assert response.status_code == 302
    assert Visit.objects.filter(delegation=tour, institution="Hôpital Foch", date=day).exists()


def test_a_participant_added_twice_is_refused(client, users, tour):
    client.force_login(users["coordinator"])
    url = f"/partnerships/delegations/{tour.pk}/participants/"
    data = {
        "participant-full_name": "irina sokolova",
        "participant-role": "manager",
        "participant-organisation": "KALUGA REGIONAL HOSPITAL",
        "participant-country": "RU",
        "participant-visa_status": "issued",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "already a participant" in _errors(response.context["participant_form"])
    assert Participant.objects.filter(delegation=tour).count() == 2
    response = client.post(url, {**data, "participant-full_name": "Olga Lebedeva", "participant-country": "XX"})
    assert response.status_code == 400
    assert "not an ISO 3166-1" in _errors(response.context["participant_form"], "country")
    assert client.post(url, {**data, "participant-full_name": "Olga Lebedeva"}).status_code == 302
    olga = Participant.objects.get(full_name="Olga Lebedeva")
    change = f"/partnerships/delegations/{tour.pk}/participants/{olga.pk}/"
    client.post(change, {"visa_status": "applied"})
    olga.refresh_from_db()
    assert olga.visa_status == "applied"
    client.post(change, {"action": "remove"})
    assert not Participant.objects.filter(pk=olga.pk).exists()


def test_outcomes_follow_up_and_closing_it(client, users, tour):
    client.force_login(users["coordinator"])
    base = f"/partnerships/delegations/{tour.pk}"
    insight = {"insight-topic": "emergency", "insight-text": "GPs run emergency care."}
    assert client.post(f"{base}/insights/", insight).status_code == 302
    assert client.post(f"{base}/proposals/", {"proposal-title": "Staff exchange"}).status_code == 302
    response = client.post(
        f"{base}/follow-ups/",
        {
            "followup-title": "Write the report",
            "followup-owner": users["analyst"].pk,
            "followup-due_date": (TODAY - dt.timedelta(days=1)),
        },
    )
    assert response.status_code == 302
    action = FollowUp.objects.get(title="Write the report")
    # the owner sees it as overdue on the home page and closes it there
    client.force_login(users["analyst"])
    home = client.get("/")
    assert [a.pk for a in home.context["board"].overdue_actions] == [action.pk]
    client.post(f"/partnerships/follow-ups/{action.pk}/close/", {"status": "done", "next": "/"})
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", TODAY)
    assert client.get("/").context["board"].overdue_actions == []


def test_delegation_transitions_from_the_page(client, users, tour):
    client.force_login(users["coordinator"])
    url = f"/partnerships/delegations/{tour.pk}/transition/"
    response = client.post(url, {"status": "completed"}, follow=True)
    assert "cannot become completed" in response.content.decode()
    client.post(url, {"status": "confirmed"})
    tour.refresh_from_db()
    assert tour.status == "confirmed"
    client.force_login(users["analyst"])
    assert client.post(url, {"status": "under_way"}).status_code == 403


def test_exports_have_the_right_types(client, users, tour):
    import icalendar

    client.force_login(users["analyst"])
    base = f"/partnerships/delegations/{tour.pk}"
    pdf = client.get(f"{base}/programme.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    ics = client.get(f"{base}/itinerary.ics")
    assert ics["Content-Type"] == "text/calendar; charset=utf-8"
    assert len(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")) == 3
    xlsx = client.get(f"{base}/participants.xlsx")
    assert 'filename="participants-study-tour' in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3


def test_accreditation_form_refuses_an_end_before_the_start(client, users, region, other_region):
    mine = make_facility(region, "KLU-ONC")
    theirs = make_facility(other_region, "MOW-ONC")
    client.force_login(users["reporter"])
    data = {
        "facility": mine.pk,
        "standard": "iso_9001",
        "issuing_body": "TÜV",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY - dt.timedelta(days=1)).isoformat(),
        "scope": "Radiotherapy",
    }
    response = client.post("/partnerships/accreditations/", data)
    assert response.status_code == 200
    assert "before it starts" in _errors(response.context["form"], "valid_until")
    assert not Accreditation.objects.exists()
    # another region's facility is not even a choice
    response = client.post("/partnerships/accreditations/", {**data, "facility": theirs.pk})
    assert "facility" in response.context["form"].errors
    good = {**data, "valid_until": (TODAY + dt.timedelta(days=30)).isoformat()}
    assert client.post("/partnerships/accreditations/", good).status_code == 302
    page = client.get("/partnerships/accreditations/")
    assert [r["state"] for r in page.context["rows"]] == ["expiring"]
    assert "expiry-alert" in page.content.decode()


def test_country_import_lists_every_problem_and_imports_nothing(client, users, tour):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users["coordinator"])
    bad = (
        "country,indicator,year,value,unit,source\n"
        "XX,who_rank,2000,1,rank,WHO 2000\n"
        "FR,who_rank,2000,first,rank,WHO 2000\n"
        "KZ,who_rank,2000,64,rank,\n"
    )
    response = client.post("/partnerships/countries/", {"file": SimpleUploadedFile("i.csv", bad.encode())})
    assert response.status_code == 400
    assert [(p["line"], p["field"]) for p in response.context["problems"]] == [
        (2, "country"),
        (3, "value"),
        (4, "source"),
    ]
    assert not CountryIndicator.objects.exists()
    good = "country,indicator,year,value,unit,source\nFR,who_rank,2000,1,rank of 191,WHO World Health Report 2000\n"
    assert (
        client.post("/partnerships/countries/", {"file": SimpleUploadedFile("i.csv", good.encode())}).status_code == 302
    )
    profile = client.get("/partnerships/countries/FR/")
    assert [(i.indicator, i.source) for i in profile.context["profile"].indicators] == [
        ("who_rank", "WHO World Health Report 2000")
    ]
    assert [d.pk for d in profile.context["profile"].delegations] == [tour.pk]
    client.force_login(users["analyst"])
    assert (
        client.post("/partnerships/countries/", {"file": SimpleUploadedFile("i.csv", good.encode())}).status_code == 403
    )


def test_certified_page_shows_only_valid_european_certificates(client, users, region):
    facility = make_facility(region, "KLU-PRO", name="Kaluga proton centre")
    other = make_facility(region, "KLU-JCI", name="Kaluga JCI hospital")
    admin = users["admin"]
    services.accreditation_add(
        user=admin,
        facility=facility,
        standard="oeci",
        issuing_body="OECI",
        valid_from=TODAY - dt.timedelta(days=10),
        valid_until=TODAY + dt.timedelta(days=300),
        scope="Comprehensive cancer centre",
    )
    services.accreditation_add(
        user=admin,
        facility=other,
        standard="jci",
        issuing_body="JCI",
        valid_from=TODAY - dt.timedelta(days=10),
        valid_until=TODAY + dt.timedelta(days=300),
        scope="Hospital",
    )
    client.force_login(users["partner"])
    page = client.get("/partnerships/certified/")
    assert [item.facility.code for item in page.context["items"]] == ["KLU-PRO"]
    assert "Comprehensive cancer centre" in page.content.decode()


def test_agreement_documents_and_certificates_are_checked_by_content(client, users, places, region, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    agreement = services.agreement_create(
        user=users["admin"], title="Memorandum", kind="memorandum", parties=[places["rma"], places["foch"]]
    )
    client.force_login(users["coordinator"])
    url = f"/partnerships/agreements/{agreement.pk}/"
    fake = SimpleUploadedFile("signed.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"what": "document", "title": "Signed text", "file": fake})
    assert "Only PDF, PNG and JPEG" in _errors(response.context["document_form"], "file")
    assert not agreement.documents.exists()
    pdf = SimpleUploadedFile("signed.pdf", pdf_bytes(), content_type="application/pdf")
    assert client.post(url, {"what": "document", "title": "Signed text", "file": pdf}).status_code == 302
    document = agreement.documents.get()
    download = client.get(f"{url}documents/{document.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download.content == pdf_bytes()
    client.force_login(users["partner"])
    assert client.get(f"{url}documents/{document.pk}/").status_code == 403

    facility = make_facility(region, "KLU-CERT")
    client.force_login(users["reporter"])
    data = {
        "facility": facility.pk,
        "standard": "iso_15189",
        "issuing_body": "RusAccreditation",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=400)).isoformat(),
        "scope": "Clinical laboratory",
    }
    bad = SimpleUploadedFile("cert.pdf", b"<html>", content_type="application/pdf")
    response = client.post("/partnerships/accreditations/", {**data, "document": bad})
    assert "Only PDF, PNG and JPEG" in _errors(response.context["form"], "document")
    assert not Accreditation.objects.exists()
    fake_png = SimpleUploadedFile("cert.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
    response = client.post("/partnerships/accreditations/", {**data, "document": fake_png})
    assert "this file starts like an image but cannot be opened as one" in _errors(response.context["form"], "document")
    png = SimpleUploadedFile("cert.png", png_bytes(), content_type="image/png")
    assert client.post("/partnerships/accreditations/", {**data, "document": png}).status_code == 302
    accreditation = Accreditation.objects.get()
    certificate = client.get(f"/partnerships/accreditations/{accreditation.pk}/certificate/")
    assert certificate["Content-Type"] == "image/png"
    client.force_login(users["reporter2"])  # another region's reporter does not see it
    assert client.get(f"/partnerships/accreditations/{accreditation.pk}/certificate/").status_code == 404
