"""Working days count Monday to Friday without the national holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from onconet.core.tests.factories import HolidayFactory
from onconet.core.workdays import working_day_back, working_days_between

FRIDAY = dt.date(2031, 3, 7)


@pytest.mark.django_db
def test_holidays_do_not_count() -> None:
    next_friday = FRIDAY + dt.timedelta(days=7)
    assert working_days_between(FRIDAY, next_friday) == 5  # Monday to Friday after it
    assert working_days_between(FRIDAY, FRIDAY + dt.timedelta(days=2)) == 0  # the weekend
    assert working_days_between(next_friday, FRIDAY) == 0
    wednesday = HolidayFactory(date=FRIDAY + dt.timedelta(days=5), name="A holiday")
    assert working_days_between(FRIDAY, next_friday) == 4
    wednesday.delete()
    assert working_days_between(FRIDAY, next_friday) == 5


def test_working_day_back_is_the_bound_a_span_must_start_before():
    end = dt.date(2026, 11, 6)  # a Friday; Wednesday the 4th is a holiday
    holidays = [dt.date(2026, 11, 4)]
    assert working_day_back(end, 1, holidays) == end
    assert working_day_back(dt.date(2026, 11, 8), 1, holidays) == end  # a Sunday rolls back to Friday
    assert working_day_back(end, 3, holidays) == dt.date(2026, 11, 3)  # Fri, Thu, (Wed off), Tue
    for start in (end - dt.timedelta(days=n) for n in range(1, 30)):
        for count in (1, 3, 6):
            more = working_days_between(start, end, holidays) >= count
            assert more == (start < working_day_back(end, count, holidays)), (start, count)
