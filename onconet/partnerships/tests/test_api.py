"""The partnerships API: delegations (with exports), places and organisations, agreements, accreditations, country
profiles and the certified list — exact values, bad input refused with 400 and nothing written, 403 per role,
404 outside the caller's scope."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from conftest import make_facility
from onconet.partnerships import services
from onconet.partnerships.models import (
    Accreditation,
    City,
    Cost,
    CountryIndicator,
    Delegation,
    FollowUp,
    Milestone,
    Organisation,
    Participant,
    Visit,
)
from onconet.partnerships.tests.conftest import TODAY, TOUR_START
from onconet.tourism import services as tourism_services
from onconet.tourism.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/partnerships"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Roles with no business in partnerships: every endpoint but /certified answers 403 to them.
OUTSIDERS = ("reviewer", "finance", "interpreter", "partner", "partner2")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the IUGG mean sphere, written independently of the model's."""
    radius = 6371.0088
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi, half_dlambda = (phi2 - phi1) / 2, math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * radius * math.atan2(math.sqrt(h), math.sqrt(1 - h))


@pytest.fixture
def login(client, users):
    """Sign the test client in as one of the users (session authentication, as the browser does)."""

    def as_user(name: str) -> Client:
        client.force_login(users[name])
        return client

    return as_user


def post(client: Client, url: str, payload: dict) -> object:
    return client.post(url, data=payload, content_type="application/json")


def day(offset: int) -> str:
    return (TOUR_START + dt.timedelta(days=offset)).isoformat()


# ================================================================ delegations: read


def test_delegation_list_filters_and_pagination(login, users, places, tour):
    almaty_trip = services.delegation_create(
        user=users["admin"],
        title="Kazakh managers visit Moscow",
        direction="inbound",
        purpose="Hospital management in Moscow.",
        start_date=TODAY - dt.timedelta(days=10),
        end_date=TODAY - dt.timedelta(days=8),
        origin=places["almaty"],
        destination=places["moscow"],
    )
    client = login("analyst")
    body = client.get(f"{API}/delegations").json()
    assert body["count"] == 2
    assert [d["id"] for d in body["items"]] == [tour.pk, almaty_trip.pk]  # latest first
    item = body["items"][0]
    assert item == {
        "id": tour.pk,
        "title": "Study tour: French hospitals and emergency services",
        "direction": "outbound",
        "status": "planned",
        "start_date": day(0),
        "end_date": day(5),
        "days": 6,
        "origin": {
            "id": places["moscow"].pk,
            "name": "Moscow",
            "country": "RU",
            "latitude": "55.755800",
            "longitude": "37.617300",
            "timezone": "Europe/Moscow",
        },
        "destination": {
            "id": places["paris"].pk,
            "name": "Paris",
            "country": "FR",
            "latitude": "48.856600",
            "longitude": "2.352200",
            "timezone": "Europe/Paris",
        },
        "distance_km": item["distance_km"],
        "organisers": [
            {"id": places["nma"].pk, "name": "National Medical Association of Kazakhstan"},
            {"id": places["rma"].pk, "name": "Russian Medical Association"},
        ],
        "participant_count": 2,
        "visit_count": 2,
        "budget": "60000.00",
        "budget_currency": "EUR",
    }
    assert item["distance_km"] == pytest.approx(haversine_km(55.7558, 37.6173, 48.8566, 2.3522), rel=1e-3)
    assert body["items"][1]["participant_count"] == body["items"][1]["visit_count"] == 0

    def ids(query: str) -> list[int]:
        return [d["id"] for d in client.get(f"{API}/delegations?{query}").json()["items"]]

    assert ids("q=french") == [tour.pk]
    assert ids("q=almaty") == [almaty_trip.pk]  # the origin's name
    assert ids("status=planned") == [tour.pk, almaty_trip.pk]
    assert ids("status=confirmed") == []
    assert ids("direction=inbound") == [almaty_trip.pk]
    assert ids("country=fr") == [tour.pk]
    assert ids("country=KZ") == [almaty_trip.pk]
    assert ids("country=RU") == [tour.pk, almaty_trip.pk]
    paged = client.get(f"{API}/delegations?page=2").json()
    assert paged["count"] == 2
    assert paged["items"] == []
    bad = client.get(f"{API}/delegations?status=finished")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "query.status"


def test_delegation_detail_has_everything_that_came_of_it(login, users, places, tour):
    coordinator = users["coordinator"]
    first_visit, second_visit = tour.visits.order_by("date")
    services.cost_add(user=coordinator, delegation=tour, category="travel", amount="12000.50", currency="EUR")
    services.cost_add(user=coordinator, delegation=tour, category="accommodation", amount="9000", currency="eur")
    services.cost_add(user=coordinator, delegation=tour, category="visas", amount="35000", currency="RUB")
    insight = services.insight_add(
        user=coordinator, delegation=tour, topic="emergency", text="Triage nurses decide.", visit=second_visit
    )
    proposal = services.proposal_add(
        user=coordinator, delegation=tour, title="Exchange of emergency physicians", partner=places["foch"]
    )
    action = services.follow_up_add(
        user=coordinator,
        delegation=tour,
        title="Send the draft memorandum",
        owner=users["admin"],
        due_date=TOUR_START + dt.timedelta(days=20),
        proposal=proposal,
    )
    body = login("analyst").get(f"{API}/delegations/{tour.pk}").json()
    assert body["distance_km"] == pytest.approx(haversine_km(55.7558, 37.6173, 48.8566, 2.3522), rel=1e-3)
    assert body["distance_km"] == pytest.approx(2486, rel=1e-3)
    assert body["days"] == 6
    assert body["status"] == "planned"
    assert body["allowed_transitions"] == ["cancelled", "confirmed"]
    assert body["purpose"] == "Learn how public hospitals and emergency services are organised in France."
    assert body["created_by"] == "coordinator"
    assert [(o["name"], o["kind"], o["country"]) for o in body["organisers"]] == [
        ("National Medical Association of Kazakhstan", "association", "KZ"),
        ("Russian Medical Association", "association", "RU"),
    ]
    assert [(d["number"], d["date"], [v["id"] for v in d["visits"]]) for d in body["itinerary"]] == [
        (1, day(0), []),
        (2, day(1), [first_visit.pk]),
        (3, day(2), [second_visit.pk]),
        (4, day(3), []),
        (5, day(4), []),
        (6, day(5), []),
    ]
    assert body["itinerary"][1]["visits"][0] == {
        "id": first_visit.pk,
        "date": day(1),
        "start_time": "10:00:00",
        "end_time": "12:30:00",
        "institution": "Fédération Hospitalière de France",
        "address": "1 bis rue Cabanis, 75014 Paris",
        "host": "Directorate",
        "topic": "management",
        "description": "",
    }
    assert [
        (p["full_name"], p["role"], p["organisation"], p["country"], p["visa_status"]) for p in body["participants"]
    ] == [
        ("Aidar Nurlanov", "manager", "Almaty City Hospital No. 7", "KZ", "applied"),
        ("Irina Sokolova", "chief_physician", "Kaluga Regional Hospital", "RU", "issued"),
    ]
    assert [(c["category"], c["amount"], c["currency"]) for c in body["costs"]] == [
        ("accommodation", "9000.00", "EUR"),
        ("travel", "12000.50", "EUR"),
        ("visas", "35000.00", "RUB"),
    ]
    assert body["cost_totals"] == [
        {"currency": "EUR", "spent": "21000.50", "budget": "60000.00", "share": pytest.approx(21000.5 / 60000)},
        {"currency": "RUB", "spent": "35000.00", "budget": None, "share": None},
    ]
    assert len(body["insights"]) == 1
    assert body["insights"][0] | {"recorded_at": None} == {
        "id": insight.pk,
        "topic": "emergency",
        "text": "Triage nurses decide.",
        "visit_id": second_visit.pk,
        "recorded_by": "coordinator",
        "recorded_at": None,
    }
    assert body["proposals"] == [
        {
            "id": proposal.pk,
            "title": "Exchange of emergency physicians",
            "description": "",
            "partner_id": places["foch"].pk,
            "status": "idea",
            "agreement_id": None,
        }
    ]
    assert body["follow_ups"] == [
        {
            "id": action.pk,
            "delegation_id": tour.pk,
            "proposal_id": proposal.pk,
            "title": "Send the draft memorandum",
            "owner": "admin",
            "due_date": (TOUR_START + dt.timedelta(days=20)).isoformat(),
            "status": "open",
            "done_on": None,
            "note": "",
            "overdue": False,
        }
    ]
    assert body["agreement_ids"] == []


def test_delegation_reads_are_refused_to_other_roles_and_unknown_ids(client, login, tour):
    for name in ("reporter", "reporter2", *OUTSIDERS):
        as_user = login(name)
        assert as_user.get(f"{API}/delegations").status_code == 403, name
        assert as_user.get(f"{API}/delegations/{tour.pk}").status_code == 403, name
        assert as_user.get(f"{API}/delegations/{tour.pk}/programme.pdf").status_code == 403, name
        assert as_user.get(f"{API}/follow-ups").status_code == 403, name
    analyst = login("analyst")
    missing = analyst.get(f"{API}/delegations/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No delegation matches the given id.", "errors": []}
    assert analyst.get(f"{API}/delegations/999999/itinerary.ics").status_code == 404
    client.logout()
    assert client.get(f"{API}/delegations").status_code == 401


# ================================================================ delegations: write


def test_create_a_delegation_from_city_and_organisation_ids(login, places):
    payload = {
        "title": "Almaty physicians in Paris",
        "direction": "outbound",
        "purpose": "Cancer care pathways.",
        "start_date": "2027-03-01",
        "end_date": "2027-03-04",
        "origin": places["almaty"].pk,
        "destination": places["paris"].pk,
        "organisers": [places["nma"].pk, places["foch"].pk],
        "budget": "25000",
        "budget_currency": "eur",
    }
    client = login("coordinator")
    response = post(client, f"{API}/delegations", payload)
    assert response.status_code == 201
    body = response.json()
    created = Delegation.objects.get()
    assert body["id"] == created.pk
    assert body["status"] == "planned"
    assert body["days"] == 4
    assert body["origin"]["name"] == "Almaty"
    assert body["destination"]["name"] == "Paris"
    assert body["distance_km"] == pytest.approx(haversine_km(43.2220, 76.8512, 48.8566, 2.3522), rel=1e-3)
    assert [o["name"] for o in body["organisers"]] == ["Hôpital Foch", "National Medical Association of Kazakhstan"]
    assert (body["budget"], body["budget_currency"]) == ("25000.00", "EUR")
    assert [d["visits"] for d in body["itinerary"]] == [[], [], [], []]
    assert body["cost_totals"] == [{"currency": "EUR", "spent": "0.00", "budget": "25000.00", "share": 0.0}]

    # bad input: every problem at once, nothing written
    bad = post(
        client,
        f"{API}/delegations",
        {
            **payload,
            "title": " ",
            "end_date": "2027-02-27",
            "destination": places["almaty"].pk,
            "budget_currency": "ABC",
        },
    )
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["title", "end_date", "destination", "budget_currency"]
    unknown_field = post(client, f"{API}/delegations", {**payload, "colour": "blue"})
    assert unknown_field.status_code == 400
    wrong_direction = post(client, f"{API}/delegations", {**payload, "direction": "sideways"})
    assert wrong_direction.status_code == 400
    assert post(client, f"{API}/delegations", {**payload, "origin": 999999}).status_code == 404
    no_such_organiser = post(client, f"{API}/delegations", {**payload, "organisers": [places["nma"].pk, 999999]})
    assert no_such_organiser.status_code == 404
    assert no_such_organiser.json()["errors"] == [
        {"field": "organisers", "message": "no such organisation", "value": 999999}
    ]
    for name in ("analyst", "reporter", *OUTSIDERS):
        assert post(login(name), f"{API}/delegations", payload).status_code == 403, name
    assert Delegation.objects.count() == 1
    assert post(login("admin"), f"{API}/delegations", payload).status_code == 201


def test_delegation_transitions(login, tour):
    client = login("coordinator")
    url = f"{API}/delegations/{tour.pk}/transition"
    confirmed = post(client, url, {"status": "confirmed"})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["allowed_transitions"] == ["cancelled", "planned", "under_way"]
    skipped = post(client, url, {"status": "completed"})
    assert skipped.status_code == 409
    assert skipped.json()["detail"] == (
        "A confirmed delegation cannot become completed; it can become cancelled, planned, under_way."
    )
    assert post(client, url, {"status": "finished"}).status_code == 400
    assert post(login("analyst"), url, {"status": "under_way"}).status_code == 403
    assert post(login("partner"), url, {"status": "under_way"}).status_code == 403
    assert post(login("admin"), f"{API}/delegations/999999/transition", {"status": "confirmed"}).status_code == 404
    tour.refresh_from_db()
    assert tour.status == "confirmed"


def test_add_participants_once_each(login, tour):
    client = login("coordinator")
    url = f"{API}/delegations/{tour.pk}/participants"
    payload = {
        "full_name": "Marat Akhmetov",
        "role": "physician",
        "organisation": "Kazakh Institute of Oncology",
        "country": "kz",
        "email": "m.akhmetov@example.kz",
        "visa_status": "to_apply",
    }
    response = post(client, url, payload)
    assert response.status_code == 201
    assert response.json() == {
        "id": Participant.objects.get(full_name="Marat Akhmetov").pk,
        "full_name": "Marat Akhmetov",
        "role": "physician",
        "organisation": "Kazakh Institute of Oncology",
        "country": "KZ",
        "email": "m.akhmetov@example.kz",
        "phone": "",
        "visa_status": "to_apply",
    }
    again = post(
        client, url, {**payload, "full_name": "MARAT akhmetov", "organisation": "kazakh institute of oncology"}
    )
    assert again.status_code == 400
    assert again.json() == {
        "detail": "The participant cannot be added.",
        "errors": [
            {
                "field": "full_name",
                "message": "MARAT akhmetov of kazakh institute of oncology is already a participant of this delegation",
            }
        ],
    }
    bad_country = post(client, url, {**payload, "full_name": "Other Person", "country": "XX"})
    assert bad_country.status_code == 400
    assert bad_country.json()["errors"][0]["field"] == "country"
    assert post(client, url, {**payload, "role": "tourist"}).status_code == 400
    assert post(login("analyst"), url, {**payload, "full_name": "Third Person"}).status_code == 403
    assert post(client, f"{API}/delegations/999999/participants", payload).status_code == 404
    assert tour.participants.count() == 3


def test_add_visits_within_the_delegations_dates(login, tour):
    client = login("coordinator")
    url = f"{API}/delegations/{tour.pk}/visits"
    payload = {
        "date": day(4),
        "institution": "SAMU de Paris",
        "topic": "emergency",
        "start_time": "14:00",
        "end_time": "16:00",
        "address": "Hôpital Necker, 149 rue de Sèvres, 75015 Paris",
        "host": "Dr Martin",
        "description": "The emergency call centre.",
    }
    response = post(client, url, payload)
    assert response.status_code == 201
    assert response.json() == {
        "id": Visit.objects.get(institution="SAMU de Paris").pk,
        "date": day(4),
        "start_time": "14:00:00",
        "end_time": "16:00:00",
        "institution": "SAMU de Paris",
        "address": "Hôpital Necker, 149 rue de Sèvres, 75015 Paris",
        "host": "Dr Martin",
        "topic": "emergency",
        "description": "The emergency call centre.",
    }
    outside = post(client, url, {**payload, "date": day(6)})
    assert outside.status_code == 400
    assert outside.json()["errors"] == [
        {
            "field": "date",
            "message": f"{day(6)} is outside the delegation's dates ({day(0)} to {day(5)})",
            "value": day(6),
        }
    ]
    before = post(client, url, {**payload, "date": day(-1)})
    assert before.status_code == 400
    backwards = post(client, url, {**payload, "start_time": "16:00", "end_time": "15:00"})
    assert backwards.status_code == 400
    assert backwards.json()["errors"][0]["field"] == "end_time"
    assert post(login("analyst"), url, payload).status_code == 403
    assert tour.visits.count() == 3


def test_record_costs_and_see_them_totalled(login, tour):
    client = login("coordinator")
    url = f"{API}/delegations/{tour.pk}/costs"
    response = post(client, url, {"category": "travel", "amount": "18450.75", "currency": "eur", "note": "flights"})
    assert response.status_code == 201
    assert response.json() == {
        "id": Cost.objects.get().pk,
        "category": "travel",
        "amount": "18450.75",
        "currency": "EUR",
        "note": "flights",
    }
    assert post(client, url, {"category": "meals", "amount": "120000", "currency": "RUB"}).status_code == 201
    bad = post(client, url, {"category": "travel", "amount": "-5", "currency": "ABC"})
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["amount", "currency"]
    assert post(client, url, {"category": "travel", "amount": "1.005", "currency": "EUR"}).status_code == 400
    assert post(login("analyst"), url, {"category": "travel", "amount": "1", "currency": "EUR"}).status_code == 403
    assert Cost.objects.count() == 2
    totals = login("analyst").get(f"{API}/delegations/{tour.pk}").json()["cost_totals"]
    assert totals == [
        {"currency": "EUR", "spent": "18450.75", "budget": "60000.00", "share": pytest.approx(18450.75 / 60000)},
        {"currency": "RUB", "spent": "120000.00", "budget": None, "share": None},
    ]


def test_record_insights(login, users, places, tour):
    visit = tour.visits.order_by("date").first()
    client = login("coordinator")
    url = f"{API}/delegations/{tour.pk}/insights"
    response = post(client, url, {"topic": "management", "text": " Directors are elected. ", "visit": visit.pk})
    assert response.status_code == 201
    body = response.json()
    assert (body["topic"], body["text"], body["visit_id"], body["recorded_by"]) == (
        "management",
        "Directors are elected.",
        visit.pk,
        "coordinator",
    )
    other = services.delegation_create(
        user=users["admin"],
        title="Other",
        direction="inbound",
        purpose="Other.",
        start_date=TOUR_START,
        end_date=TOUR_START,
        origin=places["paris"],
        destination=places["moscow"],
    )
    other_visit = services.visit_add(
        user=users["admin"], delegation=other, date=TOUR_START, institution="Kremlin clinic", topic="management"
    )
    foreign = post(client, url, {"topic": "management", "text": "x", "visit": other_visit.pk})
    assert foreign.status_code == 400
    assert foreign.json()["errors"] == [{"field": "visit", "message": "that visit belongs to another delegation"}]
    assert post(client, url, {"topic": "management", "text": "x", "visit": 999999}).status_code == 404
    assert post(client, url, {"topic": "weather", "text": "x"}).status_code == 400
    assert post(client, url, {"topic": "management", "text": "  "}).status_code == 400
    assert post(login("analyst"), url, {"topic": "management", "text": "x"}).status_code == 403
    assert tour.insights.count() == 1


def test_follow_ups_assigned_listed_and_closed(login, users, tour):
    client = login("coordinator")
    url = f"{API}/delegations/{tour.pk}/follow-ups"
    due = (TODAY + dt.timedelta(days=60)).isoformat()
    response = post(client, url, {"title": "Draft the memorandum", "owner": "admin", "due_date": due})
    assert response.status_code == 201
    mine_for_admin = FollowUp.objects.get()
    assert response.json() == {
        "id": mine_for_admin.pk,
        "delegation_id": tour.pk,
        "proposal_id": None,
        "title": "Draft the memorandum",
        "owner": "admin",
        "due_date": due,
        "status": "open",
        "done_on": None,
        "note": "",
        "overdue": False,
    }
    late = (TODAY - dt.timedelta(days=1)).isoformat()
    own = post(client, url, {"title": "Book the hotel", "owner": "coordinator", "due_date": late})
    assert own.status_code == 201
    assert own.json()["overdue"] is True
    assert post(client, url, {"title": "x", "owner": "nobody", "due_date": due}).status_code == 404
    assert post(client, url, {"title": " ", "owner": "admin", "due_date": due}).status_code == 400
    assert post(login("analyst"), url, {"title": "x", "owner": "analyst", "due_date": due}).status_code == 403
    assert FollowUp.objects.count() == 2

    mine = login("coordinator").get(f"{API}/follow-ups?mine=true").json()
    assert mine["count"] == 1
    assert mine["items"][0]["title"] == "Book the hotel"
    assert mine["items"][0]["delegation"] == tour.title
    everyone = login("analyst").get(f"{API}/follow-ups").json()
    assert [a["title"] for a in everyone["items"]] == ["Book the hotel", "Draft the memorandum"]
    assert login("analyst").get(f"{API}/follow-ups?mine=true").json()["count"] == 0

    # the analyst may see but not close another person's action; its owner may close it
    close_url = f"{API}/follow-ups/{mine_for_admin.pk}/close"
    assert post(login("analyst"), close_url, {"status": "done"}).status_code == 403
    assert post(login("admin"), close_url, {"status": "finished"}).status_code == 400
    closed = post(login("admin"), close_url, {"status": "done", "done_on": TODAY.isoformat()})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["done_on"]) == ("done", TODAY.isoformat())
    again = post(login("admin"), close_url, {"status": "cancelled"})
    assert again.status_code == 409
    assert again.json()["detail"] == "This action is already done."
    assert post(login("admin"), f"{API}/follow-ups/999999/close", {"status": "done"}).status_code == 404
    assert post(login("partner"), close_url, {"status": "done"}).status_code == 403
    assert login("admin").get(f"{API}/follow-ups?status=open").json()["count"] == 1


# ================================================================ exports


def test_programme_pdf(login, tour):
    response = login("analyst").get(f"{API}/delegations/{tour.pk}/programme.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="delegation-{tour.pk}-programme.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_itinerary_ics_parses_with_zoned_visits(login, tour):
    response = login("coordinator").get(f"{API}/delegations/{tour.pk}/itinerary.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="delegation-{tour.pk}-itinerary.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == tour.visits.count() + 1 == 3
    whole, *visits = events
    assert str(whole["SUMMARY"]) == tour.title
    assert whole.decoded("DTSTART") == TOUR_START  # all day
    assert whole.decoded("DTEND") == TOUR_START + dt.timedelta(days=6)  # exclusive
    paris = ZoneInfo("Europe/Paris")
    expected = [
        (TOUR_START + dt.timedelta(days=1), dt.time(10, 0), dt.time(12, 30)),
        (TOUR_START + dt.timedelta(days=2), dt.time(9, 0), dt.time(13, 0)),
    ]
    for event, (date, start, end) in zip(visits, expected, strict=True):
        begins, ends = event.decoded("DTSTART"), event.decoded("DTEND")
        assert begins.tzinfo is not None
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert begins == dt.datetime.combine(date, start, tzinfo=paris)
        assert begins.utcoffset() == dt.datetime.combine(date, start, tzinfo=paris).utcoffset()
        assert ends == dt.datetime.combine(date, end, tzinfo=paris)
    assert [str(e["SUMMARY"]) for e in visits] == [
        "Fédération Hospitalière de France — hospital management",
        "Hôpital Bichat–Claude-Bernard — emergency services",
    ]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_participants_xlsx_one_row_each(login, tour):
    response = login("coordinator").get(f"{API}/delegations/{tour.pk}/participants.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="delegation-{tour.pk}-participants.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == tour.participants.count() + 1 == 3
    assert rows[0] == ["Name", "Role", "Organisation", "Country", "Email", "Phone", "Visa"]
    assert [r[:3] for r in rows[1:]] == [
        ["Aidar Nurlanov", "hospital manager", "Almaty City Hospital No. 7"],
        ["Irina Sokolova", "chief physician", "Kaluga Regional Hospital"],
    ]
    assert [r[6] for r in rows[1:]] == ["applied", "issued"]


# ================================================================ places and organisations


def test_cities_get_or_create_and_refuse_coordinates_out_of_range(login, places):
    client = login("coordinator")
    payload = {"name": "Lyon", "country": "FR", "latitude": 45.764, "longitude": "4.8357", "timezone": "Europe/Paris"}
    response = post(client, f"{API}/cities", payload)
    assert response.status_code == 200
    lyon = City.objects.get(name="Lyon")
    assert response.json() == {
        "id": lyon.pk,
        "name": "Lyon",
        "country": "FR",
        "latitude": "45.764000",
        "longitude": "4.835700",
        "timezone": "Europe/Paris",
    }
    assert post(client, f"{API}/cities", payload).json()["id"] == lyon.pk  # the same city again
    count = City.objects.count()
    bad = post(client, f"{API}/cities", {**payload, "name": "Nowhere", "latitude": 95, "longitude": -190})
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "The city cannot be recorded.",
        "errors": [
            {
                "field": "latitude",
                "message": "latitude 95 is out of range: it must be between -90 and 90",
                "value": "95",
            },
            {
                "field": "longitude",
                "message": "longitude -190 is out of range: it must be between -180 and 180",
                "value": "-190",
            },
        ],
    }
    zone = post(client, f"{API}/cities", {**payload, "name": "Nowhere", "timezone": "Europe/Atlantis"})
    assert zone.status_code == 400
    assert zone.json()["errors"][0]["field"] == "timezone"
    assert post(client, f"{API}/cities", {**payload, "name": "Nowhere", "latitude": "north"}).status_code == 400
    for name in ("analyst", "reporter", *OUTSIDERS):
        assert post(login(name), f"{API}/cities", {**payload, "name": "Nowhere"}).status_code == 403, name
    assert City.objects.count() == count
    assert not City.objects.filter(name="Nowhere").exists()


def test_organisations_get_or_create(login, region):
    facility = make_facility(region, "KLU-1", name="Kaluga Regional Oncology Dispensary")
    client = login("admin")
    payload = {"name": "Kaluga Oncology Dispensary", "kind": "hospital", "country": "ru", "facility": facility.pk}
    response = post(client, f"{API}/organisations", payload)
    assert response.status_code == 200
    created = Organisation.objects.get(name="Kaluga Oncology Dispensary")
    assert response.json() == {
        "id": created.pk,
        "name": "Kaluga Oncology Dispensary",
        "kind": "hospital",
        "country": "RU",
        "city": "",
        "website": "",
        "facility_id": facility.pk,
    }
    assert post(client, f"{API}/organisations", payload).json()["id"] == created.pk
    bad = post(client, f"{API}/organisations", {"name": "X", "kind": "hospital", "country": "ZZ"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "country"
    assert post(client, f"{API}/organisations", {**payload, "kind": "club"}).status_code == 400
    assert post(client, f"{API}/organisations", {**payload, "facility": 999999}).status_code == 404
    assert post(login("analyst"), f"{API}/organisations", {**payload, "name": "Y"}).status_code == 403
    assert post(login("partner"), f"{API}/organisations", {**payload, "name": "Y"}).status_code == 403
    assert Organisation.objects.filter(name="Kaluga Oncology Dispensary").count() == 1
    assert not Organisation.objects.filter(name__in=["X", "Y"]).exists()


# ================================================================ agreements


@pytest.fixture
def contract(users):
    return tourism_services.contract_create(
        user=users["admin"],
        partner=users["partner"].agency.partner,
        number="BG-2027-001",
        our_party="National proton centre",
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        currency="EUR",
    )


def test_agreements_recorded_with_milestones_and_contracts(login, places, tour, contract):
    client = login("coordinator")
    payload = {
        "title": "Memorandum on emergency medicine",
        "kind": "memorandum",
        "parties": [places["rma"].pk, places["foch"].pk],
        "status": "signed",
        "signed_on": TODAY.isoformat(),
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=730)).isoformat(),
        "summary": "Exchange of emergency physicians.",
        "delegation": tour.pk,
    }
    response = post(client, f"{API}/agreements", payload)
    assert response.status_code == 201
    body = response.json()
    agreement_id = body["id"]
    assert body == {
        "id": agreement_id,
        "title": "Memorandum on emergency medicine",
        "kind": "memorandum",
        "status": "signed",
        "signed_on": TODAY.isoformat(),
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=730)).isoformat(),
        "summary": "Exchange of emergency physicians.",
        "delegation_id": tour.pk,
        "parties": [
            {
                "id": places["foch"].pk,
                "name": "Hôpital Foch",
                "kind": "hospital",
                "country": "FR",
                "city": "Suresnes",
                "website": "",
                "facility_id": None,
            },
            {
                "id": places["rma"].pk,
                "name": "Russian Medical Association",
                "kind": "association",
                "country": "RU",
                "city": "",
                "website": "",
                "facility_id": None,
            },
        ],
        "milestones": [],
        "contracts": [],
    }

    # milestones: planned, then reached
    planned = (TODAY - dt.timedelta(days=5)).isoformat()
    milestone = post(
        client,
        f"{API}/agreements/{agreement_id}/milestones",
        {"title": "First exchange", "planned_date": planned, "responsible": "I. Sokolova"},
    )
    assert milestone.status_code == 201
    milestone_id = milestone.json()["id"]
    assert milestone.json() == {
        "id": milestone_id,
        "title": "First exchange",
        "planned_date": planned,
        "actual_date": None,
        "responsible": "I. Sokolova",
        "late": True,
    }
    assert (
        post(
            client,
            f"{API}/agreements/{agreement_id}/milestones",
            {"title": "x", "planned_date": planned, "responsible": " "},
        ).status_code
        == 400
    )
    reached = post(client, f"{API}/milestones/{milestone_id}/reach", {"actual_date": TODAY.isoformat()})
    assert reached.status_code == 200
    assert (reached.json()["actual_date"], reached.json()["late"]) == (TODAY.isoformat(), False)
    assert post(client, f"{API}/milestones/999999/reach", {"actual_date": TODAY.isoformat()}).status_code == 404
    assert post(client, f"{API}/milestones/{milestone_id}/reach", {"actual_date": "soon"}).status_code == 400

    # contracts: a visible one is linked; an unknown one answers 404
    linked = post(client, f"{API}/agreements/{agreement_id}/contracts", {"contract": contract.pk})
    assert linked.status_code == 200
    assert linked.json()["contracts"] == [
        {"id": contract.pk, "number": "BG-2027-001", "partner_id": contract.partner_id}
    ]
    assert post(client, f"{API}/agreements/{agreement_id}/contracts", {"contract": 999999}).status_code == 404

    # reads
    listed = login("analyst").get(f"{API}/agreements").json()
    assert listed["count"] == 1
    assert listed["items"][0]["milestones"][0]["actual_date"] == TODAY.isoformat()
    assert login("analyst").get(f"{API}/agreements?kind=service").json()["count"] == 0
    assert login("analyst").get(f"{API}/agreements?status=signed").json()["count"] == 1
    one = login("analyst").get(f"{API}/agreements/{agreement_id}").json()
    assert one["contracts"][0]["number"] == "BG-2027-001"
    assert login("analyst").get(f"{API}/agreements/999999").status_code == 404
    assert login("analyst").get(f"{API}/delegations/{tour.pk}").json()["agreement_ids"] == [agreement_id]

    # the analyst only views
    analyst = login("analyst")
    assert post(analyst, f"{API}/agreements", payload).status_code == 403
    assert (
        post(
            analyst,
            f"{API}/agreements/{agreement_id}/milestones",
            {"title": "x", "planned_date": planned, "responsible": "y"},
        ).status_code
        == 403
    )
    assert post(analyst, f"{API}/milestones/{milestone_id}/reach", {"actual_date": planned}).status_code == 403
    assert post(analyst, f"{API}/agreements/{agreement_id}/contracts", {"contract": contract.pk}).status_code == 403
    for name in ("reporter", *OUTSIDERS):
        as_user = login(name)
        assert as_user.get(f"{API}/agreements").status_code == 403, name
        assert as_user.get(f"{API}/agreements/{agreement_id}").status_code == 403, name
        assert post(as_user, f"{API}/agreements", payload).status_code == 403, name
        assert post(as_user, f"{API}/agreements/{agreement_id}/contracts", {"contract": contract.pk}).status_code == 403
    assert Milestone.objects.get().actual_date == TODAY


def test_agreement_bad_input_changes_nothing(login, places):
    client = login("admin")
    payload = {
        "title": "Cooperation",
        "kind": "cooperation",
        "parties": [places["rma"].pk, places["foch"].pk],
        "valid_from": "2027-01-01",
        "valid_until": "2026-12-31",
    }
    backwards = post(client, f"{API}/agreements", payload)
    assert backwards.status_code == 400
    assert backwards.json()["errors"] == [
        {"field": "valid_until", "message": "it ends on 2026-12-31, before it starts on 2027-01-01"}
    ]
    # the same organisation twice is one party, and an agreement needs two
    one_party = post(client, f"{API}/agreements", {**payload, "valid_until": None, "parties": [places["rma"].pk] * 2})
    assert one_party.status_code == 400
    assert one_party.json()["errors"] == [{"field": "parties", "message": "an agreement has at least two parties"}]
    assert post(client, f"{API}/agreements", {**payload, "kind": "treaty"}).status_code == 400
    assert post(client, f"{API}/agreements", {**payload, "parties": [places["rma"].pk, 999999]}).status_code == 404
    assert post(client, f"{API}/agreements", {**payload, "valid_until": None, "delegation": 999999}).status_code == 404
    assert login("admin").get(f"{API}/agreements").json()["count"] == 0


# ================================================================ accreditations


@pytest.fixture
def facilities(region, other_region):
    return {
        "klu": make_facility(region, "KLU-1", name="Kaluga Oncology Dispensary"),
        "mow": make_facility(other_region, "MOW-1", name="Moscow Proton Centre"),
    }


def accreditation_payload(facility_id: int, **extra: object) -> dict:
    return {
        "facility": facility_id,
        "standard": "iso_9001",
        "issuing_body": "TÜV SÜD",
        "certificate_number": "12 100 54321",
        "valid_from": (TODAY - dt.timedelta(days=300)).isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=60)).isoformat(),
        "scope": "Radiotherapy",
        **extra,
    }


def test_accreditations_recorded_within_the_callers_scope(login, users, facilities):
    klu, mow = facilities["klu"], facilities["mow"]
    reporter = login("reporter")
    response = post(reporter, f"{API}/accreditations", accreditation_payload(klu.pk))
    assert response.status_code == 201
    created = Accreditation.objects.get()
    assert response.json() == {
        "id": created.pk,
        "facility_id": klu.pk,
        "facility": "KLU-1",
        "facility_name": "Kaluga Oncology Dispensary",
        "standard": "iso_9001",
        "european": True,
        "issuing_body": "TÜV SÜD",
        "certificate_number": "12 100 54321",
        "valid_from": (TODAY - dt.timedelta(days=300)).isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=60)).isoformat(),
        "scope": "Radiotherapy",
    }
    assert created.created_by == users["reporter"]
    # another region's facility answers like a missing one
    other = post(reporter, f"{API}/accreditations", accreditation_payload(mow.pk))
    missing = post(reporter, f"{API}/accreditations", accreditation_payload(999999))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"detail": "No facility matches the given id.", "errors": []}
    backwards = post(
        reporter,
        f"{API}/accreditations",
        accreditation_payload(klu.pk, valid_from="2026-06-01", valid_until="2026-05-31"),
    )
    assert backwards.status_code == 400
    assert backwards.json()["errors"] == [
        {
            "field": "valid_until",
            "message": "it ends on 2026-05-31, before it starts on 2026-06-01",
            "value": "2026-05-31",
        }
    ]
    assert post(reporter, f"{API}/accreditations", accreditation_payload(klu.pk, standard="iso_0")).status_code == 400
    assert post(reporter, f"{API}/accreditations", accreditation_payload(klu.pk, scope=" ")).status_code == 400
    for name in ("analyst", *OUTSIDERS):
        assert post(login(name), f"{API}/accreditations", accreditation_payload(klu.pk)).status_code == 403, name
    assert post(login("reporter2"), f"{API}/accreditations", accreditation_payload(mow.pk)).status_code == 201
    assert post(login("coordinator"), f"{API}/accreditations", accreditation_payload(mow.pk)).status_code == 201
    assert Accreditation.objects.count() == 3


def test_accreditation_lists_are_scoped_and_expiring_ones_filtered(login, users, facilities):
    klu, mow = facilities["klu"], facilities["mow"]
    admin = users["admin"]

    def accredit(facility, standard, ends_in_days):
        return services.accreditation_add(
            user=admin,
            facility=facility,
            standard=standard,
            issuing_body="Body",
            valid_from=TODAY - dt.timedelta(days=400),
            valid_until=TODAY + dt.timedelta(days=ends_in_days),
            scope="All",
        )

    soon = accredit(klu, "iso_9001", 30)
    later = accredit(klu, "oeci", 200)
    moscow = accredit(mow, "jci", 89)
    expired = accredit(mow, "iso_15189", -1)

    def ids(name: str, query: str = "") -> list[int]:
        response = login(name).get(f"{API}/accreditations{query}")
        assert response.status_code == 200
        return [a["id"] for a in response.json()["items"]]

    assert ids("analyst") == [expired.pk, soon.pk, moscow.pk, later.pk]  # by end date
    assert ids("analyst", "?expiring=true") == [soon.pk, moscow.pk]
    assert ids("reporter") == [soon.pk, later.pk]
    assert ids("reporter", "?expiring=true") == [soon.pk]
    assert ids("reporter2") == [expired.pk, moscow.pk]
    assert ids("coordinator", f"?facility={klu.pk}") == [soon.pk, later.pk]
    assert ids("coordinator", "?standard=oeci") == [later.pk]
    assert ids("coordinator", f"?expiring=true&facility={mow.pk}") == [moscow.pk]
    assert ids("admin", "?expiring=true&standard=iso_9001") == [soon.pk]
    for name in OUTSIDERS:
        assert login(name).get(f"{API}/accreditations").status_code == 403, name
        assert login(name).get(f"{API}/accreditations?expiring=true").status_code == 403, name


def test_certified_facilities_for_partners(client, login, users, facilities):
    klu, mow = facilities["klu"], facilities["mow"]
    admin = users["admin"]

    def accredit(facility, standard, starts, ends):
        services.accreditation_add(
            user=admin,
            facility=facility,
            standard=standard,
            issuing_body="European body",
            certificate_number=f"{standard}-1",
            valid_from=TODAY + dt.timedelta(days=starts),
            valid_until=TODAY + dt.timedelta(days=ends),
            scope="All",
        )

    accredit(klu, "oeci", -100, 500)
    accredit(klu, "eusoma", -100, 100)
    accredit(mow, "jci", -100, 100)  # not European
    accredit(mow, "iso_9001", -400, -1)  # expired
    accredit(mow, "iso_15189", 10, 400)  # not yet valid
    response = login("partner").get(f"{API}/certified")
    assert response.status_code == 200
    assert response.json() == [
        {
            "facility_id": klu.pk,
            "code": "KLU-1",
            "name": "Kaluga Oncology Dispensary",
            "region": "RU-KLU",
            "certificates": [
                {
                    "standard": "eusoma",
                    "standard_name": "EUSOMA",
                    "issuing_body": "European body",
                    "certificate_number": "eusoma-1",
                    "valid_from": (TODAY - dt.timedelta(days=100)).isoformat(),
                    "valid_until": (TODAY + dt.timedelta(days=100)).isoformat(),
                },
                {
                    "standard": "oeci",
                    "standard_name": "OECI",
                    "issuing_body": "European body",
                    "certificate_number": "oeci-1",
                    "valid_from": (TODAY - dt.timedelta(days=100)).isoformat(),
                    "valid_until": (TODAY + dt.timedelta(days=500)).isoformat(),
                },
            ],
        }
    ]
    for name in users:
        assert login(name).get(f"{API}/certified").status_code == 200, name
    client.logout()
    assert client.get(f"{API}/certified").status_code == 401


# ================================================================ countries

CSV_GOOD = (
    "country,indicator,year,value,unit,source,source_url\n"
    "BG,cancer_incidence_per_100k,2022,632.5,per 100000,GLOBOCAN 2022,https://gco.iarc.who.int/\n"
    "bg,radiotherapy_units,2023,38,units,DIRAC (IAEA),https://dirac.iaea.org/\n"
    'RS,cancer_incidence_per_100k,2022,"598,1",per 100000,GLOBOCAN 2022,\n'
)
CSV_BAD = (
    "country,indicator,year,value,unit,source,source_url\n"
    "BG,cancer_incidence_per_100k,2022,632.5,per 100000,GLOBOCAN 2022,\n"
    "QQ,radiotherapy_units,2023,38,units,DIRAC,\n"
    "RS,radiotherapy_units,2023,many,units,DIRAC,\n"
    "HR,radiotherapy_units,2023,12,units,,\n"
)


def upload(client: Client, text: str) -> object:
    return client.post(
        f"{API}/countries/indicators",
        data={"file": SimpleUploadedFile("indicators.csv", text.encode(), content_type="text/csv")},
    )


def test_country_indicators_import_is_all_or_nothing(login):
    client = login("coordinator")
    bad = upload(client, CSV_BAD)
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "Nothing was imported: the CSV has problems.",
        "errors": [
            {"line": 3, "field": "country", "message": 'unknown country code "QQ"'},
            {"line": 4, "field": "value", "message": '"many" is not a number'},
            {"line": 5, "field": "source", "message": "every value needs its source"},
        ],
    }
    assert not CountryIndicator.objects.exists()
    response = upload(client, CSV_GOOD)
    assert response.status_code == 200
    assert response.json() == {"imported": 3}
    assert CountryIndicator.objects.get(country__code="RS").value == Decimal("598.1")
    assert upload(client, CSV_GOOD.replace("632.5", "640")).json() == {"imported": 3}  # updates, no duplicates
    assert CountryIndicator.objects.count() == 3
    missing = upload(client, "country,indicator,year\nBG,x,2020\n")
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"value", "source"}
    assert client.post(f"{API}/countries/indicators").status_code == 400  # no file
    for name in ("analyst", "reporter", *OUTSIDERS):
        assert upload(login(name), CSV_GOOD.replace("632.5", "1")).status_code == 403, name
    assert CountryIndicator.objects.get(indicator="cancer_incidence_per_100k", country__code="BG").value == 640


def test_country_profile(login, users, places, tour, contract):
    admin, coordinator = users["admin"], users["coordinator"]
    assert upload(login("admin"), CSV_GOOD).status_code == 200
    ministry = services.organisation_get_or_create(
        user=admin, name="Ministry of Health of Bulgaria", kind="ministry", country="BG"
    )
    agreement = services.agreement_create(
        user=admin, title="Treating Bulgarian citizens", kind="service", parties=[ministry, places["rma"]]
    )
    services.participant_add(
        user=coordinator, delegation=tour, full_name="Petar Ivanov", role="official", organisation="MoH", country="BG"
    )

    ServiceFactory(code="consult", name="Consultation", kind="consultation", base_price=Decimal("10000"))
    patient = tourism_services.patient_register(
        user=users["partner"],
        partner=users["partner"].agency.partner,
        family_name="Georgieva",
        given_name="Maria",
        date_of_birth=dt.date(1970, 5, 1),
        sex="F",
        citizenship="BG",
        passport_number="382910456",
        preferred_language="bg",
    )
    for _ in range(2):
        tourism_services.referral_submit(
            user=users["partner"], patient=patient, service_code="consult", icd10_codes=["C50.9"]
        )

    body = login("coordinator").get(f"{API}/countries/bg").json()
    assert body == {
        "code": "BG",
        "name": "Bulgaria",
        "indicators": [
            {
                "indicator": "cancer_incidence_per_100k",
                "year": 2022,
                "value": "632.5000",
                "unit": "per 100000",
                "source": "GLOBOCAN 2022",
                "source_url": "https://gco.iarc.who.int/",
            },
            {
                "indicator": "radiotherapy_units",
                "year": 2023,
                "value": "38.0000",
                "unit": "units",
                "source": "DIRAC (IAEA)",
                "source_url": "https://dirac.iaea.org/",
            },
        ],
        "partner_count": 1,
        "partners": [{"id": users["partner"].agency.partner_id, "name": "Bulgarian Ministry of Health"}],
        "contracts": ["BG-2027-001"],
        "referrals": {"inquiry": 2},
        "referral_total": 2,
        "delegations": [
            {
                "id": tour.pk,
                "title": tour.title,
                "direction": "outbound",
                "status": "planned",
                "start_date": day(0),
                "end_date": day(5),
            }
        ],
        "agreements": [
            {"id": agreement.pk, "title": "Treating Bulgarian citizens", "kind": "service", "status": "draft"}
        ],
    }
    # the analyst sees the country, but neither contracts nor referrals (not its business)
    analyst_view = login("analyst").get(f"{API}/countries/BG").json()
    assert (analyst_view["contracts"], analyst_view["referrals"], analyst_view["referral_total"]) == ([], {}, 0)
    assert analyst_view["partner_count"] == 1
    assert login("analyst").get(f"{API}/countries/FR").json()["delegations"][0]["id"] == tour.pk
    assert login("analyst").get(f"{API}/countries/QQ").status_code == 404
    for name in ("reporter", *OUTSIDERS):
        assert login(name).get(f"{API}/countries/BG").status_code == 403, name


# ================================================================ the API as a whole


def test_session_writes_need_the_csrf_token(users, places):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["coordinator"])
    payload = {"name": "Lyon", "country": "FR", "latitude": "45.764", "longitude": "4.8357"}
    response = browser.post(f"{API}/cities", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 403
    assert not City.objects.filter(name="Lyon").exists()


def test_openapi_lists_the_partnerships_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/partnerships/delegations",
        "/api/v1/partnerships/delegations/{delegation_id}",
        "/api/v1/partnerships/delegations/{delegation_id}/transition",
        "/api/v1/partnerships/delegations/{delegation_id}/participants",
        "/api/v1/partnerships/delegations/{delegation_id}/visits",
        "/api/v1/partnerships/delegations/{delegation_id}/costs",
        "/api/v1/partnerships/delegations/{delegation_id}/insights",
        "/api/v1/partnerships/delegations/{delegation_id}/follow-ups",
        "/api/v1/partnerships/delegations/{delegation_id}/programme.pdf",
        "/api/v1/partnerships/delegations/{delegation_id}/itinerary.ics",
        "/api/v1/partnerships/delegations/{delegation_id}/participants.xlsx",
        "/api/v1/partnerships/follow-ups",
        "/api/v1/partnerships/follow-ups/{action_id}/close",
        "/api/v1/partnerships/cities",
        "/api/v1/partnerships/organisations",
        "/api/v1/partnerships/agreements",
        "/api/v1/partnerships/agreements/{agreement_id}",
        "/api/v1/partnerships/agreements/{agreement_id}/milestones",
        "/api/v1/partnerships/agreements/{agreement_id}/contracts",
        "/api/v1/partnerships/milestones/{milestone_id}/reach",
        "/api/v1/partnerships/accreditations",
        "/api/v1/partnerships/certified",
        "/api/v1/partnerships/countries/indicators",
        "/api/v1/partnerships/countries/{code}",
    ):
        assert path in paths, path
    ics = paths["/api/v1/partnerships/delegations/{delegation_id}/itinerary.ics"]["get"]["responses"]["200"]
    assert list(ics["content"]) == ["text/calendar"]
