"""The support desk: coordinators, interpreters by language and availability, tasks, letters."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.roles import Role
from onconet.core.services import user_create
from onconet.tourism import services
from onconet.tourism.letters import missing_translations
from onconet.tourism.models import InterpreterBooking, Referral
from onconet.tourism.tests.conftest import TODAY
from onconet.tourism.tests.factories import MessageTemplateFactory
from onconet.tourism.tests.test_office import referral_for

pytestmark = pytest.mark.django_db


def at(hour: int, days: int = 1) -> datetime:
    return timezone.make_aware(datetime.combine(TODAY + timedelta(days=days), datetime.min.time())) + timedelta(
        hours=hour
    )


def test_interpreter_by_language_and_never_twice(users, office):
    referral = referral_for(users, office)  # the patient prefers Bulgarian
    interpreter = users["interpreter"]  # speaks bg and en
    booking = services.interpreter_book(
        user=users["coordinator"], referral=referral, interpreter=interpreter, starts_at=at(9), ends_at=at(11)
    )
    assert booking.language == "bg"
    with pytest.raises(DomainError, match="already booked"):
        services.interpreter_book(
            user=users["coordinator"], referral=referral, interpreter=interpreter, starts_at=at(10), ends_at=at(12)
        )
    services.interpreter_book(
        user=users["coordinator"], referral=referral, interpreter=interpreter, starts_at=at(11), ends_at=at(12)
    )  # back to back is fine
    with pytest.raises(InvalidInput, match="does not speak kk"):
        services.interpreter_book(
            user=users["coordinator"],
            referral=referral,
            interpreter=interpreter,
            starts_at=at(14),
            ends_at=at(15),
            language="kk",
        )
    with pytest.raises(NotAllowed):
        services.interpreter_book(
            user=users["partner"], referral=referral, interpreter=interpreter, starts_at=at(14), ends_at=at(15)
        )
    assert InterpreterBooking.objects.count() == 2
    other = user_create(username="interp2", role=Role.INTERPRETER, password="x" * 12, languages=["bg"])
    assert services.interpreters_available(
        language="bg", starts_at=at(10), ends_at=at(10, 1) + timedelta(minutes=30)
    ) == [other]


def test_coordinator_and_tasks(users, office):
    referral = referral_for(users, office)
    services.coordinator_assign(user=users["coordinator"], referral=referral, coordinator=users["coordinator"])
    with pytest.raises(InvalidInput):
        services.coordinator_assign(user=users["coordinator"], referral=referral, coordinator=users["finance"])
    task = services.task_create(
        user=users["coordinator"],
        referral=referral,
        kind="visa_invitation",
        title="Send the visa invitation",
        due_on=TODAY + timedelta(days=3),
    )
    with pytest.raises(InvalidInput):
        services.task_create(user=users["coordinator"], referral=referral, kind="spa", title="x", due_on=TODAY)
    assert services.task_done(user=users["coordinator"], task=task).done_at is not None


def test_letters_in_the_patients_language_with_english_fallback(users, office):
    MessageTemplateFactory(
        code="treatment_invitation",
        language="en",
        subject="Invitation {reference}",
        body="Dear {patient_name},\nyour treatment {service} starts on {start_date}.",
    )
    MessageTemplateFactory(
        code="treatment_invitation",
        language="bg",
        subject="Покана {reference}",
        body="Уважаема {patient_name},\nлечението {service} започва на {start_date}.",
    )
    referral = referral_for(users, office)
    name, pdf, fell_back = services.letter_generate(
        user=users["coordinator"], referral=referral, code="treatment_invitation", language="bg"
    )
    assert name == f"treatment_invitation-R{referral.pk}-bg.pdf"
    assert pdf.startswith(b"%PDF")
    assert fell_back is False
    _name, _pdf, fell_back = services.letter_generate(
        user=users["coordinator"], referral=referral, code="treatment_invitation", language="ru"
    )
    assert fell_back is True  # no Russian template yet: English, and listed for the translators
    assert ("treatment_invitation", "ru") in missing_translations()
    with pytest.raises(InvalidInput):
        services.letter_generate(
            user=users["coordinator"], referral=referral, code="treatment_invitation", language="fr"
        )
    with pytest.raises(NotFound):
        services.letter_generate(user=users["partner2"], referral=referral, code="treatment_invitation", language="en")
    with pytest.raises(DomainError, match="once the referral is accepted"):
        services.letter_generate(user=users["partner"], referral=referral, code="visa_invitation", language="en")
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    MessageTemplateFactory(code="visa_invitation", language="en", subject="Visa", body="{passport_number}")
    assert services.letter_generate(user=users["partner"], referral=referral, code="visa_invitation", language="en")[
        1
    ].startswith(b"%PDF")


def test_bundled_templates_cover_every_partner_language(users, office):
    """The letters exist in English, Russian and every partner language, and fill in without error."""
    count = services.message_templates_load()
    assert count == 27
    assert missing_translations() == []
    referral = referral_for(users, office)
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    for code in ("visa_invitation", "treatment_invitation", "arrival_instructions"):
        for language in ("en", "ru", "bg"):
            _name, pdf, fell_back = services.letter_generate(
                user=users["coordinator"], referral=referral, code=code, language=language
            )
            assert pdf.startswith(b"%PDF")
            assert fell_back is False
