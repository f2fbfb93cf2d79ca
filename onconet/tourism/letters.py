"""Letters for a foreign patient — visa invitation, treatment invitation — as PDF, in English, Russian and
the patient's language when a translation exists (otherwise English, and the gap is listed for translators)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils import timezone

from onconet.core.pdf import render_pdf
from onconet.core.reference_data import localised_country_name
from onconet.tourism.models import MessageTemplate, Referral

OFFICE_LANGUAGES = ("en", "ru")
PARTNER_LANGUAGES = ("bg", "sr", "hr", "cs", "uz", "kk", "fr")
INSTITUTION = "National Medical Radiological Research Centre"
ADDRESS = "Koroleva 4, Obninsk, Kaluga oblast, 249036, Russian Federation"
# "Page N of M" at the foot of a letter, in the letter's language. The partner languages have no UI catalogue
# (the letters themselves are data, edited in the admin), so their labels live here with the languages.
PAGE_LABELS = {
    "en": "Page {page} of {pages}",
    "ru": "Страница {page} из {pages}",
    "bg": "Страница {page} от {pages}",
    "sr": "Страна {page} од {pages}",
    "hr": "Stranica {page} od {pages}",
    "cs": "Strana {page} z {pages}",
    "uz": "{pages} sahifadan {page}-sahifa",
    "kk": "{pages} беттің {page}-беті",
    "fr": "Page {page} sur {pages}",
}


@dataclass(frozen=True)
class Letter:
    code: str
    language: str
    requested_language: str
    subject: str
    body: str

    @property
    def fell_back(self) -> bool:
        return self.language != self.requested_language


def letter_languages(referral: Referral) -> list[str]:
    """English, Russian, and the patient's preferred language."""
    languages = list(OFFICE_LANGUAGES)
    if referral.patient.preferred_language not in languages:
        languages.append(referral.patient.preferred_language)
    return languages


# Where the time of a referral's first appointment comes from: the scheduler registers its timetable here (it sits
# above the office and may not be imported by it); without it a letter gives the start date alone.
_FIRST_APPOINTMENT: list[Callable[[Referral], dt.datetime | None]] = []


def register_first_appointment(source: Callable[[Referral], dt.datetime | None]) -> None:
    _FIRST_APPOINTMENT[:] = [source]


def start_of_treatment(referral: Referral) -> str:
    """The start date, with the first fraction's clock time when the timetable gives one: "2026-12-10, 08:00"."""
    if referral.start_date is None:
        return "—"
    first = _FIRST_APPOINTMENT[0](referral) if _FIRST_APPOINTMENT else None
    if first is None or timezone.localdate(first) != referral.start_date:
        return referral.start_date.isoformat()
    return f"{referral.start_date.isoformat()}, {timezone.localtime(first):%H:%M}"


def render_letter(referral: Referral, code: str, language: str) -> Letter:
    template = (
        MessageTemplate.objects.filter(code=code, language=language).first()
        or MessageTemplate.objects.filter(code=code, language="en").first()
    )
    if template is None:
        raise LookupError(f"No template {code!r} in English: load the message templates first.")
    patient = referral.patient
    coordinator = referral.coordinator
    values = {
        "patient_name": f"{patient.family_name.upper()} {patient.given_name}",
        "date_of_birth": patient.date_of_birth.isoformat(),
        "citizenship": localised_country_name(patient.citizenship.name, template.language),
        "passport_number": patient.passport_number,
        "service": referral.proposed_protocol or referral.service.name,
        "start_date": start_of_treatment(referral),
        "institution": INSTITUTION,
        "address": ADDRESS,
        "coordinator_name": coordinator.get_full_name() if coordinator else "International department",
        "coordinator_email": coordinator.email
        if coordinator and coordinator.email
        else "international@onconet.example",
        "reference": f"R-{referral.pk}",
    }
    return Letter(
        code,
        template.language,
        language,
        fill_placeholders(template.subject, values),
        fill_placeholders(template.body, values),
    )


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Put the values into a template's `{name}` placeholders. Templates are edited by translators in the admin, so
    nothing else is interpreted: an unknown name, `{name.attribute}`, `{0}` or a lone brace stays as written (the
    slip shows in the letter instead of breaking it), and no attribute or index is ever looked up."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def letter_pdf(letter: Letter) -> bytes:
    """The letter on A4 pages, as many as its text needs, numbered in its language. The subject and body are
    text (autoescaped HTML, no maths): a `$`, a `%` or a `<script>` in a name prints as it is."""
    return render_pdf(
        "tourism/letters/letter.html",
        {"letter": letter, "document_language": letter.language, "institution": INSTITUTION, "address": ADDRESS},
        page_label=PAGE_LABELS.get(letter.language, PAGE_LABELS["en"]),
    )


def missing_translations() -> list[tuple[str, str]]:
    """(template code, language) pairs that fall back to English, for the translators."""
    codes = set(MessageTemplate.objects.values_list("code", flat=True))
    have = set(MessageTemplate.objects.values_list("code", "language"))
    return sorted(
        (code, lang) for code in codes for lang in (*OFFICE_LANGUAGES, *PARTNER_LANGUAGES) if (code, lang) not in have
    )
