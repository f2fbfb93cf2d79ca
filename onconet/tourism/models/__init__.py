"""Models of the international office, one module per purpose (Django finds them all through this package).

- `partners`: partner organisations, the agents who work for them, and their contacts.
- `prices`: the price list (services, in roubles) and exchange rates.
- `contracts`: contracts with partners: their services, prices, quotas and documents.
- `registry`: the foreign patient registry: patients, possible duplicates, companions, consents.
- `referrals`: referrals through medical review, their history and the documents sent with them.
- `billing`: money: quotes, invoices, payments, number series, credit notes.
- `desk`: the support desk: interpreter bookings, support tasks, message templates.
"""

from __future__ import annotations

from onconet.tourism.models.billing import (
    CreditNote,
    Invoice,
    NumberSeries,
    Payment,
    PaymentKind,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from onconet.tourism.models.contracts import Contract, ContractDocument, ContractService, ContractStatus
from onconet.tourism.models.desk import InterpreterBooking, MessageTemplate, SupportTask, TaskKind
from onconet.tourism.models.partners import Partner, PartnerAgent, PartnerContact, PartnerKind
from onconet.tourism.models.prices import BASE_CURRENCY, ExchangeRate, Service, ServiceKind
from onconet.tourism.models.referrals import DocumentKind, PatientDocument, Referral, ReferralEvent, ReferralState
from onconet.tourism.models.registry import (
    Companion,
    Consent,
    ConsentKind,
    DuplicateMatch,
    DuplicateStatus,
    ForeignPatient,
    PossibleDuplicate,
    Sex,
)

__all__ = [
    "BASE_CURRENCY",
    "Companion",
    "Consent",
    "ConsentKind",
    "Contract",
    "ContractDocument",
    "ContractService",
    "ContractStatus",
    "CreditNote",
    "DocumentKind",
    "DuplicateMatch",
    "DuplicateStatus",
    "ExchangeRate",
    "ForeignPatient",
    "InterpreterBooking",
    "Invoice",
    "MessageTemplate",
    "NumberSeries",
    "Partner",
    "PartnerAgent",
    "PartnerContact",
    "PartnerKind",
    "PatientDocument",
    "Payment",
    "PaymentKind",
    "PossibleDuplicate",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "Referral",
    "ReferralEvent",
    "ReferralState",
    "Service",
    "ServiceKind",
    "Sex",
    "SupportTask",
    "TaskKind",
]
