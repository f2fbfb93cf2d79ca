"""`solve()` returns a typed `Plan`; its document is the contract's JSON, and reads back to the same plan."""

from __future__ import annotations

import datetime as dt

import pytest

from onconet.scheduling.solver import Assignment, Plan, Rejection, parse_instance, solve, verify
from onconet.scheduling.tests.test_solver_v2 import dom, fgn, instance, machine


def test_a_plan_is_typed_and_its_document_is_the_contract() -> None:
    doc = instance(
        [dom("A", 2, 300), dom("B", 1, 600, urgency=1, target_days=1), fgn("F", 1, 200, value=2500.5)],
        [machine("G1")],
    )
    plan = solve(parse_instance(doc), "greedy", 1, 0)  # first come, first served: B waits behind A
    assert isinstance(plan, Plan)
    assert plan.assignment_of()["B"] == Assignment(
        course="B", machine="G1", start_date=dt.date(2026, 1, 7), dates=(dt.date(2026, 1, 7),)
    )
    assert plan.assignment_of()["A"].dates == (dt.date(2026, 1, 5), dt.date(2026, 1, 6))
    assert plan.metrics.domestic.by_urgency[1].over_target == 1
    assert plan.metrics.domestic.days_over_target == 10  # one day over its target, at urgency 1's weight
    assert plan.metrics.foreign.value == 2500.5
    assert plan.guarantee.holds is True
    document = plan.as_document()
    assert list(document) == ["format", "solver", "status", "assignments", "rejected", "metrics", "guarantee"]
    assert document["format"] == "onconet-plan/2"
    assert document["metrics"]["domestic"]["by_urgency"]["1"]["scheduled"] == 1
    assert document["guarantee"]["later_than_domestic_only"] == []
    assert document["guarantee"]["holds"] is True
    assert verify(doc, document) == verify(doc, plan) == []
    assert Plan.from_document(document) == plan


def test_a_rejection_reads_as_a_reason() -> None:
    doc = instance([fgn("LATE", 1, 100, latest="2026-01-01")])
    plan = solve(parse_instance(doc), "greedy", 1, 0)
    assert plan.rejected == (
        Rejection(course="LATE", reason="latest_start 2026-01-01 is before the ready date or outside the horizon"),
    )
    assert plan.metrics.foreign.rejected == 1


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.pop("guarantee"), "guarantee"),
        (lambda d: d["assignments"][0].update(start_date="5 January"), "assignments"),
        (lambda d: d["metrics"]["domestic"].pop("weighted_wait"), "metrics.domestic"),
    ],
)
def test_a_damaged_document_is_refused_with_the_field_named(damage, message: str) -> None:
    document = solve(parse_instance(instance([dom("A", 1, 100)])), "greedy", 1, 0).as_document()
    damage(document)
    with pytest.raises(ValueError, match=f"not a plan document: {message}:"):
        Plan.from_document(document)
