"""API of partnerships: delegations and study tours (itinerary, participants, costs, outcomes, exports), agreements
with milestones, accreditations of facilities, country profiles and the certified facilities shown to partners.

Reads go through the selectors and writes through the services, which check permissions and input; a record
outside the caller's scope answers 404, like a missing one. One module per subject; each registers its endpoints
on the one router, in the order the OpenAPI document lists them."""

# isort: off
# Importing the modules registers their endpoints; the order is the OpenAPI document's order.
from onconet.partnerships.api import places, delegations, agreements, accreditations, countries  # noqa: F401
from onconet.partnerships.api.common import router

# isort: on

__all__ = ["router"]
