"""A delegation's programme as PDF, its itinerary as iCalendar (RFC 5545) and its participants as XLSX."""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone
from django.utils.translation import get_language, gettext
from openpyxl import Workbook
from openpyxl.styles import Font

from onconet.core.pdf import render_pdf
from onconet.core.spreadsheets import escape_cell
from onconet.partnerships.models import Delegation
from onconet.partnerships.selectors import cost_totals, itinerary

PRODID = "-//OncoNet//Partnerships//EN"
PHONE = re.compile(r"[+0-9 ()-]*")  # a plain phone number is data, even with a leading +


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


def programme_blocks(delegation: Delegation) -> list[tuple[str, str]]:
    """(style, text) blocks of the printed programme, each paragraph whole: the page lays them out."""
    blocks: list[tuple[str, str]] = [("title", delegation.title)]
    blocks.append(
        (
            "meta",
            f"{delegation.start_date:%d %B %Y} – {delegation.end_date:%d %B %Y} · {delegation.days} days · "
            f"{delegation.origin.name} → {delegation.destination.name} ({delegation.distance_km:,.0f} km)",
        )
    )
    organisers = ", ".join(o.name for o in delegation.organisers.all())
    if organisers:
        blocks.append(("meta", f"Organised by {organisers}"))
    participants = list(delegation.participants.all())
    if participants:
        countries = sorted({p.country.name for p in participants})
        blocks.append(("meta", f"{len(participants)} participants from {', '.join(countries)}"))
    blocks.append(("blank", ""))
    blocks += [("text", paragraph) for paragraph in delegation.purpose.splitlines()]
    for day in itinerary(delegation):
        blocks.append(("blank", ""))
        blocks.append(("day", f"Day {day.number} · {day.date:%A %d %B %Y}"))
        if not day.visits:
            blocks.append(("muted", "Travel or free day"))
        for visit in day.visits:
            when = (
                f"{visit.start_time:%H:%M}–{visit.end_time:%H:%M}"
                if visit.start_time and visit.end_time
                else (f"{visit.start_time:%H:%M}" if visit.start_time else "")
            )
            blocks.append(("visit", f"{when}  {visit.institution}".strip()))
            details = [str(visit.get_topic_display())]
            if visit.host:
                details.append(f"host: {visit.host}")
            if visit.address:
                details.append(visit.address)
            blocks.append(("detail", " · ".join(details)))
            if visit.description.strip():
                blocks.append(("note", visit.description))
    totals = cost_totals(delegation)
    if totals:
        blocks.append(("blank", ""))
        blocks.append(("day", "Budget and costs"))
        for total in totals:
            budget = f" of a budget of {total.budget:,.2f}" if total.budget is not None else ""
            blocks.append(("text", f"{total.currency}: {total.spent:,.2f} spent{budget}"))
    return blocks


def programme_lines(delegation: Delegation) -> list[tuple[str, str]]:
    """(style, text) lines of the printed programme, wrapped as a plain-text programme would be."""
    lines: list[tuple[str, str]] = []
    for style, text in programme_blocks(delegation):
        if style == "text":
            lines += [("text", line) for line in textwrap.wrap(text, 95) or [""]]
        elif style == "detail":
            lines += [("muted", "    " + line) for line in textwrap.wrap(text, 95)]
        elif style == "note":
            lines += [("text", "    " + line) for line in textwrap.wrap(text, 91)]
        else:
            lines.append((style, text))
    return lines


def programme_pdf(delegation: Delegation) -> bytes:
    """The programme on A4 pages (as many as it needs), each with the tour's name and "Page N of M"."""
    return render_pdf(
        "partnerships/programme_print.html",
        {"delegation": delegation, "blocks": programme_blocks(delegation), "document_language": get_language()},
        page_label=gettext("Page {page} of {pages}"),
    )
