"""Writes of partnerships: every service stores exact values with an audit entry, and refuses bad input with a
specific FieldProblem having written nothing; state machines, ownership and regional scope are enforced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import make_facility
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditAction, AuditEntry
from onconet.partnerships import services
from onconet.partnerships.models import (
    Accreditation,
    Agreement,
    City,
    Cost,
    CountryIndicator,
    Delegation,
    FollowUp,
    Insight,
    Milestone,
    Organisation,
    Participant,
    Proposal,
    Visit,
)
from onconet.partnerships.tests.conftest import TODAY, TOUR_START
from onconet.tourism import services as tourism_services

pytestmark = pytest.mark.django_db

MODELS = (
    City,
    Organisation,
    Delegation,
    Participant,
    Visit,
    Cost,
    Insight,
    Proposal,
    FollowUp,
    Agreement,
    Milestone,
    Accreditation,
    CountryIndicator,
    AuditEntry,
)

WHO = "WHO, The World Health Report 2000"
WHO_URL = "https://www.who.int/publications/i/item/924156198X"
HEADER = "country,indicator,year,value,unit,source,source_url\n"


def counts() -> dict[str, int]:
    """How many rows every table of partnerships (and the audit log) holds."""
    return {model.__name__: model.objects.count() for model in MODELS}


def problems(err: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str, Any]]:
    return [(p.field, p.message, p.value) for p in err.value.errors]


def audit_of(obj: Any) -> list[tuple[str, str, dict[str, Any]]]:
    entries = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
    return [(e.action, e.actor_username, e.changes) for e in entries]


def day(offset: int) -> dt.date:
    return TOUR_START + dt.timedelta(days=offset)


# ================================================================ cities and organisations


def test_city_is_recorded_with_its_coordinates_and_time_zone_and_audited(users):
    city = services.city_get_or_create(
        user=users["admin"],
        name=" Sofia ",
        country="bg",
        latitude="42.6977",
        longitude=" 23.3219 ",
        timezone="Europe/Sofia",
    )
    city.refresh_from_db()
    assert (city.name, city.country.code, city.latitude, city.longitude, city.timezone) == (
        "Sofia",
        "BG",
        Decimal("42.697700"),
        Decimal("23.321900"),
        "Europe/Sofia",
    )
    assert audit_of(city) == [(AuditAction.CREATE, "admin", {})]
    entry = AuditEntry.objects.get(object_type="partnerships.city")
    assert entry.object_repr == "Sofia (BG)"
    # the same city again is the same record, with no new audit entry
    again = services.city_get_or_create(
        user=users["admin"],
        name="Sofia",
        country="BG",
        latitude="42.6977",
        longitude="23.3219",
        timezone="Europe/Sofia",
    )
    assert again.pk == city.pk
    assert City.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="partnerships.city").count() == 1


def test_city_coordinates_are_rounded_to_six_places_and_corrected_on_a_second_call(users):
    city = services.city_get_or_create(
        user=users["coordinator"], name="Obninsk", country="RU", latitude="55.09681234", longitude="36.6101"
    )
    city.refresh_from_db()
    assert (city.latitude, city.longitude, city.timezone) == (Decimal("55.096812"), Decimal("36.610100"), "UTC")
    services.city_get_or_create(
        user=users["coordinator"], name="Obninsk", country="RU", latitude="55.1", longitude="36.6"
    )
    city.refresh_from_db()
    assert (city.latitude, city.longitude) == (Decimal("55.100000"), Decimal("36.600000"))
    assert City.objects.count() == 1


def test_city_recorded_again_with_its_real_time_zone_takes_it(users):
    services.city_get_or_create(user=users["admin"], name="Paris", country="FR", latitude="48.8566", longitude="2.3522")
    city = services.city_get_or_create(
        user=users["admin"],
        name="Paris",
        country="FR",
        latitude="48.8566",
        longitude="2.3522",
        timezone="Europe/Paris",
    )
    city.refresh_from_db()
    assert city.timezone == "Europe/Paris"


def test_correcting_a_citys_coordinates_is_audited(users):
    city = services.city_get_or_create(
        user=users["admin"], name="Paris", country="FR", latitude="48.0", longitude="2.0", timezone="Europe/Paris"
    )
    services.city_get_or_create(
        user=users["admin"], name="Paris", country="FR", latitude="48.8566", longitude="2.3522", timezone="Europe/Paris"
    )
    assert [action for action, _, _ in audit_of(city)] == [AuditAction.CREATE, AuditAction.UPDATE]


def test_city_accepts_the_extreme_coordinates(users):
    pole = services.city_get_or_create(user=users["admin"], name="Pole", country="AQ", latitude="-90", longitude="180")
    dateline = services.city_get_or_create(
        user=users["admin"], name="Dateline", country="FJ", latitude="90", longitude="-180"
    )
    assert (pole.latitude, pole.longitude) == (Decimal("-90"), Decimal("180"))
    assert (dateline.latitude, dateline.longitude) == (Decimal("90"), Decimal("-180"))


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        ("95", "2.35", ("latitude", "latitude 95 is out of range: it must be between -90 and 90", "95")),
        ("-91", "2.35", ("latitude", "latitude -91 is out of range: it must be between -90 and 90", "-91")),
        ("48.85", "181", ("longitude", "longitude 181 is out of range: it must be between -180 and 180", "181")),
        ("48.85", "-190", ("longitude", "longitude -190 is out of range: it must be between -180 and 180", "-190")),
        ("north", "2.35", ("latitude", '"north" is not a number', "north")),
        ("48.85", "", ("longitude", '"" is not a number', "")),
        ("NaN", "2.35", ("latitude", '"NaN" is not a finite number', "NaN")),
    ],
)
def test_city_with_bad_coordinates_is_refused(users, latitude, longitude, expected):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.city_get_or_create(
            user=users["admin"],
            name="Paris",
            country="FR",
            latitude=latitude,
            longitude=longitude,
            timezone="Europe/Paris",
        )
    assert err.value.detail == "The city cannot be recorded."
    assert problems(err) == [expected]
    assert counts() == before


def test_city_with_an_unknown_time_zone_is_refused(users):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.city_get_or_create(
            user=users["admin"],
            name="Paris",
            country="FR",
            latitude="48.8566",
            longitude="2.3522",
            timezone="Europe/Atlantis",
        )
    assert problems(err) == [
        ("timezone", '"Europe/Atlantis" is not an IANA time zone such as Europe/Paris', None),
    ]
    assert counts() == before


def test_city_lists_every_problem_at_once(users):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.city_get_or_create(
            user=users["admin"], name=" ", country="XX", latitude="95", longitude="-190", timezone="Mars/Olympus"
        )
    assert [field for field, _, _ in problems(err)] == ["timezone", "name", "country", "latitude", "longitude"]
    assert err.value.errors[2].message == '"XX" is not an ISO 3166-1 alpha-2 country code'
    assert counts() == before


@pytest.mark.parametrize("name", ["analyst", "reporter", "reviewer", "partner"])
def test_only_organisers_record_cities_and_organisations(users, name):
    before = counts()
    with pytest.raises(NotAllowed):
        services.city_get_or_create(user=users[name], name="Paris", country="FR", latitude="48.8", longitude="2.3")
    with pytest.raises(NotAllowed):
        services.organisation_get_or_create(user=users[name], name="Hôpital Foch", kind="hospital", country="FR")
    assert counts() == before


def test_organisation_is_recorded_once_and_audited(users, region):
    facility = make_facility(region, "KLU-ONC")
    organisation = services.organisation_get_or_create(
        user=users["coordinator"],
        name=" Kaluga Oncology Dispensary ",
        kind="hospital",
        country="ru",
        city="Kaluga",
        facility=facility,
    )
    organisation.refresh_from_db()
    assert (
        organisation.name,
        organisation.kind,
        organisation.country.code,
        organisation.city,
        organisation.facility_id,
    ) == ("Kaluga Oncology Dispensary", "hospital", "RU", "Kaluga", facility.pk)
    assert audit_of(organisation) == [(AuditAction.CREATE, "coordinator", {})]
    again = services.organisation_get_or_create(
        user=users["admin"], name="Kaluga Oncology Dispensary", kind="hospital", country="RU"
    )
    assert again.pk == organisation.pk
    assert Organisation.objects.count() == 1
    assert len(audit_of(organisation)) == 1


def test_organisation_with_bad_kind_and_country_is_refused(users):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.organisation_get_or_create(user=users["admin"], name="", kind="club", country="XX")
    assert problems(err) == [
        ("name", "an organisation needs a name", None),
        (
            "kind",
            '"club" is not one of association, ministry, federation, hospital, university, company, other',
            "club",
        ),
        ("country", '"XX" is not an ISO 3166-1 alpha-2 country code', "XX"),
    ]
    assert counts() == before


# ================================================================ delegations


def create_delegation(user: Any, places: dict[str, Any], **overrides: Any) -> Delegation:
    values: dict[str, Any] = {
        "title": "Kazakh managers in Moscow",
        "direction": "inbound",
        "purpose": "Hospital management in Moscow.",
        "start_date": day(0),
        "end_date": day(3),
        "origin": places["almaty"],
        "destination": places["moscow"],
    }
    values.update(overrides)
    return services.delegation_create(user=user, **values)


def test_delegation_is_created_planned_with_exact_values_and_audited(users, places):
    delegation = create_delegation(
        users["coordinator"],
        places,
        title="  Kazakh managers in Moscow ",
        purpose=" Hospital management in Moscow. ",
        organisers=[places["nma"], places["rma"]],
        budget="25000.5",
        budget_currency=" eur ",
        notes="Two interpreters.",
    )
    delegation.refresh_from_db()
    assert (
        delegation.title,
        delegation.direction,
        delegation.status,
        delegation.purpose,
        delegation.start_date,
        delegation.end_date,
        delegation.origin_id,
        delegation.destination_id,
        delegation.budget,
        delegation.budget_currency,
        delegation.notes,
        delegation.created_by.username,
        delegation.days,
    ) == (
        "Kazakh managers in Moscow",
        "inbound",
        "planned",
        "Hospital management in Moscow.",
        day(0),
        day(3),
        places["almaty"].pk,
        places["moscow"].pk,
        Decimal("25000.50"),
        "EUR",
        "Two interpreters.",
        "coordinator",
        4,
    )
    assert sorted(o.name for o in delegation.organisers.all()) == [
        "National Medical Association of Kazakhstan",
        "Russian Medical Association",
    ]
    assert audit_of(delegation) == [(AuditAction.CREATE, "coordinator", {})]
    assert AuditEntry.objects.get(object_type="partnerships.delegation").object_repr == "Kazakh managers in Moscow"


def test_delegation_without_budget_stores_no_currency(users, places):
    delegation = create_delegation(users["admin"], places, budget=None, budget_currency="EUR")
    delegation.refresh_from_db()
    assert (delegation.budget, delegation.budget_currency) == (None, "")
    one_day = create_delegation(users["admin"], places, title="One day", end_date=day(0))
    assert one_day.days == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"end_date": day(-1)},
            ("end_date", f"the last day {day(-1)} is before the first day {day(0)}", str(day(-1))),
        ),
        ({"destination": "almaty"}, ("destination", "the origin and the destination are the same city", None)),
        (
            {"budget": "-1", "budget_currency": "EUR"},
            ("budget", "the budget cannot be negative", "-1"),
        ),
        (
            {"budget": "1000", "budget_currency": "ABC"},
            ("budget_currency", '"ABC" is not an ISO 4217 currency code', "ABC"),
        ),
        (
            {"budget": "1000", "budget_currency": ""},
            ("budget_currency", '"" is not an ISO 4217 currency code', ""),
        ),
        ({"budget": "a lot", "budget_currency": "EUR"}, ("budget", '"a lot" is not a number', "a lot")),
        ({"title": "  "}, ("title", "a delegation needs a title", None)),
        ({"purpose": ""}, ("purpose", "say what the delegation is for", None)),
        (
            {"direction": "sideways"},
            ("direction", '"sideways" is not one of inbound, outbound', "sideways"),
        ),
    ],
)
def test_delegation_with_bad_input_is_refused_and_nothing_is_written(users, places, overrides, expected):
    if overrides.get("destination") == "almaty":
        overrides = {**overrides, "destination": places["almaty"]}
    before = counts()
    with pytest.raises(InvalidInput) as err:
        create_delegation(users["coordinator"], places, **overrides)
    assert err.value.detail == "The delegation cannot be recorded."
    assert problems(err) == [expected]
    assert counts() == before


@pytest.mark.parametrize("name", ["analyst", "reviewer", "partner", "reporter", "finance", "interpreter"])
def test_only_organisers_create_delegations(users, places, name):
    before = counts()
    with pytest.raises(NotAllowed) as err:
        create_delegation(users[name], places)
    assert err.value.detail == "You are not allowed to organise delegations."
    assert counts() == before


def test_delegation_goes_planned_confirmed_under_way_completed_and_each_step_is_audited(users, tour):
    for status in ("confirmed", "under_way", "completed"):
        services.delegation_transition(user=users["coordinator"], delegation=tour, status=status)
        tour.refresh_from_db()
        assert tour.status == status
    assert audit_of(tour) == [
        (AuditAction.CREATE, "coordinator", {}),
        (AuditAction.STATE_CHANGE, "coordinator", {"status": ["planned", "confirmed"]}),
        (AuditAction.STATE_CHANGE, "coordinator", {"status": ["confirmed", "under_way"]}),
        (AuditAction.STATE_CHANGE, "coordinator", {"status": ["under_way", "completed"]}),
    ]


@pytest.mark.parametrize("status", ["planned", "confirmed", "under_way", "cancelled", "completed"])
def test_a_completed_delegation_stays_completed(users, tour, status):
    for step in ("confirmed", "under_way", "completed"):
        services.delegation_transition(user=users["admin"], delegation=tour, status=step)
    before = counts()
    with pytest.raises(DomainError) as err:
        services.delegation_transition(user=users["admin"], delegation=tour, status=status)
    assert type(err.value) is DomainError
    assert err.value.detail == f"A completed delegation cannot become {status}; it can become nothing else."
    tour.refresh_from_db()
    assert tour.status == "completed"
    assert counts() == before


def test_a_planned_delegation_cannot_skip_to_completed(users, tour):
    before = counts()
    with pytest.raises(DomainError) as err:
        services.delegation_transition(user=users["coordinator"], delegation=tour, status="completed")
    assert err.value.detail == "A planned delegation cannot become completed; it can become cancelled, confirmed."
    tour.refresh_from_db()
    assert tour.status == "planned"
    assert counts() == before


def test_a_cancelled_delegation_can_be_planned_again_and_a_confirmed_one_put_back(users, tour):
    coordinator = users["coordinator"]
    services.delegation_transition(user=coordinator, delegation=tour, status="cancelled")
    services.delegation_transition(user=coordinator, delegation=tour, status="planned")
    services.delegation_transition(user=coordinator, delegation=tour, status="confirmed")
    services.delegation_transition(user=coordinator, delegation=tour, status="planned")
    tour.refresh_from_db()
    assert tour.status == "planned"
    with pytest.raises(DomainError):
        services.delegation_transition(user=coordinator, delegation=tour, status="under_way")
    with pytest.raises(DomainError):
        services.delegation_transition(user=coordinator, delegation=tour, status="finished")


def test_only_organisers_move_a_delegation(users, tour):
    before = counts()
    for name in ("analyst", "partner", "reporter"):
        with pytest.raises(NotAllowed):
            services.delegation_transition(user=users[name], delegation=tour, status="confirmed")
    tour.refresh_from_db()
    assert tour.status == "planned"
    assert counts() == before


# ================================================================ participants


def test_participant_is_added_with_exact_values_and_audited(users, tour):
    participant = services.participant_add(
        user=users["coordinator"],
        delegation=tour,
        full_name=" Marat Akhmetov ",
        role="physician",
        organisation=" Kazakh Institute of Oncology ",
        country="kz",
        email=" m.akhmetov@example.kz ",
        phone=" +7 727 000 00 00 ",
        visa_status="to_apply",
    )
    participant.refresh_from_db()
    assert (
        participant.delegation_id,
        participant.full_name,
        participant.role,
        participant.organisation,
        participant.country.code,
        participant.email,
        participant.phone,
        participant.visa_status,
    ) == (
        tour.pk,
        "Marat Akhmetov",
        "physician",
        "Kazakh Institute of Oncology",
        "KZ",
        "m.akhmetov@example.kz",
        "+7 727 000 00 00",
        "to_apply",
    )
    assert audit_of(participant) == [(AuditAction.CREATE, "coordinator", {})]
    assert tour.participants.count() == 3


def test_the_same_person_cannot_be_added_twice_whatever_the_case(users, tour):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.participant_add(
            user=users["coordinator"],
            delegation=tour,
            full_name="IRINA sokolova",
            role="physician",
            organisation=" kaluga REGIONAL hospital",
            country="RU",
        )
    assert err.value.detail == "The participant cannot be added."
    assert problems(err) == [
        (
            "full_name",
            "IRINA sokolova of kaluga REGIONAL hospital is already a participant of this delegation",
            None,
        )
    ]
    assert counts() == before
    # the same name from another organisation is another person
    services.participant_add(
        user=users["coordinator"],
        delegation=tour,
        full_name="Irina Sokolova",
        role="physician",
        organisation="Tver Regional Oncology Dispensary",
        country="RU",
    )
    assert tour.participants.filter(full_name="Irina Sokolova").count() == 2


def test_a_participant_from_an_unknown_country_is_refused(users, tour):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.participant_add(
            user=users["coordinator"],
            delegation=tour,
            full_name="Marat Akhmetov",
            role="physician",
            organisation="Kazakh Institute of Oncology",
            country="XK1",
        )
    assert problems(err) == [("country", '"XK1" is not an ISO 3166-1 alpha-2 country code', "XK1")]
    assert counts() == before


def test_a_participant_with_bad_role_and_visa_and_no_name_is_refused(users, tour):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.participant_add(
            user=users["admin"],
            delegation=tour,
            full_name="",
            role="tourist",
            organisation="",
            country="RU",
            visa_status="lost",
        )
    assert [field for field, _, _ in problems(err)] == ["full_name", "organisation", "role", "visa_status"]
    assert err.value.errors[3].message == '"lost" is not one of not_needed, to_apply, applied, issued, refused'
    assert counts() == before


def test_participant_visa_change_and_removal_are_audited(users, tour):
    participant = tour.participants.get(full_name="Aidar Nurlanov")
    services.participant_set_visa(user=users["coordinator"], participant=participant, visa_status="issued")
    participant.refresh_from_db()
    assert participant.visa_status == "issued"
    with pytest.raises(InvalidInput) as err:
        services.participant_set_visa(user=users["coordinator"], participant=participant, visa_status="stamped")
    assert problems(err)[0][0] == "visa_status"
    participant.refresh_from_db()
    assert participant.visa_status == "issued"
    with pytest.raises(NotAllowed):
        services.participant_remove(user=users["analyst"], participant=participant)
    pk = participant.pk
    services.participant_remove(user=users["coordinator"], participant=participant)
    assert not Participant.objects.filter(pk=pk).exists()
    entries = AuditEntry.objects.filter(object_type="partnerships.participant", object_id=str(pk)).order_by("id")
    assert [(e.action, e.changes, e.object_repr) for e in entries] == [
        (AuditAction.CREATE, {}, "Aidar Nurlanov"),
        (AuditAction.UPDATE, {"visa_status": ["applied", "issued"]}, "Aidar Nurlanov"),
        (AuditAction.DELETE, {}, "Aidar Nurlanov"),
    ]


# ================================================================ visits and costs


def test_visit_is_added_on_a_day_of_the_delegation_and_audited(users, tour):
    visit = services.visit_add(
        user=users["coordinator"],
        delegation=tour,
        date=day(5),
        start_time=dt.time(14, 0),
        end_time=dt.time(16, 30),
        institution=" SAMU de Paris ",
        address=" 149 rue de Sèvres, 75015 Paris ",
        host=" Regulation centre ",
        topic="emergency",
        description=" How calls are regulated. ",
    )
    visit.refresh_from_db()
    assert (
        visit.date,
        visit.start_time,
        visit.end_time,
        visit.institution,
        visit.address,
        visit.host,
        visit.topic,
        visit.description,
    ) == (
        day(5),
        dt.time(14, 0),
        dt.time(16, 30),
        "SAMU de Paris",
        "149 rue de Sèvres, 75015 Paris",
        "Regulation centre",
        "emergency",
        "How calls are regulated.",
    )
    assert audit_of(visit) == [(AuditAction.CREATE, "coordinator", {})]
    first_day = services.visit_add(
        user=users["admin"], delegation=tour, date=day(0), institution="Hotel briefing", topic="management"
    )
    assert (first_day.start_time, first_day.end_time) == (None, None)


@pytest.mark.parametrize("offset", [-1, 6, 400])
def test_a_visit_outside_the_delegations_dates_is_refused(users, tour, offset):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.visit_add(
            user=users["coordinator"], delegation=tour, date=day(offset), institution="SAMU", topic="emergency"
        )
    assert err.value.detail == "The visit cannot be added."
    assert problems(err) == [
        ("date", f"{day(offset)} is outside the delegation's dates ({day(0)} to {day(5)})", str(day(offset)))
    ]
    assert counts() == before


@pytest.mark.parametrize(("start", "end"), [(dt.time(14, 0), dt.time(13, 0)), (dt.time(9, 30), dt.time(9, 30))])
def test_a_visit_that_ends_before_it_starts_is_refused(users, tour, start, end):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.visit_add(
            user=users["coordinator"],
            delegation=tour,
            date=day(3),
            start_time=start,
            end_time=end,
            institution="SAMU",
            topic="emergency",
        )
    assert problems(err) == [("end_time", f"the visit ends at {end}, not after it starts at {start}", None)]
    assert counts() == before


def test_a_visit_without_institution_or_with_unknown_topic_is_refused(users, tour):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.visit_add(user=users["coordinator"], delegation=tour, date=day(3), institution=" ", topic="golf")
    assert [field for field, _, _ in problems(err)] == ["institution", "topic"]
    with pytest.raises(NotAllowed):
        services.visit_add(user=users["analyst"], delegation=tour, date=day(3), institution="SAMU", topic="emergency")
    assert counts() == before


def test_cost_is_recorded_with_exact_amount_and_currency_and_audited(users, tour):
    cost = services.cost_add(
        user=users["coordinator"], delegation=tour, category="travel", amount=" 1250.5 ", currency="eur", note=" AF "
    )
    cost.refresh_from_db()
    assert (cost.delegation_id, cost.category, cost.amount, cost.currency, cost.note) == (
        tour.pk,
        "travel",
        Decimal("1250.50"),
        "EUR",
        "AF",
    )
    assert audit_of(cost) == [(AuditAction.CREATE, "coordinator", {})]
    free = services.cost_add(user=users["admin"], delegation=tour, category="fees", amount=0, currency="RUB")
    assert free.amount == Decimal("0")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("100", "ABC", ("currency", '"ABC" is not an ISO 4217 currency code', "ABC")),
        ("100", "euro", ("currency", '"EURO" is not an ISO 4217 currency code', "EURO")),
        ("-10", "EUR", ("amount", "a cost cannot be negative", "-10")),
        ("ten", "EUR", ("amount", '"ten" is not a number', "ten")),
    ],
)
def test_a_bad_cost_is_refused(users, tour, amount, currency, expected):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.cost_add(
            user=users["coordinator"], delegation=tour, category="meals", amount=amount, currency=currency
        )
    assert err.value.detail == "The cost cannot be recorded."
    assert problems(err) == [expected]
    assert counts() == before


def test_a_cost_with_an_unknown_category_or_by_an_analyst_is_refused(users, tour):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.cost_add(user=users["coordinator"], delegation=tour, category="souvenirs", amount="1", currency="EUR")
    assert problems(err)[0][0] == "category"
    with pytest.raises(NotAllowed):
        services.cost_add(user=users["analyst"], delegation=tour, category="meals", amount="1", currency="EUR")
    assert counts() == before


# ================================================================ outcomes


def test_insight_proposal_and_follow_up_are_recorded_and_audited(users, places, tour):
    coordinator = users["coordinator"]
    visit = tour.visits.get(institution="Hôpital Bichat–Claude-Bernard")
    insight = services.insight_add(
        user=coordinator, delegation=tour, topic="emergency", text=" Triage nurses decide. ", visit=visit
    )
    insight.refresh_from_db()
    assert (insight.topic, insight.text, insight.visit_id, insight.recorded_by.username) == (
        "emergency",
        "Triage nurses decide.",
        visit.pk,
        "coordinator",
    )
    proposal = services.proposal_add(
        user=coordinator, delegation=tour, title=" Exchange of physicians ", partner=places["foch"]
    )
    assert (proposal.title, proposal.status, proposal.partner_id) == (
        "Exchange of physicians",
        "idea",
        places["foch"].pk,
    )
    services.proposal_set_status(user=coordinator, proposal=proposal, status="discussing")
    proposal.refresh_from_db()
    assert proposal.status == "discussing"
    action = services.follow_up_add(
        user=coordinator,
        delegation=tour,
        title=" Send the report ",
        owner=users["analyst"],
        due_date=day(20),
        proposal=proposal,
    )
    action.refresh_from_db()
    assert (
        action.title,
        action.owner.username,
        action.due_date,
        action.status,
        action.done_on,
        action.proposal_id,
    ) == (
        "Send the report",
        "analyst",
        day(20),
        "open",
        None,
        proposal.pk,
    )
    assert audit_of(insight) == [(AuditAction.CREATE, "coordinator", {})]
    assert audit_of(proposal) == [
        (AuditAction.CREATE, "coordinator", {}),
        (AuditAction.STATE_CHANGE, "coordinator", {"status": ["idea", "discussing"]}),
    ]
    assert audit_of(action) == [(AuditAction.CREATE, "coordinator", {})]


def test_outcomes_tied_to_another_delegation_are_refused(users, places, tour):
    coordinator = users["coordinator"]
    other = create_delegation(coordinator, places)
    elsewhere = services.visit_add(
        user=coordinator, delegation=other, date=day(1), institution="Botkin Hospital", topic="management"
    )
    foreign_proposal = services.proposal_add(user=coordinator, delegation=other, title="Something else")
    users["reviewer"].is_active = False
    users["reviewer"].save(update_fields=["is_active"])
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.insight_add(user=coordinator, delegation=tour, topic="management", text="x", visit=elsewhere)
    assert problems(err) == [("visit", "that visit belongs to another delegation", None)]
    with pytest.raises(InvalidInput) as err:
        services.follow_up_add(
            user=coordinator,
            delegation=tour,
            title="Call them",
            owner=users["reviewer"],
            due_date=day(10),
            proposal=foreign_proposal,
        )
    assert problems(err) == [
        ("owner", "reviewer is not an active user", None),
        ("proposal", "that proposal belongs to another delegation", None),
    ]
    with pytest.raises(InvalidInput) as err:
        services.proposal_add(user=coordinator, delegation=tour, title=" ")
    assert problems(err) == [("title", "a proposal needs a title", None)]
    assert counts() == before


@pytest.fixture
def action(users, tour) -> FollowUp:
    """An open action owned by the analyst (who cannot manage partnerships)."""
    return services.follow_up_add(
        user=users["coordinator"], delegation=tour, title="Send the report", owner=users["analyst"], due_date=day(20)
    )


def test_the_owner_closes_their_own_action(users, action):
    services.follow_up_close(user=users["analyst"], action=action, status="done", on=day(15))
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", day(15))
    assert audit_of(action)[-1] == (AuditAction.STATE_CHANGE, "analyst", {"status": ["open", "done"]})


def test_an_action_closed_without_a_date_is_done_today(users, action):
    services.follow_up_close(user=users["coordinator"], action=action, status="cancelled")
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("cancelled", TODAY)


def test_someone_elses_action_cannot_be_closed_by_an_analyst(users, tour):
    action = services.follow_up_add(
        user=users["coordinator"], delegation=tour, title="Call Foch", owner=users["admin"], due_date=day(20)
    )
    before = counts()
    with pytest.raises(NotAllowed) as err:
        services.follow_up_close(user=users["analyst"], action=action, status="done")
    assert err.value.detail == "You are not allowed to close other people's follow-up actions."
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("open", None)
    assert counts() == before


def test_an_action_cannot_be_closed_twice(users, action):
    services.follow_up_close(user=users["analyst"], action=action, status="done", on=day(15))
    before = counts()
    with pytest.raises(DomainError) as err:
        services.follow_up_close(user=users["analyst"], action=action, status="cancelled", on=day(16))
    assert err.value.detail == "This action is already done."
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", day(15))
    assert counts() == before


def test_an_action_can_only_be_closed_as_done_or_cancelled(users, action):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.follow_up_close(user=users["analyst"], action=action, status="open")
    assert problems(err) == [("status", 'status must be "done" or "cancelled"', None)]
    action.refresh_from_db()
    assert action.status == "open"
    assert counts() == before


# ================================================================ agreements and milestones


def test_agreement_is_recorded_with_its_parties_and_audited(users, places, tour):
    agreement = services.agreement_create(
        user=users["admin"],
        title=" Memorandum on emergency medicine ",
        kind="memorandum",
        parties=[places["rma"], places["foch"]],
        status="signed",
        signed_on=TODAY,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=730),
        summary="Exchange of emergency physicians.",
        delegation=tour,
    )
    agreement.refresh_from_db()
    assert (
        agreement.title,
        agreement.kind,
        agreement.status,
        agreement.signed_on,
        agreement.valid_from,
        agreement.valid_until,
        agreement.summary,
        agreement.delegation_id,
        agreement.created_by.username,
    ) == (
        "Memorandum on emergency medicine",
        "memorandum",
        "signed",
        TODAY,
        TODAY,
        TODAY + dt.timedelta(days=730),
        "Exchange of emergency physicians.",
        tour.pk,
        "admin",
    )
    assert sorted(p.name for p in agreement.parties.all()) == ["Hôpital Foch", "Russian Medical Association"]
    assert audit_of(agreement) == [(AuditAction.CREATE, "admin", {})]
    draft = services.agreement_create(
        user=users["coordinator"], title="Draft", kind="cooperation", parties=[places["rma"], places["nma"]]
    )
    assert (draft.status, draft.valid_from, draft.valid_until, draft.delegation_id) == ("draft", None, None, None)


def test_an_agreement_with_one_party_is_refused(users, places):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.agreement_create(user=users["admin"], title="Alone", kind="memorandum", parties=[places["rma"]])
    assert err.value.detail == "The agreement cannot be recorded."
    assert problems(err) == [("parties", "an agreement has at least two parties", None)]
    assert counts() == before


def test_an_agreement_with_the_same_party_twice_is_refused(users, places):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.agreement_create(
            user=users["admin"], title="Alone", kind="memorandum", parties=[places["rma"], places["rma"]]
        )
    assert problems(err) == [("parties", "an agreement has at least two parties", None)]
    assert counts() == before


def test_an_agreement_ending_before_it_starts_is_refused(users, places):
    before = counts()
    start = TODAY + dt.timedelta(days=10)
    with pytest.raises(InvalidInput) as err:
        services.agreement_create(
            user=users["admin"],
            title="Backwards",
            kind="cooperation",
            parties=[places["rma"], places["foch"]],
            valid_from=start,
            valid_until=TODAY,
        )
    assert problems(err) == [("valid_until", f"it ends on {TODAY}, before it starts on {start}", None)]
    assert counts() == before


def test_an_agreement_with_bad_kind_and_status_and_no_title_is_refused(users, places):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.agreement_create(
            user=users["admin"], title="", kind="treaty", status="ratified", parties=[places["rma"], places["foch"]]
        )
    assert [field for field, _, _ in problems(err)] == ["title", "kind", "status"]
    with pytest.raises(NotAllowed):
        services.agreement_create(
            user=users["analyst"], title="x", kind="memorandum", parties=[places["rma"], places["foch"]]
        )
    assert counts() == before


@pytest.fixture
def agreement(users, places) -> Agreement:
    return services.agreement_create(
        user=users["admin"], title="Tashkent centre", kind="construction", parties=[places["rma"], places["nma"]]
    )


def test_milestones_are_planned_and_reached_with_audit(users, agreement):
    milestone = services.milestone_add(
        user=users["coordinator"],
        agreement=agreement,
        title=" Feasibility study ",
        planned_date=TODAY + dt.timedelta(days=30),
        responsible=" Project office ",
    )
    milestone.refresh_from_db()
    assert (milestone.title, milestone.planned_date, milestone.actual_date, milestone.responsible) == (
        "Feasibility study",
        TODAY + dt.timedelta(days=30),
        None,
        "Project office",
    )
    assert milestone.late is False
    with pytest.raises(InvalidInput) as early:  # reached is a fact: not a day still to come
        services.milestone_reach(
            user=users["coordinator"], milestone=milestone, actual_date=TODAY + dt.timedelta(days=1)
        )
    assert [field for field, _, _ in problems(early)] == ["actual_date"]
    services.milestone_reach(user=users["coordinator"], milestone=milestone, actual_date=TODAY - dt.timedelta(days=2))
    milestone.refresh_from_db()
    assert milestone.actual_date == TODAY - dt.timedelta(days=2)
    assert audit_of(milestone) == [
        (AuditAction.CREATE, "coordinator", {}),
        (AuditAction.UPDATE, "coordinator", {"actual_date": [None, str(TODAY - dt.timedelta(days=2))]}),
    ]
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.milestone_add(user=users["admin"], agreement=agreement, title="", planned_date=TODAY, responsible="")
    assert [field for field, _, _ in problems(err)] == ["title", "responsible"]
    with pytest.raises(NotAllowed):
        services.milestone_reach(user=users["analyst"], milestone=milestone, actual_date=TODAY)
    assert counts() == before


def test_correcting_a_reached_milestone_audits_the_old_date(users, agreement):
    milestone = services.milestone_add(
        user=users["admin"], agreement=agreement, title="Design approved", planned_date=TODAY, responsible="Office"
    )
    first, second = TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=2)
    services.milestone_reach(user=users["admin"], milestone=milestone, actual_date=first)
    services.milestone_reach(user=users["admin"], milestone=milestone, actual_date=second)
    assert audit_of(milestone)[-1][2] == {"actual_date": [str(first), str(second)]}


def test_an_agreement_is_linked_to_the_contract_it_led_to(users, agreement):
    contract = tourism_services.contract_create(
        user=users["admin"],
        partner=users["partner"].agency.partner,
        number="BG-2027-001",
        our_party="National proton centre",
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        currency="EUR",
    )
    with pytest.raises(NotAllowed):
        services.agreement_link_contract(user=users["analyst"], agreement=agreement, contract=contract)
    services.agreement_link_contract(user=users["coordinator"], agreement=agreement, contract=contract)
    assert list(agreement.contracts.all()) == [contract]
    entry = AuditEntry.objects.filter(object_type="partnerships.agreement", object_id=str(agreement.pk)).latest("id")
    assert (entry.action, entry.actor_username, entry.message) == (
        AuditAction.UPDATE,
        "coordinator",
        "led to contract BG-2027-001",
    )


# ================================================================ accreditations


def add_accreditation(user: Any, facility: Any, **overrides: Any) -> Accreditation:
    values: dict[str, Any] = {
        "standard": "iso_9001",
        "issuing_body": "Bureau Veritas Certification",
        "valid_from": TODAY - dt.timedelta(days=100),
        "valid_until": TODAY + dt.timedelta(days=265),
        "scope": "Quality management of radiotherapy",
    }
    values.update(overrides)
    return services.accreditation_add(user=user, facility=facility, **values)


def test_a_reporter_adds_an_accreditation_for_a_facility_of_its_region(users, region):
    facility = make_facility(region, "KLU-ONC")
    accreditation = add_accreditation(
        users["reporter"],
        facility,
        issuing_body=" Bureau Veritas Certification ",
        certificate_number=" RU-227-2025 ",
        scope=" Quality management of radiotherapy ",
    )
    accreditation.refresh_from_db()
    assert (
        accreditation.facility_id,
        accreditation.standard,
        accreditation.issuing_body,
        accreditation.certificate_number,
        accreditation.valid_from,
        accreditation.valid_until,
        accreditation.scope,
        accreditation.created_by.username,
        accreditation.european,
    ) == (
        facility.pk,
        "iso_9001",
        "Bureau Veritas Certification",
        "RU-227-2025",
        TODAY - dt.timedelta(days=100),
        TODAY + dt.timedelta(days=265),
        "Quality management of radiotherapy",
        "reporter",
        True,
    )
    assert audit_of(accreditation) == [(AuditAction.CREATE, "reporter", {})]


def test_a_reporter_cannot_add_an_accreditation_in_another_region(users, other_region):
    facility = make_facility(other_region, "MOW-ONC")
    before = counts()
    with pytest.raises(NotFound):
        add_accreditation(users["reporter"], facility)
    assert counts() == before
    # the reporter of that region may
    add_accreditation(users["reporter2"], facility)
    assert Accreditation.objects.filter(facility=facility).count() == 1


@pytest.mark.parametrize("name", ["analyst", "reviewer", "partner", "finance"])
def test_roles_without_the_permission_cannot_add_accreditations(users, region, name):
    facility = make_facility(region, "KLU-ONC")
    before = counts()
    with pytest.raises(NotAllowed):
        add_accreditation(users[name], facility)
    assert counts() == before


def test_an_accreditation_that_ends_before_it_starts_is_refused(users, region):
    facility = make_facility(region, "KLU-ONC")
    start, end = TODAY, TODAY - dt.timedelta(days=1)
    before = counts()
    with pytest.raises(InvalidInput) as err:
        add_accreditation(users["coordinator"], facility, valid_from=start, valid_until=end)
    assert err.value.detail == "The accreditation cannot be recorded."
    assert problems(err) == [("valid_until", f"it ends on {end}, before it starts on {start}", str(end))]
    assert counts() == before


def test_an_accreditation_without_body_or_scope_or_with_unknown_standard_is_refused(users, region):
    facility = make_facility(region, "KLU-ONC")
    before = counts()
    with pytest.raises(InvalidInput) as err:
        add_accreditation(users["admin"], facility, standard="iso_27001", issuing_body=" ", scope="")
    assert problems(err) == [
        (
            "standard",
            '"iso_27001" is not one of iso_9001, iso_15189, jci, oeci, eusoma, national_licence, other',
            "iso_27001",
        ),
        ("issuing_body", "name the issuing body", None),
        ("scope", "describe the scope", None),
    ]
    assert counts() == before


# ================================================================ country indicators


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode("utf-8")


GOOD = csv_bytes(
    f'FR,who_overall_performance_rank,2000,1,rank of 191,"{WHO}, Annex Table 10",{WHO_URL}',
    f'kz,who_overall_performance_rank,2000,64,rank of 191,"{WHO}, Annex Table 10",{WHO_URL}',
    'RU,health_expenditure_share_gdp,2021,"7,4",% of GDP,WHO Global Health Expenditure Database,',
)


def indicators() -> list[tuple[str, str, int, Decimal, str, str, str]]:
    return [
        (i.country.code, i.indicator, i.year, i.value, i.unit, i.source, i.source_url)
        for i in CountryIndicator.objects.order_by("country__code", "indicator", "year")
    ]


def test_a_good_csv_imports_exact_values_with_their_sources(users):
    assert services.country_indicators_import(user=users["admin"], data=GOOD) == 3
    assert indicators() == [
        ("FR", "who_overall_performance_rank", 2000, Decimal("1"), "rank of 191", f"{WHO}, Annex Table 10", WHO_URL),
        ("KZ", "who_overall_performance_rank", 2000, Decimal("64"), "rank of 191", f"{WHO}, Annex Table 10", WHO_URL),
        (
            "RU",
            "health_expenditure_share_gdp",
            2021,
            Decimal("7.4"),
            "% of GDP",
            "WHO Global Health Expenditure Database",
            "",
        ),
    ]
    entry = AuditEntry.objects.get(message__startswith="country indicators")
    assert (entry.action, entry.actor_username, entry.message, entry.object_type) == (
        AuditAction.CREATE,
        "admin",
        "country indicators: 3 rows",
        "",
    )


def test_reimporting_updates_instead_of_duplicating(users):
    services.country_indicators_import(user=users["admin"], data=GOOD)
    ids = dict(CountryIndicator.objects.values_list("country__code", "pk"))
    corrected = csv_bytes(
        f"KZ,who_overall_performance_rank,2000,65,rank of 191,WHO 2000 (corrected),{WHO_URL}",
        "KZ,who_overall_performance_rank,2001,63,rank of 191,WHO 2001,",
    )
    assert services.country_indicators_import(user=users["coordinator"], data=corrected) == 2
    assert CountryIndicator.objects.count() == 4
    kz = CountryIndicator.objects.get(country__code="KZ", indicator="who_overall_performance_rank", year=2000)
    assert kz.pk == ids["KZ"]
    assert (kz.value, kz.source) == (Decimal("65"), "WHO 2000 (corrected)")
    assert CountryIndicator.objects.get(country__code="FR").value == Decimal("1")


def test_a_csv_with_problems_lists_each_with_its_line_and_imports_nothing(users):
    services.country_indicators_import(user=users["admin"], data=GOOD)
    before = counts()
    bad = csv_bytes(
        "FR,who_overall_performance_rank,2000,2,rank of 191,changed,",  # 2: fine, but must not be written
        "XX,who_overall_performance_rank,2000,5,rank of 191,WHO,",  # 3: unknown country
        "DE,life_expectancy,2020,about eighty,years,Destatis,",  # 4: not a number
        "IT,life_expectancy,2020,83.1,years,,",  # 5: no source
        "ES,life_expectancy,2020,83.2,years,INE,",  # 6: fine
        "ES,life_expectancy,2020,83.3,years,INE,",  # 7: the same country, indicator and year again
        "PT,life_expectancy,20x0,81.0,years,INE,",  # 8: not a year
        "PT,life_expectancy,1850,81.0,years,INE,",  # 9: not a plausible year
    )
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=bad)
    assert err.value.detail == "Nothing was imported: the CSV has problems."
    assert [(p.location, p.field, p.message) for p in err.value.errors] == [
        ({"line": 3}, "country", 'unknown country code "XX"'),
        ({"line": 4}, "value", '"about eighty" is not a number'),
        ({"line": 5}, "source", "every value needs its source"),
        ({"line": 7}, "year", "ES life_expectancy 2020 is given twice (line 6)"),
        ({"line": 8}, "year", '"20x0" is not a year'),
        ({"line": 9}, "year", '"1850" is not a year'),
    ]
    assert counts() == before
    assert CountryIndicator.objects.get(country__code="FR").value == Decimal("1")


def test_line_numbers_count_blank_lines_and_multi_line_sources(users):
    with_blank_line = csv_bytes("FR,rank,2000,1,,WHO,", "", "XX,rank,2000,1,,WHO,")
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=with_blank_line)
    assert [p.location for p in err.value.errors] == [{"line": 4}]
    with_long_source = csv_bytes('FR,rank,2000,1,,"WHO,\nAnnex Table 10",', "XX,rank,2000,1,,WHO,")
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=with_long_source)
    assert [p.location for p in err.value.errors] == [{"line": 4}]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("country,indicator,year,value,unit,source_url\n", ["source"]),
        ("Country;Indicator;Year;Value;Source\n", ["country", "indicator", "year", "value", "source"]),
    ],
)
def test_a_csv_missing_a_required_column_is_refused(users, header, missing):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=csv_bytes("FR,rank,2000,1,,", header=header))
    assert err.value.detail == f"The CSV lacks the columns {', '.join(missing)}."
    assert [(p.field, p.message, p.location) for p in err.value.errors] == [
        (column, f"missing column {column}", {"line": 1}) for column in missing
    ]
    assert counts() == before


def test_a_csv_that_is_not_utf8_is_refused(users):
    before = counts()
    data = HEADER.encode() + "CZ,life_expectancy,2020,79.0,let,Český statistický úřad,\n".encode("cp1250")
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=data)
    assert err.value.detail == "The file is not UTF-8 text."
    assert problems(err) == [("file", "not UTF-8", None)]
    assert counts() == before


def test_a_csv_with_a_byte_order_mark_and_only_required_columns_imports(users):
    data = "\ufeffcountry,indicator,year,value,source\nCZ,life_expectancy,2020,79.0,Český statistický úřad\n"
    assert services.country_indicators_import(user=users["admin"], data=data.encode("utf-8")) == 1
    assert indicators() == [("CZ", "life_expectancy", 2020, Decimal("79"), "", "Český statistický úřad", "")]


def test_an_empty_csv_and_an_analyst_import_nothing(users):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=HEADER.encode())
    assert problems(err) == [("file", "the file has no rows", None)]
    for name in ("analyst", "reporter", "partner"):
        with pytest.raises(NotAllowed):
            services.country_indicators_import(user=users[name], data=GOOD)
    assert counts() == before


def test_a_value_too_large_for_the_column_is_refused_with_its_line(users):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(
            user=users["admin"], data=csv_bytes("FR,population,2024,12345678901234567,people,INSEE,")
        )
    assert [(p.location, p.field) for p in err.value.errors] == [({"line": 2}, "value")]
    assert counts() == before


# ================================================================ demo data


def test_demo_builds_the_paris_tour_agreements_accreditations_and_indicators(users, region, other_region):
    from onconet.partnerships.demo import build_partnerships
    from onconet.partnerships.selectors import cost_totals, european_certified, expiring_accreditations

    mrrc = make_facility(region, "MRRC-PROTON", name="National Medical Radiological Research Centre")
    make_facility(other_region, "FHTC-DIM", name="Dimitrovgrad Proton Centre")
    make_facility(other_region, "SPB-PROTON", name="St Petersburg Proton Centre")
    assert build_partnerships(seed=2026) == 2

    tour = Delegation.objects.get(title="Study tour to Paris: French hospitals and emergency services")
    start = TODAY - dt.timedelta(days=150)
    assert (tour.status, tour.direction, tour.start_date, tour.end_date, tour.days) == (
        "completed",
        "outbound",
        start,
        start + dt.timedelta(days=5),
        6,
    )
    assert (tour.origin.name, tour.destination.name, tour.destination.timezone) == ("Almaty", "Paris", "Europe/Paris")
    assert tour.created_by.username == "coordinator"
    assert sorted(o.name for o in tour.organisers.all()) == [
        "National Medical Association of the Republic of Kazakhstan",
        "Russian Medical Association",
    ]
    participants = list(tour.participants.all())
    assert len(participants) == 24
    assert sorted(p.country.code for p in participants) == ["KZ"] * 12 + ["RU"] * 12
    assert sum(p.role == "head" for p in participants) == 1
    assert {p.visa_status for p in participants} == {"issued"}
    assert tour.participants.get(full_name="Irina Sokolova").email == "irina.sokolova@example.org"
    visits = list(tour.visits.all())
    assert [(v.date, v.start_time, v.institution) for v in visits] == [
        (start + dt.timedelta(days=1), dt.time(10), "Fédération Hospitalière de France (directorate)"),
        (start + dt.timedelta(days=2), dt.time(9), "Hôpital Bichat–Claude-Bernard (AP-HP)"),
        (start + dt.timedelta(days=3), dt.time(10), "Hôpital Foch"),
        (start + dt.timedelta(days=4), dt.time(10), "Clinique de la Porte de Saint-Cloud"),
    ]
    assert [(t.currency, t.spent, t.budget) for t in cost_totals(tour)] == [
        ("EUR", Decimal("83500.00"), Decimal("96000.00")),
        ("RUB", Decimal("192000.00"), None),
    ]
    assert tour.insights.count() == 4
    assert [(p.title, p.status, p.partner.name) for p in tour.proposals.all()] == [
        ("Franco-Russian cooperation in hospital management", "discussing", "Hôpital Foch")
    ]
    assert [(f.title, f.owner.username, f.due_date, f.status) for f in tour.follow_ups.all()] == [
        (
            "Send the delegation's report and recommendations to both associations",
            "coordinator",
            start + dt.timedelta(days=40),
            "open",
        ),
        ("Propose a staff exchange to Hôpital Foch", "admin", TODAY + dt.timedelta(days=21), "open"),
    ]

    bulgarian = Agreement.objects.get(title="Proton therapy for Bulgarian citizens")
    assert (bulgarian.kind, bulgarian.status, bulgarian.valid_until) == (
        "service",
        "in_force",
        TODAY + dt.timedelta(days=700),
    )
    assert sorted((p.name, p.country.code) for p in bulgarian.parties.all()) == [
        ("Bulgarian Ministry of Health", "BG"),
        ("National Medical Radiological Research Centre", "RU"),
    ]
    assert bulgarian.parties.get(country__code="RU").facility == mrrc
    assert [(m.title, m.actual_date) for m in bulgarian.milestones.all()] == [
        ("First patients treated", TODAY - dt.timedelta(days=286))
    ]
    project = Agreement.objects.get(kind="construction")
    assert (project.title, project.status) == ("A new proton therapy centre in Tashkent", "signed")
    assert sorted(p.country.code for p in project.parties.all()) == ["RU", "UZ"]
    assert [(m.title, m.planned_date - TODAY, m.actual_date is not None, m.late) for m in project.milestones.all()] == [
        ("Feasibility study", dt.timedelta(days=-180), True, False),
        ("Site chosen and land allocated", dt.timedelta(days=-90), True, False),
        ("Design documentation approved", dt.timedelta(days=-10), False, True),
        ("Construction starts", dt.timedelta(days=120), False, False),
        ("Gantry installed and commissioned", dt.timedelta(days=700), False, False),
        ("First patient treated", dt.timedelta(days=820), False, False),
    ]
    assert Agreement.objects.get(kind="memorandum").delegation == tour

    assert Accreditation.objects.count() == 5
    assert [
        (a.facility.code, a.standard, a.valid_until - TODAY) for a in expiring_accreditations(user=users["admin"])
    ] == [
        ("MRRC-PROTON", "oeci", dt.timedelta(days=45)),
        ("FHTC-DIM", "iso_9001", dt.timedelta(days=80)),
    ]
    assert [(c.facility.code, [a.standard for a in c.certificates]) for c in european_certified()] == [
        ("FHTC-DIM", ["iso_9001"]),
        ("MRRC-PROTON", ["iso_9001", "oeci"]),
    ]  # St Petersburg holds JCI and an expired ISO 15189 only

    assert [
        (i.country.code, i.indicator, i.year, i.value, i.unit, i.source_url)
        for i in CountryIndicator.objects.order_by("country__code")
    ] == [
        ("FR", "who_overall_performance_rank", 2000, Decimal("1"), "rank of 191", WHO_URL),
        ("KZ", "who_overall_performance_rank", 2000, Decimal("64"), "rank of 191", WHO_URL),
        ("RU", "who_overall_performance_rank", 2000, Decimal("130"), "rank of 191", WHO_URL),
    ]
    assert {i.source for i in CountryIndicator.objects.all()} == {
        "WHO, The World Health Report 2000 — Health systems: improving performance, Annex Table 10 "
        "(overall health system performance)"
    }

    visit = Delegation.objects.get(direction="inbound")
    assert (visit.title, visit.status, visit.origin.name, visit.destination.name) == (
        "Bulgarian Ministry of Health at the Obninsk proton centre",
        "confirmed",
        "Sofia",
        "Obninsk",
    )
    assert sorted(p.visa_status for p in visit.participants.all()) == ["applied", "applied", "to_apply"]


def test_demo_without_its_users_builds_nothing(reference):
    from onconet.partnerships.demo import build_partnerships

    before = counts()
    assert build_partnerships(seed=2026) == 0
    assert counts() == before


def test_demo_without_the_proton_centres_still_builds_the_tour(users):
    from onconet.partnerships.demo import build_partnerships

    assert build_partnerships(seed=1) == 2
    assert Accreditation.objects.count() == 0
    assert Participant.objects.filter(delegation__title__startswith="Study tour to Paris").count() == 24
    ours = Organisation.objects.get(name="National Medical Radiological Research Centre")
    assert ours.facility is None


# ---------------------------------------------------------------- fixes found by review


def test_a_cyrillic_participant_added_twice_is_refused(users, tour):
    services.participant_add(
        user=users["coordinator"],
        delegation=tour,
        full_name="Ирина Петрова",
        role="manager",
        organisation="Калужская областная больница",
        country="RU",
    )
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.participant_add(
            user=users["coordinator"],
            delegation=tour,
            full_name="ИРИНА ПЕТРОВА",
            role="manager",
            organisation="КАЛУЖСКАЯ ОБЛАСТНАЯ БОЛЬНИЦА",
            country="RU",
        )
    assert [field for field, _, _ in problems(err)] == ["full_name"]
    assert counts() == before


def test_an_action_owner_must_see_delegations(users, tour):
    before = counts()
    for username in ("partner", "finance", "interpreter"):
        with pytest.raises(InvalidInput) as err:
            services.follow_up_add(
                user=users["coordinator"], delegation=tour, title="Call", owner=users[username], due_date=TODAY
            )
        assert problems(err)[0][0] == "owner"
    assert counts() == before


def test_open_actions_come_first(users, tour):
    from onconet.partnerships import selectors

    done = services.follow_up_add(
        user=users["coordinator"], delegation=tour, title="A", owner=users["analyst"], due_date=TODAY
    )
    services.follow_up_close(user=users["analyst"], action=done, status="done")
    late = services.follow_up_add(
        user=users["coordinator"], delegation=tour, title="B", owner=users["analyst"], due_date=TODAY
    )
    assert [a.pk for a in selectors.follow_ups_list(user=users["analyst"])] == [late.pk, done.pk]


def test_linking_a_contract_twice_is_recorded_once(users, places):
    from onconet.tourism.models import Contract

    agreement = services.agreement_create(
        user=users["admin"], title="Service", kind="service", parties=[places["rma"], places["foch"]]
    )
    contract = tourism_services.contract_create(
        user=users["admin"],
        partner=users["partner"].agency.partner,
        number="BG-LINK-1",
        our_party="Centre",
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=300),
        currency="EUR",
        services=[],
    )
    assert isinstance(contract, Contract)
    services.agreement_link_contract(user=users["admin"], agreement=agreement, contract=contract)
    services.agreement_link_contract(user=users["admin"], agreement=agreement, contract=contract)
    assert list(agreement.contracts.all()) == [contract]
    assert [a for a, _, _ in audit_of(agreement)] == [AuditAction.CREATE, AuditAction.UPDATE]


def test_indicator_years_must_be_ascii_digits(users):
    data = "country,indicator,year,value,unit,source\nFR,rank,２０００,1,rank,WHO\n".encode()
    with pytest.raises(InvalidInput) as err:
        services.country_indicators_import(user=users["admin"], data=data)
    assert [field for field, _, _ in problems(err)] == ["year"]
