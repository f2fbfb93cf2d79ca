"""Writes of partnerships. Every function checks the actor's permission and the input, and either writes all of
it (with an audit entry) or raises InvalidInput / DomainError having written nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import available_timezones

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, raise_problems
from onconet.core.models import Country, Facility, User
from onconet.core.params import decimal_or_none
from onconet.core.reference_data import is_currency_code
from onconet.core.scoping import get_visible, require_permission
from onconet.core.transitions import StateMachine, Step, step
from onconet.core.uploads import checked_document
from onconet.partnerships.models import (
    Accreditation,
    ActionStatus,
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementStatus,
    City,
    Cost,
    CostCategory,
    CountryIndicator,
    Delegation,
    DelegationStatus,
    Direction,
    FollowUp,
    Insight,
    Milestone,
    Organisation,
    OrganisationKind,
    Participant,
    ParticipantRole,
    Proposal,
    ProposalStatus,
    Standard,
    Topic,
    VisaStatus,
    Visit,
)

MANAGE = "partnerships.manage_partnerships"


def require_manage(user: User, action: str) -> None:
    require_permission(user, MANAGE, action=action)


def _choice(value: str, choices: Any, field: str, problems: list[FieldProblem]) -> None:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        problems.append(FieldProblem(f'"{value}" is not one of {allowed}', field, value))


def _country(code: str, field: str, problems: list[FieldProblem]) -> Country | None:
    country = Country.objects.filter(code=(code or "").strip().upper()).first()
    if country is None:
        problems.append(FieldProblem(f'"{code}" is not an ISO 3166-1 alpha-2 country code', field, code))
    return country


def _decimal(value: Any, field: str, problems: list[FieldProblem]) -> Decimal | None:
    number = decimal_or_none(value)
    if number is None:
        problems.append(FieldProblem(f'"{value}" is not a number', field, str(value)))
        return None
    if not number.is_finite():
        problems.append(FieldProblem(f'"{value}" is not a finite number', field, str(value)))
        return None
    return number


def _currency(code: str, field: str, problems: list[FieldProblem]) -> str:
    code = (code or "").strip().upper()
    if not is_currency_code(code):
        problems.append(FieldProblem(f'"{code}" is not an ISO 4217 currency code', field, code))
    return code


# ---------------------------------------------------------------- places and organisations


def city_get_or_create(
    *, user: User, name: str, country: str, latitude: Any, longitude: Any, timezone: str = "UTC"
) -> City:
    """A city with WGS 84 coordinates (latitude −90…90, longitude −180…180) and its IANA time zone."""
    require_manage(user, "record cities")
    problems: list[FieldProblem] = []
    if timezone not in available_timezones():
        problems.append(FieldProblem(f'"{timezone}" is not an IANA time zone such as Europe/Paris', "timezone"))
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem("a city needs a name", "name"))
    where = _country(country, "country", problems)
    lat = _decimal(latitude, "latitude", problems)
    lon = _decimal(longitude, "longitude", problems)
    if lat is not None and not -90 <= lat <= 90:
        problems.append(
            FieldProblem(f"latitude {lat} is out of range: it must be between -90 and 90", "latitude", str(lat))
        )
    if lon is not None and not -180 <= lon <= 180:
        problems.append(
            FieldProblem(f"longitude {lon} is out of range: it must be between -180 and 180", "longitude", str(lon))
        )
    raise_problems(problems, "The city cannot be recorded.")
    assert where is not None
    assert lat is not None
    assert lon is not None
    city, created = City.objects.get_or_create(
        country=where,
        name=name,
        defaults={"latitude": round(lat, 6), "longitude": round(lon, 6), "timezone": timezone},
    )
    if created:
        audit_record(actor=user, action=AuditAction.CREATE, obj=city)
        return city
    after = {"latitude": round(lat, 6), "longitude": round(lon, 6), "timezone": timezone}
    changes = {
        key: [str(getattr(city, key)), str(value)] for key, value in after.items() if getattr(city, key) != value
    }
    if changes:
        for key, value in after.items():
            setattr(city, key, value)
        city.save(update_fields=list(after))
        audit_record(actor=user, action=AuditAction.UPDATE, obj=city, changes=changes)
    return city


def organisation_get_or_create(
    *, user: User, name: str, kind: str, country: str, city: str = "", facility: Facility | None = None
) -> Organisation:
    require_manage(user, "record organisations")
    problems: list[FieldProblem] = []
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem("an organisation needs a name", "name"))
    _choice(kind, OrganisationKind, "kind", problems)
    where = _country(country, "country", problems)
    raise_problems(problems, "The organisation cannot be recorded.")
    organisation, created = Organisation.objects.get_or_create(
        country=where, name=name, defaults={"kind": kind, "city": city, "facility": facility}
    )
    if created:
        audit_record(actor=user, action=AuditAction.CREATE, obj=organisation)
    return organisation


# ---------------------------------------------------------------- delegations


def _cannot_become(machine: StateMachine[Delegation], taken: Step, state: str, allowed: list[str]) -> str:
    return _cannot_become_text(state, taken.target)


def _cannot_become_text(state: str, target: str) -> str:
    label = DelegationStatus(state).label if state in DelegationStatus.values else state
    targets = DELEGATIONS.targets(state)
    return f"A {label} delegation cannot become {target}; it can become {', '.join(targets) or 'nothing else'}."


DELEGATIONS = StateMachine(
    Delegation,
    noun="delegation",
    wrong_state=_cannot_become,
    forbidden=lambda machine, taken: "You are not allowed to change delegations.",
    steps=(
        step("confirm", {DelegationStatus.PLANNED}, DelegationStatus.CONFIRMED, permission=MANAGE),
        step("start", {DelegationStatus.CONFIRMED}, DelegationStatus.UNDER_WAY, permission=MANAGE),
        step("complete", {DelegationStatus.UNDER_WAY}, DelegationStatus.COMPLETED, permission=MANAGE),
        step(
            "cancel",
            {DelegationStatus.PLANNED, DelegationStatus.CONFIRMED},
            DelegationStatus.CANCELLED,
            permission=MANAGE,
        ),
        step(
            "replan",
            {DelegationStatus.CONFIRMED, DelegationStatus.CANCELLED},
            DelegationStatus.PLANNED,
            permission=MANAGE,
        ),
    ),
)


def delegation_create(
    *,
    user: User,
    title: str,
    direction: str,
    purpose: str,
    start_date: dt.date,
    end_date: dt.date,
    origin: City,
    destination: City,
    organisers: Iterable[Organisation] = (),
    budget: Any = None,
    budget_currency: str = "",
    notes: str = "",
) -> Delegation:
    """A delegation or study tour in the *planned* state."""
    require_manage(user, "organise delegations")
    problems: list[FieldProblem] = []
    if not (title or "").strip():
        problems.append(FieldProblem("a delegation needs a title", "title"))
    if not (purpose or "").strip():
        problems.append(FieldProblem("say what the delegation is for", "purpose"))
    _choice(direction, Direction, "direction", problems)
    if end_date < start_date:
        problems.append(
            FieldProblem(f"the last day {end_date} is before the first day {start_date}", "end_date", str(end_date))
        )
    if origin.pk == destination.pk:
        problems.append(FieldProblem("the origin and the destination are the same city", "destination"))
    amount = None
    currency = ""
    if budget not in (None, ""):
        amount = _decimal(budget, "budget", problems)
        if amount is not None and amount < 0:
            problems.append(FieldProblem("the budget cannot be negative", "budget", str(amount)))
        currency = _currency(budget_currency, "budget_currency", problems)
    raise_problems(problems, "The delegation cannot be recorded.")
    with transaction.atomic():
        delegation = Delegation.objects.create(
            title=title.strip(),
            direction=direction,
            purpose=purpose.strip(),
            start_date=start_date,
            end_date=end_date,
            origin=origin,
            destination=destination,
            budget=amount,
            budget_currency=currency,
            notes=notes,
            created_by=user,
        )
        delegation.organisers.set(list(organisers))
        audit_record(actor=user, action=AuditAction.CREATE, obj=delegation)
    return delegation


def delegation_transition(*, user: User, delegation: Delegation, status: str) -> Delegation:
    """Move a delegation along planned → confirmed → under way → completed (or cancelled), by its target state."""
    require_manage(user, "change delegations")
    taken = DELEGATIONS.step_to(delegation.status, status)
    if taken is None:
        raise DomainError(_cannot_become_text(delegation.status, status))
    return DELEGATIONS.move(delegation, name=taken.name, actor=user)


def participant_add(
    *,
    user: User,
    delegation: Delegation,
    full_name: str,
    role: str,
    organisation: str,
    country: str,
    email: str = "",
    phone: str = "",
    visa_status: str = VisaStatus.NOT_NEEDED,
) -> Participant:
    """A participant; the same person of the same organisation cannot be added twice."""
    require_manage(user, "add participants")
    problems: list[FieldProblem] = []
    full_name, organisation = (full_name or "").strip(), (organisation or "").strip()
    if not full_name:
        problems.append(FieldProblem("a participant needs a name", "full_name"))
    if not organisation:
        problems.append(FieldProblem("say which organisation the participant is from", "organisation"))
    _choice(role, ParticipantRole, "role", problems)
    _choice(visa_status, VisaStatus, "visa_status", problems)
    where = _country(country, "country", problems)
    # Compared in Python: SQLite's case-insensitive matching only folds ASCII (Cyrillic names are the rule here).
    same = (full_name.casefold(), organisation.casefold())
    if full_name and any(
        (p.full_name.casefold(), p.organisation.casefold()) == same
        for p in Participant.objects.filter(delegation=delegation).only("full_name", "organisation")
    ):
        problems.append(
            FieldProblem(f"{full_name} of {organisation} is already a participant of this delegation", "full_name")
        )
    raise_problems(problems, "The participant cannot be added.")
    assert where is not None
    participant = Participant.objects.create(
        delegation=delegation,
        full_name=full_name,
        role=role,
        organisation=organisation,
        country=where,
        email=email.strip(),
        phone=phone.strip(),
        visa_status=visa_status,
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=participant)
    return participant


def participant_set_visa(*, user: User, participant: Participant, visa_status: str) -> Participant:
    require_manage(user, "change participants")
    problems: list[FieldProblem] = []
    _choice(visa_status, VisaStatus, "visa_status", problems)
    raise_problems(problems, "The visa status cannot be changed.")
    before = participant.visa_status
    participant.visa_status = visa_status
    participant.save(update_fields=["visa_status"])
    audit_record(actor=user, action=AuditAction.UPDATE, obj=participant, changes={"visa_status": [before, visa_status]})
    return participant


def participant_remove(*, user: User, participant: Participant) -> None:
    require_manage(user, "remove participants")
    audit_record(actor=user, action=AuditAction.DELETE, obj=participant)
    participant.delete()


def visit_add(
    *,
    user: User,
    delegation: Delegation,
    date: dt.date,
    institution: str,
    topic: str,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    address: str = "",
    host: str = "",
    description: str = "",
) -> Visit:
    """A visit on one of the delegation's days."""
    require_manage(user, "plan itineraries")
    problems: list[FieldProblem] = []
    if not delegation.start_date <= date <= delegation.end_date:
        problems.append(
            FieldProblem(
                f"{date} is outside the delegation's dates ({delegation.start_date} to {delegation.end_date})",
                "date",
                str(date),
            )
        )
    if not (institution or "").strip():
        problems.append(FieldProblem("name the institution visited", "institution"))
    _choice(topic, Topic, "topic", problems)
    if start_time and end_time and end_time <= start_time:
        problems.append(FieldProblem(f"the visit ends at {end_time}, not after it starts at {start_time}", "end_time"))
    raise_problems(problems, "The visit cannot be added.")
    visit = Visit.objects.create(
        delegation=delegation,
        date=date,
        start_time=start_time,
        end_time=end_time,
        institution=institution.strip(),
        address=address.strip(),
        host=host.strip(),
        topic=topic,
        description=description.strip(),
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=visit)
    return visit


def cost_add(*, user: User, delegation: Delegation, category: str, amount: Any, currency: str, note: str = "") -> Cost:
    require_manage(user, "record costs")
    problems: list[FieldProblem] = []
    _choice(category, CostCategory, "category", problems)
    value = _decimal(amount, "amount", problems)
    if value is not None and value < 0:
        problems.append(FieldProblem("a cost cannot be negative", "amount", str(value)))
    code = _currency(currency, "currency", problems)
    raise_problems(problems, "The cost cannot be recorded.")
    assert value is not None
    cost = Cost.objects.create(delegation=delegation, category=category, amount=value, currency=code, note=note.strip())
    audit_record(actor=user, action=AuditAction.CREATE, obj=cost)
    return cost


# ---------------------------------------------------------------- outcomes


def insight_add(*, user: User, delegation: Delegation, topic: str, text: str, visit: Visit | None = None) -> Insight:
    require_manage(user, "record insights")
    problems: list[FieldProblem] = []
    _choice(topic, Topic, "topic", problems)
    if not (text or "").strip():
        problems.append(FieldProblem("write down the insight", "text"))
    if visit is not None and visit.delegation_id != delegation.pk:
        problems.append(FieldProblem("that visit belongs to another delegation", "visit"))
    raise_problems(problems, "The insight cannot be recorded.")
    insight = Insight.objects.create(
        delegation=delegation, visit=visit, topic=topic, text=text.strip(), recorded_by=user
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=insight)
    return insight


def proposal_add(
    *, user: User, delegation: Delegation, title: str, description: str = "", partner: Organisation | None = None
) -> Proposal:
    require_manage(user, "record partnership proposals")
    if not (title or "").strip():
        raise InvalidInput(
            "The proposal cannot be recorded.", errors=[FieldProblem("a proposal needs a title", "title")]
        )
    proposal = Proposal.objects.create(
        delegation=delegation, title=title.strip(), description=description.strip(), partner=partner
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=proposal)
    return proposal


def proposal_set_status(*, user: User, proposal: Proposal, status: str, agreement: Agreement | None = None) -> Proposal:
    require_manage(user, "change partnership proposals")
    problems: list[FieldProblem] = []
    _choice(status, ProposalStatus, "status", problems)
    raise_problems(problems, "The proposal cannot be changed.")
    before = proposal.status
    proposal.status = status
    if agreement is not None:
        proposal.agreement = agreement
    proposal.save(update_fields=["status", "agreement"])
    audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=proposal, changes={"status": [before, status]})
    return proposal


def follow_up_add(
    *,
    user: User,
    delegation: Delegation,
    title: str,
    owner: User,
    due_date: dt.date,
    proposal: Proposal | None = None,
    note: str = "",
) -> FollowUp:
    """A follow-up action with an owner and a due date."""
    require_manage(user, "assign follow-up actions")
    problems: list[FieldProblem] = []
    if not (title or "").strip():
        problems.append(FieldProblem("say what is to be done", "title"))
    if not owner.is_active:
        problems.append(FieldProblem(f"{owner.username} is not an active user", "owner"))
    elif not owner.has_perm("partnerships.view_delegation"):
        problems.append(FieldProblem(f"{owner.username} cannot see delegations, so cannot own an action", "owner"))
    if proposal is not None and proposal.delegation_id != delegation.pk:
        problems.append(FieldProblem("that proposal belongs to another delegation", "proposal"))
    raise_problems(problems, "The follow-up action cannot be recorded.")
    action = FollowUp.objects.create(
        delegation=delegation, proposal=proposal, title=title.strip(), owner=owner, due_date=due_date, note=note
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=action)
    return action


def follow_up_close(*, user: User, action: FollowUp, status: str, on: dt.date | None = None) -> FollowUp:
    """Mark an open action done or cancelled: its owner or an organiser may."""
    if action.owner_id != user.pk:
        require_manage(user, "close other people's follow-up actions")
    if action.status != ActionStatus.OPEN:
        raise DomainError(f"This action is already {action.get_status_display()}.")
    if status not in (ActionStatus.DONE, ActionStatus.CANCELLED):
        raise InvalidInput(
            "The action cannot be closed.", errors=[FieldProblem('status must be "done" or "cancelled"', "status")]
        )
    action.status = status
    action.done_on = on or timezone.localdate()
    action.save(update_fields=["status", "done_on"])
    audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=action, changes={"status": ["open", status]})
    return action


# ---------------------------------------------------------------- agreements


def agreement_create(
    *,
    user: User,
    title: str,
    kind: str,
    parties: Iterable[Organisation],
    status: str = AgreementStatus.DRAFT,
    signed_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    summary: str = "",
    delegation: Delegation | None = None,
) -> Agreement:
    require_manage(user, "record agreements")
    problems: list[FieldProblem] = []
    parties = list(dict.fromkeys(parties))  # the same organisation twice is one party
    if not (title or "").strip():
        problems.append(FieldProblem("an agreement needs a title", "title"))
    _choice(kind, AgreementKind, "kind", problems)
    _choice(status, AgreementStatus, "status", problems)
    if len(parties) < 2:
        problems.append(FieldProblem("an agreement has at least two parties", "parties"))
    if valid_from and valid_until and valid_until < valid_from:
        problems.append(FieldProblem(f"it ends on {valid_until}, before it starts on {valid_from}", "valid_until"))
    raise_problems(problems, "The agreement cannot be recorded.")
    with transaction.atomic():
        agreement = Agreement.objects.create(
            title=title.strip(),
            kind=kind,
            status=status,
            signed_on=signed_on,
            valid_from=valid_from,
            valid_until=valid_until,
            summary=summary,
            delegation=delegation,
            created_by=user,
        )
        agreement.parties.set(parties)
        audit_record(actor=user, action=AuditAction.CREATE, obj=agreement)
    return agreement


def agreement_link_contract(*, user: User, agreement: Agreement, contract: Any) -> Agreement:
    """Record that an agreement led to a contract of the international office."""
    require_manage(user, "link agreements to contracts")
    if agreement.contracts.filter(pk=contract.pk).exists():
        return agreement
    agreement.contracts.add(contract)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=agreement, message=f"led to contract {contract.number}")
    return agreement


def milestone_add(
    *, user: User, agreement: Agreement, title: str, planned_date: dt.date, responsible: str
) -> Milestone:
    require_manage(user, "plan milestones")
    problems: list[FieldProblem] = []
    if not (title or "").strip():
        problems.append(FieldProblem("a milestone needs a title", "title"))
    if not (responsible or "").strip():
        problems.append(FieldProblem("name who is responsible", "responsible"))
    raise_problems(problems, "The milestone cannot be added.")
    milestone = Milestone.objects.create(
        agreement=agreement, title=title.strip(), planned_date=planned_date, responsible=responsible.strip()
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=milestone)
    return milestone


def milestone_reach(*, user: User, milestone: Milestone, actual_date: dt.date) -> Milestone:
    """Record the day a milestone was reached (not a day still to come)."""
    require_manage(user, "record milestones")
    if actual_date > timezone.localdate():
        problem = FieldProblem(f"{actual_date} is still to come: record a milestone once it is reached", "actual_date")
        raise InvalidInput("The milestone cannot be recorded.", errors=[problem])
    before = milestone.actual_date
    milestone.actual_date = actual_date
    milestone.save(update_fields=["actual_date"])
    changes = {"actual_date": [str(before) if before else None, str(actual_date)]}
    audit_record(actor=user, action=AuditAction.UPDATE, obj=milestone, changes=changes)
    return milestone


def agreement_document_add(*, user: User, agreement: Agreement, title: str, data: bytes, filename: str) -> Any:
    """Attach a signed text, an annex or minutes (PDF/PNG/JPEG, at most 10 MiB, judged by content)."""

    require_manage(user, "attach agreement documents")
    if not (title or "").strip():
        raise InvalidInput("Give the document a title.", errors=[FieldProblem("a document needs a title", "title")])
    content_type, safe = checked_document(data, filename)
    with transaction.atomic():
        document = AgreementDocument(
            agreement=agreement, title=title.strip(), content_type=content_type, size=len(data), uploaded_by=user
        )
        document.file.save(safe, ContentFile(data), save=False)
        document.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=document)
    return document


# ---------------------------------------------------------------- accreditations


def accreditation_add(
    *,
    user: User,
    facility: Facility,
    standard: str,
    issuing_body: str,
    valid_from: dt.date,
    valid_until: dt.date,
    scope: str,
    certificate_number: str = "",
    document: tuple[bytes, str] | None = None,
) -> Accreditation:
    """An accreditation or certificate of a facility the user may see, with the certificate as a file
    (`document` = (content, file name); PDF/PNG/JPEG, at most 10 MiB)."""
    require_permission(user, "partnerships.manage_accreditations", action="record accreditations")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems: list[FieldProblem] = []
    _choice(standard, Standard, "standard", problems)
    if not (issuing_body or "").strip():
        problems.append(FieldProblem("name the issuing body", "issuing_body"))
    if not (scope or "").strip():
        problems.append(FieldProblem("describe the scope", "scope"))
    if valid_until < valid_from:
        problems.append(
            FieldProblem(f"it ends on {valid_until}, before it starts on {valid_from}", "valid_until", str(valid_until))
        )
    upload: tuple[str, str] | None = None
    if document is not None:
        try:
            upload = checked_document(document[0], document[1])
        except InvalidInput as exc:
            problems.append(FieldProblem(exc.detail, "document"))
    raise_problems(problems, "The accreditation cannot be recorded.")
    with transaction.atomic():
        accreditation = Accreditation(
            facility=facility,
            standard=standard,
            issuing_body=issuing_body.strip(),
            certificate_number=certificate_number.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            scope=scope.strip(),
            created_by=user,
        )
        if document is not None and upload is not None:
            accreditation.document_type = upload[0]
            accreditation.document.save(upload[1], ContentFile(document[0]), save=False)
        accreditation.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=accreditation)
    return accreditation


# ---------------------------------------------------------------- country indicators

MAX_INDICATOR = Decimal(10) ** 12  # CountryIndicator.value: 16 digits, 4 of them decimals
CSV_COLUMNS = ("country", "indicator", "year", "value", "unit", "source", "source_url")
REQUIRED_COLUMNS = ("country", "indicator", "year", "value", "source")


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    """The reader's rows (its line_num stays right); what the csv module cannot read is InvalidInput."""
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise _unreadable(exc, reader.line_num) from exc


def _unreadable(exc: csv.Error, line: int) -> InvalidInput:
    return InvalidInput(
        "The file cannot be read as CSV.", errors=[FieldProblem(str(exc), "file", location={"line": line})]
    )


def country_indicators_import(*, user: User, data: bytes) -> int:
    """Country indicators from a CSV with a source on every row: all rows or none; every problem with its line."""
    require_permission(user, "partnerships.add_countryindicator", action="import country indicators")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", errors=[FieldProblem("not UTF-8", "file")]) from None
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput("The file is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise _unreadable(exc, reader.line_num) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"The CSV lacks the columns {', '.join(missing)}.",
            errors=[FieldProblem(f"missing column {c}", c, location={"line": 1}) for c in missing],
        )
    countries = {c.code: c for c in Country.objects.all()}
    problems: list[FieldProblem] = []
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for raw in _csv_rows(reader):
        number = reader.line_num  # the physical line the row ends on (a quoted field may span lines)
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        where = {"line": number}
        line_problems: list[FieldProblem] = []
        code = row.get("country", "").upper()
        if code not in countries:
            line_problems.append(
                FieldProblem(f'unknown country code "{row.get("country", "")}"', "country", location=where)
            )
        indicator = row.get("indicator", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", indicator):
            line_problems.append(
                FieldProblem(
                    f'"{indicator}" is not an indicator code (letters, digits, _ and -, at most 60)',
                    "indicator",
                    location=where,
                )
            )
        year_text = row.get("year", "")
        year = int(year_text) if re.fullmatch(r"[0-9]{4}", year_text) and 1900 <= int(year_text) <= 2100 else None
        if year is None:
            line_problems.append(FieldProblem(f'"{year_text}" is not a year', "year", location=where))
        value: Decimal | None = None
        try:
            value = Decimal(row.get("value", "").replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            line_problems.append(FieldProblem(f'"{row.get("value", "")}" is not a number', "value", location=where))
            value = None
        if value is not None and (abs(value) >= MAX_INDICATOR or value != value.quantize(Decimal("0.0001"))):
            line_problems.append(
                FieldProblem(
                    f"{value} does not fit: at most 12 digits before the point and 4 after", "value", location=where
                )
            )
        if not row.get("source"):
            line_problems.append(FieldProblem("every value needs its source", "source", location=where))
        for column, longest in (("unit", 60), ("source", 500), ("source_url", 200)):
            if len(row.get(column, "")) > longest:
                line_problems.append(
                    FieldProblem(f"{column} is longer than {longest} characters", column, location=where)
                )
        key = (code, indicator, year or 0)
        if not line_problems and key in rows:
            line_problems.append(
                FieldProblem(
                    f"{code} {indicator} {year} is given twice (line {rows[key]['line']})", "year", location=where
                )
            )
        problems += line_problems
        if not line_problems:
            rows[key] = {**row, "line": number, "year": year, "value": value, "country": countries[code]}
    if not rows and not problems:
        problems.append(FieldProblem("the file has no rows", "file"))
    raise_problems(problems, "Nothing was imported: the CSV has problems.")
    with transaction.atomic():
        for (_code, indicator, year), row in rows.items():
            CountryIndicator.objects.update_or_create(
                country=row["country"],
                indicator=indicator,
                year=year,
                defaults={
                    "value": row["value"],
                    "unit": row.get("unit", ""),
                    "source": row["source"],
                    "source_url": row.get("source_url", ""),
                    "imported_at": timezone.now(),
                },
            )
        audit_record(actor=user, action=AuditAction.CREATE, obj=None, message=f"country indicators: {len(rows)} rows")
    return len(rows)
