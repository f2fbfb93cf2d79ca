"""A partner agent's organisation is tourism's PartnerAgent link: set through the office's service (checked and
audited), read by core's scoping; the migration that moved it from core's user keeps every agent's partner."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onconet.core.errors import InvalidInput, NotAllowed
from onconet.core.models import AuditAction, AuditEntry
from onconet.core.scoping import partner_id_of, visible
from onconet.tourism import services
from onconet.tourism.models import PartnerContact
from onconet.tourism.tests.factories import PartnerContactFactory

BEFORE = [("core", "0008_holiday"), ("tourism", "0007_number_series_from_existing_numbers")]
AFTER = [("core", "0009_user_partner_to_tourism"), ("tourism", "0008_partner_agents")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_agent_keeps_its_partner():
    old = _migrate(BEFORE)
    country = old.get_model("core", "Country").objects.create(code="BG", alpha_3="BGR", name="Bulgaria")
    partner = old.get_model("tourism", "Partner").objects.create(name="Ministry", kind="ministry", country=country)
    user_model = old.get_model("core", "User")
    agent = user_model.objects.create(username="agent", role="partner_agent", partner=partner)
    analyst = user_model.objects.create(username="analyst", role="national_analyst")
    try:
        new = _migrate(AFTER)
        links = new.get_model("tourism", "PartnerAgent").objects.values_list("user_id", "partner_id")
        assert list(links) == [(agent.pk, partner.pk)]
        columns = [c.name for c in connection.introspection.get_table_description(connection.cursor(), "core_user")]
        assert "partner_id" not in columns
        assert new.get_model("core", "User").objects.filter(pk=analyst.pk).exists()
        back = _migrate(BEFORE)  # and backwards: the column again, with every agent's partner
        assert back.get_model("core", "User").objects.get(pk=agent.pk).partner_id == partner.pk
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_an_agent_moves_to_another_partner_through_the_service(users):
    agent, bg, rs = users["partner"], users["partner"].agency.partner, users["partner2"].agency.partner
    PartnerContactFactory(partner=rs, name="Serbian contact")
    assert not visible(agent, PartnerContact.objects.all()).exists()
    with pytest.raises(NotAllowed):
        services.partner_agent_link(actor=users["coordinator"], user=agent, partner=rs)
    with pytest.raises(InvalidInput, match="Only a partner agent"):
        services.partner_agent_link(actor=users["admin"], user=users["analyst"], partner=rs)
    services.partner_agent_link(actor=users["admin"], user=agent, partner=rs)
    assert partner_id_of(agent) == rs.pk
    assert list(visible(agent, PartnerContact.objects.values_list("name", flat=True))) == ["Serbian contact"]
    entry = AuditEntry.objects.get(object_type="tourism.partneragent")
    assert (entry.action, entry.actor_username, entry.changes) == (
        AuditAction.UPDATE,
        "admin",
        {"partner": [bg.pk, rs.pk]},
    )
    assert partner_id_of(users["analyst"]) is None
