"""Pages of the international office, one module per purpose (the URLs name them from here).

- `partners`: partner organisations and their contacts
- `office`: the work queue, the dashboard, contracts, prices, the interpreters' calendar
- `registry`: foreign patients, the data export, possible duplicates, documents
- `referrals`: one referral and its steps, letters, the partner portal's referral form
"""

from __future__ import annotations

from onconet.tourism.views.office import (
    contracts,
    interpreters,
    my_bookings_ics,
    office_dashboard,
    office_queue,
    prices,
)
from onconet.tourism.views.partners import partner_detail, partners
from onconet.tourism.views.referrals import (
    letter_download,
    referral_coordinator,
    referral_detail,
    referral_document,
    referral_interpreter,
    referral_new,
    referral_passport,
    referral_payment,
    referral_quote,
    referral_task,
    referral_task_done,
    referral_transition,
)
from onconet.tourism.views.registry import (
    document_download,
    patient_detail,
    patient_export,
    patients,
    possible_duplicates,
)

__all__ = [
    "contracts",
    "document_download",
    "interpreters",
    "letter_download",
    "my_bookings_ics",
    "office_dashboard",
    "office_queue",
    "partner_detail",
    "partners",
    "patient_detail",
    "patient_export",
    "patients",
    "possible_duplicates",
    "prices",
    "referral_coordinator",
    "referral_detail",
    "referral_document",
    "referral_interpreter",
    "referral_new",
    "referral_passport",
    "referral_payment",
    "referral_quote",
    "referral_task",
    "referral_task_done",
    "referral_transition",
]
