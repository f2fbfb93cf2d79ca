"""The referral's steps through the one transition mechanism: row locked, role checked (403), state checked (409),
history and audit written."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from onconet.core.errors import DomainError, NotAllowed
from onconet.core.models import AuditAction, AuditEntry
from onconet.core.tests.factories import HolidayFactory
from onconet.tourism import selectors, services
from onconet.tourism.models import Referral
from onconet.tourism.tests.test_office import referral_for
from onconet.tourism.workflow import REFERRALS


def test_a_referral_step_is_locked_checked_and_audited(users, office, row_locks):
    referral = referral_for(users, office)
    with pytest.raises(NotAllowed, match=re.escape("Your role may not start review; it is for: coordinator.")):
        services.referral_start_review(referral=referral, user=users["reviewer"])
    with pytest.raises(DomainError) as err:
        services.referral_accept(referral=referral, user=users["reviewer"], protocol="PBT-25")
    assert err.value.status_code == 409
    with row_locks:
        services.referral_start_review(referral=referral, user=users["coordinator"], comment="records complete")
    row_locks.assert_locked("tourism_referral")
    assert referral.state == "under_review"
    event = referral.events.order_by("-id").first()
    assert (event.action, event.from_state, event.to_state, event.comment) == (
        "start_review",
        "inquiry",
        "under_review",
        "records complete",
    )
    entry = AuditEntry.objects.filter(object_type="tourism.referral", action=AuditAction.STATE_CHANGE).get()
    # the comment stays with the referral's history; the log names the step
    assert (entry.actor_username, entry.changes, entry.message) == (
        "coordinator",
        {"state": ["inquiry", "under_review"]},
        "start_review",
    )


def test_the_plans_step_is_never_offered(users):
    assert "schedule" not in REFERRALS.allowed_next("prepaid")
    assert REFERRALS.open_to(users["admin"], "prepaid") == []
    assert REFERRALS.open_to(users["finance"], "quote_accepted") == ["confirm_prepayment"]


def test_the_overdue_filter_in_the_database_is_the_service_level_rule(users, office):
    referral = referral_for(users, office)
    today = date(2026, 11, 6)
    HolidayFactory(date=date(2026, 11, 4), name="Unity Day")
    zone = timezone.get_current_timezone()
    for state in ("inquiry", "under_review", "quote_sent", "scheduled"):
        for back in range(0, 30):
            changed = datetime.combine(today - timedelta(days=back), time(23, 30), tzinfo=zone)
            Referral.objects.filter(pk=referral.pk).update(state=state, state_changed_at=changed)
            referral.refresh_from_db()
            in_db = Referral.objects.filter(selectors.overdue_q(today), pk=referral.pk).exists()
            assert in_db == selectors.is_overdue(referral, today), (state, back)
