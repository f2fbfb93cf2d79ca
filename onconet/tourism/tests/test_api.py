"""Partner scoping over the API: a partner agent reads only its own organisation, with no count leak."""

import pytest

from onconet.core import services
from onconet.tourism.models import PartnerContact
from onconet.tourism.tests.factories import PartnerContactFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer(user):
    _token, raw = services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_partner_agent_lists_only_its_partner(client, users):
    body = client.get(f"{API}/partners", **bearer(users["partner"])).json()
    assert body["count"] == 1
    assert [p["name"] for p in body["items"]] == ["Bulgarian Ministry of Health"]


def test_partner_agent_gets_404_for_another_partner_and_its_contacts(client, users):
    other = users["partner2"].agency.partner
    PartnerContactFactory(partner=other, name="Secret")
    auth = bearer(users["partner"])
    missing = client.get(f"{API}/partners/999999", **auth)
    forbidden = client.get(f"{API}/partners/{other.pk}", **auth)
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert client.get(f"{API}/partners/{other.pk}/contacts", **auth).status_code == 404
    response = client.post(
        f"{API}/partners/{other.pk}/contacts", data={"name": "Spy"}, content_type="application/json", **auth
    )
    assert response.status_code == 404
    assert not PartnerContact.objects.filter(name="Spy").exists()


def test_partner_agent_adds_contact_to_own_partner(client, users):
    own = users["partner"].agency.partner
    response = client.post(
        f"{API}/partners/{own.pk}/contacts",
        data={"name": "Maria Ivanova", "language": "bg"},
        content_type="application/json",
        **bearer(users["partner"]),
    )
    assert response.status_code == 201
    assert response.json()["language"] == "bg"


def test_contact_language_must_be_iso_639(client, users):
    own = users["partner"].agency.partner
    response = client.post(
        f"{API}/partners/{own.pk}/contacts",
        data={"name": "X", "language": "zz"},
        content_type="application/json",
        **bearer(users["partner"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"
    assert not PartnerContact.objects.exists()


def test_regional_reporter_sees_no_partners(client, users):
    assert client.get(f"{API}/partners", **bearer(users["reporter"])).json()["count"] == 0


def test_partner_filters(client, users):
    body = client.get(f"{API}/partners?country=RS", **bearer(users["coordinator"])).json()
    assert [p["country"] for p in body["items"]] == ["RS"]
