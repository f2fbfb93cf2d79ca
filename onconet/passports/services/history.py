"""The passport's own history: one event per write (import, creation, copy-forward, each transition)."""

from __future__ import annotations

from onconet.core.models import User
from onconet.passports.models import Passport, PassportEvent


def _event(passport: Passport, user: User | None, action: str, *, before: str = "", comment: str = "") -> None:
    PassportEvent.objects.create(
        passport=passport, actor=user, action=action, from_status=before, to_status=passport.status, comment=comment
    )
