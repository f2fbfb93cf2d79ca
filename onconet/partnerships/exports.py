"""A delegation's programme as PDF, its itinerary as iCalendar (RFC 5545) and its participants as XLSX."""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from zoneinfo import ZoneInfo

import icalendar
import matplotlib
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from onconet.core.spreadsheets import escape_cell
from onconet.partnerships.models import Delegation
from onconet.partnerships.selectors import cost_totals, itinerary

matplotlib.use("Agg")
from matplotlib import pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

PRODID = "-//OncoNet//Partnerships//EN"
PHONE = re.compile(r"[+0-9 ()-]*")  # a plain phone number is data, even with a leading +
LINES_PER_PAGE = 40  # 0.022 of the page height a line from 0.95 down to the footer
FONT = "DejaVu Sans"  # covers Latin, Cyrillic and the diacritics of the partner languages


def delegation_ics(delegation: Delegation, host: str = "onconet.example") -> bytes:
    """The itinerary: one event for the whole tour (all-day) and one per visit, in the destination's time zone."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", delegation.title)
    stamp = timezone.now()
    zone = ZoneInfo(delegation.destination.timezone)
    tour = icalendar.Event()
    tour.add("uid", f"delegation-{delegation.pk}@{host}")
    tour.add("dtstamp", stamp)
    tour.add("summary", delegation.title)
    tour.add("dtstart", delegation.start_date)
    tour.add("dtend", delegation.end_date + dt.timedelta(days=1))  # DTEND of an all-day event is exclusive
    tour.add("location", f"{delegation.destination.name}, {delegation.destination.country.name}")
    tour.add("description", delegation.purpose)
    calendar.add_component(tour)
    for visit in delegation.visits.all():
        event = icalendar.Event()
        event.add("uid", f"visit-{visit.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", f"{visit.institution} — {visit.get_topic_display()}")
        if visit.start_time:
            start = dt.datetime.combine(visit.date, visit.start_time, tzinfo=zone)
            end = (
                dt.datetime.combine(visit.date, visit.end_time, tzinfo=zone)
                if visit.end_time
                else start + dt.timedelta(hours=2)  # a visit without an end: two hours, past midnight if need be
            )
            event.add("dtstart", start)
            event.add("dtend", end)
        else:
            event.add("dtstart", visit.date)
            event.add("dtend", visit.date + dt.timedelta(days=1))
        if visit.address:
            event.add("location", visit.address)
        description = [str(visit.get_topic_display())]
        if visit.host:
            description.append(f"Host: {visit.host}")
        if visit.description:
            description.append(visit.description)
        event.add("description", "\n".join(description))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def participants_xlsx(delegation: Delegation) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Participants"
    header = ["Name", "Role", "Organisation", "Country", "Email", "Phone", "Visa"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in delegation.participants.all():
        sheet.append(
            [
                escape_cell(p.full_name),
                str(p.get_role_display()),
                escape_cell(p.organisation),
                p.country.name,
                escape_cell(p.email),
                p.phone if PHONE.fullmatch(p.phone) else escape_cell(p.phone),
                str(p.get_visa_status_display()),
            ]
        )
    widths = [30, 24, 40, 18, 30, 18, 14]
    for column, width in zip("ABCDEFG", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:G{sheet.max_row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def programme_lines(delegation: Delegation) -> list[tuple[str, str]]:
    """(style, text) lines of the printed programme."""
    lines: list[tuple[str, str]] = [("title", delegation.title)]
    lines.append(
        (
            "meta",
            f"{delegation.start_date:%d %B %Y} – {delegation.end_date:%d %B %Y} · {delegation.days} days · "
            f"{delegation.origin.name} → {delegation.destination.name} ({delegation.distance_km:,.0f} km)",
        )
    )
    organisers = ", ".join(o.name for o in delegation.organisers.all())
    if organisers:
        lines.append(("meta", f"Organised by {organisers}"))
    participants = list(delegation.participants.all())
    if participants:
        countries = sorted({p.country.name for p in participants})
        lines.append(("meta", f"{len(participants)} participants from {', '.join(countries)}"))
    lines.append(("blank", ""))
    for paragraph in delegation.purpose.splitlines():
        lines += [("text", line) for line in textwrap.wrap(paragraph, 95) or [""]]
    for day in itinerary(delegation):
        lines.append(("blank", ""))
        lines.append(("day", f"Day {day.number} · {day.date:%A %d %B %Y}"))
        if not day.visits:
            lines.append(("muted", "Travel or free day"))
        for visit in day.visits:
            when = (
                f"{visit.start_time:%H:%M}–{visit.end_time:%H:%M}"
                if visit.start_time and visit.end_time
                else (f"{visit.start_time:%H:%M}" if visit.start_time else "")
            )
            lines.append(("visit", f"{when}  {visit.institution}".strip()))
            details = [str(visit.get_topic_display())]
            if visit.host:
                details.append(f"host: {visit.host}")
            if visit.address:
                details.append(visit.address)
            lines += [("muted", "    " + line) for line in textwrap.wrap(" · ".join(details), 95)]
            for line in textwrap.wrap(visit.description, 91):
                lines.append(("text", "    " + line))
    totals = cost_totals(delegation)
    if totals:
        lines.append(("blank", ""))
        lines.append(("day", "Budget and costs"))
        for total in totals:
            budget = f" of a budget of {total.budget:,.2f}" if total.budget is not None else ""
            lines.append(("text", f"{total.currency}: {total.spent:,.2f} spent{budget}"))
    return lines


STYLES = {
    "title": {"fontsize": 15, "fontweight": "bold"},
    "meta": {"fontsize": 9, "color": "#444"},
    "day": {"fontsize": 11, "fontweight": "bold", "color": "#0d4f5c"},
    "visit": {"fontsize": 10, "fontweight": "bold"},
    "muted": {"fontsize": 9, "color": "#555"},
    "text": {"fontsize": 9.5},
    "blank": {"fontsize": 6},
}


def programme_pdf(delegation: Delegation) -> bytes:
    """The programme on A4 pages (as many as it needs), each with the tour's name and a page number."""
    lines = programme_lines(delegation)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": delegation.title, "Creator": "OncoNet"}) as pdf:
        for number, page in enumerate(pages, start=1):
            figure = plt.figure(figsize=(8.27, 11.69))
            y = 0.95
            for style, text in page:
                figure.text(0.08, y, text, family=FONT, va="top", **STYLES[style])  # type: ignore[arg-type]
                y -= 0.022 if style != "title" else 0.03
            figure.text(
                0.08, 0.03, f"{delegation.title} · {number}/{len(pages)}", family=FONT, fontsize=7, color="#777"
            )
            pdf.savefig(figure)
            plt.close(figure)
    return buffer.getvalue()
