"""The solver's reasons for leaving a course out, read back in the reader's language (plans stay in English)."""

from __future__ import annotations

import re

from django.utils import translation

from onconet.scheduling.reasons import reason_text
from onconet.scheduling.solver import parse_instance, solve
from onconet.scheduling.tests.test_solver_v2 import dom, fgn, instance, machine

LATIN_WORD = re.compile(r"\b[a-z]{3,}\b")  # any English word left (machine and partner codes are upper case)


def test_every_reason_the_solver_gives_reads_in_russian_without_an_english_word():
    doc = instance(
        [
            dom("LONG", 11, 10),  # eleven fractions, ten open days
            dom("FULL", 10, 600, machines=["G2"]),
            dom("LATE", 1, 600, machines=["G2"], urgency=1),  # G2 is full for the whole horizon
            fgn("OVER", 1, 10, latest="2025-12-01"),  # latest start before the ready date
            fgn("NONE", 1, 600, machines=["G2"], latest="2026-01-09"),  # no capacity before its latest start
        ],
        [machine("G1"), machine("G2")],
    )
    plan = solve(parse_instance(doc), "greedy", 1.0, 0)
    reasons = {r.course: r.reason for r in plan.rejected}
    assert set(reasons) == {"LONG", "LATE", "OVER", "NONE"}
    with translation.override("ru"):
        shown = {course: reason_text(reason) for course, reason in reasons.items()}
    for course, text in shown.items():
        assert text != reasons[course]
        assert not LATIN_WORD.search(text), text
    assert shown["LONG"] == "на G1 меньше 11 рабочих дней в горизонте планирования"
    assert "01.12.2025" in shown["OVER"]
    with translation.override("en"):
        expected = "no capacity before the latest start, 9 Jan 2026, within the domestic reserve"
        assert reason_text(reasons["NONE"]) == expected


def test_a_reason_no_pattern_knows_is_shown_as_it_is():
    with translation.override("ru"):
        assert reason_text("a reason from a newer solver") == "a reason from a newer solver"
