"""The international office's rules: registry, referral state machine, quotes, invoices, payments."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from conftest import pdf_bytes
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditAction, AuditEntry
from onconet.tourism import selectors, services
from onconet.tourism.models import ExchangeRate, ForeignPatient, Invoice, Quote, Referral
from onconet.tourism.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def register(user, partner, **extra):
    values = {
        "family_name": "Ivanova",
        "given_name": "Maria",
        "date_of_birth": date(1970, 5, 1),
        "sex": "F",
        "citizenship": "BG",
        "passport_number": "AB 1234567",
        "preferred_language": "bg",
        "languages": ["bg", "en"],
    }
    values.update(extra)
    return services.patient_register(user=user, partner=partner, **values)


def referral_for(users, office):
    patient = register(users["partner"], users["partner"].agency.partner)
    return services.referral_submit(
        user=users["partner"],
        patient=patient,
        service_code="proton-25",
        icd10_codes=["C71.9"],
        latest_start=TODAY + timedelta(days=90),
    )


def test_patient_registration_and_masked_passport(users, office):
    patient = register(users["partner"], users["partner"].agency.partner, phone="+359 2 123 4567")
    assert patient.passport_number == "AB1234567"
    assert patient.passport_masked == "••••••567"
    assert patient.languages == ["bg", "en"]
    with pytest.raises(NotAllowed):
        services.patient_passport_number(user=users["partner"], patient=patient)
    assert services.patient_passport_number(user=users["coordinator"], patient=patient) == "AB1234567"
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(patient.pk)).count() == 1


def test_duplicate_patients_are_refused(users, office):
    register(users["partner"], users["partner"].agency.partner)
    with pytest.raises(InvalidInput, match="passport is already registered"):
        register(
            users["coordinator"], users["partner"].agency.partner, family_name="Other", passport_number="ab1234567"
        )
    with pytest.raises(InvalidInput, match="name and date of birth"):
        register(users["coordinator"], users["partner"].agency.partner, passport_number="ZZ999999")
    assert ForeignPatient.objects.count() == 1


def test_bad_patient_input_lists_every_problem(users, office):
    with pytest.raises(InvalidInput) as err:
        register(
            users["partner"],
            users["partner"].agency.partner,
            citizenship="XX",
            sex="Q",
            preferred_language="zz",
            languages=["zz"],
            date_of_birth=TODAY + timedelta(days=1),
            phone="12",
        )
    assert sorted({p.field for p in err.value.errors}) == ["citizenship", "date_of_birth", "languages", "phone", "sex"]


def test_invalid_icd10_is_refused(users, office):
    patient = register(users["partner"], users["partner"].agency.partner)
    with pytest.raises(InvalidInput) as err:
        services.referral_submit(
            user=users["partner"], patient=patient, service_code="proton-25", icd10_codes=["X99.99"]
        )
    assert [(p.field, p.message, p.value) for p in err.value.errors] == [
        ("icd10_codes", "not an ICD-10 code", "X99.99")
    ]
    assert not Referral.objects.exists()
    referral = services.referral_submit(
        user=users["partner"], patient=patient, service_code="proton-25", icd10_codes=["c509"]
    )
    assert referral.icd10_codes == ["C50.9"]
    assert referral.contract == office["contract"]


def test_partner_agent_cannot_reach_another_partners_patient(users, office):
    patient = register(users["partner"], users["partner"].agency.partner)
    with pytest.raises(NotFound):
        services.referral_submit(
            user=users["partner2"], patient=patient, service_code="proton-25", icd10_codes=["C71.9"]
        )
    with pytest.raises(NotFound):
        services.patient_register(
            user=users["partner2"],
            partner=users["partner"].agency.partner,
            family_name="X",
            given_name="Y",
            date_of_birth=date(1980, 1, 1),
            sex="M",
            citizenship="RS",
            passport_number="RS1234567",
            preferred_language="sr",
        )


def test_the_whole_pipeline(users, office):
    referral = referral_for(users, office)
    step = lambda user, name, **kw: services.referral_transition(user=users[user], referral=referral, name=name, **kw)  # noqa: E731
    step("coordinator", "start_review")
    step("reviewer", "accept", protocol="Proton CSI 25 × 1.8 Gy(RBE)")
    quote = services.quote_create(
        user=users["coordinator"],
        referral=referral,
        lines=[{"service": "proton-25"}, {"service": "consult", "quantity": 2}],
    )
    # the consultation has a 10 % discount on 10,000 RUB at 100 RUB/EUR → 90.00 EUR each
    assert [(line.service.code, line.unit_price, line.amount) for line in quote.lines.all()] == [
        ("proton-25", Decimal("32000.00"), Decimal("32000.00")),
        ("consult", Decimal("90.00"), Decimal("180.00")),
    ]
    assert (quote.currency, quote.rate, quote.total) == ("EUR", Decimal("100"), Decimal("32180.00"))
    step("coordinator", "send_quote")
    step("partner", "accept_quote")
    invoice = Invoice.objects.get(referral=referral)
    assert invoice.total == Decimal("32180.00")
    with pytest.raises(DomainError, match=r"^A prepayment of 50 % is required \(€16,090.00\); 0 % is received"):
        step("finance", "confirm_prepayment")
    services.payment_record(user=users["finance"], invoice=invoice, amount="9654", paid_on=TODAY)  # 30 %
    refusal = "A prepayment of 50 % is required (€16,090.00); 30 % is received (€9,654.00)."
    with pytest.raises(DomainError, match=re.escape(refusal)):
        step("finance", "confirm_prepayment")
    referral.refresh_from_db()
    assert selectors.step_blockers(referral) == {"confirm_prepayment": refusal}  # the page says it, no button
    services.payment_record(user=users["finance"], invoice=invoice, amount="6436", paid_on=TODAY)
    referral.refresh_from_db()
    assert selectors.step_blockers(referral) == {}
    step("finance", "confirm_prepayment")
    with pytest.raises(DomainError, match="scheduled only by an approved capacity plan"):
        step("coordinator", "schedule")
    services.referral_schedule(referral=referral, planner=users["admin"], start_date=TODAY + timedelta(days=20))
    for user, name in (
        ("coordinator", "arrive"),
        ("coordinator", "start_treatment"),
        ("reviewer", "complete"),
        ("coordinator", "follow_up"),
    ):
        step(user, name)
    referral.refresh_from_db()
    assert referral.state == "follow_up"
    assert referral.events.count() == 11  # submitted, then ten transitions
    assert AuditEntry.objects.filter(action=AuditAction.STATE_CHANGE, object_type="tourism.referral").count() == 10


def test_transitions_out_of_order_or_by_the_wrong_role(users, office):
    referral = referral_for(users, office)
    with pytest.raises(DomainError) as err:
        services.referral_transition(user=users["reviewer"], referral=referral, name="accept", protocol="x")
    assert err.value.detail == "Cannot accept a referral that is inquiry; allowed next: request_records, start_review."
    with pytest.raises(NotAllowed):
        services.referral_transition(user=users["partner"], referral=referral, name="start_review")
    with pytest.raises(NotFound):
        services.referral_transition(user=users["partner2"], referral=referral, name="start_review")
    Referral.objects.filter(pk=referral.pk).update(state="prepaid")
    with pytest.raises(DomainError, match="There is no invoice yet"):
        services.referral_schedule(referral=referral, planner=users["admin"], start_date=TODAY + timedelta(days=5))
    referral.refresh_from_db()
    assert referral.state == "prepaid"


def test_quote_rules(users, office):
    referral = referral_for(users, office)
    with pytest.raises(InvalidInput) as err:
        services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "pet-ct"}])
    assert err.value.errors[0].message == "not covered by contract BG-2026-001"
    with pytest.raises(DomainError, match="not in force"):
        services.quote_create(
            user=users["coordinator"],
            referral=referral,
            lines=[{"service": "proton-25"}],
            issued_on=TODAY + timedelta(days=400),
        )
    with pytest.raises(NotAllowed):
        services.quote_create(user=users["partner"], referral=referral, lines=[{"service": "proton-25"}])
    assert not Quote.objects.exists()


def test_unknown_currency_is_refused(users, office):
    with pytest.raises(InvalidInput) as err:
        services.contract_create(
            user=users["admin"],
            partner=users["partner"].agency.partner,
            number="X-1",
            our_party="us",
            valid_from=TODAY,
            valid_until=TODAY - timedelta(days=1),
            currency="XYZ",
        )
    assert sorted(p.field for p in err.value.errors) == ["currency", "valid_until"]
    with pytest.raises(InvalidInput, match="ISO 4217"):
        services.exchange_rate_set(user=users["finance"], day=TODAY, currency="ABC", rate="1")


def test_payments_refunds_and_credit_notes(users, office):
    referral = referral_for(users, office)
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    quote = services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-25"}])
    services.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
    services.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
    invoice = quote.invoice
    with pytest.raises(InvalidInput, match=r"more than the balance 32000\.00 EUR"):
        services.payment_record(user=users["finance"], invoice=invoice, amount="40000", paid_on=TODAY)
    services.payment_record(user=users["finance"], invoice=invoice, amount="30000", paid_on=TODAY)
    assert services.invoice_balance(invoice) == Decimal("2000.00")
    services.credit_note_issue(user=users["finance"], invoice=invoice, amount="500", reason="Goodwill")
    assert services.invoice_balance(invoice) == Decimal("1500.00")
    over = services.payment_record(
        user=users["finance"], invoice=invoice, amount="2000", paid_on=TODAY, overpayment=True
    )
    assert over.overpayment is True
    assert services.invoice_balance(invoice) == Decimal("-500.00")
    with pytest.raises(InvalidInput, match="more than what was paid"):
        services.payment_record(user=users["finance"], invoice=invoice, amount="40000", paid_on=TODAY, kind="refund")
    services.payment_record(user=users["finance"], invoice=invoice, amount="500", paid_on=TODAY, kind="refund")
    assert services.invoice_balance(invoice) == Decimal("0.00")
    with pytest.raises(NotAllowed):
        services.payment_record(user=users["coordinator"], invoice=invoice, amount="1", paid_on=TODAY)


def test_monthly_quota(users, office):
    first = referral_for(users, office)
    other = register(
        users["partner"],
        users["partner"].agency.partner,
        family_name="Petrov",
        given_name="Ivan",
        passport_number="CD7654321",
        sex="M",
    )
    second = services.referral_submit(
        user=users["partner"], patient=other, service_code="proton-25", icd10_codes=["C71.9"]
    )
    start = TODAY + timedelta(days=20)
    for referral in (first, second):
        Referral.objects.filter(pk=referral.pk).update(state="accepted")
        services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-25"}])
        services.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
        services.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
        services.payment_record(user=users["finance"], invoice=referral.invoices.get(), amount="32000", paid_on=TODAY)
        services.referral_transition(user=users["finance"], referral=referral, name="confirm_prepayment")
    services.referral_schedule(referral=first, planner=users["admin"], start_date=start)
    with pytest.raises(DomainError, match="quota of 1 proton-25 course"):
        services.referral_schedule(referral=second, planner=users["admin"], start_date=start)
    Referral.objects.filter(pk=second.pk).update(latest_start=start)
    with pytest.raises(InvalidInput, match="after the patient's latest start"):
        services.referral_schedule(referral=second, planner=users["admin"], start_date=start + timedelta(days=40))


def test_documents_are_checked_by_content_and_size(users, office):
    referral = referral_for(users, office)
    doc = services.document_upload(
        user=users["partner"], referral=referral, data=pdf_bytes(), filename="mri.html", kind="imaging"
    )
    assert doc.content_type == "application/pdf"
    assert doc.file.name.endswith("/mri.pdf")  # stored under the extension of what it is, not of its name
    with pytest.raises(InvalidInput, match="this file starts like a PDF but cannot be opened as one"):
        services.document_upload(
            user=users["partner"],
            referral=referral,
            data=b"%PDF-1.7\n<html><script>alert(1)</script></html>",
            filename="scan.html",
            kind="imaging",
        )
    with pytest.raises(InvalidInput, match="Only PDF, PNG and JPEG"):
        services.document_upload(
            user=users["partner"], referral=referral, data=b"<html><script>", filename="scan.pdf", kind="imaging"
        )
    with pytest.raises(InvalidInput, match="the limit is 10 MiB"):
        services.document_upload(
            user=users["partner"],
            referral=referral,
            data=b"%PDF-" + b"0" * (10 * 1024 * 1024),
            filename="big.pdf",
            kind="imaging",
        )
    with pytest.raises(NotFound):
        services.document_upload(
            user=users["partner2"], referral=referral, data=pdf_bytes(), filename="x.pdf", kind="imaging"
        )


def test_exchange_rates_csv_is_all_or_nothing(users):
    data = b"date,currency,rate\n2026-11-01,EUR,101.5\n2026-11-01,ABC,1\nnot-a-date,USD,90\n2026-11-01,USD,-1\n"
    with pytest.raises(InvalidInput) as err:
        services.exchange_rates_import_csv(user=users["finance"], data=data)
    assert [(p.location["row"], p.field) for p in err.value.errors] == [(3, "currency"), (4, "date"), (5, "rate")]
    assert not ExchangeRate.objects.exists()
    assert (
        services.exchange_rates_import_csv(user=users["finance"], data=b"date,currency,rate\n2026-11-01,EUR,101.5\n")
        == 1
    )
