"""POST /fhir/ is no duplicate oracle either: a Bundle whose patient is another partner's patient is answered exactly
like one for a new patient, and the office gets a possible duplicate."""

from __future__ import annotations

from typing import Any

import pytest

from onconet.core.services import api_token_create
from onconet.interop.tests.test_fhir_import import bundle, post, service  # noqa: F401  (fixture)
from onconet.tourism.models import ForeignPatient, PossibleDuplicate

pytestmark = pytest.mark.django_db


def referral() -> dict[str, Any]:
    """The shared Bundle without its document (documents are not what this is about)."""
    return bundle(entry=bundle()["entry"][:2])


def statuses(response: dict[str, Any]) -> list[str]:
    return [entry["response"]["status"] for entry in response["entry"]]


def test_another_partners_patient_is_answered_as_a_new_one(client, users, service):  # noqa: F811
    first = api_token_create(user=users["partner"], name="bg")[1]
    second = api_token_create(user=users["partner2"], name="rs")[1]
    status, response = post(client, referral(), first)
    assert (status, statuses(response)) == (200, ["201 Created"] * 2)
    existing = ForeignPatient.objects.get()

    status, response = post(client, referral(), second)  # the same passport, name and birth date
    assert (status, response["type"], statuses(response)) == (200, "transaction-response", ["201 Created"] * 2)
    newcomer = ForeignPatient.objects.get(partner=users["partner2"].agency.partner)
    assert response["entry"][0]["response"]["location"] == f"Patient/{newcomer.pk}"
    assert list(PossibleDuplicate.objects.values_list("existing", "newcomer", "match", "status")) == [
        (existing.pk, newcomer.pk, "passport", "open")
    ]

    status, response = post(client, referral(), second)  # the partner's own patient again: reused, as before
    assert (status, statuses(response)) == (200, ["200 OK", "201 Created"])
    assert ForeignPatient.objects.count() == 2
    assert PossibleDuplicate.objects.count() == 1
