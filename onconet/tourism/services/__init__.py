"""Writes of the international office, one module per purpose; every public service is importable from here.

- `partners`: partner organisations, contacts, agents
- `rates`: exchange rates
- `contracts`: contracts, their services and documents
- `registry`: foreign patients, possible duplicates, documents, companions, consents
- `referrals`: submission, the named steps of the pipeline, scheduling by an approved plan
- `billing`: quotes, invoices, payments, credit notes
- `desk`: coordinators, interpreters, support tasks, message templates, letters
"""

from __future__ import annotations

from onconet.tourism.services.billing import (
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    credit_note_issue,
    invoice_balance,
    payment_record,
    quote_create,
)
from onconet.tourism.services.contracts import (
    contract_create,
    contract_document_add,
)
from onconet.tourism.services.desk import (
    coordinator_assign,
    interpreter_book,
    interpreters_available,
    letter_generate,
    message_templates_load,
    task_create,
    task_done,
)
from onconet.tourism.services.partners import (
    partner_agent_create,
    partner_agent_link,
    partner_contact_add,
    partner_create,
)
from onconet.tourism.services.rates import (
    exchange_rate_set,
    exchange_rates_import_csv,
)
from onconet.tourism.services.referrals import (
    referral_accept,
    referral_accept_quote,
    referral_arrive,
    referral_ask_more_info,
    referral_complete,
    referral_confirm_prepayment,
    referral_decline,
    referral_follow_up,
    referral_provide_info,
    referral_register_and_submit,
    referral_request_records,
    referral_schedule,
    referral_send_quote,
    referral_start_review,
    referral_start_treatment,
    referral_submit,
    referral_transition,
)
from onconet.tourism.services.registry import (
    checked_upload,
    companion_add,
    consent_record,
    document_upload,
    patient_passport_number,
    patient_register,
    possible_duplicate_dismiss,
    possible_duplicate_merge,
    validate_icd10,
)

__all__ = [
    "MAX_QUANTITY",
    "MAX_UNIT_PRICE",
    "checked_upload",
    "companion_add",
    "consent_record",
    "contract_create",
    "contract_document_add",
    "coordinator_assign",
    "credit_note_issue",
    "document_upload",
    "exchange_rate_set",
    "exchange_rates_import_csv",
    "interpreter_book",
    "interpreters_available",
    "invoice_balance",
    "letter_generate",
    "message_templates_load",
    "partner_agent_create",
    "partner_agent_link",
    "partner_contact_add",
    "partner_create",
    "patient_passport_number",
    "patient_register",
    "payment_record",
    "possible_duplicate_dismiss",
    "possible_duplicate_merge",
    "quote_create",
    "referral_accept",
    "referral_accept_quote",
    "referral_arrive",
    "referral_ask_more_info",
    "referral_complete",
    "referral_confirm_prepayment",
    "referral_decline",
    "referral_follow_up",
    "referral_provide_info",
    "referral_register_and_submit",
    "referral_request_records",
    "referral_schedule",
    "referral_send_quote",
    "referral_start_review",
    "referral_start_treatment",
    "referral_submit",
    "referral_transition",
    "task_create",
    "task_done",
    "validate_icd10",
]
