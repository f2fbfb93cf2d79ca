"""Fixtures of the scheduling pages and API: a proton centre in Kaluga and one in Moscow, with machines,
protocols and a holiday, made through the services (and the ORM for the reference catalogue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_facility
from onconet.core.tests.factories import HolidayFactory
from onconet.scheduling import services
from onconet.scheduling.models import Protocol
from onconet.scheduling.tests.factories import ProtocolFactory
from onconet.tourism.tests.factories import ExchangeRateFactory, ServiceFactory

TODAY = timezone.localdate()
WEEKDAYS = [600, 600, 600, 600, 600, 0, 0]


def next_weekday(day: dt.date, after: int = 1) -> dt.date:
    """The first Monday–Friday date at least `after` days after `day`."""
    day += dt.timedelta(days=after)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def protocols(db: None) -> dict[str, Protocol]:
    return {
        "proton": ProtocolFactory(
            code="PROTON-5",
            name="Proton, 5 fractions",
            fractions=5,
            first_minutes=60,
            minutes=30,
            machine_kinds=["proton_gantry"],
        ),
        "linac": ProtocolFactory(
            code="LINAC-3",
            name="Photon, 3 fractions",
            fractions=3,
            first_minutes=40,
            minutes=20,
            machine_kinds=["linac"],
        ),
        "pet": ProtocolFactory(
            code="PET-1", name="PET-CT", fractions=1, first_minutes=45, minutes=45, machine_kinds=["pet_ct"]
        ),
    }


@pytest.fixture
def sched(users: dict[str, Any], region: Any, other_region: Any, protocols: dict[str, Protocol]) -> dict[str, Any]:
    """A proton centre in Kaluga (gantry G1, linac L1) and one in Moscow (gantry M1); a holiday in 40 days."""
    admin = users["admin"]
    klu = make_facility(region, "KLU-PC", name="Kaluga proton centre")
    mow = make_facility(other_region, "MOW-PC", name="Moscow proton centre")
    g1 = services.machine_save(
        user=admin, facility=klu, code="G1", name="Gantry 1", kind="proton_gantry", minutes_per_weekday=WEEKDAYS
    )
    l1 = services.machine_save(
        user=admin, facility=klu, code="L1", name="Linac 1", kind="linac", minutes_per_weekday=[480] * 5 + [0, 0]
    )
    m1 = services.machine_save(
        user=admin, facility=mow, code="M1", name="Moscow gantry", kind="proton_gantry", minutes_per_weekday=WEEKDAYS
    )
    holiday = HolidayFactory(date=next_weekday(TODAY, 40), name="Unity day")
    return {
        "klu": klu,
        "mow": mow,
        "g1": g1,
        "l1": l1,
        "m1": m1,
        "holiday": holiday,
        **protocols,
    }


@pytest.fixture
def course(users: dict[str, Any], sched: dict[str, Any]) -> Any:
    """A routine domestic proton course in Kaluga, ready today."""
    return services.course_create(
        user=users["reporter"], facility=sched["klu"], protocol=sched["proton"], ready_date=TODAY, urgency=3
    )


@pytest.fixture
def mow_course(users: dict[str, Any], sched: dict[str, Any]) -> Any:
    return services.course_create(
        user=users["reporter2"], facility=sched["mow"], protocol=sched["proton"], ready_date=TODAY, urgency=2
    )


@pytest.fixture
def prepaid_referral(users: dict[str, Any], sched: dict[str, Any]) -> Any:
    """A Bulgarian patient's proton referral taken through the office's real pipeline up to *prepaid*."""
    from decimal import Decimal

    from onconet.tourism import services as office
    from onconet.tourism.models import Invoice

    ServiceFactory(
        code="proton-5",
        name="Proton course, 5 fractions",
        kind="proton_course",
        protocol="PROTON-5",
        base_price=Decimal("2500000"),
        is_course=True,
    )
    ExchangeRateFactory(date=TODAY - dt.timedelta(days=2), currency="EUR", rate=Decimal("100"))
    office.contract_create(
        user=users["admin"],
        partner=users["partner"].agency.partner,
        number="BG-SCHED-1",
        our_party="Kaluga proton centre",
        valid_from=TODAY - dt.timedelta(days=30),
        valid_until=TODAY + dt.timedelta(days=300),
        currency="eur",
        prepayment_share="0.5",
        status="active",
        services=[{"service": "proton-5", "price": "25000", "monthly_quota": 2}],
    )
    patient = office.patient_register(
        user=users["partner"],
        partner=users["partner"].agency.partner,
        family_name="Petrova",
        given_name="Ana",
        date_of_birth=dt.date(1970, 1, 2),
        sex="F",
        citizenship="BG",
        passport_number="BG9876543",
        preferred_language="bg",
    )
    referral = office.referral_submit(
        user=users["partner"],
        patient=patient,
        service_code="proton-5",
        icd10_codes=["C71.9"],
        latest_start=TODAY + dt.timedelta(days=60),
    )
    office.referral_transition(user=users["coordinator"], referral=referral, name="start_review")
    office.referral_transition(user=users["reviewer"], referral=referral, name="accept", protocol="PROTON-5")
    office.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-5"}])
    office.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
    office.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
    invoice = Invoice.objects.get(referral=referral)
    office.payment_record(user=users["finance"], invoice=invoice, amount=invoice.total, paid_on=TODAY)
    office.referral_transition(user=users["finance"], referral=referral, name="confirm_prepayment")
    referral.refresh_from_db()
    return referral
