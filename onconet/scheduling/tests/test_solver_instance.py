"""Parsing and validating instances (contract `onconet-schedule/1`): every problem is listed with its JSON path."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

from onconet.scheduling.solver import FORMAT, Instance, InvalidInstance, parse_instance

# `courses[17].machines[0]: message`, `days: message`, `$: message` (the document as a whole).
PATH = re.compile(r"^(\$|[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*): \S")

# The example of the contract, verbatim.
CONTRACT_EXAMPLE = """
{
  "format": "onconet-schedule/1",
  "start_date": "2026-01-05",
  "days": 182,
  "holidays": ["2026-01-07"],
  "domestic_reserve": 0.10,
  "machines": [
    {"id": "G1", "kind": "proton_gantry",
     "minutes_per_weekday": [600, 600, 600, 600, 600, 0, 0],
     "downtime": [{"date": "2026-02-02", "minutes": 240}]}
  ],
  "partners": [{"id": "BG-MOH", "max_courses_per_month": 4}],
  "courses": [
    {"id": "D-0001", "origin": "domestic", "ready_date": "2026-01-05", "urgency": 1,
     "fractions": 25, "first_minutes": 60, "minutes": 30, "machines": ["G1"],
     "fixed": null},
    {"id": "F-0001", "origin": "foreign", "partner": "BG-MOH", "value": 32000,
     "ready_date": "2026-01-12", "latest_start": "2026-03-02",
     "fractions": 20, "first_minutes": 60, "minutes": 30, "machines": ["G1"]}
  ]
}
"""


def valid_doc() -> dict[str, Any]:
    """A valid instance using every field: courses[0] domestic, [1] domestic under way, [2] foreign."""
    return {
        "format": "onconet-schedule/1",
        "start_date": "2026-01-05",
        "days": 28,
        "holidays": ["2026-01-07"],
        "domestic_reserve": 0.1,
        "machines": [
            {
                "id": "G1",
                "kind": "proton_gantry",
                "minutes_per_weekday": [600, 600, 600, 600, 600, 0, 0],
                "downtime": [{"date": "2026-01-12", "minutes": 240, "reason": "QA"}],
            },
            {"id": "L1", "kind": "linac", "minutes_per_weekday": [480, 480, 480, 480, 480, 0, 0]},
        ],
        "partners": [{"id": "BG-MOH", "max_courses_per_month": 4}, {"id": "KZ-MOH", "max_courses_per_month": 2}],
        "courses": [
            {
                "id": "D-0001",
                "origin": "domestic",
                "ready_date": "2026-01-05",
                "urgency": 1,
                "fractions": 5,
                "first_minutes": 60,
                "minutes": 30,
                "machines": ["G1"],
                "fixed": None,
            },
            {
                "id": "D-0002",
                "origin": "domestic",
                "ready_date": "2025-12-15",
                "urgency": 3,
                "fractions": 10,
                "first_minutes": 45,
                "minutes": 15,
                "machines": ["L1"],
                "fixed": {"machine": "L1", "start_date": "2025-12-22", "delivered": 3},
            },
            {
                "id": "F-0001",
                "origin": "foreign",
                "partner": "BG-MOH",
                "value": 32000,
                "ready_date": "2026-01-12",
                "latest_start": "2026-02-02",
                "fractions": 5,
                "first_minutes": 60,
                "minutes": 30,
                "machines": ["G1", "L1"],
            },
        ],
    }


def problems_of(document: Any) -> list[str]:
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(document)
    problems = caught.value.problems
    assert problems, "an invalid instance must list its problems"
    for line in problems:
        assert PATH.match(line), f"problem without a JSON path: {line!r}"
        assert "\n" not in line
    return problems


def has(problems: list[str], prefix: str, *words: str) -> bool:
    return any(p.startswith(prefix) and all(w in p[len(prefix) :] for w in words) for p in problems)


# --- valid instances -------------------------------------------------------------------------------------------


def test_contract_example_parses():
    instance = parse_instance(json.loads(CONTRACT_EXAMPLE))
    assert isinstance(instance, Instance)
    assert instance.start_date == dt.date(2026, 1, 5)
    assert instance.days == 182
    assert instance.end_date == dt.date(2026, 7, 5)
    assert instance.holidays == frozenset({dt.date(2026, 1, 7)})
    assert instance.domestic_reserve == Fraction(1, 10)
    (g1,) = instance.machines
    assert g1.minutes_per_weekday == (600, 600, 600, 600, 600, 0, 0)
    assert dict(g1.downtime) == {dt.date(2026, 2, 2): 240}
    domestic, foreign = instance.courses
    assert (domestic.id, domestic.urgency, domestic.weight, domestic.fixed) == ("D-0001", 1, 10, None)
    assert (foreign.partner, foreign.value, foreign.latest_start) == ("BG-MOH", 32000.0, dt.date(2026, 3, 2))
    assert foreign.weight == 0
    assert [domestic.load(i) for i in range(3)] == [60, 30, 30]


def test_valid_doc_parses_with_every_field():
    instance = parse_instance(valid_doc())
    assert [m.id for m in instance.machines] == ["G1", "L1"]
    assert [p.max_courses_per_month for p in instance.partners] == [4, 2]
    under_way = instance.courses[1]
    assert under_way.fixed is not None
    assert (under_way.fixed.machine, under_way.fixed.start_date, under_way.fixed.delivered) == (
        "L1",
        dt.date(2025, 12, 22),
        3,
    )
    assert instance.courses[2].machines == ("G1", "L1")
    # Capacity: weekday minutes, minus downtime, 0 on holidays and weekends.
    g1 = instance.machines[0]
    assert instance.capacity(g1, 0) == 600  # Monday 5 January
    assert instance.capacity(g1, 2) == 0  # the holiday
    assert instance.capacity(g1, 5) == 0  # Saturday
    assert instance.capacity(g1, 7) == 360  # Monday 12 January, 240 minutes of QA


def test_optional_fields_may_be_left_out():
    doc = valid_doc()
    for key in ("holidays", "domestic_reserve", "partners"):
        del doc[key]
    del doc["machines"][0]["downtime"]
    doc["courses"] = doc["courses"][:2]
    del doc["courses"][0]["fixed"]
    instance = parse_instance(doc)
    assert instance.holidays == frozenset()
    assert instance.domestic_reserve == 0
    assert instance.partners == ()


def test_a_course_as_long_as_the_horizon_is_valid():
    doc = valid_doc()
    doc["courses"][0]["fractions"] = doc["days"]
    parse_instance(doc)


def test_a_fixed_course_may_be_longer_than_the_horizon():
    doc = valid_doc()
    doc["courses"][1]["fractions"] = 40
    doc["courses"][1]["fixed"]["delivered"] = 5
    parse_instance(doc)


# --- one problem at a time -------------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting `a.b[0].c` (dotted path with list indices) to `value`."""

    def apply(doc: dict[str, Any]) -> None:
        *parents, last = re.findall(r"[a-z_]+|\d+", path)
        target: Any = doc
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return apply


def _delete(path: str) -> Mutation:
    def apply(doc: dict[str, Any]) -> None:
        *parents, last = re.findall(r"[a-z_]+|\d+", path)
        target: Any = doc
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]

    return apply


def _append(path: str, value: Any) -> Mutation:
    def apply(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in re.findall(r"[a-z_]+|\d+", path):
            target = target[int(key)] if key.isdigit() else target[key]
        target.append(copy.deepcopy(value))

    return apply


def _rename_course(i: int, new_id: str) -> Mutation:
    return _set(f"courses.{i}.id", new_id)


CASES: list[tuple[str, Mutation, str, tuple[str, ...]]] = [
    # unknown machine
    (
        "unknown machine",
        _set("courses.0.machines", ["G1", "G9"]),
        "courses[0].machines[1]: ",
        ('unknown machine "G9"',),
    ),
    ("unknown fixed machine", _set("courses.1.fixed.machine", "G9"), "courses[1].fixed.machine: ", ("G9",)),
    ("fixed machine not eligible", _set("courses.1.fixed.machine", "G1"), "courses[1].fixed.machine: ", ()),
    ("machine not a string", _set("courses.2.machines", ["G1", 7]), "courses[2].machines[1]: ", ("unknown machine",)),
    ("machine listed twice", _set("courses.2.machines", ["G1", "G1"]), "courses[2].machines[1]: ", ("twice",)),
    ("no eligible machine", _set("courses.0.machines", []), "courses[0].machines: ", ()),
    ("course machines not an array", _set("courses.0.machines", "G1"), "courses[0].machines: ", ("array",)),
    # negative minutes
    (
        "negative weekday minutes",
        _set("machines.0.minutes_per_weekday.2", -5),
        "machines[0].minutes_per_weekday[2]: ",
        ("-5",),
    ),
    (
        "too many weekday minutes",
        _set("machines.1.minutes_per_weekday.0", 1441),
        "machines[1].minutes_per_weekday[0]: ",
        (),
    ),
    ("six weekdays", _set("machines.0.minutes_per_weekday", [600] * 6), "machines[0].minutes_per_weekday: ", ("7",)),
    ("negative downtime", _set("machines.0.downtime.0.minutes", -240), "machines[0].downtime[0].minutes: ", ()),
    ("negative first minutes", _set("courses.0.first_minutes", -60), "courses[0].first_minutes: ", ("-60",)),
    ("negative minutes", _set("courses.2.minutes", -30), "courses[2].minutes: ", ("-30",)),
    ("fractional minutes", _set("courses.0.minutes", 30.5), "courses[0].minutes: ", ()),
    ("minutes as text", _set("courses.0.minutes", "30"), "courses[0].minutes: ", ()),
    # a course longer than the horizon
    ("fractions > days", _set("courses.0.fractions", 29), "courses[0].fractions: ", ("29",)),
    ("foreign fractions > days", _set("courses.2.fractions", 100), "courses[2].fractions: ", ("100",)),
    ("zero fractions", _set("courses.0.fractions", 0), "courses[0].fractions: ", ()),
    # malformed dates
    ("start_date month 13", _set("start_date", "2026-13-01"), "start_date: ", ("2026-13-01",)),
    ("start_date dotted", _set("start_date", "05.01.2026"), "start_date: ", ()),
    ("start_date ISO week date", _set("start_date", "2026-W02-1"), "start_date: ", ()),
    ("start_date with time", _set("start_date", "2026-01-05T00:00"), "start_date: ", ()),
    ("holiday 30 February", _set("holidays.0", "2026-02-30"), "holidays[0]: ", ()),
    ("holiday as a number", _set("holidays.0", 20260107), "holidays[0]: ", ()),
    ("holidays not an array", _set("holidays", "2026-01-07"), "holidays: ", ()),
    ("downtime date", _set("machines.0.downtime.0.date", "2026-1-12"), "machines[0].downtime[0].date: ", ()),
    ("ready_date", _set("courses.0.ready_date", "yesterday"), "courses[0].ready_date: ", ("yesterday",)),
    ("latest_start", _set("courses.2.latest_start", "2026-02-31"), "courses[2].latest_start: ", ()),
    ("fixed start_date", _set("courses.1.fixed.start_date", "2025/12/22"), "courses[1].fixed.start_date: ", ()),
    (
        "fixed start after the horizon",
        _set("courses.1.fixed.start_date", "2026-02-02"),
        "courses[1].fixed.start_date: ",
        (),
    ),
    # duplicate ids
    ("duplicate course id", _rename_course(1, "D-0001"), "courses[1].id: ", ('duplicate course id "D-0001"',)),
    (
        "duplicate machine id",
        _append("machines", {"id": "G1", "kind": "linac", "minutes_per_weekday": [1] * 7}),
        "machines[2].id: ",
        ('duplicate machine id "G1"',),
    ),
    (
        "duplicate partner id",
        _append("partners", {"id": "KZ-MOH", "max_courses_per_month": 1}),
        "partners[2].id: ",
        ('duplicate partner id "KZ-MOH"',),
    ),
    # wrong format string
    ("format version 3", _set("format", "onconet-schedule/3"), "format: ", (FORMAT, "onconet-schedule/1")),
    ("format of a plan", _set("format", "onconet-plan/1"), "format: ", ()),
    ("format missing", _delete("format"), "format: ", ("required",)),
    # unknown partner
    ("unknown partner", _set("courses.2.partner", "XX-MOH"), "courses[2].partner: ", ('unknown partner "XX-MOH"',)),
    ("partner not a string", _set("courses.2.partner", ["BG-MOH"]), "courses[2].partner: ", ()),
    # bad urgency
    ("urgency 0", _set("courses.0.urgency", 0), "courses[0].urgency: ", ()),
    ("urgency 4", _set("courses.0.urgency", 4), "courses[0].urgency: ", ()),
    ("urgency text", _set("courses.0.urgency", "1"), "courses[0].urgency: ", ()),
    ("urgency 1.5", _set("courses.0.urgency", 1.5), "courses[0].urgency: ", ()),
    ("urgency of a foreign course", _set("courses.2.urgency", 9), "courses[2].urgency: ", ()),
    # fixed.delivered >= fractions
    ("delivered = fractions", _set("courses.1.fixed.delivered", 10), "courses[1].fixed.delivered: ", ("10",)),
    ("delivered > fractions", _set("courses.1.fixed.delivered", 12), "courses[1].fixed.delivered: ", ("12",)),
    ("negative delivered", _set("courses.1.fixed.delivered", -1), "courses[1].fixed.delivered: ", ()),
    ("fixed not an object", _set("courses.1.fixed", ["L1"]), "courses[1].fixed: ", ()),
    # missing required fields
    ("days missing", _delete("days"), "days: ", ("required",)),
    ("start_date missing", _delete("start_date"), "start_date: ", ("required",)),
    ("machines missing", _delete("machines"), "machines: ", ("required",)),
    ("courses missing", _delete("courses"), "courses: ", ("required",)),
    ("machine kind missing", _delete("machines.1.kind"), "machines[1].kind: ", ("required",)),
    ("weekdays missing", _delete("machines.1.minutes_per_weekday"), "machines[1].minutes_per_weekday: ", ("required",)),
    (
        "downtime minutes missing",
        _delete("machines.0.downtime.0.minutes"),
        "machines[0].downtime[0].minutes: ",
        ("required",),
    ),
    (
        "quota missing",
        _delete("partners.0.max_courses_per_month"),
        "partners[0].max_courses_per_month: ",
        ("required",),
    ),
    ("course id missing", _delete("courses.0.id"), "courses[0].id: ", ("required",)),
    ("ready_date missing", _delete("courses.0.ready_date"), "courses[0].ready_date: ", ("required",)),
    ("urgency missing (domestic)", _delete("courses.0.urgency"), "courses[0].urgency: ", ("required",)),
    ("origin missing", _delete("courses.0.origin"), "courses[0].origin: ", ("required",)),
    ("partner missing (foreign)", _delete("courses.2.partner"), "courses[2].partner: ", ("required",)),
    ("value missing (foreign)", _delete("courses.2.value"), "courses[2].value: ", ("required",)),
    ("latest_start missing (foreign)", _delete("courses.2.latest_start"), "courses[2].latest_start: ", ("required",)),
    ("delivered missing", _delete("courses.1.fixed.delivered"), "courses[1].fixed.delivered: ", ("required",)),
    # unknown fields
    ("unknown top-level field", _set("horizon", 28), "horizon: ", ("unknown field",)),
    ("unknown machine field", _set("machines.0.colour", "blue"), "machines[0].colour: ", ("unknown field",)),
    (
        "unknown downtime field",
        _set("machines.0.downtime.0.hours", 4),
        "machines[0].downtime[0].hours: ",
        ("unknown field",),
    ),
    ("unknown partner field", _set("partners.1.quota", 2), "partners[1].quota: ", ("unknown field",)),
    ("unknown course field", _set("courses.0.priority", 1), "courses[0].priority: ", ("unknown field",)),
    ("partner on a domestic course", _set("courses.0.partner", "BG-MOH"), "courses[0].partner: ", ("unknown field",)),
    ("unknown fixed field", _set("courses.1.fixed.remaining", 7), "courses[1].fixed.remaining: ", ("unknown field",)),
    # non-objects and non-arrays inside the document
    ("course not an object", _set("courses.0", "D-0001"), "courses[0]: ", ("object",)),
    ("machine not an object", _set("machines.1", 5), "machines[1]: ", ("object",)),
    ("partner not an object", _set("partners.0", None), "partners[0]: ", ("object",)),
    ("downtime not an object", _set("machines.0.downtime.0", "2026-01-12"), "machines[0].downtime[0]: ", ("object",)),
    ("machines not an array", _set("machines", 5), "machines: ", ("array",)),
    ("machines an object", _set("machines", {"G1": {}}), "machines: ", ("array",)),
    ("courses not an array", _set("courses", {}), "courses: ", ("array",)),
    ("partners not an array", _set("partners", "BG-MOH"), "partners: ", ("array",)),
    ("no machines", _set("machines", []), "machines: ", ()),
    # other values out of range
    ("machine id not a string", _set("machines.0.id", ["G1"]), "machines[0].id: ", ()),
    ("machine id empty", _set("machines.0.id", " "), "machines[0].id: ", ()),
    ("days zero", _set("days", 0), "days: ", ()),
    ("days negative", _set("days", -7), "days: ", ()),
    ("days text", _set("days", "28"), "days: ", ()),
    ("days boolean", _set("days", True), "days: ", ()),
    ("days fractional", _set("days", 28.5), "days: ", ()),
    ("reserve above 1", _set("domestic_reserve", 1.5), "domestic_reserve: ", ()),
    ("reserve negative", _set("domestic_reserve", -0.1), "domestic_reserve: ", ()),
    ("reserve text", _set("domestic_reserve", "0.1"), "domestic_reserve: ", ()),
    ("reserve NaN", _set("domestic_reserve", float("nan")), "domestic_reserve: ", ()),
    ("origin unknown", _set("courses.0.origin", "alien"), "courses[0].origin: ", ("alien",)),
    ("negative value", _set("courses.2.value", -1), "courses[2].value: ", ()),
    ("infinite value", _set("courses.2.value", float("inf")), "courses[2].value: ", ()),
    ("value text", _set("courses.2.value", "lots"), "courses[2].value: ", ()),
    ("negative quota", _set("partners.0.max_courses_per_month", -1), "partners[0].max_courses_per_month: ", ()),
]


@pytest.mark.parametrize(("mutate", "prefix", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_reported_with_its_path(mutate: Mutation, prefix: str, words: tuple[str, ...]):
    doc = valid_doc()
    parse_instance(copy.deepcopy(doc))  # valid before the mutation
    mutate(doc)
    problems = problems_of(doc)
    assert has(problems, prefix, *words), f"expected {prefix!r}{words} among {problems}"


def test_unknown_machine_message_matches_the_contract():
    doc = valid_doc()
    doc["courses"] = [copy.deepcopy(doc["courses"][0]) for _ in range(18)]
    for i, course in enumerate(doc["courses"]):
        course["id"] = f"D-{i:04d}"
    doc["courses"][17]["machines"] = ["G9"]
    assert problems_of(doc) == ['courses[17].machines[0]: unknown machine "G9"']


@pytest.mark.parametrize("document", [[], ["format"], "instance", 42, None, True, 1.5])
def test_a_document_that_is_not_an_object(document: Any):
    problems = problems_of(document)
    assert problems == ["$: the instance must be a JSON object"]


def test_every_problem_of_one_instance_is_reported():
    doc = valid_doc()
    doc["format"] = "onconet-schedule/0"
    doc["holidays"].append("2026-02-29")
    doc["extra"] = True
    doc["machines"][0]["minutes_per_weekday"][6] = -1
    doc["machines"].append({"id": "L1", "kind": "linac", "minutes_per_weekday": [0] * 7})
    doc["partners"].append({"id": "BG-MOH", "max_courses_per_month": 1})
    doc["courses"][0]["machines"] = ["G9"]
    doc["courses"][0]["urgency"] = 7
    doc["courses"][0]["fractions"] = 50
    doc["courses"][1]["fixed"]["delivered"] = 10
    del doc["courses"][1]["first_minutes"]
    doc["courses"][2]["partner"] = "XX-MOH"
    doc["courses"][2]["latest_start"] = "2026-02-30"
    doc["courses"][2]["colour"] = "red"
    doc["courses"].append(dict(valid_doc()["courses"][0], ready_date="5 Jan"))  # a second D-0001
    problems = problems_of(doc)
    expected = [
        ("format: ", ()),
        ("holidays[1]: ", ()),
        ("extra: ", ("unknown field",)),
        ("machines[0].minutes_per_weekday[6]: ", ()),
        ("machines[2].id: ", ("duplicate",)),
        ("partners[2].id: ", ("duplicate",)),
        ("courses[0].machines[0]: ", ('unknown machine "G9"',)),
        ("courses[0].urgency: ", ()),
        ("courses[0].fractions: ", ()),
        ("courses[1].fixed.delivered: ", ()),
        ("courses[1].first_minutes: ", ("required",)),
        ("courses[2].partner: ", ("unknown partner",)),
        ("courses[2].latest_start: ", ()),
        ("courses[2].colour: ", ("unknown field",)),
        ("courses[3].id: ", ("duplicate",)),
        ("courses[3].ready_date: ", ()),
    ]
    missing = [(prefix, words) for prefix, words in expected if not has(problems, prefix, *words)]
    assert not missing, f"not reported: {missing}\nreported: {problems}"
    assert len(problems) == len(set(problems)), "a problem is listed twice"
    assert str(InvalidInstance(problems)) == "\n".join(problems)


def test_an_invalid_machine_is_still_known_to_courses():
    """A machine with bad minutes is reported once; courses using it do not get 'unknown machine' on top."""
    doc = valid_doc()
    doc["machines"][0]["minutes_per_weekday"][0] = -600
    problems = problems_of(doc)
    assert problems == ["machines[0].minutes_per_weekday[0]: must be at least 0, got -600"]


def test_a_duplicate_of_an_invalid_machine_or_partner_is_reported():
    doc = valid_doc()
    doc["machines"][1]["id"] = "G1"
    doc["machines"][0]["minutes_per_weekday"] = [600] * 5
    doc["partners"][1]["id"] = "BG-MOH"
    doc["partners"][0]["max_courses_per_month"] = "four"
    problems = problems_of(doc)
    assert has(problems, "machines[0].minutes_per_weekday: ")
    assert has(problems, "machines[1].id: ", 'duplicate machine id "G1"')
    assert has(problems, "partners[0].max_courses_per_month: ")
    assert has(problems, "partners[1].id: ", 'duplicate partner id "BG-MOH"')


def test_invalid_courses_are_all_reported_not_only_the_first():
    doc = valid_doc()
    for i in range(3):
        doc["courses"][i]["minutes"] = -1
    problems = problems_of(doc)
    assert [p.split(":")[0] for p in problems] == ["courses[0].minutes", "courses[1].minutes", "courses[2].minutes"]


def test_an_invalid_partner_is_still_known_to_courses():
    doc = valid_doc()
    doc["partners"][0]["max_courses_per_month"] = -4
    assert problems_of(doc) == ["partners[0].max_courses_per_month: must be at least 0, got -4"]
