"""A foreign patient's personal data: the export of everything held (JSON, and FHIR $everything) and anonymisation
after the retention period — refused while care or money is open, complete when done, audited without names."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from conftest import pdf_bytes
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditAction, AuditEntry
from onconet.tourism import privacy, services
from onconet.tourism.models import ForeignPatient, Invoice, PatientDocument, Referral, ReferralEvent
from onconet.tourism.selectors import patients_search
from onconet.tourism.tests.conftest import TODAY
from onconet.tourism.tests.test_office import referral_for, register

pytestmark = pytest.mark.django_db
PDF = pdf_bytes()  # a real PDF: documents are identified by opening them


def step(users: dict[str, Any], referral: Referral, user: str, name: str, **kw: Any) -> None:
    services.referral_transition(user=users[user], referral=referral, name=name, **kw)


@pytest.fixture
def treated(users, office):
    """A Bulgarian patient taken through the whole pipeline to follow-up, paid in full, with a companion,
    a consent, a document, comments and a support task."""
    referral = referral_for(users, office)
    patient = referral.patient
    services.companion_add(user=users["coordinator"], patient=patient, name="Georgi Ivanov", relation="husband")
    services.consent_record(user=users["coordinator"], patient=patient, kind="data_processing", given_on=TODAY)
    document = services.document_upload(
        user=users["partner"], referral=referral, data=PDF, filename="ivanova-mri.pdf", kind="imaging"
    )
    step(users, referral, "coordinator", "start_review")
    step(users, referral, "reviewer", "ask_more_info", comment="Maria Ivanova: send the MRI of May")
    step(users, referral, "partner", "provide_info", comment="MRI attached")
    step(users, referral, "reviewer", "accept", protocol="Proton 25 × 1.8 Gy(RBE)")
    services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-25"}])
    step(users, referral, "coordinator", "send_quote")
    step(users, referral, "partner", "accept_quote")
    invoice = Invoice.objects.get(referral=referral)
    services.payment_record(user=users["finance"], invoice=invoice, amount="16000", paid_on=TODAY)
    step(users, referral, "finance", "confirm_prepayment")
    services.referral_schedule(referral=referral, planner=users["admin"], start_date=TODAY + timedelta(days=20))
    services.task_create(
        user=users["coordinator"], referral=referral, kind="hotel", title="Hotel for Maria Ivanova", due_on=TODAY
    )
    for user, name in (("coordinator", "arrive"), ("coordinator", "start_treatment"), ("reviewer", "complete")):
        step(users, referral, user, name)
    return {"patient": patient, "referral": referral, "invoice": invoice, "document": document}


def pay_rest(users: dict[str, Any], invoice: Invoice) -> None:
    services.payment_record(user=users["finance"], invoice=invoice, amount="16000", paid_on=TODAY)


# ---------------------------------------------------------------- export


def test_export_holds_everything_the_role_may_see(users, treated):
    patient = treated["patient"]
    data = privacy.patient_data_export(user=users["coordinator"], patient_id=patient.pk)
    assert data["format"] == "onconet-patient-export"
    assert data["patient"]["family_name"] == "Ivanova"
    assert data["patient"]["passport_number"] == "AB1234567"  # the coordinator may see it
    assert data["companions"] == [{"name": "Georgi Ivanov", "relation": "husband", "phone": ""}]
    assert [c["kind"] for c in data["consents"]] == ["data_processing"]
    (referral,) = data["referrals"]
    assert referral["state"] == "completed"
    assert [d["original_name"] for d in referral["documents"]] == ["ivanova-mri.pdf"]
    assert "Maria Ivanova: send the MRI of May" in [e["comment"] for e in referral["history"]]
    assert referral["quotes"][0]["total"] == "32000.00"
    assert referral["invoices"][0]["payments"][0]["amount"] == "16000.00"
    assert referral["invoices"][0]["balance"] == "16000.00"
    assert referral["support_tasks"][0]["title"] == "Hotel for Maria Ivanova"
    assert data["access_log"] is None  # the audit log is the national admin's
    json.dumps(data)  # all of it is JSON-ready
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(patient.pk)).get()
    assert entry.object_repr == f"foreign patient #{patient.pk}"

    admin_copy = privacy.patient_data_export(user=users["admin"], patient_id=patient.pk)
    assert {e["action"] for e in admin_copy["access_log"]} >= {"create", "state_change", "export"}


def test_export_is_scoped_and_needs_the_permission(users, treated):
    patient = treated["patient"]
    partner_copy = privacy.patient_data_export(user=users["partner"], patient_id=patient.pk)
    assert partner_copy["patient"]["passport_number"] == "••••••567"
    with pytest.raises(NotFound):
        privacy.patient_data_export(user=users["partner2"], patient_id=patient.pk)
    with pytest.raises(NotFound):
        privacy.patient_data_export(user=users["coordinator"], patient_id=patient.pk + 1000)
    for role in ("reviewer", "finance", "interpreter", "analyst", "reporter"):
        with pytest.raises(NotAllowed):
            privacy.patient_data_export(user=users[role], patient_id=patient.pk)


def test_export_through_the_page_and_the_api(client, users, treated):
    patient = treated["patient"]
    client.force_login(users["coordinator"])
    response = client.get(f"/office/patients/{patient.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="patient-P{patient.pk}.json"'
    assert json.loads(response.content)["patient"]["given_name"] == "Maria"
    page = client.get(f"/office/patients/{patient.pk}/")
    assert page.status_code == 200
    assert b'id="export-json"' in page.content
    assert b'id="anonymise-form"' not in page.content
    client.force_login(users["partner2"])
    assert client.get(f"/office/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/office/patients/{patient.pk}/export.json").status_code == 404
    token = services_token(users["partner"])
    api = client.get(f"/api/v1/patients/{patient.pk}/export", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200
    assert api.json()["referrals"][0]["number"] == f"R-{treated['referral'].pk}"


def services_token(user: Any) -> str:
    from onconet.core.services import api_token_create

    return api_token_create(user=user, name="privacy")[1]


# ---------------------------------------------------------------- anonymisation


def test_anonymisation_is_refused_while_care_or_money_is_open(users, office, treated):
    patient = treated["patient"]
    with pytest.raises(DomainError, match=r"still owes on invoices INV-"):
        privacy.patient_anonymise(user=users["admin"], patient=patient, reason="patient's request")
    pay_rest(users, treated["invoice"])
    other = services.referral_submit(
        user=users["partner"], patient=patient, service_code="consult", icd10_codes=["C71.9"]
    )
    with pytest.raises(DomainError, match=f"still has open referrals: R-{other.pk}"):
        privacy.patient_anonymise(user=users["admin"], patient=patient, reason="patient's request")
    with pytest.raises(InvalidInput, match="Say why"):
        privacy.patient_anonymise(user=users["admin"], patient=patient, reason="  ")
    for role in ("coordinator", "partner", "finance"):
        with pytest.raises(NotAllowed):
            privacy.patient_anonymise(user=users[role], patient=patient, reason="x")
    patient.refresh_from_db()
    assert (patient.family_name, patient.anonymised_at) == ("Ivanova", None)
    assert patient.companions.count() == 1


def test_anonymisation_removes_what_identifies_and_keeps_the_facts(users, treated, django_capture_on_commit_callbacks):
    patient, referral, document = treated["patient"], treated["referral"], treated["document"]
    pay_rest(users, treated["invoice"])
    stored = document.file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):  # the stored file goes once the change commits
        privacy.patient_anonymise(user=users["admin"], patient=patient, reason="patient's request of 2026-11-20")
    patient.refresh_from_db()
    assert (patient.family_name, patient.given_name) == ("ANONYMISED", f"#{patient.pk}")
    assert patient.passport_number == f"ANON-{patient.pk}"
    assert (patient.phone, patient.email, patient.address, patient.name_native) == ("", "", "", "")
    assert patient.date_of_birth == patient.date_of_birth.replace(month=1, day=1)
    assert patient.date_of_birth.year == 1970
    assert (patient.sex, patient.citizenship.code, patient.languages) == ("F", "BG", ["bg", "en"])
    assert patient.anonymised_at is not None
    assert patient.companions.count() == 0
    assert patient.consents.count() == 1  # when consent was given is not personal, and proves lawful processing
    assert not PatientDocument.objects.filter(referral=referral).exists()
    assert not default_storage.exists(stored)
    referral.refresh_from_db()
    assert (referral.clinical_summary, referral.icd10_codes, referral.state) == ("", ["C71.9"], "completed")
    assert not ReferralEvent.objects.filter(referral=referral).exclude(comment="").exists()
    assert referral.tasks.get().title == "hotel"
    assert Invoice.objects.get(pk=treated["invoice"].pk).total == treated["invoice"].total  # the books stay whole
    # nothing in the (append-only) audit log names her, and the search no longer finds her
    assert not any("ivanova" in repr(row).lower() for row in AuditEntry.objects.values_list())
    assert not patients_search(user=users["coordinator"], query="Ivanova").exists()
    assert AuditEntry.objects.filter(message__startswith="anonymised: patient's request").count() == 1
    with pytest.raises(DomainError, match="was anonymised on"):
        privacy.patient_anonymise(user=users["admin"], patient=patient, reason="again")


def test_the_admin_anonymises_from_the_patient_page(client, users, treated):
    patient = treated["patient"]
    client.force_login(users["admin"])
    url = f"/office/patients/{patient.pk}/"
    page = client.get(url)
    assert b'id="anonymise-form"' in page.content
    refused = client.post(url, {"action": "anonymise", "reason": "request"}, follow=True)
    assert "still owes on invoices" in refused.content.decode()
    assert ForeignPatient.objects.get(pk=patient.pk).anonymised_at is None
    pay_rest(users, treated["invoice"])
    done = client.post(url, {"action": "anonymise", "reason": "request"}, follow=True)
    assert b'id="anonymised"' in done.content
    assert ForeignPatient.objects.get(pk=patient.pk).family_name == "ANONYMISED"
    client.force_login(users["coordinator"])
    assert client.post(url, {"action": "anonymise", "reason": "request"}).status_code == 403


def test_the_api_anonymises_and_refuses_clearly(client, users, treated):
    patient = treated["patient"]
    url = f"/api/v1/patients/{patient.pk}/anonymise"
    admin = {"HTTP_AUTHORIZATION": f"Bearer {services_token(users['admin'])}"}
    response = client.post(url, {"reason": "request"}, content_type="application/json", **admin)
    assert response.status_code == 409
    assert "still owes" in response.json()["detail"]
    assert client.post(url, {"reason": ""}, content_type="application/json", **admin).status_code == 400
    pay_rest(users, treated["invoice"])
    response = client.post(url, {"reason": "request"}, content_type="application/json", **admin)
    assert response.status_code == 200
    assert response.json()["family_name"] == "ANONYMISED"
    coordinator = {"HTTP_AUTHORIZATION": f"Bearer {services_token(users['coordinator'])}"}
    assert client.post(url, {"reason": "x"}, content_type="application/json", **coordinator).status_code == 403


# ---------------------------------------------------------------- the retention job


def test_retention_job_anonymises_only_those_due(users, office, treated, settings):
    settings.PATIENT_RETENTION_DAYS = 365
    closed = treated["patient"]
    pay_rest(users, treated["invoice"])
    still_treated = referral_for_other(users, office)
    later = timezone.now() + timedelta(days=366)
    due = list(privacy.patients_due_for_anonymisation(now=later))
    assert due == [closed]  # the other patient's referral is still open
    assert list(privacy.patients_due_for_anonymisation(now=timezone.now())) == []  # not a year yet

    preview = privacy.patients_anonymise_expired(now=later, dry_run=True)
    assert (preview["anonymised"], preview["dry_run"]) == ([closed.pk], True)
    assert ForeignPatient.objects.get(pk=closed.pk).anonymised_at is None

    result = privacy.patients_anonymise_expired(now=later)
    assert result["anonymised"] == [closed.pk]
    assert ForeignPatient.objects.get(pk=closed.pk).family_name == "ANONYMISED"
    assert ForeignPatient.objects.get(pk=still_treated.patient_id).anonymised_at is None
    assert AuditEntry.objects.filter(message="anonymised: retention period passed", actor=None).count() == 1
    assert privacy.patients_anonymise_expired(now=later)["anonymised"] == []  # once only


def test_retention_job_skips_a_patient_who_still_owes(users, treated, settings):
    settings.PATIENT_RETENTION_DAYS = 30
    later = timezone.now() + timedelta(days=31)
    result = privacy.patients_anonymise_expired(now=later)
    assert result["anonymised"] == []
    assert "still owes on invoices" in result["skipped"][treated["patient"].pk]
    assert ForeignPatient.objects.get(pk=treated["patient"].pk).family_name == "Ivanova"


def test_retention_command(users, treated, settings, capsys):
    settings.PATIENT_RETENTION_DAYS = 0
    pay_rest(users, treated["invoice"])
    call_command("anonymise_patients", "--dry-run")
    assert "1 patient(s) would be anonymised, 0 skipped" in capsys.readouterr().out
    assert ForeignPatient.objects.get(pk=treated["patient"].pk).anonymised_at is None
    call_command("anonymise_patients", "--json")
    assert json.loads(capsys.readouterr().out)["anonymised"] == [treated["patient"].pk]


def referral_for_other(users: dict[str, Any], office: Any) -> Referral:
    patient = register(
        users["partner"], users["partner"].agency.partner, family_name="Petrov", passport_number="CD7654321"
    )
    return services.referral_submit(
        user=users["partner"], patient=patient, service_code="proton-25", icd10_codes=["C61"]
    )
