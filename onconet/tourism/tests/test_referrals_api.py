"""The partner portal's API: a partner agent refers, answers and accepts quotes for its own patients only."""

from datetime import timedelta

import pytest

from onconet.core import services as core_services
from onconet.core.errors import DomainError
from onconet.tourism import services
from onconet.tourism.models import ForeignPatient, Referral
from onconet.tourism.tests.conftest import TODAY

pytestmark = pytest.mark.django_db
API = "/api/v1"


def bearer(user):
    _token, raw = core_services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


PAYLOAD = {
    "patient": {
        "family_name": "Dimitrova",
        "given_name": "Elena",
        "name_native": "Елена Димитрова",
        "date_of_birth": "1968-03-02",
        "sex": "F",
        "citizenship": "BG",
        "passport_number": "BG3456789",
        "preferred_language": "bg",
        "languages": ["bg", "en"],
    },
    "service": "proton-25",
    "icd10_codes": ["C71.9"],
    "stage": "II",
    "clinical_summary": "Glioma after resection",
}


def submit(client, user, payload=PAYLOAD):
    return client.post(f"{API}/referrals", data=payload, content_type="application/json", **bearer(user))


def test_partner_submits_and_sees_only_its_own(client, users, office):
    response = submit(client, users["partner"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "inquiry"
    assert body["passport_masked"] == "••••••789"
    assert "BG3456789" not in response.content.decode()
    own = client.get(f"{API}/referrals", **bearer(users["partner"])).json()
    assert own["count"] == 1
    other = client.get(f"{API}/referrals", **bearer(users["partner2"])).json()
    assert other == {"items": [], "count": 0}
    missing = client.get(f"{API}/referrals/999999", **bearer(users["partner2"]))
    foreign = client.get(f"{API}/referrals/{body['id']}", **bearer(users["partner2"]))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert (
        client.get(f"{API}/patients/{body['patient_id']}/passport-number", **bearer(users["partner2"])).status_code
        == 404
    )
    assert (
        client.get(f"{API}/patients/{body['patient_id']}/passport-number", **bearer(users["partner"])).status_code
        == 403
    )
    number = client.get(f"{API}/patients/{body['patient_id']}/passport-number", **bearer(users["coordinator"]))
    assert number.json() == {"passport_number": "BG3456789"}


def test_bad_referrals_change_nothing(client, users, office):
    response = submit(client, users["partner"], {**PAYLOAD, "icd10_codes": ["Q99.999"]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "icd10_codes"
    response = submit(client, users["partner"], {**PAYLOAD, "insurance": "gold"})
    assert response.status_code == 400
    assert not ForeignPatient.objects.exists()
    assert not Referral.objects.exists()
    submit(client, users["partner"])
    duplicate = submit(client, users["partner"])
    assert duplicate.status_code == 400
    assert duplicate.json()["detail"] == "A patient with this passport is already registered."
    assert ForeignPatient.objects.count() == 1


def test_transitions_over_the_api(client, users, office):
    referral_id = submit(client, users["partner"]).json()["id"]
    url = f"{API}/referrals/{referral_id}/transitions"
    response = client.post(
        f"{url}/accept", data={"protocol": "x"}, content_type="application/json", **bearer(users["reviewer"])
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "state", "message": "allowed: request_records, start_review", "value": "inquiry"}
    ]
    response = client.post(f"{url}/start_review", data={}, content_type="application/json", **bearer(users["partner"]))
    assert response.status_code == 403
    response = client.post(
        f"{url}/start_review", data={}, content_type="application/json", **bearer(users["coordinator"])
    )
    assert response.json()["state"] == "under_review"
    assert response.json()["allowed_transitions"] == []  # the coordinator has nothing to do now: the reviewer has
    reviewer_view = client.get(f"{API}/referrals/{referral_id}", **bearer(users["reviewer"])).json()
    assert reviewer_view["allowed_transitions"] == ["ask_more_info", "accept", "decline"]
    client.post(
        f"{url}/accept", data={"protocol": "Proton 25 fx"}, content_type="application/json", **bearer(users["reviewer"])
    )
    quote = client.post(
        f"{API}/referrals/{referral_id}/quotes",
        data={"lines": [{"service": "proton-25"}]},
        content_type="application/json",
        **bearer(users["coordinator"]),
    )
    assert quote.status_code == 201
    assert quote.json()["total"] == "32000.00"
    client.post(f"{url}/send_quote", data={}, content_type="application/json", **bearer(users["coordinator"]))
    accepted = client.post(f"{url}/accept_quote", data={}, content_type="application/json", **bearer(users["partner"]))
    assert accepted.json()["state"] == "quote_accepted"
    invoice = accepted.json()["invoices"][0]
    assert invoice["balance"] == "32000.00"
    # nobody schedules by hand: only an approved capacity plan does, and not before the prepayment
    Referral.objects.filter(pk=referral_id).update(state="prepaid")
    response = client.post(f"{url}/schedule", data={}, content_type="application/json", **bearer(users["coordinator"]))
    assert response.status_code == 409
    assert "scheduled only by an approved capacity plan" in response.json()["detail"]
    with pytest.raises(DomainError, match="is required"):
        services.referral_schedule(
            referral=Referral.objects.get(pk=referral_id), planner=users["admin"], start_date=TODAY + timedelta(days=10)
        )
    payment = client.post(
        f"{API}/invoices/{invoice['id']}/payments",
        data={"amount": "16000", "paid_on": TODAY.isoformat()},
        content_type="application/json",
        **bearer(users["finance"]),
    )
    assert payment.json()["balance"] == "16000.00"
    assert (
        client.post(
            f"{API}/invoices/{invoice['id']}/payments",
            data={"amount": "1", "paid_on": TODAY.isoformat()},
            content_type="application/json",
            **bearer(users["partner2"]),
        ).status_code
        == 404
    )
    services.referral_schedule(
        referral=Referral.objects.get(pk=referral_id), planner=users["admin"], start_date=TODAY + timedelta(days=10)
    )
    assert client.get(f"{API}/referrals/{referral_id}", **bearer(users["partner"])).json()["state"] == "scheduled"


def test_rates_companions_consents_over_the_api(client, users, office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    auth = bearer(users["finance"])
    response = client.post(
        f"{API}/exchange-rates",
        data={"date": TODAY.isoformat(), "currency": "usd", "rate": "91.5"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    assert response.json()["currency"] == "USD"
    bad = client.post(
        f"{API}/exchange-rates",
        data={"date": TODAY.isoformat(), "currency": "ZZZ", "rate": "1"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400
    upload = client.post(
        f"{API}/exchange-rates/import",
        {"file": SimpleUploadedFile("r.csv", b"date,currency,rate\n2026-11-02,EUR,99\n")},
        **auth,
    )
    assert upload.json() == {"imported": 1}
    assert (
        client.post(
            f"{API}/exchange-rates",
            data={"date": TODAY.isoformat(), "currency": "USD", "rate": "1"},
            content_type="application/json",
            **bearer(users["partner"]),
        ).status_code
        == 403
    )
    patient_id = submit(client, users["partner"]).json()["patient_id"]
    partner = bearer(users["partner"])
    assert (
        client.post(
            f"{API}/patients/{patient_id}/companions",
            data={"name": "Georgi", "relation": "husband"},
            content_type="application/json",
            **partner,
        ).status_code
        == 201
    )
    future = client.post(
        f"{API}/patients/{patient_id}/consents",
        data={"kind": "treatment", "given_on": (TODAY + timedelta(days=3)).isoformat()},
        content_type="application/json",
        **partner,
    )
    assert future.status_code == 400
    assert (
        client.post(
            f"{API}/patients/{patient_id}/consents",
            data={"kind": "data_processing", "given_on": TODAY.isoformat()},
            content_type="application/json",
            **partner,
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"{API}/patients/{patient_id}/companions",
            data={"name": "Spy", "relation": "x"},
            content_type="application/json",
            **bearer(users["partner2"]),
        ).status_code
        == 404
    )
