"""An interpreter's bookings as iCalendar (RFC 5545), for the calendar application they already use."""

from __future__ import annotations

import icalendar
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.tourism.models import InterpreterBooking

PRODID = "-//OncoNet//International office//EN"


def bookings_ics(bookings: QuerySet[InterpreterBooking], *, name: str, host: str = "onconet.example") -> bytes:
    """One event per booking: when, for which referral and patient, in which language, and the note (where)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for booking in bookings:
        referral = booking.referral
        event = icalendar.Event()
        event.add("uid", f"interpreter-booking-{booking.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add(
            "summary",
            _("R-%(referral)s · %(patient)s · %(language)s")
            % {"referral": referral.pk, "patient": str(referral.patient), "language": booking.language},
        )
        if booking.note:
            event.add("location", booking.note)
        event.add("description", str(referral.service))
        calendar.add_component(event)
    return bytes(calendar.to_ical())
