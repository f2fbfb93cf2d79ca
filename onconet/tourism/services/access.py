"""Who may take the office's steps that no Django permission names (quote, pay, book, assign): one table.

The services check it (`require_step`) and pages ask it (`may`) which buttons to show, so a page never works out
from a role by itself what the service will allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from onconet.core.errors import NotAllowed
from onconet.core.models import User
from onconet.core.roles import Role


@dataclass(frozen=True)
class OfficeStep:
    roles: frozenset[str]
    action: str  # "Your role may not <action>."


OFFICE_STEPS = {
    "quote": OfficeStep(frozenset({Role.COORDINATOR, Role.FINANCE_OFFICER}), "prepare quotes"),
    "pay": OfficeStep(frozenset({Role.FINANCE_OFFICER}), "record payments"),
    "credit": OfficeStep(frozenset({Role.FINANCE_OFFICER}), "issue credit notes"),
    "assign": OfficeStep(frozenset({Role.COORDINATOR, Role.NATIONAL_ADMIN}), "assign coordinators"),
    "book_interpreter": OfficeStep(frozenset({Role.COORDINATOR}), "book interpreters"),
    "task": OfficeStep(frozenset({Role.COORDINATOR}), "create support tasks"),
    "task_done": OfficeStep(frozenset({Role.COORDINATOR}), "close support tasks"),
    # medical data, shown to those who need it: the reviewer who decides, the coordinator, the partner who sent it
    # (its own referrals only, by scoping) and the national admin; not finance, not the interpreter
    "read_clinical": OfficeStep(
        frozenset({Role.MEDICAL_REVIEWER, Role.COORDINATOR, Role.PARTNER_AGENT, Role.NATIONAL_ADMIN}),
        "read the clinical summary",
    ),
}


def may(user: User, step: str) -> bool:
    """Whether the user's role may take the office step (`OFFICE_STEPS`)."""
    return user.role in OFFICE_STEPS[step].roles


def require_step(user: User, step: str) -> None:
    if not may(user, step):
        raise NotAllowed(f"Your role may not {OFFICE_STEPS[step].action}.")
