"""The delegation's steps through the one transition mechanism."""

from __future__ import annotations

import re

import pytest

from onconet.core.errors import DomainError, NotAllowed
from onconet.core.models import AuditAction, AuditEntry
from onconet.partnerships import services


def test_a_delegation_step_is_locked_checked_and_audited(users, tour, row_locks):
    with pytest.raises(NotAllowed, match=re.escape("You are not allowed to change delegations.")):
        services.delegation_transition(user=users["interpreter"], delegation=tour, status="confirmed")
    with pytest.raises(DomainError) as err:
        services.delegation_transition(user=users["coordinator"], delegation=tour, status="under_way")
    assert err.value.status_code == 409
    with row_locks:
        services.delegation_transition(user=users["coordinator"], delegation=tour, status="confirmed")
    row_locks.assert_locked("partnerships_delegation")
    tour.refresh_from_db()
    assert tour.status == "confirmed"
    entry = AuditEntry.objects.get(object_type="partnerships.delegation", action=AuditAction.STATE_CHANGE)
    assert (entry.actor_username, entry.changes) == ("coordinator", {"status": ["planned", "confirmed"]})
    assert services.DELEGATIONS.targets("confirmed") == ["cancelled", "planned", "under_way"]
