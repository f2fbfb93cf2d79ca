"""OncoNet records as FHIR R5 resources (validated with fhir.resources) and the search registry of /fhir/.

Each resource type names: the records a user may see (permission and scope — a record outside it answers 404),
the mapping to a FHIR dict, and its search parameters (`identifier`, `date`). Mappings follow IHE mCSD for the
directory: a facility is both an Organization (partOf = its operator) and a Location (partOf = the building it is
located in, managingOrganization = itself). The international office serves its price list (HealthcareService), the
interpreters and medical reviewers (Practitioner, PractitionerRole), contracts, invoices and their lines (ChargeItem);
a referral is a ServiceRequest and its documents are DocumentReferences — the shapes the referral import takes.

One module per family of resources: `patients`, `facilities`, `scheduling`, `office`, `billing`, `referrals`;
`common` holds the identifier and code systems, `search` the registry. docs/fhir.md is the implementation guide.
"""

from __future__ import annotations

from onconet.interop.fhir.billing import charge_item, invoice
from onconet.interop.fhir.common import CODES, GENDER, SYSTEM, validated
from onconet.interop.fhir.office import CONTRACT_STATUS, contract, healthcare_service, practitioner
from onconet.interop.fhir.patients import patient
from onconet.interop.fhir.referrals import ICD10, REQUEST_STATUS, document_reference, service_request
from onconet.interop.fhir.search import DATE_PARAMS, RESOURCES, ResourceType

__all__ = [
    "CODES",
    "CONTRACT_STATUS",
    "DATE_PARAMS",
    "GENDER",
    "ICD10",
    "REQUEST_STATUS",
    "RESOURCES",
    "SYSTEM",
    "ResourceType",
    "charge_item",
    "contract",
    "document_reference",
    "healthcare_service",
    "invoice",
    "patient",
    "practitioner",
    "service_request",
    "validated",
]
