"""Web entry: adding, changing and deleting rows of staff, equipment, beds and compliance; the region sheet."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput, NotFound
from onconet.core.models import AuditAction, Facility, User
from onconet.core.scoping import get_visible, require_permission
from onconet.passports.importer import CheckContext, typed_row
from onconet.passports.labels import MODELS
from onconet.passports.models import (
    Passport,
    Standard,
)
from onconet.passports.services.access import _require_editable
from onconet.passports.sheets import SHEETS_BY_NAME
from onconet.passports.workbook import Problem

# ---------------------------------------------------------------- web entry


SECTION_MODELS: dict[str, type[models.Model]] = MODELS


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
