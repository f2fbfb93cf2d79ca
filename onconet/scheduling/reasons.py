"""The solver's reasons for a course left out of a plan, in the reader's language.

The solver is a pure package and its plans are a contract in English (`rejected[].reason`); pages read each reason
back by its pattern and show it with the course's dates in the active language. A reason no pattern knows is shown
as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from django.utils.formats import date_format
from django.utils.translation import gettext


def _day(text: str) -> str:
    return date_format(dt.date.fromisoformat(text), "SHORT_DATE_FORMAT")


_PATTERNS: list[tuple[re.Pattern[str], Callable[[Mapping[str, str]], str]]] = [
    (
        re.compile(r"fewer than (?P<n>\d+) open days on (?P<machines>.+) in the horizon"),
        lambda g: gettext("fewer than %(n)s open days on %(machines)s in the planning horizon") % g,
    ),
    (
        re.compile(r"no (?P<n>\d+) consecutive open days with free capacity on (?P<machines>.+) in the horizon"),
        lambda g: (
            gettext("no %(n)s consecutive open days with free capacity on %(machines)s in the planning horizon") % g
        ),
    ),
    (
        re.compile(r"courses already under way do not fit: .*; nothing new is admitted"),
        lambda g: gettext("the courses already under way overload the machines; nothing new is admitted"),
    ),
    (
        re.compile(r"latest_start (?P<day>\d{4}-\d\d-\d\d) is before the ready date or outside the horizon"),
        lambda g: (
            gettext("the latest start, %(day)s, is before the ready date or outside the planning horizon")
            % {"day": _day(g["day"])}
        ),
    ),
    (
        re.compile(r"partner (?P<partner>.+) has used its quota of foreign courses in the months it could start"),
        lambda g: gettext("partner %(partner)s has used its quota of foreign courses in the months it could start") % g,
    ),
    (
        re.compile(
            r"the capacity left before latest_start (?P<day>\d{4}-\d\d-\d\d) is needed by the forecast domestic "
            r"arrivals \(protection (?P<protection>[\d.]+)\)"
        ),
        lambda g: (
            gettext(
                "the capacity left before the latest start, %(day)s, is needed by the domestic patients expected "
                "(forecast, protection %(percent)s %%)"
            )
            % {"day": _day(g["day"]), "percent": round(float(g["protection"]) * 100)}
        ),
    ),
    (
        re.compile(r"no capacity before latest_start (?P<day>\d{4}-\d\d-\d\d) within the domestic reserve"),
        lambda g: (
            gettext("no capacity before the latest start, %(day)s, within the domestic reserve")
            % {"day": _day(g["day"])}
        ),
    ),
]


def reason_text(reason: str) -> str:
    """`reason` (a plan's `rejected[].reason`) in the active language."""
    for pattern, render in _PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return render(match.groupdict())
    return reason
