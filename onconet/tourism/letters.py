"""Letters for a foreign patient — visa invitation, treatment invitation — as PDF, in English, Russian and
the patient's language when a translation exists (otherwise English, and the gap is listed for translators)."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt

from onconet.core.reference_data import localised_country_name
from onconet.tourism.models import MessageTemplate, Referral

OFFICE_LANGUAGES = ("en", "ru")
PARTNER_LANGUAGES = ("bg", "sr", "hr", "cs", "uz", "kk", "fr")
INSTITUTION = "National Medical Radiological Research Centre"
ADDRESS = "Koroleva 4, Obninsk, Kaluga oblast, 249036, Russian Federation"


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
        "start_date": referral.start_date.isoformat() if referral.start_date else "—",
        "institution": INSTITUTION,
        "address": ADDRESS,
        "coordinator_name": coordinator.get_full_name() if coordinator else "International department",
        "coordinator_email": coordinator.email
        if coordinator and coordinator.email
        else "international@onconet.example",
        "reference": f"R-{referral.pk}",
    }
    return Letter(
        code, template.language, language, template.subject.format_map(values), template.body.format_map(values)
    )


def letter_pdf(letter: Letter) -> bytes:
    """A one-page A4 letter (DejaVu Sans covers Latin, Cyrillic and the diacritics of every partner language)."""
    figure = plt.figure(figsize=(8.27, 11.69))
    figure.text(0.08, 0.95, INSTITUTION, fontsize=11, fontweight="bold", family="DejaVu Sans")
    figure.text(0.08, 0.93, ADDRESS, fontsize=8, color="#555", family="DejaVu Sans")
    figure.text(0.08, 0.88, letter.subject, fontsize=13, fontweight="bold", family="DejaVu Sans")
    lines: list[str] = []
    for paragraph in letter.body.split("\n"):
        lines.extend(textwrap.wrap(paragraph, 90) or [""])
    figure.text(0.08, 0.85, "\n".join(lines), fontsize=10, va="top", family="DejaVu Sans", linespacing=1.5)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    plt.close(figure)
    return buffer.getvalue()


def missing_translations() -> list[tuple[str, str]]:
    """(template code, language) pairs that fall back to English, for the translators."""
    codes = set(MessageTemplate.objects.values_list("code", flat=True))
    have = set(MessageTemplate.objects.values_list("code", "language"))
    return sorted(
        (code, lang) for code in codes for lang in (*OFFICE_LANGUAGES, *PARTNER_LANGUAGES) if (code, lang) not in have
    )
