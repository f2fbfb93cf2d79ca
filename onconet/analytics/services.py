"""Writes of the analytics app: the benchmark table (national admins) and loading reference values."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from onconet.analytics.indicators import DEFINITIONS_BY_CODE
from onconet.analytics.models import Benchmark, Comparison, StaffingNorm, TrainingProgram
from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput, NotFound
from onconet.core.models import AuditAction, Job, Region, User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.services import job_start

REFERENCE = Path(__file__).resolve().parent / "reference"


def benchmark_save(
    *,
    user: User,
    code: str,
    indicator: str,
    dimension: str,
    comparison: str,
    value: str | Decimal,
    source: str,
    note: str = "",
    for_planning: bool = False,
) -> Benchmark:
    """Create or change a benchmark; every value needs its source."""
    require_permission(user, "analytics.change_benchmark", action="edit benchmarks")
    problems = []
    code = code.strip().upper()
    if not code or len(code) > 40:
        problems.append(FieldProblem("1 to 40 characters", "code", code))
    definition = DEFINITIONS_BY_CODE.get(indicator)
    if definition is None:
        problems.append(FieldProblem("unknown indicator", "indicator", indicator))
    elif dimension and dimension not in definition.dimension_values():
        problems.append(
            FieldProblem(f"not a {definition.dimension or 'dimension'} of {indicator}", "dimension", dimension)
        )
    if comparison not in Comparison.values:
        problems.append(FieldProblem(f"must be one of {', '.join(Comparison.values)}", "comparison", comparison))
    try:
        number = Decimal(str(value))
        if not number.is_finite() or number < 0:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(FieldProblem("must be a non-negative number", "value", str(value)))
        number = Decimal(0)
    if not source.strip():
        problems.append(FieldProblem("say where the value comes from", "source", source))
    if problems:
        raise InvalidInput("The benchmark is not valid.", errors=problems)
    with transaction.atomic():
        benchmark, created = Benchmark.objects.update_or_create(
            code=code,
            defaults={
                "indicator": indicator,
                "dimension": dimension,
                "comparison": comparison,
                "value": number,
                "source": source.strip(),
                "note": note.strip(),
                "for_planning": for_planning,
            },
        )
        audit_record(actor=user, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=benchmark)
    return benchmark


def benchmark_delete(*, user: User, code: str) -> None:
    require_permission(user, "analytics.delete_benchmark", action="delete benchmarks")
    benchmark = Benchmark.objects.filter(code__iexact=code).first()
    if benchmark is None:
        raise NotFound("No benchmark has this code.")
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.DELETE, obj=benchmark)
        benchmark.delete()


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def analytics_reference_load() -> None:
    """Benchmarks, training lengths and staffing norms from the bundled CSV files (idempotent)."""
    for row in _rows("benchmarks.csv"):
        Benchmark.objects.update_or_create(
            code=row["code"],
            defaults={
                "indicator": row["indicator"],
                "dimension": row["dimension"],
                "comparison": row["comparison"],
                "value": Decimal(row["value"]),
                "for_planning": row["for_planning"] == "1",
                "source": row["source"],
                "note": row["note"],
            },
        )
    for row in _rows("training.csv"):
        TrainingProgram.objects.update_or_create(
            specialty=row["specialty"], defaults={"years": int(row["years"]), "source": row["source"]}
        )
    for row in _rows("staffing_norms.csv"):
        StaffingNorm.objects.update_or_create(
            kind=row["kind"],
            specialty=row["specialty"],
            defaults={"per_unit": Decimal(row["per_unit"]), "source": row["source"]},
        )


def report_start(*, user: User, kind: str, period: int, region_code: str | None, language: str) -> Job:
    """Queue a report: the region's (for whoever may see the region) or the national summary."""

    if language not in ("en", "ru"):
        language = "en"
    if kind == "region":
        region = get_visible(user, Region.objects.all(), code__iexact=region_code or "")
        if not user.has_perm("analytics.view_national_analytics") and user.region_id != region.pk:
            raise NotFound("No region matches the given code.")
        return job_start(
            user=user,
            kind="region_report",
            internal=True,
            params={"region": region.code, "period": period, "language": language},
        )
    if kind == "national":
        return job_start(
            user=user, kind="national_report", internal=True, params={"period": period, "language": language}
        )
    raise InvalidInput(f"Unknown report {kind!r}: choose region or national.")
