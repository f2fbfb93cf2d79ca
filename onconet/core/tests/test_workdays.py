"""Working days count Monday to Friday without the national holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from onconet.core.models import Holiday
from onconet.core.workdays import working_days_between

FRIDAY = dt.date(2031, 3, 7)


@pytest.mark.django_db
def test_holidays_do_not_count() -> None:
    next_friday = FRIDAY + dt.timedelta(days=7)
    assert working_days_between(FRIDAY, next_friday) == 5  # Monday to Friday after it
    assert working_days_between(FRIDAY, FRIDAY + dt.timedelta(days=2)) == 0  # the weekend
    assert working_days_between(next_friday, FRIDAY) == 0
    wednesday = Holiday.objects.create(date=FRIDAY + dt.timedelta(days=5), name="A holiday")
    assert working_days_between(FRIDAY, next_friday) == 4
    wednesday.delete()
    assert working_days_between(FRIDAY, next_friday) == 5
