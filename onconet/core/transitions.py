"""One mechanism for every change of state: a table of steps per model and one function that takes a step.

A model's life is a `StateMachine`: named steps, each from a set of states to one state, open to some roles or to
holders of a Django permission (or taken by the clock, `system`). `StateMachine.move` is the only way a state field
changes: in one transaction it

1. locks the row the actor may see (`SELECT … FOR UPDATE`; a row outside the actor's scope answers 404),
2. checks the actor's right (403, `NotAllowed`) and then the current state (409, `DomainError`, naming the
   steps allowed next),
3. runs the step's own check and writes (the `guard`: a required comment, a quote to send, money received…),
4. saves the new state, writes the model's own history event (`event`) and one audit entry.

Named services (`referral_accept`, `passport_submit`, `course_cancel`, …) wrap it, as Zulip's `do_*` actions do;
the API maps the errors to 409/403/404/400 like every other domain error.

No flag switches a check off. A step the system takes — the clock starting a course, a newer plan superseding an
older one, an approved plan booking a referral — is taken by the actor `System(cause, by=…)`, which holds the right
to the steps marked `system` and to no other, sees every row (the system's work spans what one person sees), and
leaves an audit entry naming its cause and the person whose act set it going.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotAllowed, NotFound
from onconet.core.models import User
from onconet.core.scoping import get_visible

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Step:
    """One transition: its name, the states it leaves, the state it reaches and who may take it."""

    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str] = frozenset()  # empty: any role that holds `permission`
    permission: str = ""  # a Django permission ("scheduling.plan_schedule"); empty: the roles decide
    # taken by the system — the clock, a job or an approved plan — and never offered as a button; an actor who
    # takes it needs `permission`, and the clock takes it without one
    system: bool = False

    def open_to(self, actor: User) -> bool:
        if self.roles and actor.role not in self.roles:
            return False
        return not self.permission or actor.has_perm(self.permission)


def step(
    name: str,
    sources: Iterable[str],
    target: str,
    *,
    roles: Iterable[str] = (),
    permission: str = "",
    system: bool = False,
) -> Step:
    return Step(name, frozenset(sources), target, frozenset(roles), permission, system)


@dataclass(frozen=True)
class System:
    """The system as the actor of a step: the clock, a job, or a plan a person approved (`by`). It may take the
    steps marked `system` and no other; `cause` goes into the audit entry ("plan 12 approved")."""

    cause: str
    by: User | None = None


Actor = User | System


@dataclass(frozen=True)
class Moved(Generic[M]):
    """What a step did, handed to the model's event writer (`actor`: the person, or the system's `by`)."""

    obj: M
    step: Step
    before: str
    actor: User | None
    comment: str


def _wrong_state(machine: StateMachine[Any], step: Step, state: str, allowed: list[str]) -> str:
    return (
        f"Cannot {step.name.replace('_', ' ')} a {machine.noun} that is {state}; "
        f"allowed next: {', '.join(allowed) or 'none'}."
    )


def _forbidden(machine: StateMachine[Any], step: Step) -> str:
    if step.roles:
        return f"Your role may not {step.name.replace('_', ' ')}; it is for: {', '.join(sorted(step.roles))}."
    return f"You are not allowed to {step.name.replace('_', ' ')} {machine.noun}s."


# Every machine by its model's label ("tourism.referral"): the audit log reads a step's label from it
MACHINES: dict[str, StateMachine[Any]] = {}


def step_label(object_type: str, name: str) -> str | None:
    """The label of the step `name` of the machine of `object_type`, or None when it has none."""
    machine = MACHINES.get(object_type)
    label = machine.labels.get(name) if machine is not None else None
    return str(label) if label is not None else None


class StateMachine(Generic[M]):
    """The steps of one model's state field, and the one function that takes them."""

    def __init__(
        self,
        model: type[M],
        *,
        steps: Iterable[Step],
        noun: str,
        field: str = "status",
        event: Callable[[Moved[M]], None] | None = None,
        wrong_state: Callable[[StateMachine[M], Step, str, list[str]], str] = _wrong_state,
        forbidden: Callable[[StateMachine[M], Step], str] = _forbidden,
        audit_comment: bool = True,
        stamp: str = "",
        labels: Mapping[str, str | Promise] | None = None,
    ) -> None:
        self.model = model
        self.labels: Mapping[str, str | Promise] = labels or {}  # each step's name in words, where it has one
        MACHINES[model._meta.label_lower] = self
        self.steps: Mapping[str, Step] = {s.name: s for s in steps}
        self.noun = noun
        self.field = field
        self.event = event
        self.wrong_state = wrong_state
        self.forbidden = forbidden
        # False where a comment may hold personal data kept only with the record (the log then names the step)
        self.audit_comment = audit_comment
        self.stamp = stamp  # a field set to the time of every step ("state_changed_at"), when the model has one

    def __getitem__(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            raise InvalidInput(
                f"Unknown transition {name!r}; known: {', '.join(self.steps)}.",
                errors=[FieldProblem(f"known: {', '.join(self.steps)}", "name", name)],
            ) from None

    def allowed_next(self, state: str) -> list[str]:
        """Steps that leave `state` (taken by people; the clock's own steps are not offered)."""
        return [s.name for s in self.steps.values() if state in s.sources and not s.system]

    def open_to(self, actor: User, state: str) -> list[str]:
        """Steps `actor` may take from `state` now (what a page offers)."""
        return [name for name in self.allowed_next(state) if self.steps[name].open_to(actor)]

    def step_to(self, state: str, target: str) -> Step | None:
        """The step from `state` to `target`, when there is one."""
        return next((s for s in self.steps.values() if state in s.sources and s.target == target), None)

    def targets(self, state: str) -> list[str]:
        return sorted({self.steps[name].target for name in self.allowed_next(state)})

    def move(
        self,
        obj: M,
        *,
        name: str,
        actor: Actor,
        queryset: models.QuerySet[M] | None = None,
        guard: Callable[[M], None] | None = None,
        comment: str = "",
        changes: Mapping[str, list[Any]] | None = None,
        request: HttpRequest | None = None,
        message: Callable[[], str] | None = None,
    ) -> M:
        """Take step `name` on `obj` as `actor` (a person, or `System` for the steps marked `system`); returns the
        locked, saved row. `message`, called once the guard has run, gives the audit entry's message when there is
        more to say than the comment."""
        taken = self[name]
        system = isinstance(actor, System)
        if system and not taken.system:
            raise NotAllowed(self.forbidden(self, taken))
        person = actor.by if isinstance(actor, System) else actor
        with transaction.atomic():
            row = self._lock(obj, actor, queryset)
            if isinstance(actor, User) and not taken.open_to(actor):
                raise NotAllowed(self.forbidden(self, taken))
            state = str(getattr(row, self.field))
            if state not in taken.sources:
                allowed = self.allowed_next(state)
                raise DomainError(
                    self.wrong_state(self, taken, state, allowed),
                    errors=[FieldProblem(f"allowed: {', '.join(allowed) or 'none'}", self.field, state)],
                )
            if guard is not None:
                guard(row)
            setattr(row, self.field, taken.target)
            if self.stamp:
                setattr(row, self.stamp, timezone.now())
            row.save()
            if self.event is not None:
                self.event(Moved(row, taken, state, person, comment))
            said = message() if message else comment if self.audit_comment else taken.name
            audit_record(
                actor=person,
                action=AuditAction.STATE_CHANGE,
                obj=row,
                changes={self.field: [state, taken.target], **(changes or {})},
                message=(f"{actor.cause}: {said}" if said else actor.cause) if isinstance(actor, System) else said,
                request=request,
            )
        if row is not obj:  # the caller's instance shows the new state too, as a save of its own would
            for concrete in row._meta.concrete_fields:
                setattr(obj, concrete.attname, getattr(row, concrete.attname))
        return row

    def _lock(self, obj: M, actor: Actor, queryset: models.QuerySet[M] | None) -> M:
        rows = (queryset if queryset is not None else self.model._default_manager.all()).select_for_update()
        if isinstance(actor, User):
            return get_visible(actor, rows, pk=obj.pk)
        try:
            return rows.get(pk=obj.pk)
        except ObjectDoesNotExist as exc:
            raise NotFound(f"No {self.noun} matches the given id.") from exc
