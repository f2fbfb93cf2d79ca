"""Role checks of the office's steps that no Django permission names (who may quote, pay, book)."""

from __future__ import annotations

from onconet.core.errors import NotAllowed
from onconet.core.models import User


def require_role(user: User, roles: frozenset[str] | set[str], action: str) -> None:
    if user.role not in roles:
        raise NotAllowed(f"Your role may not {action}.")
