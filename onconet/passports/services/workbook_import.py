"""Importing a region's workbook: all or nothing, upserting the facility registry and every section by its keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record
from onconet.core.errors import InvalidInput
from onconet.core.models import AuditAction, Facility, User
from onconet.core.scoping import require_permission
from onconet.passports.importer import ParsedPassport, validate
from onconet.passports.models import (
    BedGroup,
    ComplianceRecord,
    Equipment,
    Passport,
    PassportEvent,
    PassportFacility,
    StaffMember,
    Standard,
)
from onconet.passports.services.access import _require_editable, _require_region_access
from onconet.passports.services.history import _event
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


# ---------------------------------------------------------------- import


def passport_import(
    *,
    book: RawWorkbook,
    period: int | None,
    user: User | None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Import one region's workbook: all or nothing, upserting by the contract's keys. The year is the region
    sheet's; `period`, when given, must agree with it."""
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
    existing = Passport.objects.filter(region=parsed.region, period=parsed.period).first()
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
        passport = Passport.objects.get(region=parsed.region, period=parsed.period)
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
