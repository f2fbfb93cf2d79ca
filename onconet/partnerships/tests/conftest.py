"""Fixtures of partnerships, made through the services: Almaty, Moscow and Paris; the two associations that
organised the Paris study tour; the tour itself with two participants and two visits; an agreement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from onconet.partnerships import services

TODAY = timezone.localdate()
TOUR_START = TODAY + dt.timedelta(days=30)


@pytest.fixture
def places(users: dict[str, Any]) -> dict[str, Any]:
    admin = users["admin"]
    return {
        "almaty": services.city_get_or_create(
            user=admin, name="Almaty", country="KZ", latitude="43.2220", longitude="76.8512", timezone="Asia/Almaty"
        ),
        "moscow": services.city_get_or_create(
            user=admin, name="Moscow", country="RU", latitude="55.7558", longitude="37.6173", timezone="Europe/Moscow"
        ),
        "paris": services.city_get_or_create(
            user=admin, name="Paris", country="FR", latitude="48.8566", longitude="2.3522", timezone="Europe/Paris"
        ),
        "rma": services.organisation_get_or_create(
            user=admin, name="Russian Medical Association", kind="association", country="RU"
        ),
        "nma": services.organisation_get_or_create(
            user=admin, name="National Medical Association of Kazakhstan", kind="association", country="KZ"
        ),
        "foch": services.organisation_get_or_create(
            user=admin, name="Hôpital Foch", kind="hospital", country="FR", city="Suresnes"
        ),
    }


@pytest.fixture
def tour(users: dict[str, Any], places: dict[str, Any]) -> Any:
    """A six-day study tour Moscow → Paris in a month, with two participants and two visits."""
    coordinator = users["coordinator"]
    delegation = services.delegation_create(
        user=coordinator,
        title="Study tour: French hospitals and emergency services",
        direction="outbound",
        purpose="Learn how public hospitals and emergency services are organised in France.",
        start_date=TOUR_START,
        end_date=TOUR_START + dt.timedelta(days=5),
        origin=places["moscow"],
        destination=places["paris"],
        organisers=[places["rma"], places["nma"]],
        budget="60000",
        budget_currency="EUR",
    )
    services.participant_add(
        user=coordinator,
        delegation=delegation,
        full_name="Irina Sokolova",
        role="chief_physician",
        organisation="Kaluga Regional Hospital",
        country="RU",
        visa_status="issued",
    )
    services.participant_add(
        user=coordinator,
        delegation=delegation,
        full_name="Aidar Nurlanov",
        role="manager",
        organisation="Almaty City Hospital No. 7",
        country="KZ",
        visa_status="applied",
    )
    services.visit_add(
        user=coordinator,
        delegation=delegation,
        date=TOUR_START + dt.timedelta(days=1),
        start_time=dt.time(10, 0),
        end_time=dt.time(12, 30),
        institution="Fédération Hospitalière de France",
        address="1 bis rue Cabanis, 75014 Paris",
        host="Directorate",
        topic="management",
    )
    services.visit_add(
        user=coordinator,
        delegation=delegation,
        date=TOUR_START + dt.timedelta(days=2),
        start_time=dt.time(9, 0),
        end_time=dt.time(13, 0),
        institution="Hôpital Bichat–Claude-Bernard",
        address="46 rue Henri Huchard, 75018 Paris",
        topic="emergency",
    )
    return delegation
