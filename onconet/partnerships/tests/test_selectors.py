"""Reads of partnerships: the itinerary, cost totals, alerts (overdue actions, expiring accreditations), the
European-certified list, country profiles, delegation lists and great-circle distances — exact values and scope."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import make_facility
from onconet.core.errors import NotAllowed, NotFound
from onconet.partnerships import selectors, services
from onconet.partnerships.models import EARTH_RADIUS_KM, great_circle_km
from onconet.partnerships.selectors import CurrencyTotal
from onconet.partnerships.tests.conftest import TODAY, TOUR_START
from onconet.tourism import services as tourism_services

pytestmark = pytest.mark.django_db

MOSCOW = (55.7558, 37.6173)
PARIS = (48.8566, 2.3522)
ALMATY = (43.2220, 76.8512)


def day(offset: int) -> dt.date:
    return TOUR_START + dt.timedelta(days=offset)


def delegation(user: Any, origin: Any, destination: Any, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Kazakh managers in Moscow",
        "direction": "inbound",
        "purpose": "Hospital management in Moscow.",
        "start_date": TODAY - dt.timedelta(days=10),
        "end_date": TODAY - dt.timedelta(days=8),
        "origin": origin,
        "destination": destination,
    }
    values.update(overrides)
    return services.delegation_create(user=user, **values)


# ================================================================ itinerary and costs


def test_itinerary_has_every_day_with_its_visits_in_order(users, tour):
    services.visit_add(
        user=users["coordinator"],
        delegation=tour,
        date=day(1),
        start_time=dt.time(15, 0),
        end_time=dt.time(17, 0),
        institution="Ministry of Health",
        topic="financing",
    )
    services.visit_add(
        user=users["coordinator"],
        delegation=tour,
        date=day(5),
        start_time=dt.time(8, 0),
        institution="Hôpital Foch",
        topic="private",
    )
    days = selectors.itinerary(tour)
    assert [(d.number, d.date, [v.institution for v in d.visits]) for d in days] == [
        (1, day(0), []),
        (2, day(1), ["Fédération Hospitalière de France", "Ministry of Health"]),
        (3, day(2), ["Hôpital Bichat–Claude-Bernard"]),
        (4, day(3), []),
        (5, day(4), []),
        (6, day(5), ["Hôpital Foch"]),
    ]


def test_itinerary_of_a_one_day_delegation_without_visits(users, places):
    one_day = delegation(users["admin"], places["almaty"], places["moscow"], end_date=TODAY - dt.timedelta(days=10))
    assert [(d.number, d.date, d.visits) for d in selectors.itinerary(one_day)] == [
        (1, TODAY - dt.timedelta(days=10), [])
    ]


def test_cost_totals_per_currency_against_the_budget_currency_only(users, tour):
    coordinator = users["coordinator"]
    for category, amount, currency in [
        ("travel", "12000.50", "EUR"),
        ("accommodation", "9000", "eur"),
        ("visas", "35000", "RUB"),
        ("fees", "100", "USD"),
    ]:
        services.cost_add(user=coordinator, delegation=tour, category=category, amount=amount, currency=currency)
    totals = selectors.cost_totals(tour)
    assert totals == [
        CurrencyTotal("EUR", Decimal("21000.50"), Decimal("60000.00")),
        CurrencyTotal("RUB", Decimal("35000.00"), None),
        CurrencyTotal("USD", Decimal("100.00"), None),
    ]
    assert totals[0].share == pytest.approx(21000.50 / 60000)
    assert (totals[1].share, totals[2].share) == (None, None)


def test_cost_totals_show_an_unspent_budget_and_nothing_without_budget_or_costs(users, places, tour):
    assert selectors.cost_totals(tour) == [CurrencyTotal("EUR", Decimal(0), Decimal("60000.00"))]
    assert selectors.cost_totals(tour)[0].share == 0.0
    rouble_budget = delegation(
        users["admin"], places["almaty"], places["moscow"], budget="450000", budget_currency="RUB"
    )
    services.cost_add(user=users["admin"], delegation=rouble_budget, category="meals", amount="80", currency="EUR")
    assert selectors.cost_totals(rouble_budget) == [
        CurrencyTotal("EUR", Decimal("80.00"), None),  # never converted into the budget's currency
        CurrencyTotal("RUB", Decimal(0), Decimal("450000.00")),
    ]
    no_budget = delegation(users["admin"], places["almaty"], places["paris"], title="No budget")
    assert selectors.cost_totals(no_budget) == []
    free = delegation(
        users["admin"], places["moscow"], places["paris"], title="Free", budget="0", budget_currency="EUR"
    )
    assert selectors.cost_totals(free) == [CurrencyTotal("EUR", Decimal(0), Decimal("0.00"))]
    assert selectors.cost_totals(free)[0].share is None


# ================================================================ overdue actions


def test_overdue_actions_are_the_users_own_open_ones_past_due(users, tour):
    coordinator = users["coordinator"]

    def action(title: str, owner: str, due: int) -> Any:
        return services.follow_up_add(
            user=coordinator, delegation=tour, title=title, owner=users[owner], due_date=TODAY + dt.timedelta(days=due)
        )

    late = action("Send the report", "analyst", -3)
    later = action("Call Foch", "analyst", -1)
    action("Due today", "analyst", 0)
    action("Next week", "analyst", 7)
    done = action("Done already", "analyst", -5)
    services.follow_up_close(user=users["analyst"], action=done, status="done")
    cancelled = action("Dropped", "analyst", -5)
    services.follow_up_close(user=coordinator, action=cancelled, status="cancelled")
    admins = action("Someone else's", "admin", -10)
    assert list(selectors.overdue_actions(user=users["analyst"])) == [late, later]
    assert list(selectors.overdue_actions(user=users["admin"])) == [admins]
    assert list(selectors.overdue_actions(user=users["coordinator"])) == []
    assert list(selectors.overdue_actions(user=AnonymousUser())) == []
    # on a given day: what was due before it
    assert [a.title for a in selectors.overdue_actions(user=users["analyst"], today=TODAY + dt.timedelta(days=8))] == [
        "Send the report",
        "Call Foch",
        "Due today",
        "Next week",
    ]
    assert late.overdue is True
    assert done.overdue is False


# ================================================================ accreditations


def accredit(facility: Any, admin: Any, standard: str, since: int, until: int) -> Any:
    return services.accreditation_add(
        user=admin,
        facility=facility,
        standard=standard,
        issuing_body="Bureau Veritas Certification",
        valid_from=TODAY + dt.timedelta(days=since),
        valid_until=TODAY + dt.timedelta(days=until),
        scope="Quality management",
    )


@pytest.fixture
def accreditations(users, region, other_region) -> dict[str, Any]:
    admin = users["admin"]
    kaluga = make_facility(region, "KLU-ONC", name="Kaluga Oncology Dispensary")
    moscow = make_facility(other_region, "MOW-PROTON", name="Moscow Proton Centre")
    return {
        "ends_today": accredit(kaluga, admin, "iso_9001", -300, 0),
        "in_90_days": accredit(kaluga, admin, "oeci", -300, 90),
        "in_91_days": accredit(kaluga, admin, "eusoma", -300, 91),
        "expired": accredit(kaluga, admin, "iso_15189", -300, -1),
        "future": accredit(kaluga, admin, "jci", 1, 30),
        "moscow_in_10_days": accredit(moscow, admin, "iso_9001", -300, 10),
    }


def test_expiring_accreditations_are_valid_today_and_end_within_90_days(users, accreditations):
    a = accreditations
    assert list(selectors.expiring_accreditations(user=users["analyst"])) == [
        a["ends_today"],
        a["moscow_in_10_days"],
        a["in_90_days"],
    ]
    assert list(selectors.expiring_accreditations(user=users["admin"], within=10)) == [
        a["ends_today"],
        a["moscow_in_10_days"],
    ]
    # a day later, the one ending today has expired and the one ending in 91 days is within 90
    assert list(selectors.expiring_accreditations(user=users["coordinator"], today=TODAY + dt.timedelta(days=1))) == [
        a["moscow_in_10_days"],
        a["future"],
        a["in_90_days"],
        a["in_91_days"],
    ]


def test_a_reporter_sees_only_its_regions_expiring_accreditations(users, accreditations):
    a = accreditations
    assert list(selectors.expiring_accreditations(user=users["reporter"])) == [a["ends_today"], a["in_90_days"]]
    assert list(selectors.expiring_accreditations(user=users["reporter2"])) == [a["moscow_in_10_days"]]
    for name in ("partner", "reviewer", "interpreter"):
        assert list(selectors.expiring_accreditations(user=users[name])) == [], name
    assert list(selectors.expiring_accreditations(user=AnonymousUser())) == []


def test_european_certified_lists_facilities_with_a_valid_european_certificate(users, region, other_region):
    admin = users["admin"]
    alpha = make_facility(region, "A", name="Alpha Cancer Centre")
    beta = make_facility(region, "B", name="Beta Hospital")
    gamma = make_facility(other_region, "C", name="Gamma Clinic")
    delta = make_facility(other_region, "D", name="Delta Proton Centre")
    epsilon = make_facility(region, "E", name="Epsilon Breast Unit")
    zeta = make_facility(region, "Z", name="Zeta Laboratory")
    alpha_iso = accredit(alpha, admin, "iso_9001", -100, 300)
    accredit(alpha, admin, "jci", -100, 300)  # not European
    accredit(beta, admin, "jci", -100, 300)
    accredit(beta, admin, "national_licence", -100, 3000)
    accredit(beta, admin, "other", -100, 300)
    accredit(gamma, admin, "oeci", -400, -1)  # expired yesterday
    delta_lab = accredit(delta, admin, "iso_15189", -100, 300)
    delta_oeci = accredit(delta, admin, "oeci", 0, 0)  # valid today only
    epsilon_eusoma = accredit(epsilon, admin, "eusoma", -10, 10)
    accredit(zeta, admin, "iso_15189", 1, 300)  # not yet valid
    certified = selectors.european_certified()
    assert [(c.facility.name, c.certificates) for c in certified] == [
        ("Alpha Cancer Centre", [alpha_iso]),
        ("Delta Proton Centre", [delta_lab, delta_oeci]),
        ("Epsilon Breast Unit", [epsilon_eusoma]),
    ]
    tomorrow = selectors.european_certified(today=TODAY + dt.timedelta(days=1))
    assert [(c.facility.name, [a.standard for a in c.certificates]) for c in tomorrow] == [
        ("Alpha Cancer Centre", ["iso_9001"]),
        ("Delta Proton Centre", ["iso_15189"]),
        ("Epsilon Breast Unit", ["eusoma"]),
        ("Zeta Laboratory", ["iso_15189"]),
    ]
    assert selectors.european_certified(today=TODAY - dt.timedelta(days=401)) == []


# ================================================================ country profiles


@pytest.fixture
def profile_data(users, places, make_partner, tour) -> dict[str, Any]:
    admin = users["admin"]
    services.country_indicators_import(
        user=admin,
        data=(
            b"country,indicator,year,value,unit,source,source_url\n"
            b"FR,who_overall_performance_rank,2000,1,rank of 191,WHO 2000,https://www.who.int/\n"
            b"FR,health_expenditure_share_gdp,2021,12.3,% of GDP,WHO GHED,\n"
            b"FR,health_expenditure_share_gdp,2020,12.2,% of GDP,WHO GHED,\n"
            b"KZ,who_overall_performance_rank,2000,64,rank of 191,WHO 2000,https://www.who.int/\n"
        ),
    )
    fr_partner = make_partner("Assistance Publique – Hôpitaux de Paris", "FR", "hospital")
    kz_trip = delegation(admin, places["almaty"], places["moscow"])  # origin KZ
    russians_in_paris = delegation(
        admin,
        places["moscow"],
        places["paris"],
        title="Moscow chief physicians in Paris",
        start_date=TODAY + dt.timedelta(days=100),
        end_date=TODAY + dt.timedelta(days=103),
    )
    services.participant_add(
        user=admin,
        delegation=russians_in_paris,
        full_name="Sergey Volkov",
        role="chief_physician",
        organisation="Botkin Hospital",
        country="RU",
    )
    # a second participant from Kazakhstan on the tour: the tour must still come once
    services.participant_add(
        user=admin,
        delegation=tour,
        full_name="Gulnara Sadykova",
        role="manager",
        organisation="Astana Multidisciplinary Hospital",
        country="KZ",
    )
    memorandum = services.agreement_create(
        user=admin, title="Memorandum", kind="memorandum", parties=[places["nma"], places["foch"]]
    )
    return {
        "fr_partner": fr_partner,
        "kz_trip": kz_trip,
        "russians_in_paris": russians_in_paris,
        "memorandum": memorandum,
    }


def test_country_profile_of_france(users, tour, profile_data):
    profile = selectors.country_profile(user=users["analyst"], code="fr")
    assert profile.country.code == "FR"
    assert [(i.indicator, i.year, i.value, i.source) for i in profile.indicators] == [
        ("health_expenditure_share_gdp", 2021, Decimal("12.3000"), "WHO GHED"),
        ("health_expenditure_share_gdp", 2020, Decimal("12.2000"), "WHO GHED"),
        ("who_overall_performance_rank", 2000, Decimal("1.0000"), "WHO 2000"),
    ]
    assert profile.partners == [profile_data["fr_partner"]]
    assert profile.delegations == [profile_data["russians_in_paris"], tour]  # through the destination
    assert profile.agreements == [profile_data["memorandum"]]
    # the analyst holds no contracts or referrals permission
    assert (profile.contracts, profile.referrals, profile.referral_total) == ([], {}, 0)


def test_country_profile_finds_delegations_through_origin_destination_or_participants(users, tour, profile_data):
    kz = selectors.country_profile(user=users["coordinator"], code="KZ")
    assert kz.delegations == [tour, profile_data["kz_trip"]]  # participants' country; origin
    assert [(i.indicator, i.value) for i in kz.indicators] == [("who_overall_performance_rank", Decimal("64"))]
    assert kz.partners == []
    assert kz.agreements == [profile_data["memorandum"]]
    ru = selectors.country_profile(user=users["admin"], code="RU")
    assert ru.delegations == [profile_data["russians_in_paris"], tour, profile_data["kz_trip"]]
    assert ru.indicators == []
    assert ru.agreements == []


def test_country_profile_of_a_partner_country_shows_its_partners_and_contracts(users):
    contract = tourism_services.contract_create(
        user=users["admin"],
        partner=users["partner"].agency.partner,
        number="BG-2027-001",
        our_party="National proton centre",
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        currency="EUR",
    )
    bg = selectors.country_profile(user=users["coordinator"], code="bg")
    assert [p.name for p in bg.partners] == ["Bulgarian Ministry of Health"]
    assert bg.contracts == [contract]
    assert (bg.indicators, bg.delegations, bg.agreements) == ([], [], [])
    assert selectors.country_profile(user=users["analyst"], code="BG").contracts == []


@pytest.mark.parametrize("name", ["partner", "partner2", "reporter", "reviewer", "finance", "interpreter"])
def test_country_profiles_are_refused_to_partner_agents_and_other_roles(users, name):
    with pytest.raises(NotAllowed) as err:
        selectors.country_profile(user=users[name], code="BG")
    assert err.value.detail == "You are not allowed to see country profiles."
    with pytest.raises(NotAllowed):
        selectors.countries_with_profiles(user=users[name])


def test_country_profile_of_an_unknown_country_is_not_found(users):
    with pytest.raises(NotFound):
        selectors.country_profile(user=users["analyst"], code="XX")


def test_countries_with_profiles_count_indicators_partners_and_delegations(users, tour, profile_data):
    rows = {row["country"].code: row for row in selectors.countries_with_profiles(user=users["analyst"])}
    assert {code: (r["indicators"], r["partners"], r["delegations"]) for code, r in rows.items()} == {
        "BG": (0, 1, 0),
        "FR": (3, 1, 2),
        "KZ": (1, 0, 1),
        "RS": (0, 1, 0),
        "RU": (0, 0, 3),
    }


# ================================================================ delegation lists


def test_delegations_list_filters_and_counts(users, places, tour):
    admin = users["admin"]
    kz_trip = delegation(admin, places["almaty"], places["moscow"])
    cancelled = delegation(
        admin,
        places["paris"],
        places["almaty"],
        title="French oncologists in Almaty",
        direction="inbound",
        purpose="Radiotherapy training.",
        start_date=TODAY + dt.timedelta(days=200),
        end_date=TODAY + dt.timedelta(days=202),
    )
    services.delegation_transition(user=admin, delegation=cancelled, status="cancelled")
    analyst = users["analyst"]

    def titles(**filters: str) -> list[str]:
        return [d.title for d in selectors.delegations_list(user=analyst, **filters)]

    everything = list(selectors.delegations_list(user=analyst))
    assert [(d.title, d.participant_count, d.visit_count) for d in everything] == [
        ("French oncologists in Almaty", 0, 0),
        ("Study tour: French hospitals and emergency services", 2, 2),
        ("Kazakh managers in Moscow", 0, 0),
    ]
    assert titles(query="french") == [
        "French oncologists in Almaty",
        "Study tour: French hospitals and emergency services",
    ]
    assert titles(query="radiotherapy") == ["French oncologists in Almaty"]  # the purpose
    assert titles(query="ALMATY") == ["French oncologists in Almaty", "Kazakh managers in Moscow"]  # the cities
    assert titles(status="cancelled") == ["French oncologists in Almaty"]
    assert titles(status="planned") == [
        "Study tour: French hospitals and emergency services",
        "Kazakh managers in Moscow",
    ]
    assert titles(status="completed") == []
    assert titles(direction="outbound") == ["Study tour: French hospitals and emergency services"]
    assert titles(country="KZ") == ["French oncologists in Almaty", "Kazakh managers in Moscow"]
    assert titles(country="FR") == [
        "French oncologists in Almaty",
        "Study tour: French hospitals and emergency services",
    ]
    assert titles(country="RU", direction="inbound") == ["Kazakh managers in Moscow"]
    assert titles(country="DE") == []
    upcoming = selectors.upcoming_delegations(user=analyst)
    assert [d.title for d in upcoming] == ["Study tour: French hospitals and emergency services"]
    assert kz_trip.pk not in {d.pk for d in upcoming}


@pytest.mark.parametrize("name", ["reporter", "partner", "reviewer", "finance", "interpreter"])
def test_delegations_list_is_refused_to_roles_without_the_permission(users, tour, name):
    with pytest.raises(NotAllowed):
        selectors.delegations_list(user=users[name])
    with pytest.raises(NotAllowed):
        selectors.delegation_get(user=users[name], pk=tour.pk)


def test_delegation_get_answers_not_found_for_an_unknown_id(users, tour):
    assert selectors.delegation_get(user=users["analyst"], pk=tour.pk) == tour
    with pytest.raises(NotFound):
        selectors.delegation_get(user=users["analyst"], pk=999999)


# ================================================================ distances


def test_great_circle_distances_match_known_ones():
    assert great_circle_km(*MOSCOW, *PARIS) == pytest.approx(2486, rel=0.005)
    assert great_circle_km(*ALMATY, *PARIS) == pytest.approx(5551, rel=0.005)
    assert great_circle_km(-33.8688, 151.2093, 51.5074, -0.1278) == pytest.approx(16994, rel=0.005)  # Sydney–London
    assert great_circle_km(*PARIS, *MOSCOW) == great_circle_km(*MOSCOW, *PARIS)


def test_great_circle_distance_of_a_point_to_itself_and_to_its_antipode():
    assert great_circle_km(*PARIS, *PARIS) == 0.0
    half_circumference = math.pi * EARTH_RADIUS_KM
    assert half_circumference == pytest.approx(20015.1, abs=0.1)
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(half_circumference, rel=1e-9)
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(half_circumference, rel=1e-9)
    assert great_circle_km(48.8566, 2.3522, -48.8566, -177.6478) == pytest.approx(half_circumference, rel=1e-9)
    # across the date line: 1° of longitude on the equator, not 359°
    assert great_circle_km(0, 179.5, 0, -179.5) == pytest.approx(half_circumference / 180, rel=1e-9)


def test_a_delegations_distance_is_between_its_cities(tour, users, places):
    assert tour.distance_km == pytest.approx(great_circle_km(*MOSCOW, *PARIS), rel=1e-9)
    assert tour.distance_km == pytest.approx(2486, rel=0.005)
    from_almaty = delegation(users["admin"], places["almaty"], places["paris"])
    assert from_almaty.distance_km == pytest.approx(5551, rel=0.005)
