"""The passport's approval steps through the one transition mechanism."""

from __future__ import annotations

import re

import pytest

from onconet.core.errors import DomainError, NotAllowed
from onconet.core.models import AuditAction, AuditEntry
from onconet.passports import services
from onconet.passports.tests.test_services import passport  # noqa: F401 (the fixture)


def test_a_passport_step_is_locked_checked_and_audited(passport, users, row_locks):  # noqa: F811
    with pytest.raises(NotAllowed, match=re.escape("You are not allowed to submit passports.")):
        services.passport_submit(passport=passport, user=users["analyst"])
    with pytest.raises(DomainError) as err:
        services.passport_approve(passport=passport, user=users["admin"])
    assert err.value.status_code == 409
    with row_locks:
        services.passport_submit(passport=passport, user=users["reporter"])
    row_locks.assert_locked("passports_passport")
    passport.refresh_from_db()
    assert passport.status == "submitted"
    assert passport.submitted_at is not None
    assert passport.events.order_by("-id").values_list("action", "from_status", "to_status").first() == (
        "submit",
        "draft",
        "submitted",
    )
    entry = AuditEntry.objects.get(object_type="passports.passport", action=AuditAction.STATE_CHANGE)
    assert (entry.actor_username, entry.changes) == ("reporter", {"status": ["draft", "submitted"]})
    assert services.PASSPORTS.open_to(users["admin"], "submitted") == ["approve", "return"]
    assert services.PASSPORTS.open_to(users["reporter"], "submitted") == []
