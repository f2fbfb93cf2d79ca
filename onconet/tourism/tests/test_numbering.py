"""Document numbers come from a per-series, per-year counter (never count + 1), and an upgraded database starts each
counter after the highest number it already holds."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from onconet.tourism import services
from onconet.tourism.models import NumberSeries, Quote, Referral
from onconet.tourism.tests.conftest import TODAY
from onconet.tourism.tests.test_office import referral_for

pytestmark = pytest.mark.django_db
seeding = importlib.import_module("onconet.tourism.migrations.0007_number_series_from_existing_numbers")


def test_numbers_follow_the_highest_existing_one_after_the_upgrade(users, office):
    referral = referral_for(users, office)
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    first = services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "consult"}])
    year = TODAY.year
    assert first.number == f"Q-{year}-00001"
    # a database from before the counters: numbers with a gap (count + 1 would give Q-…-00002 again), no counter
    Quote.objects.filter(pk=first.pk).update(number=f"Q-{year}-00007")
    NumberSeries.objects.all().delete()
    seeding.seed(apps, None)
    assert list(NumberSeries.objects.values_list("series", "year", "last")) == [("Q", year, 7)]
    second = services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "consult"}])
    assert second.number == f"Q-{year}-00008"
    seeding.unseed(apps, None)
    assert not NumberSeries.objects.exists()
