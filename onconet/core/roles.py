"""The roles of OncoNet and what each may do.

A role is a Django group whose permissions come from ROLE_PERMISSIONS; which *records* a role sees is
decided by onconet.core.scoping.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National admin")
    NATIONAL_ANALYST = "national_analyst", _("National analyst")
    REGIONAL_REPORTER = "regional_reporter", _("Regional reporter")
    COORDINATOR = "coordinator", _("International office coordinator")
    MEDICAL_REVIEWER = "medical_reviewer", _("Medical reviewer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    INTERPRETER = "interpreter", _("Interpreter")
    PARTNER_AGENT = "partner_agent", _("Partner agent")


NATIONAL_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST})
OFFICE_ROLES = frozenset({Role.COORDINATOR, Role.MEDICAL_REVIEWER, Role.FINANCE_OFFICER, Role.INTERPRETER})

_VIEW_REFERENCE = {"core.view_country", "core.view_federaldistrict", "core.view_region", "core.view_facility"}
_VIEW_PASSPORTS = {"passports.view_passport", "passports.view_standard", "analytics.view_benchmark"}

_OFFICE_READ = {
    "tourism.view_foreignpatient",
    "tourism.view_referral",
    "tourism.view_quote",
    "tourism.view_invoice",
    "tourism.view_patientdocument",
    "tourism.view_contract",
    "tourism.view_service",
}
_SCHEDULE_VIEW = {"scheduling.view_schedule"}
_SCHEDULE_DEPARTMENT = {
    "scheduling.view_schedule",
    "scheduling.manage_resources",
    "scheduling.plan_schedule",
    "scheduling.run_planner",
    "scheduling.add_course",
}
# The international office sends prepaid referrals to planning and runs the planner of the centres it serves (every
# centre with machines: the office is national); the department approves the plan.
_SCHEDULE_OFFICE = {
    "scheduling.view_schedule",
    "scheduling.add_foreign_course",
    "scheduling.run_simulation",
    "scheduling.run_planner",
}
_SCHEDULE_ALL = _SCHEDULE_DEPARTMENT | _SCHEDULE_OFFICE
_PARTNERSHIPS_VIEW = {
    "partnerships.view_delegation",
    "partnerships.view_agreement",
    "partnerships.view_accreditation",
    "partnerships.view_countryindicator",
}
_PARTNERSHIPS_MANAGE = {
    *_PARTNERSHIPS_VIEW,
    "partnerships.manage_partnerships",
    "partnerships.manage_accreditations",
    "partnerships.add_countryindicator",
}
_EDIT_PASSPORTS = {"passports.change_passport", "passports.add_passport", "passports.submit_passport"}

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.NATIONAL_ADMIN: {
        *_VIEW_REFERENCE,
        "core.add_region",
        "core.change_region",
        "core.add_facility",
        "core.change_facility",
        "core.delete_facility",
        *_VIEW_PASSPORTS,
        *_EDIT_PASSPORTS,
        "passports.approve_passport",
        "passports.reopen_passport",
        "passports.add_standard",
        "passports.change_standard",
        "analytics.add_benchmark",
        "analytics.change_benchmark",
        "analytics.delete_benchmark",
        "analytics.view_national_analytics",
        "analytics.view_spare_capacity",
        "core.view_auditentry",
        "tourism.export_patient_data",
        "tourism.anonymise_foreignpatient",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_job",
        "core.run_network_census",
        "tourism.view_partner",
        "tourism.add_partner",
        "tourism.change_partner",
        "tourism.view_partnercontact",
        "tourism.add_partnercontact",
        "tourism.change_partnercontact",
        "tourism.delete_partnercontact",
        *_OFFICE_READ,
        "tourism.add_contract",
        "tourism.add_exchangerate",
        "tourism.add_service",
        "tourism.change_service",
        *_SCHEDULE_ALL,
        *_PARTNERSHIPS_MANAGE,
    },
    Role.NATIONAL_ANALYST: {
        *_VIEW_REFERENCE,
        *_VIEW_PASSPORTS,
        "analytics.view_national_analytics",
        "analytics.view_spare_capacity",
        "core.view_job",
        "core.run_network_census",
        "tourism.view_partner",
        *_SCHEDULE_VIEW,
        *_PARTNERSHIPS_VIEW,
    },
    Role.REGIONAL_REPORTER: {
        *_VIEW_REFERENCE,
        *_VIEW_PASSPORTS,
        *_EDIT_PASSPORTS,
        *_SCHEDULE_DEPARTMENT,
        "core.add_facility",
        "core.change_facility",
        "core.view_job",
        "partnerships.view_accreditation",
        "partnerships.manage_accreditations",
    },
    Role.COORDINATOR: {
        *_VIEW_REFERENCE,
        "analytics.view_spare_capacity",
        "core.view_job",
        "tourism.view_partner",
        "tourism.add_partner",
        "tourism.change_partner",
        "tourism.view_partnercontact",
        "tourism.add_partnercontact",
        "tourism.change_partnercontact",
        "tourism.delete_partnercontact",
        *_OFFICE_READ,
        "tourism.add_foreignpatient",
        "tourism.view_passport_number",
        "tourism.export_patient_data",
        "tourism.add_referral",
        "tourism.add_patientdocument",
        "tourism.add_contract",
        *_SCHEDULE_OFFICE,
        *_PARTNERSHIPS_MANAGE,
    },
    Role.MEDICAL_REVIEWER: {*_VIEW_REFERENCE, "core.view_job", "tourism.view_partner", *_OFFICE_READ},
    Role.FINANCE_OFFICER: {
        *_VIEW_REFERENCE,
        "core.view_job",
        "tourism.view_partner",
        "tourism.view_partnercontact",
        *_OFFICE_READ,
        "tourism.view_passport_number",
        "tourism.add_exchangerate",
        "tourism.add_payment",
        "tourism.add_creditnote",
    },
    Role.INTERPRETER: {"core.view_country", "core.view_job", "tourism.view_partner"},
    Role.PARTNER_AGENT: {
        "core.view_country",
        "core.view_job",
        "tourism.view_partner",
        "tourism.view_partnercontact",
        "tourism.add_partnercontact",
        "tourism.change_partnercontact",
        "tourism.view_foreignpatient",
        "tourism.add_foreignpatient",
        "tourism.export_patient_data",
        "tourism.view_referral",
        "tourism.add_referral",
        "tourism.view_quote",
        "tourism.view_invoice",
        "tourism.view_patientdocument",
        "tourism.add_patientdocument",
        "tourism.view_contract",
        "tourism.view_service",
    },
}
