"""The home page of each role (the home app: the top layer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onconet.core.models import User
from onconet.home.selectors import dashboard_for


def test_every_role_has_a_dashboard(users: dict[str, User]) -> None:
    for user in users.values():
        client = Client()
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, user.username
        assert b"dashboard-title" in response.content


def test_each_role_sees_its_own_tiles_and_only_its_own_partner(users: dict[str, User], region: Any) -> None:
    national = dict(dashboard_for(user=users["admin"]).tiles)
    assert set(national) == {"regions", "facilities", "partners", "users"}
    assert national["partners"] == 2
    reporter = dashboard_for(user=users["reporter"])
    assert [name for name, _ in reporter.tiles] == ["facilities"]
    assert reporter.region == region
    partner = dashboard_for(user=users["partner"])
    assert partner.tiles == []  # a partner agent's home is its work (below), not counts
    assert partner.recent_audit == []  # the audit log is the national admin's


# ---------------------------------------------------------------- each role's work on its home


@pytest.fixture
def inquiry(users: dict[str, User], prepaid_referral: Any) -> Any:
    """A second Bulgarian patient's new inquiry, beside the prepaid referral of the scheduling fixtures."""
    from onconet.tourism import services as office

    newcomer = office.patient_register(
        user=users["partner"],
        partner=users["partner"].agency.partner,
        family_name="Georgieva",
        given_name="Vesela",
        date_of_birth=dt.date(1981, 5, 6),
        sex="F",
        citizenship="BG",
        passport_number="BG7770001",
        preferred_language="bg",
    )
    return office.referral_submit(
        user=users["partner"], patient=newcomer, service_code="proton-5", icd10_codes=["C50.9"]
    )


def _work(user: User) -> dict[str, list[Any]]:
    return {w.key: w.items for w in dashboard_for(user=user).work}


def test_the_office_and_the_partner_see_what_waits_for_them(
    users: dict[str, User], prepaid_referral: Any, inquiry: Any
) -> None:
    from onconet.tourism import services as office

    assert [r.pk for r in _work(users["coordinator"])["new"]] == [inquiry.pk]
    assert _work(users["reviewer"])["review"] == []
    office.referral_transition(user=users["coordinator"], referral=inquiry, name="start_review")
    (waiting,) = _work(users["reviewer"])["review"]
    assert waiting.pk == inquiry.pk
    assert waiting.documents_count == 0
    finance = _work(users["finance"])
    assert finance["to_price"] == []
    assert finance["prepayments"] == []
    assert finance["receivables"] == []  # the prepaid referral's invoice is paid
    partner = _work(users["partner"])
    assert set(partner) == {"info", "quotes", "arrivals"}
    assert partner["info"] == []
    assert all(items == [] for items in _work(users["partner2"]).values())  # another partner's: nothing
    assert dashboard_for(user=users["admin"]).work == []


def test_the_interpreter_sees_its_bookings_and_gets_them_as_ics(
    client: Client, users: dict[str, User], prepaid_referral: Any
) -> None:
    import icalendar

    from onconet.tourism import services as office

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    office.interpreter_book(
        user=users["coordinator"],
        referral=prepaid_referral,
        interpreter=users["interpreter"],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        note="Proton centre, reception",
    )
    (bookings,) = dashboard_for(user=users["interpreter"]).work
    assert [b.referral_id for b in bookings.items] == [prepaid_referral.pk]
    client.force_login(users["interpreter"])
    page = client.get("/").content.decode()
    assert "Proton centre, reception" in page
    assert 'href="/office/my-bookings.ics"' in page
    response = client.get("/office/my-bookings.ics")
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == start
    assert str(event["location"]) == "Proton centre, reception"
    assert f"R-{prepaid_referral.pk}" in str(event["summary"])
    client.force_login(users["coordinator"])  # someone else's bookings are never in one's own file
    assert icalendar.Calendar.from_ical(client.get("/office/my-bookings.ics").content).walk("VEVENT") == []


def test_the_reporter_sees_its_passport_due_date_and_its_regions_analytics(
    client: Client, users: dict[str, User], region: Any, settings: Any
) -> None:
    from onconet.passports.selectors import passport_status_card, reporting_period

    settings.PASSPORT_DUE = (3, 1)
    assert reporting_period(dt.date(2027, 2, 28)) == (2026, dt.date(2027, 3, 1))
    assert reporting_period(dt.date(2027, 3, 1)) == (2027, dt.date(2028, 3, 1))
    card = passport_status_card(user=users["reporter"], today=dt.date(2026, 12, 4))
    assert card is not None
    assert (card.period, card.passport, card.previous) == (2026, None, None)
    assert passport_status_card(user=users["analyst"]) is None  # reports for no region
    client.force_login(users["reporter"])
    page = client.get("/").content.decode()
    assert 'id="passport-status"' in page
    assert f'href="/analytics/regions/{region.code}/"' in page


def test_the_analyst_sees_its_alerts(client: Client, users: dict[str, User]) -> None:
    assert dashboard_for(user=users["analyst"]).alerts is not None
    assert dashboard_for(user=users["admin"]).alerts is None
    client.force_login(users["analyst"])
    page = client.get("/").content.decode()
    assert 'id="alerts-staff"' in page
    assert 'id="alerts-equipment"' in page
