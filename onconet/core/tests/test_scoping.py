"""The one scoping mechanism: who sees which records."""

import pytest

from conftest import make_facility
from onconet.core.errors import NotFound
from onconet.core.models import Facility, Region
from onconet.core.scoping import get_visible, visible
from onconet.tourism.models import Partner, PartnerContact
from onconet.tourism.tests.factories import PartnerContactFactory

pytestmark = pytest.mark.django_db


def test_regional_reporter_sees_only_its_region(users, region, other_region):
    own = make_facility(region, "KLU-1")
    foreign = make_facility(other_region, "MOW-1")
    reporter = users["reporter"]
    assert list(visible(reporter, Facility.objects.all())) == [own]
    assert list(visible(reporter, Region.objects.all())) == [region]
    with pytest.raises(NotFound):
        get_visible(reporter, Facility.objects.all(), pk=foreign.pk)


def test_national_roles_see_every_region(users, region, other_region):
    make_facility(region, "KLU-1")
    make_facility(other_region, "MOW-1")
    for name in ("admin", "analyst"):
        assert visible(users[name], Facility.objects.all()).count() == 2
    assert visible(users["analyst"], Region.objects.all()).count() == 83


def test_partner_agent_sees_only_its_partner(users):
    agent = users["partner"]
    own = agent.agency.partner
    other = users["partner2"].agency.partner
    PartnerContactFactory(partner=own, name="Own contact")
    PartnerContactFactory(partner=other, name="Other contact")
    assert list(visible(agent, Partner.objects.all())) == [own]
    assert [c.name for c in visible(agent, PartnerContact.objects.all())] == ["Own contact"]
    with pytest.raises(NotFound):
        get_visible(agent, Partner.objects.all(), pk=other.pk)


def test_partner_agent_sees_no_region_records(users, region):
    make_facility(region, "KLU-1")
    assert not visible(users["partner"], Facility.objects.all()).exists()
    assert not visible(users["partner"], Region.objects.all()).exists()


def test_reporter_sees_no_partner_records(users):
    assert not visible(users["reporter"], Partner.objects.all()).exists()


def test_office_roles_see_all_partners(users):
    for name in ("coordinator", "reviewer", "finance", "interpreter"):
        assert visible(users[name], Partner.objects.all()).count() == 2


def test_inactive_user_sees_nothing(users, region):
    make_facility(region, "KLU-1")
    admin = users["admin"]
    admin.is_active = False
    assert not visible(admin, Facility.objects.all()).exists()


def test_malformed_id_is_not_found(users):
    with pytest.raises(NotFound):
        get_visible(users["admin"], Facility.objects.all(), pk="not-a-number")
