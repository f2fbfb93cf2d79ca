"""Domain errors. Services raise them; the API and the pages turn them into 400/403/404/409 answers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class FieldProblem:
    """One problem with one piece of input: where it is, what was given, and what was expected."""

    message: str
    field: str = ""
    value: Any = None
    location: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.location, "field": self.field, "message": self.message}
        if self.value is not None:
            out["value"] = self.value
        return out


class DomainError(Exception):
    """Something the user asked for cannot be done in the record's current state (HTTP 409)."""

    status_code = 409

    def __init__(self, detail: str, *, errors: list[Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[Any] = errors or []  # FieldProblem or anything else with as_dict()

    def summary(self, most: int = 5) -> str:
        """The detail and the first few problems, in one line for a page's message."""
        details = "; ".join(getattr(e, "message", str(e)) for e in self.errors[:most])
        return f"{self.detail} {details}".strip()


class InvalidInput(DomainError):
    """The input is wrong; `errors` lists every problem (HTTP 400)."""

    status_code = 400


class NotAllowed(DomainError):
    """The user may see the record but not do this to it (HTTP 403)."""

    status_code = 403


class NotFound(DomainError):
    """No such record, or one the user may not see (HTTP 404): the two answers are the same on purpose."""

    status_code = 404


def raise_problems(problems: list[FieldProblem], detail: str) -> None:
    """Raise InvalidInput(detail) with every problem collected, when there is one (services check all input first
    and answer with the whole list)."""
    if problems:
        raise InvalidInput(detail, errors=problems)


def is_refusal(exc: DomainError) -> bool:
    """403 and 404: the middleware answers them as pages; a page shows only 400 and 409 as messages."""
    return isinstance(exc, NotAllowed | NotFound)
