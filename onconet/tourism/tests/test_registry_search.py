"""The foreign patient registry's search: the selector, the page /office/patients/ and GET /api/v1/patients."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onconet.core import services as core_services
from onconet.tourism import services
from onconet.tourism.selectors import patients_search

pytestmark = pytest.mark.django_db
API = "/api/v1"


def register(user, family, given, native, passport, born, citizenship="BG", language="bg"):
    return services.patient_register(
        user=user,
        partner=user.agency.partner,
        family_name=family,
        given_name=given,
        name_native=native,
        date_of_birth=born,
        sex="F",
        citizenship=citizenship,
        passport_number=passport,
        preferred_language=language,
    )


@pytest.fixture
def registry(users):
    partner, partner2 = users["partner"], users["partner2"]
    return {
        "ivanova": register(partner, "Ivanova", "Maria", "Иванова Мария", "AB 1234567", date(1970, 5, 1)),
        "petrova": register(partner, "Petrova", "Elena", "Петрова Елена", "BG7654321", date(1981, 2, 3)),
        "jovanovic": register(
            partner2, "Jovanović", "Marko", "Јовановић Марко", "RS0012345", date(1965, 9, 9), "RS", "sr"
        ),
    }


def names(qs):
    return [p.family_name for p in qs]


def bearer(user):
    _token, raw = core_services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_every_word_must_occur_in_a_latin_or_native_name(users, registry):
    coordinator = users["coordinator"]
    assert names(patients_search(user=coordinator, query="ivanova")) == ["Ivanova"]
    assert names(patients_search(user=coordinator, query="  Maria   IVANOVA ")) == ["Ivanova"]
    assert names(patients_search(user=coordinator, query="Maria Petrova")) == []
    assert names(patients_search(user=coordinator, query="Иванова")) == ["Ivanova"]
    assert names(patients_search(user=coordinator, query="Марко")) == ["Jovanović"]
    assert names(patients_search(user=coordinator, query="ova")) == ["Ivanova", "Jovanović", "Petrova"]
    assert names(patients_search(user=coordinator, query="Smithson")) == []


def test_without_a_query_the_most_recently_registered_come_first(users, registry):
    assert names(patients_search(user=users["coordinator"], query="")) == ["Jovanović", "Petrova", "Ivanova"]


def test_registry_ids_for_every_reader_and_passports_only_for_those_who_may_see_them(users, registry):
    ivanova = registry["ivanova"]
    for user in (users["coordinator"], users["reviewer"]):
        assert names(patients_search(user=user, query=str(ivanova.pk))) == ["Ivanova"]
        assert names(patients_search(user=user, query=f"P-{ivanova.pk}")) == ["Ivanova"]
    assert names(patients_search(user=users["coordinator"], query="ab 1234567")) == ["Ivanova"]
    assert names(patients_search(user=users["finance"], query="AB1234567")) == ["Ivanova"]
    # a medical reviewer sees masked passports only, so a passport number must not find (or confirm) anyone
    assert names(patients_search(user=users["reviewer"], query="AB1234567")) == []
    assert names(patients_search(user=users["partner"], query="AB1234567")) == []


def test_a_partner_agent_searches_its_own_patients_only(users, registry):
    assert names(patients_search(user=users["partner"], query="ova")) == ["Ivanova", "Petrova"]
    assert names(patients_search(user=users["partner2"], query="ova")) == ["Jovanović"]
    assert names(patients_search(user=users["partner2"], query="Ivanova")) == []
    assert names(patients_search(user=users["partner2"], query=str(registry["ivanova"].pk))) == []


@pytest.mark.parametrize("username", ["analyst", "reporter", "interpreter"])
def test_roles_without_the_registry_see_nothing(client, users, registry, username):
    user = users[username]
    assert not patients_search(user=user, query="Ivanova").exists()
    client.force_login(user)
    assert client.get("/office/patients/", {"q": "Ivanova"}).status_code == 403
    assert client.get(f"{API}/patients", {"q": "Ivanova"}, **bearer(user)).status_code == 403


def test_the_registry_page(client, users, registry):
    ivanova = registry["ivanova"]
    client.force_login(users["coordinator"])
    response = client.get("/office/patients/", {"q": "Ivanova"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"]] == [ivanova.pk]
    body = response.content.decode()
    assert f"P-{ivanova.pk}" in body
    assert "Иванова Мария" in body
    assert "••••••567" in body
    assert "AB1234567" not in body
    everyone = client.get("/office/patients/")
    assert everyone.context["page"].paginator.count == 3
    client.force_login(users["partner2"])
    assert list(client.get("/office/patients/", {"q": "Ivanova"}).context["page"]) == []


def test_the_registry_page_runs_as_many_queries_for_many_patients_as_for_one(client, users, office, registry):
    client.force_login(users["coordinator"])
    client.get("/office/patients/")  # the first request of a session reads more (the user, the permissions)
    with CaptureQueriesContext(connection) as few:
        client.get("/office/patients/")
    for n in range(5):
        patient = register(users["partner"], f"Petrova{n}", "Ana", "", f"BG99000{n}", date(1990, 1, 1 + n))
        services.referral_submit(user=users["partner"], patient=patient, service_code="consult", icd10_codes=["C50.9"])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/office/patients/")
    assert len(response.context["page"]) == 8
    assert len(many) == len(few)


def test_the_registry_api(client, users, registry):
    ivanova = registry["ivanova"]
    response = client.get(f"{API}/patients", {"q": "maria ivanova"}, **bearer(users["coordinator"]))
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "id": ivanova.pk,
                "family_name": "Ivanova",
                "given_name": "Maria",
                "name_native": "Иванова Мария",
                "date_of_birth": "1970-05-01",
                "sex": "F",
                "citizenship": "BG",
                "partner_id": users["partner"].agency.partner_id,
                "passport_masked": "••••••567",
                "preferred_language": "bg",
                "languages": ["bg"],
            }
        ],
    }
    paged = client.get(f"{API}/patients", {"page_size": 2}, **bearer(users["coordinator"])).json()
    assert paged["count"] == 3
    assert [p["family_name"] for p in paged["items"]] == ["Jovanović", "Petrova"]
    other = client.get(f"{API}/patients", {"q": "Ivanova"}, **bearer(users["partner2"]))
    assert other.json() == {"count": 0, "items": []}
    too_long = client.get(f"{API}/patients", {"q": "x" * 201}, **bearer(users["coordinator"]))
    assert too_long.status_code == 400


@pytest.mark.postgres
def test_on_postgresql_the_search_ignores_case_in_every_script_and_can_use_the_trigram_indexes(users, registry):
    coordinator = users["coordinator"]
    assert names(patients_search(user=coordinator, query="иванова мария")) == ["Ivanova"]
    assert names(patients_search(user=coordinator, query="ЈОВАНОВИЋ")) == ["Jovanović"]
    with connection.cursor() as cursor:
        # a three-row table is best scanned: leave the planner only bitmap scans, which need an index condition
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = patients_search(user=coordinator, query="Petrova").explain()  # also a passport number for a coordinator
    for index in ("patient_family_trgm", "patient_given_trgm", "patient_native_trgm", "patient_passport"):
        assert index in plan, plan
