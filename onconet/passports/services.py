"""Writes of the passports app: import, web entry, copy-forward, and the approval state machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditAction, Facility, Region, User
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.transitions import Moved, StateMachine, step
from onconet.passports.importer import CheckContext, ParsedPassport, typed_row, validate
from onconet.passports.models import (
    BedGroup,
    ComplianceRecord,
    Equipment,
    Passport,
    PassportEvent,
    PassportFacility,
    PassportStatus,
    StaffMember,
    Standard,
)
from onconet.passports.rules import passport_check
from onconet.passports.sheets import SHEETS_BY_NAME
from onconet.passports.workbook import Problem, RawWorkbook

ProgressCallback = Callable[[float, str], None]


class ImportRejected(InvalidInput):
    """A workbook with problems: `errors` lists every one; nothing was written."""


@dataclass
class ImportResult:
    region: str
    period: int
    passport_id: int | None
    dry_run: bool
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "period": self.period,
            "passport_id": self.passport_id,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
        }


# ---------------------------------------------------------------- access


def _require_region_access(user: User | None, region: Region, *, permission: str, action: str) -> None:
    """`user` None is the command line / the system, which may do anything."""
    if user is None:
        return
    require_permission(user, permission, action=action)
    if user.role == Role.REGIONAL_REPORTER and user.region_id != region.pk:
        own = user.region.code if user.region else "no region"
        raise NotAllowed(f"You report for {own}; this is {region.code}'s passport.")
    get_visible(user, Region.objects.all(), pk=region.pk)


def _require_editable(passport: Passport, *, doing: str) -> None:
    if passport.status == PassportStatus.APPROVED:
        raise DomainError(
            f"The {passport.region.code} passport for {passport.period} is approved and locked; "
            f"a national admin must re-open it before {doing}."
        )
    if passport.status == PassportStatus.SUBMITTED:
        raise DomainError(
            f"The {passport.region.code} passport for {passport.period} is submitted and awaits review; "
            f"it can be changed again once the national centre returns it."
        )


def _event(passport: Passport, user: User | None, action: str, *, before: str = "", comment: str = "") -> None:
    PassportEvent.objects.create(
        passport=passport, actor=user, action=action, from_status=before, to_status=passport.status, comment=comment
    )


# ---------------------------------------------------------------- import


def passport_import(
    *,
    book: RawWorkbook,
    period: int,
    user: User | None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Import one region's workbook for `period`: all or nothing, upserting by the contract's keys."""
    if user is not None:  # who may import at all, before the workbook is read (which region: checked below)
        require_permission(user, "passports.change_passport", action="import passports")
    report = progress or (lambda percent, message: None)
    report(5, "checking values")
    parsed, problems = validate(book, period=period)
    if parsed is None:
        limit = int(settings.PASSPORT_IMPORT_MAX_PROBLEMS)
        detail = f"The workbook has {len(problems)} problem(s); nothing was imported."
        if len(problems) > limit:  # a file of a million wrong cells is not answered with a million lines
            detail += f" The first {limit} are listed."
        raise ImportRejected(detail, errors=problems[:limit])
    _require_region_access(
        user,
        parsed.region,
        permission="passports.change_passport",
        action=f"import passports of {parsed.region.code}",
    )
    existing = Passport.objects.filter(region=parsed.region, period=period).first()
    if existing is not None:
        _require_editable(existing, doing="anything is imported into it")
    report(40, "writing")
    try:
        with transaction.atomic():
            result = _apply(parsed, existing, user, report)
            if dry_run:
                transaction.set_rollback(True)
                result.dry_run = True
                result.passport_id = existing.pk if existing else None
    except IntegrityError as exc:
        raise ImportRejected(
            "The database refused the workbook; nothing was imported.",
            errors=[Problem("", None, "", None, f"integrity error: {exc}")],
        ) from exc
    if not dry_run:
        passport = Passport.objects.get(region=parsed.region, period=period)
        audit_record(
            actor=user,
            action=AuditAction.UPDATE if existing else AuditAction.CREATE,
            obj=passport,
            changes={"created": result.created, "updated": result.updated},
            message="workbook import",
            request=request,
        )
    report(99, "done")
    return result


def _upsert(
    model: type[models.Model],
    passport: Passport,
    key_fields: tuple[str, ...],
    rows: list[dict[str, Any]],
    fields: list[str],
) -> tuple[int, int]:
    """Create or update the passport's rows by key, in bulk. Returns (created, updated)."""
    existing = {
        tuple(values[:-1]): values[-1]
        for values in model.objects.filter(passport=passport).values_list(*key_fields, "pk")  # type: ignore[attr-defined]
    }
    to_create, to_update = [], []
    for row in rows:
        key = tuple(row[name] for name in key_fields)
        instance = model(passport=passport, **row)
        if key in existing:
            instance.pk = existing[key]
            to_update.append(instance)
        else:
            to_create.append(instance)
    model.objects.bulk_create(to_create, batch_size=1000)  # type: ignore[attr-defined]
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=500)  # type: ignore[attr-defined]
    return len(to_create), len(to_update)


def _apply(
    parsed: ParsedPassport, passport: Passport | None, user: User | None, report: ProgressCallback
) -> ImportResult:
    region, period = parsed.region, parsed.period
    result = ImportResult(region=region.code, period=period, passport_id=None, dry_run=False)

    # 1. the region's facility registry: create or update, then link operators and buildings
    registry = {f.code.upper(): f for f in Facility.objects.filter(region=region)}
    new_facilities, changed = [], []
    for row in parsed.rows["facilities"]:
        facility = registry.get(row["facility_code"])
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "address": row.get("address") or "",
            "latitude": row.get("latitude"),
            "longitude": row.get("longitude"),
        }
        if facility is None:
            facility = Facility(region=region, code=row["facility_code"], **values)
            new_facilities.append(facility)
            registry[row["facility_code"]] = facility
        else:
            for name, value in values.items():
                setattr(facility, name, value)
            changed.append(facility)
    Facility.objects.bulk_create(new_facilities)
    Facility.objects.bulk_update(changed, ["name", "kind", "address", "latitude", "longitude"])
    if any(f.pk is None for f in new_facilities):  # backends without RETURNING ids on bulk insert
        registry = {f.code.upper(): f for f in Facility.objects.filter(region=region)}
    linked = []
    for row in parsed.rows["facilities"]:
        facility = registry[row["facility_code"]]
        parent = registry[row["parent_facility_code"]].pk if row.get("parent_facility_code") else None
        located = registry[row["located_in_facility_code"]].pk if row.get("located_in_facility_code") else None
        if (facility.parent_id, facility.located_in_id) != (parent, located):
            facility.parent_id, facility.located_in_id = parent, located
            linked.append(facility)
    Facility.objects.bulk_update(linked, ["parent", "located_in"])
    result.created["facilities"] = len(new_facilities)
    result.updated["facilities"] = len(changed)
    report(55, "facilities written")

    # 2. the passport itself
    dispensary = registry[parsed.dispensary_code] if parsed.dispensary_code else None
    if passport is None:
        passport = Passport.objects.create(
            region=region,
            period=period,
            population=parsed.population,
            cancer_incidence=parsed.cancer_incidence,
            dispensary=dispensary,
        )
        _event(passport, user, PassportEvent.Action.CREATE)
    else:
        passport.population = parsed.population
        passport.cancer_incidence = parsed.cancer_incidence
        passport.dispensary = dispensary
        passport.save(update_fields=["population", "cancer_incidence", "dispensary", "updated_at"])
    result.passport_id = passport.pk

    def fid(code: str | None) -> int | None:
        return registry[code].pk if code else None

    standards = {code.upper(): pk for code, pk in Standard.objects.values_list("code", "pk")}
    plans: list[tuple[str, type[models.Model], tuple[str, ...], list[str], list[dict[str, Any]]]] = [
        (
            "facilities",
            PassportFacility,
            ("facility_id",),
            ["building_condition", "opened_year"],
            [
                {
                    "facility_id": fid(r["facility_code"]),
                    "building_condition": r.get("building_condition") or "",
                    "opened_year": r.get("opened_year"),
                }
                for r in parsed.rows["facilities"]
            ],
        ),
        (
            "staff",
            StaffMember,
            ("staff_id",),
            ["facility_id", "specialty", "birth_year", "fte", "sex", "hired_year"],
            [
                {
                    "staff_id": r["staff_id"],
                    "facility_id": fid(r["facility_code"]),
                    "specialty": r["specialty"],
                    "birth_year": r["birth_year"],
                    "fte": r["fte"],
                    "sex": r.get("sex") or "",
                    "hired_year": r.get("hired_year"),
                }
                for r in parsed.rows["staff"]
            ],
        ),
        (
            "equipment",
            Equipment,
            ("equipment_id",),
            [
                "facility_id",
                "kind",
                "year_installed",
                "condition",
                "manufacturer",
                "model",
                "available_hours_per_week",
                "used_hours_per_week",
                "procedures_last_year",
            ],
            [
                {
                    "equipment_id": r["equipment_id"],
                    "facility_id": fid(r["facility_code"]),
                    "kind": r["kind"],
                    "year_installed": r["year_installed"],
                    "condition": r["condition"],
                    "manufacturer": r.get("manufacturer") or "",
                    "model": r.get("model") or "",
                    "available_hours_per_week": r.get("available_hours_per_week"),
                    "used_hours_per_week": r.get("used_hours_per_week"),
                    "procedures_last_year": r.get("procedures_last_year"),
                }
                for r in parsed.rows["equipment"]
            ],
        ),
        (
            "beds",
            BedGroup,
            ("facility_id", "profile", "located_in_id"),
            ["beds", "occupancy_rate"],
            [
                {
                    "facility_id": fid(r["facility_code"]),
                    "profile": r["profile"],
                    "located_in_id": fid(r.get("located_in_facility_code")),
                    "beds": r["beds"],
                    "occupancy_rate": r.get("occupancy_rate"),
                }
                for r in parsed.rows["beds"]
            ],
        ),
        (
            "compliance",
            ComplianceRecord,
            ("facility_id", "standard_id"),
            ["status", "evidence", "assessed_on"],
            [
                {
                    "facility_id": fid(r["facility_code"]),
                    "standard_id": standards[r["standard_code"]],
                    "status": r["status"],
                    "evidence": r.get("evidence") or "",
                    "assessed_on": r.get("assessed_on"),
                }
                for r in parsed.rows["compliance"]
            ],
        ),
    ]
    for index, (name, model, key, fields, rows) in enumerate(plans):
        created, updated = _upsert(model, passport, key, rows, fields)
        if name != "facilities":  # the registry counts above are the ones a reader cares about
            result.created[name], result.updated[name] = created, updated
        report(60 + 35 * (index + 1) / len(plans), f"{name} written")
    _event(passport, user, PassportEvent.Action.IMPORT, before=passport.status)
    return result


# ---------------------------------------------------------------- creating and copying forward


def passport_create(
    *,
    user: User | None,
    region: Region,
    period: int,
    copy_forward: bool = False,
    request: HttpRequest | None = None,
) -> Passport:
    """Start a region's passport for a year, empty or as a copy of the previous year's."""
    _require_region_access(
        user, region, permission="passports.add_passport", action=f"start passports of {region.code}"
    )
    if Passport.objects.filter(region=region, period=period).exists():
        raise DomainError(f"{region.code} already has a passport for {period}.")
    previous = Passport.objects.filter(region=region, period__lt=period).order_by("-period").first()
    if copy_forward and previous is None:
        raise DomainError(f"{region.code} has no earlier passport to copy from.")
    with transaction.atomic():
        passport = Passport.objects.create(
            region=region,
            period=period,
            population=previous.population if previous else (region.population or 1),
            cancer_incidence=previous.cancer_incidence if previous else None,
            dispensary=previous.dispensary if previous else None,
        )
        if copy_forward and previous is not None:
            _copy_children(previous, passport)
            _event(passport, user, PassportEvent.Action.COPY_FORWARD, comment=f"from {previous.period}")
        else:
            _event(passport, user, PassportEvent.Action.CREATE)
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=passport,
            request=request,
            message=f"copied from {previous.period}" if copy_forward and previous else "",
        )
    return passport


def _copy_children(source: Passport, target: Passport) -> None:
    """Copy last year's rows; the staff get a year older by themselves (birth years do not change)."""
    models_: tuple[type[Any], ...] = (PassportFacility, StaffMember, Equipment, BedGroup, ComplianceRecord)
    for model in models_:
        copies = []
        for row in model.objects.filter(passport=source):
            row.pk = None
            row.passport = target
            copies.append(row)
        model.objects.bulk_create(copies, batch_size=1000)


# ---------------------------------------------------------------- web entry


SECTION_MODELS: dict[str, type[models.Model]] = {
    "facilities": PassportFacility,
    "staff": StaffMember,
    "equipment": Equipment,
    "beds": BedGroup,
    "compliance": ComplianceRecord,
}


def _section_values(section: str, row: dict[str, Any], passport: Passport) -> dict[str, Any]:
    facilities = {f.code.upper(): f.pk for f in Facility.objects.filter(region=passport.region)}

    def fid(code: str | None) -> int | None:
        return facilities[code] if code else None

    if section == "staff":
        return {
            "staff_id": row["staff_id"],
            "facility_id": fid(row["facility_code"]),
            "specialty": row["specialty"],
            "birth_year": row["birth_year"],
            "fte": row["fte"],
            "sex": row.get("sex") or "",
            "hired_year": row.get("hired_year"),
        }
    if section == "equipment":
        return {
            "equipment_id": row["equipment_id"],
            "facility_id": fid(row["facility_code"]),
            "kind": row["kind"],
            "year_installed": row["year_installed"],
            "condition": row["condition"],
            "manufacturer": row.get("manufacturer") or "",
            "model": row.get("model") or "",
            "available_hours_per_week": row.get("available_hours_per_week"),
            "used_hours_per_week": row.get("used_hours_per_week"),
            "procedures_last_year": row.get("procedures_last_year"),
        }
    if section == "beds":
        return {
            "facility_id": fid(row["facility_code"]),
            "profile": row["profile"],
            "beds": row["beds"],
            "located_in_id": fid(row.get("located_in_facility_code")),
            "occupancy_rate": row.get("occupancy_rate"),
        }
    if section == "compliance":
        standard = Standard.objects.get(code__iexact=row["standard_code"])
        return {
            "facility_id": fid(row["facility_code"]),
            "standard_id": standard.pk,
            "status": row["status"],
            "evidence": row.get("evidence") or "",
            "assessed_on": row.get("assessed_on"),
        }
    raise InvalidInput(f"Unknown section {section!r}.")


def passport_row_save(
    *,
    user: User,
    passport: Passport,
    section: str,
    values: dict[str, Any],
    row_id: int | None = None,
    request: HttpRequest | None = None,
) -> models.Model:
    """Add or change one row of a passport section, checked by the same rules as an imported row."""
    passport = get_visible(user, Passport.objects.select_related("region"), pk=passport.pk)
    require_permission(user, "passports.change_passport", action="edit passports")
    _require_editable(passport, doing="it is edited")
    if section not in SECTION_MODELS or section == "facilities":
        raise InvalidInput(f"Rows of {section!r} cannot be edited here.")
    sheet = SHEETS_BY_NAME[section]
    raw = {**values, "region_code": passport.region.code}
    row, problems = typed_row(sheet, raw, CheckContext.for_region(passport.region, passport.period))
    if row is None:
        raise InvalidInput("The row is not valid.", errors=[_field_problem(p) for p in problems])
    model = SECTION_MODELS[section]
    fields = _section_values(section, row, passport)
    instance = model(passport=passport, **fields)
    if row_id is not None:
        current = model.objects.filter(passport=passport, pk=row_id).first()  # type: ignore[attr-defined]
        if current is None:
            raise NotFound("No such row in this passport.")
        instance.pk = current.pk
    try:
        with transaction.atomic():
            instance.save()
            audit_record(
                actor=user,
                action=AuditAction.UPDATE if row_id else AuditAction.CREATE,
                obj=instance,
                changes={k: str(v) for k, v in fields.items()},
                message=f"passport {passport}",
                request=request,
            )
    except IntegrityError as exc:
        key = ", ".join(sheet.key)
        raise InvalidInput(
            "The row is not valid.",
            errors=[
                FieldProblem(f"another row of this passport has the same {key}", sheet.key[0], values.get(sheet.key[0]))
            ],
        ) from exc
    return instance


def passport_row_delete(
    *, user: User, passport: Passport, section: str, row_id: int, request: HttpRequest | None = None
) -> None:
    passport = get_visible(user, Passport.objects.select_related("region"), pk=passport.pk)
    require_permission(user, "passports.change_passport", action="edit passports")
    _require_editable(passport, doing="it is edited")
    model = SECTION_MODELS.get(section)
    if model is None or section == "facilities":
        raise InvalidInput(f"Rows of {section!r} cannot be deleted here.")
    instance = model.objects.filter(passport=passport, pk=row_id).first()  # type: ignore[attr-defined]
    if instance is None:
        raise NotFound("No such row in this passport.")
    with transaction.atomic():
        audit_record(
            actor=user, action=AuditAction.DELETE, obj=instance, message=f"passport {passport}", request=request
        )
        instance.delete()


def passport_update_region_sheet(
    *,
    user: User,
    passport: Passport,
    population: int,
    cancer_incidence: int | None,
    dispensary_id: int | None,
    request: HttpRequest | None = None,
) -> Passport:
    """Change the region sheet: population, incidence, the central dispensary."""
    passport = get_visible(user, Passport.objects.select_related("region"), pk=passport.pk)
    require_permission(user, "passports.change_passport", action="edit passports")
    _require_editable(passport, doing="it is edited")
    problems = []
    if population < 1:
        problems.append(FieldProblem("must be at least 1", "population", population))
    if cancer_incidence is not None and cancer_incidence < 0:
        problems.append(FieldProblem("must not be negative", "cancer_incidence", cancer_incidence))
    dispensary = None
    if dispensary_id is not None:
        dispensary = Facility.objects.filter(pk=dispensary_id, region=passport.region, kind="dispensary").first()
        if dispensary is None:
            problems.append(FieldProblem("must be a dispensary of the region", "dispensary", dispensary_id))
    if problems:
        raise InvalidInput("The region sheet is not valid.", errors=problems)
    before = {
        "population": passport.population,
        "cancer_incidence": passport.cancer_incidence,
        "dispensary": passport.dispensary_id,
    }
    passport.population, passport.cancer_incidence, passport.dispensary = population, cancer_incidence, dispensary
    with transaction.atomic():
        passport.save(update_fields=["population", "cancer_incidence", "dispensary", "updated_at"])
        after = {"population": population, "cancer_incidence": cancer_incidence, "dispensary": dispensary_id}
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=passport,
            request=request,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return passport


def _field_problem(problem: Problem) -> FieldProblem:
    return FieldProblem(problem.message, problem.column, problem.value)


# ---------------------------------------------------------------- the approval state machine
# draft → submitted → approved; submitted → draft (returned, with a comment); approved → draft (re-opened,
# with a reason). Each transition checks the state and the actor, and is written to the history and the audit log.


def _history(moved: Moved[Passport]) -> None:
    _event(moved.obj, moved.actor, moved.step.name, before=moved.before, comment=moved.comment)


PASSPORTS = StateMachine(
    Passport,
    noun="passport",
    event=_history,
    steps=(
        step("submit", {PassportStatus.DRAFT}, PassportStatus.SUBMITTED, permission="passports.submit_passport"),
        step("approve", {PassportStatus.SUBMITTED}, PassportStatus.APPROVED, permission="passports.approve_passport"),
        step("return", {PassportStatus.SUBMITTED}, PassportStatus.DRAFT, permission="passports.approve_passport"),
        step("reopen", {PassportStatus.APPROVED}, PassportStatus.DRAFT, permission="passports.reopen_passport"),
    ),
)


def _move(
    passport: Passport,
    user: User,
    name: str,
    *,
    comment: str = "",
    request: HttpRequest | None = None,
    guard: Callable[[Passport], None] | None = None,
) -> Passport:
    def stamp(row: Passport) -> None:
        if guard is not None:
            guard(row)
        now = timezone.now()
        if PASSPORTS[name].target == PassportStatus.SUBMITTED:
            row.submitted_at = now
        if PASSPORTS[name].target == PassportStatus.APPROVED:
            row.approved_at = now

    return PASSPORTS.move(
        passport,
        name=name,
        actor=user,
        queryset=Passport.objects.select_related("region"),
        guard=stamp,
        comment=comment,
        request=request,
    )


def passport_submit(*, passport: Passport, user: User, request: HttpRequest | None = None) -> Passport:
    """Send a draft for approval; refused while any error-level rule fails."""

    def no_errors(row: Passport) -> None:
        errors = [finding for finding in passport_check(passport=row) if finding.severity == "error"]
        if errors:
            raise DomainError(
                f"The passport has {len(errors)} error(s) to fix before it can be submitted.",
                errors=errors,
            )

    return _move(passport, user, "submit", request=request, guard=no_errors)


def passport_approve(
    *, passport: Passport, user: User, comment: str = "", request: HttpRequest | None = None
) -> Passport:
    return _move(passport, user, "approve", comment=comment, request=request)


def _require_comment(comment: str, what: str) -> str:
    comment = comment.strip()
    if not comment:
        raise InvalidInput(f"Say {what}.", errors=[FieldProblem("must not be empty", "comment")])
    return comment


def passport_return(*, passport: Passport, user: User, comment: str, request: HttpRequest | None = None) -> Passport:
    """Send a submitted passport back to its reporter with a comment saying what to fix."""
    comment = _require_comment(comment, "what the reporter should correct")
    return _move(passport, user, "return", comment=comment, request=request)


def passport_reopen(*, passport: Passport, user: User, reason: str, request: HttpRequest | None = None) -> Passport:
    """Unlock an approved passport (national admins, with a reason)."""
    reason = _require_comment(reason, "why the approved passport is re-opened")
    return _move(passport, user, "reopen", comment=reason, request=request)


# ---------------------------------------------------------------- the standards catalogue


def standard_save(*, user: User, code: str, title: str, description: str = "", is_active: bool = True) -> Standard:
    """Create or change a standard of the catalogue (national admins)."""
    require_permission(user, "passports.change_standard", action="edit the standards catalogue")
    code = code.strip().upper()
    problems = []
    if not code or len(code) > 40:
        problems.append(FieldProblem("1 to 40 characters", "code", code))
    if not title.strip():
        problems.append(FieldProblem("must not be empty", "title", title))
    if problems:
        raise InvalidInput("The standard is not valid.", errors=problems)
    with transaction.atomic():
        standard, created = Standard.objects.update_or_create(
            code=code, defaults={"title": title.strip(), "description": description, "is_active": is_active}
        )
        audit_record(actor=user, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=standard)
    return standard
