"""The office's pages and the partner portal's form: roles, 404 across partners, changes through services."""

import pytest

from conftest import pdf_bytes
from onconet.tourism.models import Referral
from onconet.tourism.tests.factories import MessageTemplateFactory

pytestmark = pytest.mark.django_db


def test_partner_refers_a_patient_through_the_portal(client, users, office):
    client.force_login(users["partner"])
    form = {
        "family_name": "Georgiev",
        "given_name": "Petar",
        "date_of_birth": "1961-04-12",
        "sex": "M",
        "citizenship": "BG",
        "passport_number": "BG1122334",
        "preferred_language": "bg",
        "service": "proton-25",
        "icd10_codes": "C71.9",
        "stage": "II",
    }
    bad = client.post("/office/referrals/new/", {**form, "icd10_codes": "Z99.999"})
    assert bad.status_code == 200
    assert bad.context["error"].errors[0].field == "icd10_codes"
    assert not Referral.objects.exists()
    unparsed = client.post("/office/referrals/new/", {**form, "date_of_birth": "12.04.61", "sex": "X"})
    assert {(p.field, p.value) for p in unparsed.context["error"].errors} == {
        ("date_of_birth", "12.04.61"),
        ("sex", "X"),
    }
    other = users["partner2"].agency.partner  # a partner agent refers for its own organisation, whatever it posts
    response = client.post("/office/referrals/new/", {**form, "partner": other.pk})
    referral = Referral.objects.get()
    assert referral.partner == users["partner"].agency.partner
    assert response.url == f"/office/referrals/{referral.pk}/"
    assert client.get("/office/").status_code == 200
    page = client.get(response.url).content.decode()
    assert "BG1122334" not in page  # masked for the partner
    client.force_login(users["partner2"])
    assert client.get(response.url).status_code == 404
    assert list(client.get("/office/").context["rows"]) == []


def test_office_moves_a_referral_from_the_page(client, users, office):
    client.force_login(users["partner"])
    client.post(
        "/office/referrals/new/",
        {
            "family_name": "Georgiev",
            "given_name": "Petar",
            "date_of_birth": "1961-04-12",
            "sex": "M",
            "citizenship": "BG",
            "passport_number": "BG1122334",
            "preferred_language": "bg",
            "service": "proton-25",
            "icd10_codes": "C71.9",
        },
    )
    referral = Referral.objects.get()
    client.force_login(users["coordinator"])
    queue = client.get("/office/")
    assert [row["actions"] for row in queue.context["rows"]] == [["request_records", "start_review"]]
    client.post(f"/office/referrals/{referral.pk}/transitions/start_review/")
    referral.refresh_from_db()
    assert referral.state == "under_review"
    response = client.post(f"/office/referrals/{referral.pk}/transitions/accept/", follow=True)
    assert "Your role may not accept" in response.content.decode()
    client.force_login(users["reviewer"])
    client.post(f"/office/referrals/{referral.pk}/transitions/accept/", {"protocol": "Proton 25 fx"})
    referral.refresh_from_db()
    assert referral.state == "accepted"
    client.force_login(users["coordinator"])
    shown = client.post(f"/office/referrals/{referral.pk}/passport/")
    assert "BG1122334" in shown.content.decode()


def test_support_desk_from_the_referral_page(client, users, office):
    from onconet.tourism.models import InterpreterBooking, SupportTask
    from onconet.tourism.tests.test_office import referral_for

    MessageTemplateFactory(code="treatment_invitation", language="en", subject="Invitation", body="{patient_name}")
    referral = referral_for(users, office)
    client.force_login(users["coordinator"])
    url = f"/office/referrals/{referral.pk}/"
    client.post(f"{url}coordinator/", {"coordinator": users["coordinator"].pk})
    client.post(
        f"{url}interpreters/",
        {
            "interpreter": users["interpreter"].pk,
            "starts_at": "2030-01-10T09:00",
            "ends_at": "2030-01-10T11:00",
        },
    )
    clash = client.post(
        f"{url}interpreters/",
        {
            "interpreter": users["interpreter"].pk,
            "starts_at": "2030-01-10T10:00",
            "ends_at": "2030-01-10T12:00",
        },
        follow=True,
    )
    assert "already booked" in clash.content.decode()
    client.post(f"{url}tasks/", {"kind": "hotel", "title": "Book the hotel", "due_on": "2030-01-05"})
    referral.refresh_from_db()
    assert referral.coordinator == users["coordinator"]
    assert InterpreterBooking.objects.count() == 1
    assert SupportTask.objects.get().title == "Book the hotel"
    letter = client.get(f"{url}letters/treatment_invitation/bg.pdf")
    assert letter["Content-Type"] == "application/pdf"
    assert letter["X-Letter-Language-Fallback"] == "en"
    client.force_login(users["partner2"])
    assert client.get(f"{url}letters/treatment_invitation/en.pdf").status_code == 404


def test_contracts_prices_interpreters_and_documents(client, users, office):
    from onconet.tourism import services
    from onconet.tourism.models import ContractDocument, ExchangeRate, PatientDocument
    from onconet.tourism.tests.test_office import referral_for

    client.force_login(users["coordinator"])
    for url in ("/office/contracts/", "/office/prices/", "/office/interpreters/", "/office/dashboard/"):
        assert client.get(url).status_code == 200, url
    from django.core.files.uploadedfile import SimpleUploadedFile

    contract = office["contract"]
    client.post(
        "/office/contracts/",
        {"contract": contract.pk, "title": "Signed contract", "file": SimpleUploadedFile("c.pdf", pdf_bytes())},
    )
    document = ContractDocument.objects.get()
    assert client.get(f"/office/documents/contract/{document.pk}/").status_code == 200
    refused = client.post(
        "/office/contracts/",
        {"contract": contract.pk, "title": "Fake", "file": SimpleUploadedFile("c.pdf", b"MZ\x90 not a pdf")},
        follow=True,
    )
    assert "Only PDF, PNG and JPEG" in refused.content.decode()
    assert ContractDocument.objects.count() == 1
    client.force_login(users["finance"])
    client.post("/office/prices/", {"date": "2026-11-20", "currency": "usd", "rate": "92.1"})
    assert ExchangeRate.objects.filter(currency="USD").exists()
    # partner agents: no other partner's contract document or patient document, no interpreter calendar
    referral = referral_for(users, office)
    patient_doc = services.document_upload(
        user=users["partner"], referral=referral, data=pdf_bytes(), filename="mri.pdf", kind="imaging"
    )
    client.force_login(users["partner2"])
    assert client.get(f"/office/documents/contract/{document.pk}/").status_code == 404
    assert client.get(f"/office/documents/patient/{patient_doc.pk}/").status_code == 404
    assert client.get("/office/interpreters/").status_code == 403
    client.force_login(users["partner"])
    assert client.get(f"/office/documents/patient/{patient_doc.pk}/").status_code == 200
    assert PatientDocument.objects.count() == 1


def test_contact_persons_are_shown_only_to_those_who_may_see_them(client, users, office):
    from onconet.tourism.tests.factories import PartnerContactFactory

    partner = users["partner"].agency.partner
    PartnerContactFactory(partner=partner, name="Maria Ivanova", email="maria@example.bg")
    for role, sees in (("coordinator", True), ("partner", True), ("reviewer", False), ("analyst", False)):
        client.force_login(users[role])
        page = client.get(f"/partners/{partner.pk}/")
        assert page.status_code == 200
        assert ("maria@example.bg" in page.content.decode()) is sees, role


def test_the_clinical_summary_is_on_the_referral_page_for_those_who_need_it(client, users, office):
    from onconet.tourism.tests.test_office import referral_for

    referral = referral_for(users, office)
    Referral.objects.filter(pk=referral.pk).update(clinical_summary="Glioblastoma, resected 2026-10; MRI attached.")
    for role, sees in (("reviewer", True), ("coordinator", True), ("partner", True), ("finance", False)):
        client.force_login(users[role])
        page = client.get(f"/office/referrals/{referral.pk}/").content.decode()
        assert ("Glioblastoma, resected" in page) is sees, role
