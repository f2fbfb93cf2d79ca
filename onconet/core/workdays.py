"""Working days: Monday to Friday, except the national holidays of the `Holiday` table (numpy's business-day
calendar does the counting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from onconet.core.models import Holiday


def holidays_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The national holidays after `start` up to and including `end`."""
    return list(Holiday.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True))


def working_days_between(start: dt.date, end: dt.date, holidays: Sequence[dt.date] | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`). `holidays`: the
    holidays of at least that span, when the caller counts many spans (read from the table otherwise)."""
    if end <= start:
        return 0
    one = dt.timedelta(days=1)
    days = holidays_between(start, end) if holidays is None else list(holidays)
    return int(np.busday_count(start + one, end + one, holidays=days))


def working_day_back(end: dt.date, count: int, holidays: Sequence[dt.date] | None = None) -> dt.date:
    """The `count`-th working day counting back from `end` (the first is `end` itself when it is one): a span
    from a day before it to `end` holds at least `count` working days — what a database filter can compare with."""
    if count < 1:
        raise ValueError("count starts at 1")
    if holidays is None:
        holidays = holidays_between(end - dt.timedelta(days=2 * count + 60), end)
    day = np.busday_offset(end, -(count - 1), roll="backward", holidays=list(holidays))
    return dt.date.fromisoformat(str(day))
