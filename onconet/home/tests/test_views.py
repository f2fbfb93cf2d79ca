"""The home page of each role (the home app: the top layer)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from onconet.core.models import User
from onconet.home.selectors import dashboard_for


def test_every_role_has_a_dashboard(users: dict[str, User]) -> None:
    for user in users.values():
        client = Client()
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, user.username
        assert b"dashboard-title" in response.content


def test_each_role_sees_its_own_tiles_and_only_its_own_partner(users: dict[str, User], region: Any) -> None:
    national = dict(dashboard_for(user=users["admin"]).tiles)
    assert set(national) == {"regions", "facilities", "partners", "users"}
    assert national["partners"] == 2
    reporter = dashboard_for(user=users["reporter"])
    assert [name for name, _ in reporter.tiles] == ["facilities"]
    assert reporter.region == region
    partner = dashboard_for(user=users["partner"])
    assert partner.tiles == [("partners", 1)]
    assert [p.pk for p in partner.partners] == [users["partner"].agency.partner_id]
    assert partner.recent_audit == []  # the audit log is the national admin's
