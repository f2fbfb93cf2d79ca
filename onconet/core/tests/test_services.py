"""Writes of the core app: facilities, tokens, logins, users, reference data."""

from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import translation

from conftest import make_facility
from onconet.core import services
from onconet.core.errors import InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditAction, AuditEntry, Facility, FacilityKind, Region
from onconet.core.roles import Role

pytestmark = pytest.mark.django_db


def data(**overrides):
    values = {"code": "KLU-NEW", "name": "New hospital", "kind": FacilityKind.HOSPITAL}
    values.update(overrides)
    return services.FacilityData(**values)


def test_facility_create_by_reporter_in_own_region_is_audited(users, region):
    facility = services.facility_create(user=users["reporter"], region=region, data=data())
    assert facility.region == region
    entry = AuditEntry.objects.get(object_type="core.facility", object_id=str(facility.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor_username == "reporter"
    assert entry.changes["code"] == [None, "KLU-NEW"]


def test_facility_create_in_other_region_is_not_found_and_writes_nothing(users, other_region):
    with pytest.raises(NotFound):
        services.facility_create(user=users["reporter"], region=other_region, data=data())
    assert not Facility.objects.exists()
    assert not AuditEntry.objects.exists()


def test_facility_create_without_permission_is_refused(users, region):
    with pytest.raises(NotAllowed):
        services.facility_create(user=users["analyst"], region=region, data=data())
    assert not Facility.objects.exists()


def test_facility_create_lists_every_problem(users, region):
    with pytest.raises(InvalidInput) as err:
        services.facility_create(
            user=users["admin"],
            region=region,
            data=data(kind="spaceport", latitude=Decimal("95"), longitude=Decimal("-200"), parent_id=999999),
        )
    fields = sorted(problem.field for problem in err.value.errors)
    assert fields == ["kind", "latitude", "longitude", "parent"]
    assert not Facility.objects.exists()


def test_facility_code_unique_within_region_case_insensitive(users, region, other_region):
    make_facility(region, "KLU-1")
    with pytest.raises(InvalidInput) as err:
        services.facility_create(user=users["admin"], region=region, data=data(code="klu-1"))
    assert err.value.errors[0].field == "code"
    # the same code in another region is fine
    services.facility_create(user=users["admin"], region=other_region, data=data(code="KLU-1"))


def test_located_in_and_operator_are_separate_relations(users, region):
    dispensary = make_facility(region, "DISP", FacilityKind.DISPENSARY)
    hospital = make_facility(region, "H1")
    caop = services.facility_create(
        user=users["reporter"],
        region=region,
        data=data(code="CAOP1", kind=FacilityKind.CAOP, parent_id=dispensary.pk, located_in_id=hospital.pk),
    )
    assert caop.parent == dispensary
    assert caop.located_in == hospital
    assert list(hospital.hosted_units.all()) == [caop]
    assert list(dispensary.operated.all()) == [caop]


def test_located_in_cycle_is_refused(users, region):
    a = make_facility(region, "A")
    b = make_facility(region, "B", located_in=a)
    with pytest.raises(InvalidInput) as err:
        services.facility_update(user=users["admin"], facility=a, data=data(code="A", located_in_id=b.pk))
    assert err.value.errors[0].field == "located_in"
    a.refresh_from_db()
    assert a.located_in is None


def test_reporter_cannot_link_to_another_regions_facility(users, region, other_region):
    foreign = make_facility(other_region, "MOW-H")
    with pytest.raises(InvalidInput) as err:
        services.facility_create(user=users["reporter"], region=region, data=data(parent_id=foreign.pk))
    assert err.value.errors[0].field == "parent"


def test_facility_update_audits_only_changes(users, region):
    facility = make_facility(region, "H1")
    services.facility_update(user=users["reporter"], facility=facility, data=data(code="H1", name="Renamed"))
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.changes == {"name": ["Facility H1", "Renamed"]}
    services.facility_update(user=users["reporter"], facility=facility, data=data(code="H1", name="Renamed"))
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE).count() == 1


def test_api_token_is_stored_hashed_and_authenticates(users):
    token, raw = services.api_token_create(user=users["analyst"], name="etl")
    assert raw.startswith("onc_")
    assert raw not in token.token_hash
    assert services.api_token_authenticate(raw) == users["analyst"]
    assert services.api_token_authenticate(raw + "x") is None
    services.api_token_revoke(user=users["analyst"], token_id=token.pk)
    assert services.api_token_authenticate(raw) is None


def test_api_token_of_another_user_cannot_be_revoked(users):
    token, _raw = services.api_token_create(user=users["analyst"], name="etl")
    with pytest.raises(NotFound):
        services.api_token_revoke(user=users["admin"], token_id=token.pk)


def test_api_token_needs_a_name(users):
    with pytest.raises(InvalidInput):
        services.api_token_create(user=users["analyst"], name="   ")


def test_login_unlock_is_for_national_admins(users):
    # counting failures and locking is django-axes' (onconet/core/tests/test_sign_in.py); lifting a lock is ours
    with pytest.raises(NotAllowed):
        services.login_unlock(actor=users["analyst"], username="reporter")
    assert services.login_unlock(actor=users["admin"], username=" Reporter ") == 0
    entry = AuditEntry.objects.get(message="sign-in lock lifted")
    assert (entry.actor_username, entry.object_repr, entry.changes) == ("admin", "reporter", {})
    with pytest.raises(InvalidInput):
        services.login_unlock(actor=users["admin"], username="  ")


def test_user_roles_need_their_scope(reference, region):
    with pytest.raises(InvalidInput):
        services.user_create(username="r", role=Role.REGIONAL_REPORTER, password="x" * 12)
    with pytest.raises(InvalidInput):
        services.user_create(username="p", role=Role.PARTNER_AGENT, password="x" * 12)
    with pytest.raises(InvalidInput):
        services.user_create(username="a", role=Role.NATIONAL_ANALYST, password="x" * 12, region=region)


def test_user_languages_are_iso_639(reference):
    with pytest.raises(InvalidInput) as err:
        services.user_create(username="i", role=Role.INTERPRETER, password="x" * 12, languages=["bg", "xx"])
    assert "xx" in err.value.detail
    user = services.user_create(username="i", role=Role.INTERPRETER, password="x" * 12, languages=["BG", "srp"])
    assert user.languages == ["bg", "srp"]
    assert user.groups.get().name == "interpreter"


def test_reference_load_gives_83_regions_with_census_population(reference):
    assert Region.objects.count() == 83
    total = sum(Region.objects.values_list("population", flat=True))
    assert total == 142_856_536  # the 2010 census total without Crimea (reference/README.md)
    kaluga = Region.objects.get(code="RU-KLU")
    assert kaluga.federal_district.code == "central"
    assert kaluga.population == 1_010_930


def test_regions_import_is_all_or_nothing(reference, tmp_path):
    bad = tmp_path / "regions.csv"
    bad.write_text(
        "iso_code,name_en,subdivision_type,federal_district,population_2010_census,population_source\n"
        "RU-KLU,Kaluga,Administrative region,Central,999,Test\n"
        "RU-XXX,Nowhere,Region,Central,1,Test\n"
        "RU-TVE,Tver,Administrative region,Atlantis,12a,Test\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        services.regions_import_csv(path=bad)
    assert [(p.location["row"], p.field) for p in err.value.errors] == [
        (3, "iso_code"),
        (4, "federal_district"),
        (4, "population"),
    ]
    assert Region.objects.get(code="RU-KLU").population == 1_010_930


def test_every_region_has_its_russian_and_english_name(reference):
    kaluga = Region.objects.get(code="RU-KLU")
    assert (kaluga.name, kaluga.name_en, kaluga.name_ru) == (
        "Kaluzhskaya oblast'",
        "Kaluga Oblast",
        "Калужская область",
    )
    with translation.override("ru"):
        assert kaluga.display_name == "Калужская область"
        assert str(Region.objects.get(code="RU-MOW")) == "Москва (RU-MOW)"
    with translation.override("en"):
        assert kaluga.display_name == "Kaluga Oblast"
    assert not Region.objects.filter(country__code="RU").filter(Q(name_ru="") | Q(name_en="")).exists()


def test_region_names_import_is_all_or_nothing(reference, tmp_path):
    bad = tmp_path / "names.csv"
    bad.write_text(
        "iso_code,name_ru,name_en\nRU-KLU,Калуга,Kaluga\nRU-XXX,Нигде,Nowhere\nRU-TVE,,Tver\nRU-TUL,Тула,Tula\nRU-TUL,Тула,Tula\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        services.region_names_import_csv(path=bad)
    assert [(p.location["row"], p.field, p.message) for p in err.value.errors] == [
        (3, "iso_code", "not a region on record"),
        (4, "name_ru", "must be given"),
        (6, "iso_code", "given twice"),
    ]
    assert Region.objects.get(code="RU-KLU").name_ru == "Калужская область"
    (tmp_path / "short.csv").write_text("iso_code,name_ru\nRU-KLU,Калуга\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing columns name_en"):
        services.region_names_import_csv(path=tmp_path / "short.csv")


def test_regions_import_adds_a_region_of_another_country(reference, tmp_path):
    extra = tmp_path / "kz.csv"
    extra.write_text(
        "iso_code,name_en,subdivision_type,federal_district,population_2010_census,population_source\n"
        "KZ-75,Almaty,City,,2000000,Test census\n",
        encoding="utf-8",
    )
    assert services.regions_import_csv(path=extra, population_year=2021) == 1
    almaty = Region.objects.get(code="KZ-75")
    assert almaty.country.code == "KZ"
    assert almaty.federal_district is None
    assert almaty.population_year == 2021
