"""API of capacity scheduling: machines, courses (list, add, CSV import), bookings, plans and their approval.

Courses carry pseudonymous ids only. A record outside the caller's scope answers 404, like a missing one."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.pagination import BoundedPagination
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import UploadTooLarge, csv_max_bytes, read_upload, too_large_message, upload_auth
from onconet.scheduling import selectors, services
from onconet.scheduling.models import Course, CourseStatus, MachineKind, Origin, Plan, Protocol

router = Router(tags=["scheduling"])

MAX_BOOKING_DAYS = 92


class MachineOut(Schema):
    id: int
    code: str
    name: str
    kind: MachineKind
    facility: str = Field(..., alias="facility.code", description="facility code")
    facility_id: int
    minutes_per_weekday: list[int] = Field(..., description="seven numbers, Monday first")
    weekly_minutes: int
    active: bool

    @staticmethod
    def resolve_weekly_minutes(obj: Any) -> int:
        return selectors.weekly_minutes(obj)


class MachineFilters(Schema):
    facility: int | None = Field(None, description="facility id")
    kind: MachineKind | None = None


class CourseOut(Schema):
    id: int
    code: str = Field(..., description="pseudonymous id")
    facility: str = Field(..., alias="facility.code")
    origin: Origin
    protocol: str = Field(..., alias="protocol.code")
    ready_date: dt.date
    urgency: int = Field(..., description="1 urgent, 2 soon, 3 routine")
    status: CourseStatus
    machine: str | None = None
    start_date: dt.date | None
    latest_start: dt.date | None
    referral_id: int | None

    @staticmethod
    def resolve_machine(obj: Any) -> str | None:
        return obj.machine.code if obj.machine_id else None


class CourseFilters(Schema):
    facility: int | None = Field(None, description="facility id")
    status: CourseStatus | None = None
    origin: Origin | None = None


class CourseIn(StrictSchema):
    facility: str = Field(..., min_length=1, description="facility code")
    protocol: str = Field(..., min_length=1, description="protocol code")
    ready_date: dt.date
    urgency: Literal[1, 2, 3] = Field(3, description="1 urgent, 2 soon, 3 routine")
    code: str = Field("", max_length=40, description="pseudonymous id; empty for the next free one (never a name)")


class ImportOut(Schema):
    imported: int
    codes: list[str]


class BookingOut(Schema):
    course: str
    origin: Origin
    machine: str
    date: dt.date
    fraction: int = Field(..., description="1 for the first fraction")
    fractions: int
    minutes: int


class BookingFilters(Schema):
    machine: str | None = Field(None, description="machine code; all machines you may see when absent")
    date_from: dt.date | None = Field(None, description="today when absent")
    date_to: dt.date | None = Field(None, description="a week after date_from when absent")


class PlanRowOut(Schema):
    course: str
    origin: str
    urgency: int
    change: Literal["moved", "shifted", "added", "unbooked", "rejected"]
    machine: str | None = None
    start_date: str | None = None
    dates: list[str] = []
    was_machine: str | None = None
    was_start: str | None = None
    reason: str | None = None


class PlanOut(Schema):
    id: int
    facility: str
    facility_id: int
    kind: str
    status: str
    solver: str
    solver_status: str | None
    start_date: dt.date
    days: int
    created_at: dt.datetime
    decided_at: dt.datetime | None
    counts: dict[str, int]
    moved_patients: int
    rows: list[PlanRowOut]
    metrics: dict[str, Any]
    guarantee: dict[str, Any]
    notes: list[str]


def _plan_out(plan: Plan) -> dict[str, Any]:
    result = plan.plan or {}
    return {
        "id": plan.pk,
        "facility": plan.facility.code,
        "facility_id": plan.facility_id,
        "kind": plan.kind,
        "status": plan.status,
        "solver": plan.solver,
        "solver_status": result.get("status"),
        "start_date": plan.start_date,
        "days": plan.days,
        "created_at": plan.created_at,
        "decided_at": plan.decided_at,
        "counts": plan.diff.get("counts", {}),
        "moved_patients": plan.diff.get("moved_patients", 0),
        "rows": plan.diff.get("rows", []),
        "metrics": result.get("metrics", {}),
        "guarantee": result.get("guarantee", {}),
        "notes": [line for line in plan.note.splitlines() if line.strip()],
    }


def _require_view(request: HttpRequest) -> Any:
    user = request_user(request)
    selectors.require_view(user)
    return user


@router.get("/machines", response={200: list[MachineOut], **ERRORS}, summary="Machines you may see")
@paginate(BoundedPagination, page_size=100)
def machines(request: HttpRequest, filters: Query[MachineFilters]) -> Any:
    user = _require_view(request)
    return selectors.machines_list(user=user, facility=filters.facility, kind=filters.kind)


@router.get("/courses", response={200: list[CourseOut], **ERRORS}, summary="Courses you may see (pseudonymous)")
@paginate(BoundedPagination, page_size=100)
def courses(request: HttpRequest, filters: Query[CourseFilters]) -> Any:
    user = _require_view(request)
    return selectors.courses_list(user=user, facility=filters.facility, status=filters.status, origin=filters.origin)


@router.post("/courses", response={201: CourseOut, **ERRORS}, summary="Add a domestic course")
def course_create(request: HttpRequest, payload: CourseIn) -> Status[Course]:
    user = request_user(request)
    require_permission(user, "scheduling.add_course", action="add courses")
    facility = get_visible(user, Facility.objects.all(), code=payload.facility)
    protocol = Protocol.objects.filter(code=payload.protocol).first()
    if protocol is None:
        raise InvalidInput(
            "Unknown protocol.",
            errors=[FieldProblem("no such protocol in the catalogue", "protocol", payload.protocol)],
        )
    course = services.course_create(
        user=user,
        facility=facility,
        protocol=protocol,
        ready_date=payload.ready_date,
        urgency=payload.urgency,
        code=payload.code,
    )
    return Status(201, course)


@router.post(
    "/courses/import",
    response={200: ImportOut, **ERRORS},
    summary="Import domestic courses from CSV (all or nothing; every problem listed with its line)",
    auth=upload_auth(permission="scheduling.add_course", action="import courses", max_bytes=csv_max_bytes),
    description=(
        "Send the CSV as the request body (`Content-Type: text/csv`) or as the multipart field `file`. "
        "Columns: code, facility, protocol, ready_date (YYYY-MM-DD), urgency (1, 2 or 3)."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
            "required": True,
        }
    },
)
def courses_import(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("Send the CSV as the field `file`.", errors=[FieldProblem("required", "file")])
        data = read_upload(upload, max_bytes=csv_max_bytes())
    else:
        data = request.body
    if not data.strip():
        raise InvalidInput("Send a CSV file.", errors=[FieldProblem("required", "file")])
    if len(data) > csv_max_bytes():
        raise UploadTooLarge(too_large_message(len(data), csv_max_bytes()))
    created = services.courses_import_csv(user=user, data=data)
    return {"imported": len(created), "codes": [c.code for c in created]}


@router.get("/bookings", response={200: list[BookingOut], **ERRORS}, summary="Booked fractions by machine and date")
@paginate(BoundedPagination, page_size=500)
def bookings(request: HttpRequest, filters: Query[BookingFilters]) -> Any:

    user = _require_view(request)
    start = filters.date_from or timezone.localdate()
    end = filters.date_to or start + dt.timedelta(days=6)
    if end < start:
        raise InvalidInput("date_to is before date_from.", errors=[FieldProblem("not before date_from", "date_to")])
    if (end - start).days >= MAX_BOOKING_DAYS:
        raise InvalidInput(
            f"Ask for at most {MAX_BOOKING_DAYS} days at a time.",
            errors=[FieldProblem(f"at most {MAX_BOOKING_DAYS} days after date_from", "date_to", end.isoformat())],
        )
    machines = selectors.machines_list(user=user)
    if filters.machine:
        machine = get_visible(user, machines, code=filters.machine)
        machines = machines.filter(pk=machine.pk)
    return [
        {
            "course": b.course.code,
            "origin": b.course.origin,
            "machine": b.day.machine.code,
            "date": b.day.date,
            "fraction": b.fraction + 1,
            "fractions": b.course.protocol.fractions,
            "minutes": b.minutes,
        }
        for b in selectors.day_bookings(user=user, machines=machines, start=start, end=end)
    ]


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="A plan and its changes to the bookings")
def plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    user = _require_view(request)
    return _plan_out(get_visible(user, selectors.plans_list(user=user), pk=plan_id))


@router.post(
    "/plans/{plan_id}/approve",
    response={200: PlanOut, **ERRORS},
    summary="Approve a proposed plan: write its bookings, all or none (409 when it no longer fits)",
)
def plan_approve(request: HttpRequest, plan_id: int, override_offer: bool = False) -> dict[str, Any]:
    """`override_offer=true` (national admins only, audited) approves foreign starts beyond the published capacity
    offer of their month; otherwise such a plan is refused with 409 and the months listed."""
    user = request_user(request)
    require_permission(user, "scheduling.plan_schedule", action="approve plans")
    target = get_visible(user, selectors.plans_list(user=user), pk=plan_id)
    services.plan_approve(user=user, plan=target, override_offer=override_offer)
    return _plan_out(selectors.plans_list(user=user).get(pk=target.pk))
