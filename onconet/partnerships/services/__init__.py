"""Writes of partnerships, one module per purpose; every public service is importable from here. Every function
checks the actor's permission and the input, and either writes all of it (with an audit entry) or raises
InvalidInput / DomainError having written nothing.

- `common`: the organisers' permission (`MANAGE`, `require_manage`) and the checks the other modules share
- `places`: cities and organisations
- `delegations`: delegations and their state machine, participants and visas, visits, costs
- `outcomes`: insights, partnership proposals, follow-up actions
- `agreements`: agreements, their links to contracts, milestones, documents
- `accreditations`: accreditations and certificates of facilities
- `countries`: the CSV import of country indicators
"""

from __future__ import annotations

from onconet.partnerships.services.accreditations import accreditation_add
from onconet.partnerships.services.agreements import (
    agreement_create,
    agreement_document_add,
    agreement_link_contract,
    milestone_add,
    milestone_reach,
)
from onconet.partnerships.services.common import MANAGE, require_manage
from onconet.partnerships.services.countries import (
    CSV_COLUMNS,
    MAX_INDICATOR,
    REQUIRED_COLUMNS,
    country_indicators_import,
)
from onconet.partnerships.services.delegations import (
    DELEGATIONS,
    cost_add,
    delegation_create,
    delegation_transition,
    participant_add,
    participant_remove,
    participant_set_visa,
    visit_add,
)
from onconet.partnerships.services.outcomes import (
    follow_up_add,
    follow_up_close,
    insight_add,
    proposal_add,
    proposal_set_status,
)
from onconet.partnerships.services.places import city_get_or_create, organisation_get_or_create

__all__ = [
    "CSV_COLUMNS",
    "DELEGATIONS",
    "MANAGE",
    "MAX_INDICATOR",
    "REQUIRED_COLUMNS",
    "accreditation_add",
    "agreement_create",
    "agreement_document_add",
    "agreement_link_contract",
    "city_get_or_create",
    "cost_add",
    "country_indicators_import",
    "delegation_create",
    "delegation_transition",
    "follow_up_add",
    "follow_up_close",
    "insight_add",
    "milestone_add",
    "milestone_reach",
    "organisation_get_or_create",
    "participant_add",
    "participant_remove",
    "participant_set_visa",
    "proposal_add",
    "proposal_set_status",
    "require_manage",
    "visit_add",
]
