"""Working days: Monday to Friday, except the national holidays of the `Holiday` table (numpy's business-day
calendar does the counting)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from onconet.core.models import Holiday


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    one = dt.timedelta(days=1)
    holidays = list(Holiday.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True))
    return int(np.busday_count(start + one, end + one, holidays=holidays))
