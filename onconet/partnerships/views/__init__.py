"""Pages of partnerships, one module per purpose (the URLs name them from here). Reads go through the selectors,
writes through the services; a record outside the user's scope answers 404.

- `common`: whether the user organises, file answers
- `charts`: the ECharts option dicts
- `overview`: the partnerships home page
- `places`: cities and organisations added from the delegation form
- `delegations`: the delegations, one delegation's page and its forms, follow-up actions, programme/itinerary/
  participant files
- `agreements`: agreements, milestones, documents, linked contracts
- `accreditations`: accreditations with expiry alerts, certificates, the certified facilities ("why come to us")
- `countries`: country profiles and the import of their indicators
"""

from __future__ import annotations

from onconet.partnerships.views.accreditations import accreditation_certificate, accreditations, certified
from onconet.partnerships.views.agreements import (
    agreement,
    agreement_contract,
    agreement_document,
    agreements,
    milestone_reach,
)
from onconet.partnerships.views.countries import countries, country
from onconet.partnerships.views.delegations import (
    cost_add,
    delegation,
    delegation_transition,
    delegations,
    follow_up_add,
    follow_up_close,
    insight_add,
    itinerary_ics,
    participant_add,
    participant_change,
    participants_xlsx,
    programme_pdf,
    proposal_add,
    visit_add,
)
from onconet.partnerships.views.overview import home
from onconet.partnerships.views.places import place_add

__all__ = [
    "accreditation_certificate",
    "accreditations",
    "agreement",
    "agreement_contract",
    "agreement_document",
    "agreements",
    "certified",
    "cost_add",
    "countries",
    "country",
    "delegation",
    "delegation_transition",
    "delegations",
    "follow_up_add",
    "follow_up_close",
    "home",
    "insight_add",
    "itinerary_ics",
    "milestone_reach",
    "participant_add",
    "participant_change",
    "participants_xlsx",
    "place_add",
    "programme_pdf",
    "proposal_add",
    "visit_add",
]
