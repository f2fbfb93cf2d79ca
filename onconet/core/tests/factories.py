"""factory_boy factories of core's records for tests: regions and countries come from the reference data
(the `reference` fixture); a factory only fills in what a test does not say."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from onconet.core.models import Facility, FacilityKind, Holiday, Job, Region


class FacilityFactory(DjangoModelFactory[Facility]):
    class Meta:
        model = Facility
        django_get_or_create = ("region", "code")

    region = factory.LazyFunction(lambda: Region.objects.get(code="RU-KLU"))
    code = factory.Sequence(lambda n: f"F{n}")
    name = factory.LazyAttribute(lambda f: f.code)
    kind = FacilityKind.HOSPITAL


class HolidayFactory(DjangoModelFactory[Holiday]):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))
    name = "A holiday"


class JobFactory(DjangoModelFactory[Job]):
    """A job as its starter left it (queued unless the test says otherwise); `created_by` is the test's user."""

    class Meta:
        model = Job

    kind = "network_census"
