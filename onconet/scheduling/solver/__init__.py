"""The capacity scheduler: a pure Python package (no Django) implementing `docs/contracts/scheduling.md`.

from onconet.scheduling.solver import parse_instance, solve, verify
plan = solve(parse_instance(document), solver="cpsat", time_limit=10, seed=0)
assert not verify(document, plan)  # `plan` is a `Plan`; `plan.as_document()` is the contract's JSON
"""

from .engine import SOLVERS, GuaranteeBroken, solve
from .instance import FORMAT, PLAN_FORMAT, Instance, InvalidInstance, parse_instance
from .plan import Assignment, Plan, Rejection
from .verify import verify

__all__ = [
    "FORMAT",
    "PLAN_FORMAT",
    "SOLVERS",
    "Assignment",
    "GuaranteeBroken",
    "Instance",
    "InvalidInstance",
    "Plan",
    "Rejection",
    "parse_instance",
    "solve",
    "verify",
]
