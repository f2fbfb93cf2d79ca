"""factory_boy factories of the scheduler's records: protocols, machines and beams, downtime, courses, capacity
offers. Bookings and plans are made through the services (they lock, check capacity and audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from onconet.core.tests.factories import FacilityFactory
from onconet.scheduling.models import Beam, CapacityOffer, Course, Downtime, Machine, Protocol

WEEKDAYS = [600, 600, 600, 600, 600, 0, 0]


class ProtocolFactory(DjangoModelFactory[Protocol]):
    class Meta:
        model = Protocol
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"RT-{n}")
    name = factory.LazyAttribute(lambda p: p.code)
    fractions = 5
    first_minutes = 40
    minutes = 20
    machine_kinds = factory.LazyFunction(lambda: ["linac"])


class BeamFactory(DjangoModelFactory[Beam]):
    class Meta:
        model = Beam

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"B{n}")
    name = factory.LazyAttribute(lambda b: b.code)
    minutes_per_weekday = factory.LazyFunction(lambda: list(WEEKDAYS))


class MachineFactory(DjangoModelFactory[Machine]):
    class Meta:
        model = Machine

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"M{n}")
    name = factory.LazyAttribute(lambda m: m.code)
    kind = "linac"
    minutes_per_weekday = factory.LazyFunction(lambda: list(WEEKDAYS))


class DowntimeFactory(DjangoModelFactory[Downtime]):
    class Meta:
        model = Downtime

    machine = factory.SubFactory(MachineFactory)
    date = factory.LazyFunction(timezone.localdate)
    minutes = 600
    reason = "repair"


class CourseFactory(DjangoModelFactory[Course]):
    """A domestic course waiting from today (routine urgency) unless the test says otherwise."""

    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"C-{n:04d}")
    facility = factory.SubFactory(FacilityFactory)
    protocol = factory.SubFactory(ProtocolFactory)
    ready_date = factory.LazyFunction(timezone.localdate)


class CapacityOfferFactory(DjangoModelFactory[CapacityOffer]):
    class Meta:
        model = CapacityOffer

    facility = factory.SubFactory(FacilityFactory)
    kind = "proton_gantry"
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1) + dt.timedelta(days=32))
    courses = Decimal("1")
    ci_low = Decimal("0.5")
    ci_high = Decimal("1.5")
