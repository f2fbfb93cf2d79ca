"""A foreign patient's personal data: everything we hold about one patient (an export a person may ask for), and
anonymisation once the retention period has passed.

Reads (`patient_data_export`, `patients_due_for_anonymisation`) and writes (`patient_anonymise`,
`patients_anonymise_expired`) of the same concern live together here; the export is also offered as FHIR
(Patient/$everything in onconet.interop).

Anonymisation keeps what statistics and the books need — citizenship, sex, year of birth, languages, the referral's
service, diagnoses (ICD-10), stage, dates, states, quotes, invoices and payments — and removes what identifies the
person: names, passport number, contacts, address, companions, clinical free text, comments and documents. Audit
entries name patients by registry number only (see `audit_label` on the models), so the append-only audit log
needs no change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, InvalidInput
from onconet.core.models import AuditAction, AuditEntry, User
from onconet.core.scoping import AnyUser, get_visible, require_permission
from onconet.tourism.models import (
    Companion,
    ForeignPatient,
    InterpreterBooking,
    Invoice,
    PatientDocument,
    Referral,
    ReferralEvent,
    ReferralState,
    SupportTask,
)
from onconet.tourism.services import invoice_balance

FORMAT_VERSION = 1
# Referrals in these states are over; a patient with any other referral is still being looked after.
CLOSED_STATES = frozenset({ReferralState.DECLINED, ReferralState.COMPLETED, ReferralState.FOLLOW_UP})
ANONYMISED_NAME = "ANONYMISED"


# ---------------------------------------------------------------- export (a read)


# What the apps above tourism hold about a referral goes into the patient's data export too; each registers its
# section from its AppConfig.ready (scheduling: the course and its sessions) — tourism never imports them.
ReferralSection = Callable[[Referral, AnyUser], dict[str, Any] | None]
REFERRAL_SECTIONS: dict[str, ReferralSection] = {}


def register_referral_section(name: str, section: ReferralSection) -> None:
    """Add `name` to every referral of a data export: `section(referral, reader)`, None when the reader may not see
    it or there is nothing."""
    REFERRAL_SECTIONS[name] = section


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def export_row(obj: Any, fields: list[str]) -> dict[str, Any]:
    """The named fields of `obj`, dates and decimals as text (the form of every row of a data export)."""
    return {name: _iso(getattr(obj, name)) for name in fields}


def patient_data_export(*, user: AnyUser, patient_id: int, request: HttpRequest | None = None) -> dict[str, Any]:
    """Everything held about one foreign patient, as JSON-ready data; the export itself is audited.

    The caller sees what their role may see anywhere else (a partner its own patients only, full passport numbers
    only with that permission); a patient outside their scope answers 404.
    """
    require_permission(user, "tourism.export_patient_data", action="export patient data")
    patient = get_visible(user, ForeignPatient.objects.select_related("partner", "citizenship"), pk=patient_id)
    full_passport = user.has_perm("tourism.view_passport_number")
    data: dict[str, Any] = {
        "format": "onconet-patient-export",
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.get_username(),
        "patient": {
            "id": patient.pk,
            **export_row(
                patient,
                ["family_name", "given_name", "name_native", "date_of_birth", "sex", "languages", "preferred_language"],
            ),
            "citizenship": patient.citizenship.code,
            "passport_number": patient.passport_number if full_passport else patient.passport_masked,
            **export_row(patient, ["phone", "email", "address", "created_at", "anonymised_at"]),
            "partner": {"id": patient.partner_id, "name": patient.partner.name},
        },
        "companions": [export_row(c, ["name", "relation", "phone"]) for c in patient.companions.order_by("pk")],
        "consents": [export_row(c, ["kind", "given_on", "withdrawn_on"]) for c in patient.consents.order_by("pk")],
        "referrals": [_referral(r, user) for r in _referrals(patient)],
    }
    data["access_log"] = _access_log(patient) if user.has_perm("core.view_auditentry") else None
    audit_record(
        actor=user if isinstance(user, User) else None,
        action=AuditAction.EXPORT,
        obj=patient,
        message="patient data export (JSON)",
        request=request,
    )
    return data


def _referrals(patient: ForeignPatient) -> QuerySet[Referral]:
    return (
        patient.referrals.select_related("service", "contract", "coordinator")
        .prefetch_related(
            "events", "documents", "quotes__lines__service", "invoices__payments", "invoices__credit_notes", "tasks"
        )
        .prefetch_related("interpreter_bookings__interpreter")
        .order_by("pk")
    )


def _referral(r: Referral, user: AnyUser) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.pk,
        "number": f"R-{r.pk}",
        **export_row(r, ["state", "state_changed_at", "icd10_codes", "stage", "clinical_summary", "proposed_protocol"]),
        **export_row(r, ["decline_reason", "latest_start", "start_date", "created_at"]),
        "service": {"code": r.service.code, "name": r.service.name},
        "contract": r.contract.number if r.contract else None,
        "coordinator": r.coordinator.get_full_name() or r.coordinator.username if r.coordinator else None,
        "history": [
            export_row(e, ["at", "action", "from_state", "to_state", "comment"])
            for e in sorted(r.events.all(), key=_at)
        ],
        "documents": [
            {
                **export_row(d, ["kind", "original_name", "content_type", "size", "uploaded_at"]),
                "download": f"/office/documents/patient/{d.pk}/",
            }
            for d in r.documents.all()
            if user.has_perm("tourism.view_patientdocument")
        ],
        "quotes": [],
        "invoices": [],
        "support_tasks": [export_row(t, ["kind", "title", "due_on", "done_at"]) for t in r.tasks.all()],
        "interpreter_bookings": [
            {"interpreter": b.interpreter.get_full_name() or b.interpreter.username}
            | export_row(b, ["language", "starts_at", "ends_at", "note"])
            for b in r.interpreter_bookings.all()
        ],
        **{name: section(r, user) for name, section in REFERRAL_SECTIONS.items()},
    }
    if user.has_perm("tourism.view_quote"):
        out["quotes"] = [
            export_row(q, ["number", "issued_on", "valid_until", "currency", "total", "status"])
            | {
                "lines": [
                    {"service": line.service.code} | export_row(line, ["quantity", "unit_price", "amount"])
                    for line in q.lines.all()
                ]
            }
            for q in r.quotes.all()
        ]
    if user.has_perm("tourism.view_invoice"):
        out["invoices"] = [_invoice(i) for i in r.invoices.all()]
    return out


def _at(event: ReferralEvent) -> dt.datetime:
    return event.at


def _invoice(i: Invoice) -> dict[str, Any]:

    return export_row(i, ["number", "issued_on", "due_on", "currency", "total"]) | {
        "balance": str(invoice_balance(i)),
        "payments": [export_row(p, ["kind", "amount", "paid_on", "reference"]) for p in i.payments.all()],
        "credit_notes": [export_row(c, ["number", "amount", "reason", "issued_on"]) for c in i.credit_notes.all()],
    }


def _access_log(patient: ForeignPatient) -> list[dict[str, Any]]:
    """Who did what with the patient's records (the audit log), for the national admin's copy."""
    referral_ids = [str(pk) for pk in patient.referrals.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(object_type="tourism.foreignpatient", object_id=str(patient.pk))
        | Q(object_type="tourism.referral", object_id__in=referral_ids)
    ).order_by("at", "pk")
    return [export_row(e, ["at", "actor_username", "action", "object_type", "object_id", "message"]) for e in entries]


# ---------------------------------------------------------------- anonymisation (writes)


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.PATIENT_RETENTION_DAYS)


def patients_due_for_anonymisation(*, now: dt.datetime | None = None) -> QuerySet[ForeignPatient]:
    """Patients whose every referral is closed and who have had no activity since the retention cut-off."""
    cutoff = retention_cutoff(now)
    return (
        ForeignPatient.objects.filter(anonymised_at=None, created_at__lt=cutoff)
        .exclude(referrals__in=Referral.objects.exclude(state__in=CLOSED_STATES))
        .annotate(last_change=Max("referrals__state_changed_at"), last_event=Max("referrals__events__at"))
        .filter(Q(last_change=None) | Q(last_change__lt=cutoff))
        .filter(Q(last_event=None) | Q(last_event__lt=cutoff))
        .order_by("pk")
    )


def retention_status(patient: ForeignPatient) -> dict[str, Any]:
    """When the patient was last active, when the retention period ends, and what would hold anonymisation up."""
    dates = [patient.created_at]
    dates += [d for d in patient.referrals.values_list("state_changed_at", flat=True) if d]
    last_event = ReferralEvent.objects.filter(referral__patient=patient).aggregate(last=Max("at"))["last"]
    if last_event:
        dates.append(last_event)
    last = max(dates)
    return {
        "days": settings.PATIENT_RETENTION_DAYS,
        "last_activity": last,
        "ends_on": (last + dt.timedelta(days=settings.PATIENT_RETENTION_DAYS)).date(),
        "open_referrals": _open_referrals(patient),
        "unpaid_invoices": _open_balance(patient),
    }


def _open_referrals(patient: ForeignPatient) -> list[str]:
    return [f"R-{pk}" for pk in patient.referrals.exclude(state__in=CLOSED_STATES).values_list("pk", flat=True)]


def _open_balance(patient: ForeignPatient) -> list[str]:

    return [i.number for i in Invoice.objects.filter(referral__patient=patient) if invoice_balance(i) > 0]


def patient_anonymise(
    *, user: User | None, patient: ForeignPatient, reason: str, request: HttpRequest | None = None
) -> ForeignPatient:
    """Remove what identifies the patient, keeping the anonymous facts. `user` None is the retention job.

    Refused (409, nothing changed) while a referral is open or an invoice is unpaid, and for a patient already
    anonymised; a person needs the permission and a reason.
    """
    if user is not None:
        require_permission(user, "tourism.anonymise_foreignpatient", action="anonymise patients")
        patient = get_visible(user, ForeignPatient.objects.all(), pk=patient.pk)
        if not reason.strip():
            raise InvalidInput("Say why the patient is anonymised (e.g. the patient's request of <date>).")
    if patient.anonymised_at is not None:
        raise DomainError(f"Patient #{patient.pk} was anonymised on {patient.anonymised_at:%Y-%m-%d}.")
    open_referrals = _open_referrals(patient)
    if open_referrals:
        raise DomainError(f"Patient #{patient.pk} still has open referrals: {', '.join(open_referrals)}.")
    unpaid = _open_balance(patient)
    if unpaid:
        raise DomainError(f"Patient #{patient.pk} still owes on invoices {', '.join(unpaid)}; settle them first.")
    files = []
    with transaction.atomic():
        patient = ForeignPatient.objects.select_for_update().get(pk=patient.pk)
        if patient.anonymised_at is not None:  # a concurrent run was first
            raise DomainError(f"Patient #{patient.pk} was anonymised on {patient.anonymised_at:%Y-%m-%d}.")
        born = patient.date_of_birth
        ForeignPatient.objects.filter(pk=patient.pk).update(
            family_name=ANONYMISED_NAME,
            given_name=f"#{patient.pk}",
            name_native="",
            date_of_birth=dt.date(born.year, 1, 1),  # the year is kept for age statistics
            passport_number=f"ANON-{patient.pk}",
            phone="",
            email="",
            address="",
            anonymised_at=timezone.now(),
        )
        removed_companions, _ = Companion.objects.filter(patient=patient).delete()
        referrals = Referral.objects.filter(patient=patient)
        referrals.update(clinical_summary="", decline_reason="")
        ReferralEvent.objects.filter(referral__in=referrals).exclude(comment="").update(comment="")
        documents = PatientDocument.objects.filter(referral__in=referrals)
        files = [d.file.name for d in documents]
        documents.delete()
        _scrub_support_desk(referrals)
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=patient,
            message=f"anonymised: {reason.strip() or 'retention period passed'}",
            changes={"companions_removed": removed_companions, "documents_removed": len(files)},
            request=request,
        )
        transaction.on_commit(lambda: _delete_files(files))
    patient.refresh_from_db()
    return patient


def _scrub_support_desk(referrals: QuerySet[Referral]) -> None:

    InterpreterBooking.objects.filter(referral__in=referrals).exclude(note="").update(note="")
    for task in SupportTask.objects.filter(referral__in=referrals):  # titles may name the patient
        SupportTask.objects.filter(pk=task.pk).update(title=str(task.get_kind_display()))


def _delete_files(names: list[str]) -> None:

    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def patients_anonymise_expired(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """The retention job: anonymise every patient due; returns who was (or, dry run, would be) and who was skipped."""
    due = list(patients_due_for_anonymisation(now=now))
    done: list[int] = []
    skipped: dict[int, str] = {}
    for patient in due:
        if dry_run:
            unpaid = _open_balance(patient)
            if unpaid:
                skipped[patient.pk] = f"unpaid invoices {', '.join(unpaid)}"
            else:
                done.append(patient.pk)
            continue
        try:
            patient_anonymise(user=None, patient=patient, reason="retention period passed")
        except DomainError as exc:
            skipped[patient.pk] = exc.detail
        else:
            done.append(patient.pk)
    return {
        "retention_days": settings.PATIENT_RETENTION_DAYS,
        "cutoff": retention_cutoff(now).isoformat(),
        "dry_run": dry_run,
        "anonymised": done,
        "skipped": skipped,
    }


__all__ = [
    "patient_anonymise",
    "patient_data_export",
    "patients_anonymise_expired",
    "patients_due_for_anonymisation",
    "retention_status",
]
