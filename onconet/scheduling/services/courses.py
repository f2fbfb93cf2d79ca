"""Courses: a domestic course entered by its department or imported from CSV, a prepaid referral sent to
planning as a foreign course, cancelling a course, the courses a user may see."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput
from onconet.core.models import Facility, User
from onconet.core.scoping import AnyUser, get_visible, require_permission, visible
from onconet.scheduling.models import Course, Machine, Origin, Protocol
from onconet.scheduling.services.bookings import release_bookings
from onconet.scheduling.workflow import COURSES
from onconet.tourism.models import QuoteStatus, Referral, ReferralState


def _next_code(prefix: str) -> str:
    count = Course.objects.filter(code__startswith=prefix).count() + 1
    while Course.objects.filter(code=f"{prefix}{count:05d}").exists():
        count += 1
    return f"{prefix}{count:05d}"


def course_create(
    *,
    user: User,
    facility: Facility,
    protocol: Protocol,
    ready_date: dt.date,
    urgency: int,
    code: str = "",
) -> Course:
    """A domestic course entered by its department (pseudonymous id: never a name)."""
    require_permission(user, "scheduling.add_course", action="add courses")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems = _course_problems(code, urgency, facility, protocol)
    if problems:
        raise InvalidInput("The course is not valid.", errors=problems)
    course = Course.objects.create(
        code=code.strip() or _next_code("D-"),
        facility=facility,
        protocol=protocol,
        ready_date=ready_date,
        urgency=urgency,
        created_by=user,
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=course)
    return course


def _course_problems(code: str, urgency: Any, facility: Facility, protocol: Protocol | None) -> list[FieldProblem]:
    problems = []
    if code.strip() and Course.objects.filter(code=code.strip()).exists():
        problems.append(FieldProblem("already used", "code", code))
    if urgency not in (1, 2, 3):
        problems.append(FieldProblem("1 urgent, 2 soon or 3 routine", "urgency", str(urgency)))
    if (
        protocol is not None
        and not Machine.objects.filter(facility=facility, kind__in=protocol.machine_kinds, active=True).exists()
    ):
        problems.append(FieldProblem(f"{facility.code} has no machine for this protocol", "protocol", protocol.code))
    return problems


CSV_COLUMNS = ("code", "facility", "protocol", "ready_date", "urgency")


def courses_import_csv(*, user: User, data: bytes) -> list[Course]:
    """Domestic courses from CSV (code, facility, protocol, ready_date, urgency): all rows or none, every problem
    listed with its line."""
    require_permission(user, "scheduling.add_course", action="import courses")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text.", errors=[FieldProblem("not UTF-8", "file")]) from exc
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput("The file is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        records = list(reader)
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InvalidInput(
            "The file cannot be read as CSV.", errors=[FieldProblem(f"line {reader.line_num}: {exc}", "file")]
        ) from exc
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"Missing columns: {', '.join(missing)}.", errors=[FieldProblem("missing", c) for c in missing]
        )
    facilities = {f.code: f for f in visible(user, Facility.objects.all())}
    protocols = {p.code: p for p in Protocol.objects.all()}
    problems: list[FieldProblem] = []
    rows: list[tuple[str, Facility, Protocol, dt.date, int]] = []
    codes: set[str] = set()
    longest = Course._meta.get_field("code").max_length
    for line, row in enumerate(records, start=2):
        where = f"line {line}"
        code = (row.get("code") or "").strip()
        facility = facilities.get((row.get("facility") or "").strip())
        protocol = protocols.get((row.get("protocol") or "").strip())
        if facility is None:
            problems.append(FieldProblem(f"{where}: unknown facility", "facility", row.get("facility")))
        if protocol is None:
            problems.append(FieldProblem(f"{where}: unknown protocol", "protocol", row.get("protocol")))
        try:
            ready = dt.date.fromisoformat((row.get("ready_date") or "").strip())
        except ValueError:
            problems.append(FieldProblem(f"{where}: a date YYYY-MM-DD", "ready_date", row.get("ready_date")))
            ready = None
        urgency_text = (row.get("urgency") or "").strip()
        try:
            urgency: int | None = int(urgency_text)
        except ValueError:  # also "²", a digit to isdigit() but not to int()
            urgency = None
        if longest is not None and len(code) > longest:
            problems.append(FieldProblem(f"{where}: at most {longest} characters", "code", code))
        if code and code in codes:
            problems.append(FieldProblem(f"{where}: duplicate in the file", "code", code))
        codes.add(code)
        if facility is not None:
            problems += [
                FieldProblem(f"{where}: {p.message}", p.field, p.value)
                for p in _course_problems(code, urgency, facility, protocol)
            ]
        if facility is not None and protocol is not None and ready is not None and urgency is not None:
            rows.append((code, facility, protocol, ready, urgency))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s); nothing was imported.", errors=problems)
    if not rows:
        raise InvalidInput("The file has no courses.", errors=[FieldProblem("no rows", "file")])
    with transaction.atomic():
        created = [
            Course.objects.create(
                code=code or _next_code("D-"),
                facility=facility,
                protocol=protocol,
                ready_date=ready,
                urgency=urgency,
                created_by=user,
            )
            for code, facility, protocol, ready, urgency in rows
        ]
        audit_record(actor=user, action=AuditAction.CREATE, obj=created[0], message=f"imported {len(created)} courses")
    return created


def foreign_course_create(*, user: User, referral: Any, facility: Facility) -> Course:
    """Send a prepaid referral to planning at `facility` (protocol from the referral's service); the referral and
    the facility are looked up in the actor's scope and the referral row is locked, so two clicks plan it once."""

    require_permission(user, "scheduling.add_foreign_course", action="send referrals to planning")
    with transaction.atomic():
        # the actor's own scope decides: a referral or a facility it may not see is not there (404)
        referral = get_visible(user, Referral.objects.select_for_update().select_related("service"), pk=referral.pk)
        facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
        return _foreign_course_create(user=user, referral=referral, facility=facility)


def _foreign_course_create(*, user: User, referral: Any, facility: Facility) -> Course:

    if referral.state != ReferralState.PREPAID:
        raise DomainError(f"Only prepaid referrals are planned; this one is {referral.state}.")
    if Course.objects.filter(referral=referral).exists():
        raise DomainError("This referral is already in planning.")
    protocol = Protocol.objects.filter(code=referral.service.protocol).first()
    if protocol is None:
        raise DomainError(f"The service {referral.service.code} has no protocol in the catalogue.")
    problems = _course_problems("", 3, facility, protocol)
    if problems:
        raise InvalidInput("The course cannot be planned there.", errors=problems)
    quote = referral.quotes.filter(status=QuoteStatus.ACCEPTED).order_by("-id").first()
    value = (quote.total * quote.rate).quantize(Decimal("0.01")) if quote else referral.service.base_price
    course = Course.objects.create(
        code=f"F-{referral.pk:05d}",
        facility=facility,
        origin=Origin.FOREIGN,
        protocol=protocol,
        ready_date=max(timezone.localdate(), referral.created_at.date()),
        referral=referral,
        latest_start=referral.latest_start,
        value=value,
        created_by=user,
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=course)
    return course


def course_cancel(*, user: User, course: Course) -> Course:
    """Cancel a course that is not over: its bookings from today are released (the department)."""
    require_permission(user, "scheduling.add_course", action="cancel courses")

    def release(row: Course) -> None:
        release_bookings(row, timezone.localdate())

    return COURSES.move(course, name="cancel", actor=user, guard=release)


def visible_courses(user: AnyUser) -> Any:
    return visible(user, Course.objects.select_related("protocol", "facility", "machine"))
