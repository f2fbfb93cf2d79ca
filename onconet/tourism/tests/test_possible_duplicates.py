"""Duplicates without an oracle: a partner registering another partner's patient is answered as for a new patient;
the office gets a possible duplicate to merge or dismiss, audited, and partner agents never see one."""

from __future__ import annotations

from datetime import date

import pytest

from onconet.core.models import AuditAction, AuditEntry
from onconet.tourism.models import DuplicateStatus, ForeignPatient, PossibleDuplicate, Referral
from onconet.tourism.tests.test_referrals_api import API, PAYLOAD, bearer, submit

pytestmark = pytest.mark.django_db
PAGE = "/office/possible-duplicates/"
NEW_PERSON = {**PAYLOAD["patient"], "family_name": "Petrovic", "given_name": "Ana", "passport_number": "RS7654321"}


def shape(body):
    """What a response tells its reader, without the ids and names that differ between any two patients."""
    differ = ("id", "patient_id", "patient_name", "partner_id", "passport_masked")
    return {key: value for key, value in body.items() if key not in differ}


@pytest.fixture
def matched(client, users, office):
    """The Bulgarian partner's patient, then the Serbian partner registering the same passport."""
    first = submit(client, users["partner"])
    assert first.status_code == 201
    response = submit(client, users["partner2"])
    return first.json(), response


def test_another_partners_passport_is_answered_as_a_new_patient(client, users, office, matched):
    first, response = matched
    assert response.status_code == 201, response.json()
    new = submit(client, users["partner2"], {**PAYLOAD, "patient": NEW_PERSON})
    assert new.status_code == 201
    assert shape(response.json()) == shape(new.json())
    assert response.json()["passport_masked"] == "••••••789"  # the partner's own input, masked
    body = response.json()
    assert body["patient_id"] != first["patient_id"]
    assert body["partner_id"] == users["partner2"].agency.partner_id
    own = client.get(f"{API}/patients?q=Dimitrova", **bearer(users["partner2"])).json()
    assert [item["id"] for item in own["items"]] == [body["patient_id"]]
    assert client.get(f"{API}/patients/{first['patient_id']}/export", **bearer(users["partner2"])).status_code == 404
    duplicate = PossibleDuplicate.objects.get()
    assert (duplicate.existing_id, duplicate.newcomer_id, duplicate.match, duplicate.status) == (
        first["patient_id"],
        body["patient_id"],
        "passport",
        "open",
    )


def test_another_partners_name_and_birth_date_is_answered_as_a_new_patient(client, users, office):
    submit(client, users["partner"])
    other_passport = {**PAYLOAD, "patient": {**PAYLOAD["patient"], "passport_number": "BG0000001"}}
    response = submit(client, users["partner2"], other_passport)
    assert response.status_code == 201, response.json()
    assert list(PossibleDuplicate.objects.values_list("match", flat=True)) == ["name_dob"]
    assert ForeignPatient.objects.count() == 2


def test_the_partners_own_duplicate_is_still_refused(client, users, office):
    submit(client, users["partner"])
    again = submit(client, users["partner"], {**PAYLOAD, "patient": {**PAYLOAD["patient"], "family_name": "Other"}})
    assert again.status_code == 400
    assert again.json()["detail"] == "A patient with this passport is already registered."
    assert not PossibleDuplicate.objects.exists()


def test_the_office_sees_the_possible_duplicate_and_partners_get_404(client, users, office, matched):
    first, response = matched
    duplicate = PossibleDuplicate.objects.get()
    listed = client.get(f"{API}/possible-duplicates", **bearer(users["coordinator"])).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["id"], item["match"], item["status"], item["decided_by"]) == (duplicate.pk, "passport", "open", None)
    assert item["existing"] == {
        "id": first["patient_id"],
        "partner_id": users["partner"].agency.partner_id,
        "partner": "Bulgarian Ministry of Health",
        "family_name": "Dimitrova",
        "given_name": "Elena",
        "date_of_birth": "1968-03-02",
        "citizenship": "BG",
        "passport_masked": "••••••789",
    }
    assert item["newcomer"]["id"] == response.json()["patient_id"]
    assert item["newcomer"]["partner"] == "Serbian Health Insurance Fund"
    assert client.get(f"{API}/possible-duplicates", **bearer(users["admin"])).json()["count"] == 1
    missing = client.get(f"{API}/possible-duplicates/999999", **bearer(users["coordinator"]))
    assert missing.status_code == 404
    for partner in ("partner", "partner2"):
        headers = bearer(users[partner])
        for answer in (
            client.get(f"{API}/possible-duplicates", **headers),
            client.get(f"{API}/possible-duplicates/{duplicate.pk}", **headers),
            client.post(f"{API}/possible-duplicates/{duplicate.pk}/merge", **headers),
            client.post(f"{API}/possible-duplicates/{duplicate.pk}/dismiss", **headers),
        ):
            assert answer.status_code == 404
            assert answer.json() == {"detail": "No possible duplicate matches the given id.", "errors": []}
    for role in ("reviewer", "finance", "interpreter", "analyst"):
        assert client.get(f"{API}/possible-duplicates", **bearer(users[role])).status_code == 403
        assert client.post(f"{API}/possible-duplicates/{duplicate.pk}/merge", **bearer(users[role])).status_code == 403
    assert PossibleDuplicate.objects.get().status == "open"


def test_merge_links_one_person_and_keeps_each_partners_records(client, users, office, matched):
    first, response = matched
    duplicate = PossibleDuplicate.objects.get()
    merged = client.post(f"{API}/possible-duplicates/{duplicate.pk}/merge", **bearer(users["coordinator"]))
    assert merged.status_code == 200, merged.json()
    body = merged.json()
    assert (body["status"], body["decided_by"]) == ("merged", "coordinator")
    newcomer = ForeignPatient.objects.get(pk=response.json()["patient_id"])
    assert newcomer.same_person_as_id == first["patient_id"]
    # nothing crossed partners: each partner still sees its own patient and referral only
    assert list(Referral.objects.order_by("pk").values_list("patient_id", "partner_id")) == [
        (first["patient_id"], users["partner"].agency.partner_id),
        (newcomer.pk, users["partner2"].agency.partner_id),
    ]
    for partner, referral in (("partner", first["id"]), ("partner2", response.json()["id"])):
        seen = client.get(f"{API}/referrals", **bearer(users[partner])).json()
        assert [item["id"] for item in seen["items"]] == [referral]
    again = client.post(f"{API}/possible-duplicates/{duplicate.pk}/merge", **bearer(users["coordinator"]))
    assert again.status_code == 409
    assert again.json()["detail"] == "This possible duplicate is already merged."
    entry = AuditEntry.objects.get(object_type="tourism.possibleduplicate", action=AuditAction.STATE_CHANGE)
    assert (entry.actor_username, entry.object_id, entry.changes, entry.message) == (
        "coordinator",
        str(duplicate.pk),
        {"status": ["open", "merged"]},
        "merged",
    )
    assert entry.object_repr == (
        f"possible duplicate #{duplicate.pk}: patient #{newcomer.pk} ~ patient #{first['patient_id']}"
    )


def test_the_patient_page_links_the_same_person_for_the_office_only(client, users, office, matched):
    first, response = matched
    from onconet.tourism import services

    services.possible_duplicate_merge(user=users["coordinator"], duplicate=PossibleDuplicate.objects.get())
    newcomer = response.json()["patient_id"]
    client.force_login(users["coordinator"])
    for shown, other in ((newcomer, first["patient_id"]), (first["patient_id"], newcomer)):
        page = client.get(f"/office/patients/{shown}/").content.decode()
        assert f'<a href="/office/patients/{other}/">P-{other}</a>' in page
    client.force_login(users["partner2"])
    own = client.get(f"/office/patients/{newcomer}/")
    assert own.status_code == 200
    assert 'id="same-person"' not in own.content.decode()
    assert f"P-{first['patient_id']}" not in own.content.decode()


def test_dismiss_closes_the_match_and_links_nothing(client, users, office, matched):
    duplicate = PossibleDuplicate.objects.get()
    dismissed = client.post(f"{API}/possible-duplicates/{duplicate.pk}/dismiss", **bearer(users["admin"]))
    assert dismissed.status_code == 200
    assert (dismissed.json()["status"], dismissed.json()["decided_by"]) == ("dismissed", "admin")
    assert not ForeignPatient.objects.filter(same_person_as__isnull=False).exists()
    assert client.get(f"{API}/possible-duplicates", **bearer(users["coordinator"])).json()["count"] == 0
    closed = client.get(f"{API}/possible-duplicates?status=dismissed", **bearer(users["coordinator"])).json()
    assert [item["id"] for item in closed["items"]] == [duplicate.pk]
    entry = AuditEntry.objects.get(object_type="tourism.possibleduplicate", action=AuditAction.STATE_CHANGE)
    assert (entry.actor_username, entry.changes) == ("admin", {"status": ["open", "dismissed"]})


def test_audit_entries_never_name_the_patients(client, users, office, matched):
    duplicate = PossibleDuplicate.objects.get()
    client.post(f"{API}/possible-duplicates/{duplicate.pk}/merge", **bearer(users["coordinator"]))
    created = AuditEntry.objects.get(object_type="tourism.possibleduplicate", action=AuditAction.CREATE)
    assert (created.actor_username, created.message) == ("partner2", "passport")
    for entry in AuditEntry.objects.all():
        text = f"{entry.object_repr} {entry.message} {entry.changes}"
        assert "Dimitrova" not in text
        assert "Elena" not in text
        assert "3456789" not in text


def test_the_coordinators_page_merges_and_dismisses(client, users, office, matched):
    duplicate = PossibleDuplicate.objects.get()
    client.force_login(users["coordinator"])
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Serbian Health Insurance Fund" in page.content.decode()
    assert f'name="duplicate" value="{duplicate.pk}"' in page.content.decode()
    done = client.post(PAGE, {"duplicate": duplicate.pk, "action": "dismiss"})
    assert done.status_code == 302
    assert PossibleDuplicate.objects.get().status == DuplicateStatus.DISMISSED
    again = client.post(PAGE, {"duplicate": duplicate.pk, "action": "merge"})
    assert again.status_code == 302
    assert PossibleDuplicate.objects.get().status == DuplicateStatus.DISMISSED
    client.force_login(users["partner2"])
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"duplicate": duplicate.pk, "action": "merge"}).status_code == 404
    client.force_login(users["reviewer"])
    assert client.get(PAGE).status_code == 403


def test_merges_link_every_record_to_the_first_one(client, users, office, make_partner, matched):
    from onconet.tourism import services
    from onconet.tourism.tests.test_office import register

    third = make_partner("Kazakh Oncology Fund", "KZ", "insurer")
    patient = PAYLOAD["patient"]
    same = {
        k: patient[k] for k in ("family_name", "given_name", "citizenship", "passport_number", "preferred_language")
    }
    kazakh = register(users["coordinator"], third, **same, date_of_birth=date.fromisoformat(patient["date_of_birth"]))
    first, second = ForeignPatient.objects.exclude(pk=kazakh.pk).order_by("pk")
    pairs = {(d.existing_id, d.newcomer_id): d for d in PossibleDuplicate.objects.all()}
    assert set(pairs) == {(first.pk, second.pk), (first.pk, kazakh.pk), (second.pk, kazakh.pk)}
    coordinator = users["coordinator"]
    services.possible_duplicate_merge(user=coordinator, duplicate=pairs[(first.pk, second.pk)])
    services.possible_duplicate_merge(user=coordinator, duplicate=pairs[(second.pk, kazakh.pk)])
    services.possible_duplicate_merge(user=coordinator, duplicate=pairs[(first.pk, kazakh.pk)])
    linked = dict(ForeignPatient.objects.values_list("pk", "same_person_as"))
    assert linked == {first.pk: None, second.pk: first.pk, kazakh.pk: first.pk}
    assert set(PossibleDuplicate.objects.values_list("status", flat=True)) == {"merged"}
