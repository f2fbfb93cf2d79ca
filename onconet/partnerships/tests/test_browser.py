"""In Debian's chromium: an organiser plans a study tour end to end — creates it, builds the programme (a day
outside the tour is refused), adds participants (a second entry of the same person is refused), downloads the
programme and the .ics (parsed with icalendar), records what was learned and a follow-up, and closes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest

from conftest import PASSWORD
from onconet.partnerships.models import Delegation, FollowUp

from .conftest import TODAY

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#dashboard-title")


def test_organiser_plans_a_study_tour_end_to_end(browser_page, live_server, users, places, tmp_path):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    start = TODAY + dt.timedelta(days=20)
    login(page, base, "coordinator")
    page.click("nav >> text=Partnerships")
    expect(page.locator("#partnerships-title")).to_be_visible()
    page.click("#partnerships-nav >> text=Delegations")

    # the tour: Almaty → Paris, six days, organised by both associations
    page.fill("#id_title", "Study tour to Paris")
    page.select_option("#id_direction", "outbound")
    page.fill("#id_purpose", "Public hospitals and emergency services of France.")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", (start + dt.timedelta(days=5)).isoformat())
    page.select_option("#id_origin", str(places["almaty"].pk))
    page.select_option("#id_destination", str(places["paris"].pk))
    page.select_option("#id_organisers", [str(places["rma"].pk), str(places["nma"].pk)])
    page.fill("#id_budget", "96000")
    page.fill("#id_budget_currency", "EUR")
    page.click("#create-delegation")
    expect(page.locator("#delegation-title")).to_contain_text("Study tour to Paris")
    expect(page.locator("#distance")).to_contain_text("5,551 km")
    tour = Delegation.objects.get()

    # the programme: a day after the tour is refused next to the date, then the visit is added
    page.fill("#id_visit-date", (start + dt.timedelta(days=6)).isoformat())
    page.fill("#id_visit-start_time", "10:00")
    page.fill("#id_visit-end_time", "12:30")
    page.fill("#id_visit-institution", "Hôpital Bichat–Claude-Bernard")
    page.fill("#id_visit-address", "46 rue Henri Huchard, 75018 Paris")
    page.select_option("#id_visit-topic", "emergency")
    page.click("#add-visit")
    expect(page.locator("[data-field=visit-date]")).to_contain_text("outside the delegation's dates")
    page.fill("#id_visit-date", (start + dt.timedelta(days=2)).isoformat())
    page.click("#add-visit")
    day = page.locator(f"[data-day='{(start + dt.timedelta(days=2)).isoformat()}']")
    expect(day).to_contain_text("Hôpital Bichat–Claude-Bernard")

    # participants: the same person twice is refused
    page.click("#tab-participants")
    for name in ("Irina Sokolova", "irina sokolova"):
        page.fill("#id_participant-full_name", name)
        page.select_option("#id_participant-role", "chief_physician")
        page.fill("#id_participant-organisation", "Kaluga Regional Hospital")
        page.fill("#id_participant-country", "RU")
        page.select_option("#id_participant-visa_status", "to_apply")
        page.click("#add-participant")
    expect(page.locator("[data-field=participant-full_name]")).to_contain_text("already a participant")
    page.click("#tab-participants")
    expect(page.locator("#participants-table tbody tr")).to_have_count(1)

    # exports: the printed programme and the itinerary for a real calendar
    with page.expect_download() as pdf:
        page.click("#export-pdf")
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as ics:
        page.click("#export-ics")
    calendar = icalendar.Calendar.from_ical(Path(ics.value.path()).read_bytes())
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        "Study tour to Paris",
        "Hôpital Bichat–Claude-Bernard — emergency services",
    ]
    assert events[1].decoded("DTSTART").hour == 10
    assert str(events[1].decoded("DTSTART").tzinfo) == "Europe/Paris"

    # outcomes: an insight and a follow-up that is already overdue, closed by its owner
    page.click("#tab-outcomes")
    page.select_option("#id_insight-topic", "emergency")
    page.fill("#id_insight-text", "Emergency care is organised by general practitioners and answers quickly.")
    page.click("#add-insight")
    expect(page.locator("[data-topic='emergency services']")).to_contain_text("general practitioners")
    page.fill("#id_followup-title", "Send the report to both associations")
    page.select_option("#id_followup-owner", str(users["coordinator"].pk))
    page.fill("#id_followup-due_date", (TODAY - dt.timedelta(days=1)).isoformat())
    page.click("#add-follow-up")
    expect(page.locator("#follow-ups-table")).to_contain_text("overdue")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "partnerships-outcomes.png"), full_page=True)
    page.goto(f"{base}/")
    expect(page.locator("#overdue-actions")).to_contain_text("Send the report")
    page.click("#overdue-actions a")
    action = FollowUp.objects.get()
    page.click(f"[data-close='{action.pk}']")
    expect(page.locator(f"[data-action='{action.pk}']")).to_contain_text("done")
    action.refresh_from_db()
    assert action.status == "done"
    assert tour.visits.count() == 1
    assert tour.participants.count() == 1
