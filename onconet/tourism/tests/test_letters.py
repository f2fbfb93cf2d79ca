"""Letters as PDF, read back with pypdf: every letter language prints the patient's data verbatim (a `$` is not
maths, a `<script>` is text), embeds DejaVu Sans, numbers its pages in the letter's language and runs onto a
second page when the text is long."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from onconet.tourism import services
from onconet.tourism.letters import OFFICE_LANGUAGES, PARTNER_LANGUAGES, letter_pdf, render_letter
from onconet.tourism.models import Referral
from onconet.tourism.tests.factories import MessageTemplateFactory
from onconet.tourism.tests.test_office import referral_for

pytestmark = pytest.mark.django_db

FAMILY_NAME = r"Ivanov$\x$ 100% <script>alert(1)</script>"
PRINTED_NAME = r"IVANOV$\X$ 100% <SCRIPT>ALERT(1)</SCRIPT> Maria"  # letters print the family name in capitals
SERVICE = "Proton therapy, a deposit of $500 and $800 on arrival"
FIRST_PAGE_FOOTER = {
    "en": "Page 1 of 1",
    "ru": "Страница 1 из 1",
    "bg": "Страница 1 от 1",
    "sr": "Страна 1 од 1",
    "hr": "Stranica 1 od 1",
    "cs": "Strana 1 z 1",
    "uz": "1 sahifadan 1-sahifa",
    "kk": "1 беттің 1-беті",
    "fr": "Page 1 sur 1",
}


def flat(text: str) -> str:
    """Text with every run of white space (a line break where the PDF wrapped) as one space."""
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


@pytest.fixture
def hostile_referral(users: dict[str, Any], office: dict[str, Any]) -> Referral:
    services.message_templates_load()
    referral = referral_for(users, office)
    referral.patient.__class__.objects.filter(pk=referral.patient.pk).update(family_name=FAMILY_NAME)
    Referral.objects.filter(pk=referral.pk).update(state="accepted", proposed_protocol=SERVICE)
    return Referral.objects.select_related("patient__citizenship", "service", "coordinator").get(pk=referral.pk)


def test_every_letter_language_prints_dollars_percents_and_markup_verbatim(hostile_referral):
    languages = [*OFFICE_LANGUAGES, *PARTNER_LANGUAGES]
    assert sorted(languages) == sorted(FIRST_PAGE_FOOTER)
    for language in languages:
        letter = render_letter(hostile_referral, "treatment_invitation", language)
        assert letter.language == language
        pdf = letter_pdf(letter)
        pages = pdf_text(pdf)
        assert len(pages) == 1, language
        assert PRINTED_NAME in pages[0], language
        assert SERVICE in pages[0], language
        assert flat(letter.subject) in pages[0], language
        assert pages[0].endswith(FIRST_PAGE_FOOTER[language]), (language, pages[0][-40:])
        assert font_names(pdf) <= {"DejaVu-Sans", "DejaVu-Sans-Bold"}, language
        assert "DejaVu-Sans" in font_names(pdf)


def test_the_letter_download_answers_a_pdf_for_a_name_with_dollars(client, users, hostile_referral):
    client.force_login(users["coordinator"])
    url = f"/office/referrals/{hostile_referral.pk}/letters/visa_invitation/bg.pdf"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_text(response.content)
    assert PRINTED_NAME in pages[0]
    assert "Покана за лечение в Руската федерация" in pages[0]


def test_a_long_letter_runs_onto_numbered_pages(hostile_referral):
    paragraph = "The treatment plan of {patient_name} costs {service}; the details follow. " * 4
    MessageTemplateFactory(
        code="treatment_plan", language="ru", subject="План лечения {reference}", body="\n\n".join([paragraph] * 20)
    )
    letter = render_letter(hostile_referral, "treatment_plan", "ru")
    pages = pdf_text(letter_pdf(letter))
    assert len(pages) > 1
    assert [page[-len("Страница 1 из 9") :].lstrip() for page in pages] == [
        f"Страница {number} из {len(pages)}" for number in range(1, len(pages) + 1)
    ]
    assert "".join(pages).count(PRINTED_NAME) == 20 * 4


def test_a_translators_slip_in_a_template_shows_in_the_letter_and_looks_nothing_up() -> None:
    from onconet.tourism.letters import fill_placeholders

    values = {"patient_name": "IVANOV Ivan", "reference": "R-7"}
    text = "Dear {patient_name} ({reference}), {unknown} {patient_name.__class__} {0} { {{ }"
    assert fill_placeholders(text, values) == "Dear IVANOV Ivan (R-7), {unknown} {patient_name.__class__} {0} { {{ }"
