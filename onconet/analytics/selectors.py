"""Reads of the analytics app: the indicator snapshot (cached), comparisons with benchmarks and the
national distribution, the workforce forecast, the equipment plan and spare capacity."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.analytics.forecast import Projection, project
from onconet.analytics.indicators import DEFINITIONS, DEFINITIONS_BY_CODE, NATION, TOTAL, Snapshot, compute, statuses
from onconet.analytics.models import Benchmark, StaffingNorm, TrainingProgram
from onconet.core.models import Region
from onconet.passports.models import Equipment, EquipmentCondition, Passport, PassportStatus, StaffMember


def data_version() -> str:
    """Changes whenever a passport changes, so that cached snapshots are never stale."""
    latest = Passport.objects.aggregate(m=Max("updated_at"))["m"]
    benchmarks = Benchmark.objects.count()
    return f"{latest.isoformat() if latest else '-'}:{Passport.objects.count()}:{benchmarks}"


def snapshot(*, period: int, include_submitted: bool = False) -> Snapshot:
    key = f"analytics:snapshot:{period}:{int(include_submitted)}:{data_version()}"
    cached = cache.get(key)
    if cached is None:
        cached = compute(period=period, include_submitted=include_submitted)
        cache.set(key, cached, timeout=3600)
    return cached


def periods() -> list[int]:
    return sorted(set(Passport.objects.values_list("period", flat=True)), reverse=True)


def default_period() -> int:
    """The latest year with an approved passport (or the latest year at all)."""
    approved = Passport.objects.filter(status="approved").aggregate(m=Max("period"))["m"]
    return approved or (periods() or [timezone.localdate().year - 1])[0]


def benchmarks_for(indicator: str, dimension: str = TOTAL) -> list[Benchmark]:
    """Benchmarks of the indicator for this dimension; a benchmark without a dimension applies to all."""
    return [
        b
        for b in Benchmark.objects.filter(indicator=indicator)
        if b.dimension in (dimension, "") and (b.dimension == dimension or indicator.startswith("equipment_age"))
    ]


def planning_benchmark(indicator: str, dimension: str = TOTAL) -> Benchmark | None:
    found = [b for b in benchmarks_for(indicator, dimension) if b.for_planning]
    return found[0] if found else None


@dataclass
class ComparisonRow:
    indicator: str
    dimension: str
    value: float | None
    national: float | None
    q1: float | None
    median: float | None
    q3: float | None
    benchmarks: list[tuple[Benchmark, bool | None]]
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def quartile(self) -> int | None:
        """1 (lowest quarter of regions) … 4 (highest)."""
        if self.value is None or self.median is None or self.q1 is None or self.q3 is None:
            return None
        if self.value < self.q1:
            return 1
        if self.value < self.median:
            return 2
        if self.value <= self.q3:
            return 3
        return 4


def compare(
    snap: Snapshot, area: str, indicator: str, dimension: str = TOTAL, previous: Snapshot | None = None
) -> ComparisonRow:
    distribution = snap.distribution(indicator, dimension)
    value = snap.value(area, indicator, dimension)
    return ComparisonRow(
        indicator=indicator,
        dimension=dimension,
        value=value,
        national=snap.value(NATION, indicator, dimension),
        q1=distribution[0] if distribution else None,
        median=distribution[1] if distribution else None,
        q3=distribution[2] if distribution else None,
        benchmarks=[(b, b.is_met(value)) for b in benchmarks_for(indicator, dimension)],
        previous=previous.value(area, indicator, dimension) if previous else None,
    )


def area_report(snap: Snapshot, area: str, previous: Snapshot | None = None) -> list[ComparisonRow]:
    """Every indicator of an area (totals, and every specialty/kind/profile that has a value)."""
    rows = []
    for definition in DEFINITIONS:
        for dimension in definition.dimension_values():
            value = snap.value(area, definition.code, dimension)
            if dimension != TOTAL and value is None:
                continue
            rows.append(compare(snap, area, definition.code, dimension, previous))
    return rows


@dataclass
class RankingRow:
    code: str
    name: str
    district: str | None
    value: float | None
    rank: int | None
    benchmark_met: bool | None


def ranking(snap: Snapshot, indicator: str, dimension: str = TOTAL, district: str | None = None) -> list[RankingRow]:
    definition = DEFINITIONS_BY_CODE[indicator]
    benchmark = planning_benchmark(indicator, dimension) or next(iter(benchmarks_for(indicator, dimension)), None)
    rows = []
    for area in snap.regions():
        if district and area.district != district:
            continue
        value = snap.value(area.code, indicator, dimension)
        rows.append(
            RankingRow(
                area.code, area.display_name, area.district, value, None, benchmark.is_met(value) if benchmark else None
            )
        )
    best_first = sorted(
        (r for r in rows if r.value is not None),
        key=lambda r: r.value or 0,
        reverse=definition.higher_is_better is not False,
    )
    for position, row in enumerate(best_first, start=1):
        row.rank = position
    return best_first + [r for r in rows if r.value is None]


# ---------------------------------------------------------------- workforce


@dataclass
class WorkforceRow:
    region: str
    region_name: str
    specialty: str
    headcount: int
    target: float
    target_basis: str
    projection: Projection


def _training_years(specialty: str) -> int:
    program = TrainingProgram.objects.filter(specialty=specialty).first()
    return program.years if program else 2


def _basis(text: str, benchmark: Benchmark) -> str:
    """Where a target comes from, in the reader's language: the benchmark's code and source, and its value."""
    source = f"{benchmark.code} ({benchmark.source})" if benchmark.source else benchmark.code
    return text % {"source": source, "value": floatformat(benchmark.value, -3)}


def workforce_target(
    snap: Snapshot, region: str, specialty: str, population: int, incidence: int | None
) -> tuple[float, str]:
    """The headcount a region should have: the planning benchmark, or failing one the national median."""
    per_cases = planning_benchmark("staff_per_1000_cases", specialty)
    if per_cases and incidence:
        basis = _basis(_("%(source)s: %(value)s per 1,000 new cases"), per_cases)
        return float(per_cases.value) * incidence / 1000, basis
    per_pop = planning_benchmark("staff_per_100k", specialty)
    if per_pop:
        return float(per_pop.value) * population / 100_000, _basis(_("%(source)s: %(value)s per 100,000"), per_pop)
    distribution = snap.distribution("staff_per_100k", specialty)
    if distribution is None:
        return 0.0, str(_("no data"))
    median = floatformat(distribution[1], 1)
    return distribution[1] * population / 100_000, _("national median: %(value)s per 100,000") % {"value": median}


def workforce_forecast(
    *,
    period: int,
    specialty: str,
    region_code: str | None = None,
    retirement_age: int | None = None,
    attrition: float = 0.03,
    include_submitted: bool = False,
    horizon: int = 10,
) -> list[WorkforceRow]:
    """Project every region's staff of a specialty; the most urgent first (earliest shortfall, largest intake)."""
    retirement_age = retirement_age or settings.PASSPORT_RETIREMENT_AGE
    snap = snapshot(period=period, include_submitted=include_submitted)
    passports = Passport.objects.filter(period=period, status__in=statuses(include_submitted)).select_related("region")
    if region_code:
        passports = passports.filter(region__code=region_code)
    ages: dict[int, list[int]] = defaultdict(list)
    for pk, birth_year in StaffMember.objects.filter(passport__in=passports, specialty=specialty).values_list(
        "passport", "birth_year"
    ):
        ages[pk].append(period - birth_year)
    training = _training_years(specialty)
    rows = []
    for passport in passports:
        target, basis = workforce_target(
            snap, passport.region.code, specialty, passport.population, passport.cancer_incidence
        )
        projection = project(
            ages[passport.pk],
            base_year=period,
            target=target,
            retirement_age=retirement_age,
            attrition=attrition,
            training_years=training,
            horizon=horizon,
        )
        rows.append(
            WorkforceRow(
                passport.region.code,
                passport.region.display_name,
                specialty,
                len(ages[passport.pk]),
                target,
                basis,
                projection,
            )
        )
    far = period + horizon + 1
    rows.sort(key=lambda r: (r.projection.shortfall_year or far, -r.projection.annual_intake, r.region))
    return rows


# ---------------------------------------------------------------- equipment


@dataclass
class EquipmentNeed:
    region: str
    region_name: str
    kind: str
    units: int  # not out of service
    past_service_life: int
    target_units: float | None
    target_basis: str
    to_buy: int
    operators: dict[str, int]


def equipment_plan(
    *, period: int, include_submitted: bool = False, kinds: list[str] | None = None
) -> list[EquipmentNeed]:
    """Regions below the benchmark or with units past their service life, with units to buy and people to train."""
    snap = snapshot(period=period, include_submitted=include_submitted)
    life = settings.EQUIPMENT_SERVICE_LIFE_YEARS
    norms: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for norm in StaffingNorm.objects.all():
        norms[norm.kind][norm.specialty] = norm.per_unit
    passports = {
        p.pk: p
        for p in Passport.objects.filter(period=period, status__in=statuses(include_submitted)).select_related("region")
    }
    active: Counter[tuple[int, str]] = Counter()
    old: Counter[tuple[int, str]] = Counter()
    for pk, kind, condition, installed in Equipment.objects.filter(passport__in=passports.keys()).values_list(
        "passport", "kind", "condition", "year_installed"
    ):
        if condition != EquipmentCondition.OUT_OF_SERVICE:
            active[(pk, kind)] += 1
            if installed < period - life:
                old[(pk, kind)] += 1
    kinds = kinds or ["ct", "mri", "pet_ct", "linac", "mammograph"]
    needs = []
    for pk, passport in passports.items():
        for kind in kinds:
            units = active[(pk, kind)]
            target, basis = _equipment_target(snap, passport, kind)
            shortage = max(0, math.ceil((target or 0) - units - 1e-9)) if target is not None else 0
            to_buy = shortage + old[(pk, kind)]
            if to_buy <= 0:
                continue
            operators = {s: math.ceil(float(n) * shortage) for s, n in norms.get(kind, {}).items() if shortage}
            needs.append(
                EquipmentNeed(
                    passport.region.code,
                    passport.region.display_name,
                    kind,
                    units,
                    old[(pk, kind)],
                    target,
                    basis,
                    to_buy,
                    operators,
                )
            )
    needs.sort(key=lambda n: (-n.to_buy, n.region, n.kind))
    return needs


def _equipment_target(snap: Snapshot, passport: Passport, kind: str) -> tuple[float | None, str]:
    if kind == "linac":
        benchmark = planning_benchmark("linacs_per_1000_cases")
        if benchmark and passport.cancer_incidence:
            basis = _basis(_("%(source)s: %(value)s per 1,000 new cases"), benchmark)
            return float(benchmark.value) * passport.cancer_incidence / 1000, basis
    benchmark = planning_benchmark("equipment_per_million", kind)
    if benchmark:
        basis = _basis(_("%(source)s: %(value)s per million"), benchmark)
        return float(benchmark.value) * passport.population / 1_000_000, basis
    distribution = snap.distribution("equipment_per_million", kind)
    if distribution is None:
        return None, str(_("no data"))
    median = floatformat(distribution[1], 1)
    return distribution[1] * passport.population / 1_000_000, _("national median: %(value)s per million") % {
        "value": median
    }


@dataclass
class SpareMachine:
    equipment_id: int
    region: str
    facility: str
    facility_name: str
    code: str
    kind: str
    available: float
    used: float
    spare_hours: float
    utilisation: float


SPARE_KINDS = ("proton_gantry", "linac", "pet_ct", "mri", "ct")


def spare_capacity(
    *, period: int, threshold: float = 0.6, include_submitted: bool = False, kinds: tuple[str, ...] = SPARE_KINDS
) -> list[SpareMachine]:
    """Working machines used below `threshold` of their available hours: hours a week the office may offer."""
    machines = (
        Equipment.objects.filter(
            passport__period=period,
            passport__status__in=statuses(include_submitted),
            kind__in=kinds,
            condition=EquipmentCondition.WORKING,
            available_hours_per_week__gt=0,
            used_hours_per_week__isnull=False,
        )
        .filter(Q(used_hours_per_week__lt=F("available_hours_per_week") * threshold))
        .select_related("facility", "passport__region")
    )
    out = [
        SpareMachine(
            m.pk,
            m.passport.region.code,
            m.facility.code,
            m.facility.name,
            m.equipment_id,
            m.kind,
            float(m.available_hours_per_week or 0),
            float(m.used_hours_per_week or 0),
            float((m.available_hours_per_week or 0) - (m.used_hours_per_week or 0)),
            float(m.used_hours_per_week or 0) / float(m.available_hours_per_week or 1),
        )
        for m in machines
    ]
    out.sort(key=lambda m: (SPARE_KINDS.index(m.kind) if m.kind in SPARE_KINDS else 99, -m.spare_hours))
    return out


def regions_without_data(snap: Snapshot) -> list[str]:
    return [a.code for a in snap.regions() if a.passport_id is None]


def region_area(code: str) -> Region:
    return Region.objects.select_related("federal_district").get(code__iexact=code)


def definition_rows() -> list[dict[str, Any]]:
    return [{"definition": d, "benchmarks": list(Benchmark.objects.filter(indicator=d.code))} for d in DEFINITIONS]


# ---------------------------------------------------------------- alerts (the analyst's home)

ALERT_SPECIALTIES = ("radiologist", "radiation_oncologist", "medical_physicist")


@dataclass
class Alerts:
    period: int
    short_of_staff: list[WorkforceRow]  # below target now or within two years, the most urgent first
    past_service_life: list[tuple[str, str, int, int]]  # region code, name, machines past life, all machines
    short_count: int
    past_life_count: int


def alerts(*, period: int | None = None, shown: int = 6) -> Alerts:
    """What the national analyst should look at first, from the approved passports of the year: regions whose staff
    of a key specialty is below target within two years, and regions with machines past their service life."""
    period = period or default_period()
    short: list[WorkforceRow] = []
    for specialty in ALERT_SPECIALTIES:
        short += [
            row
            for row in workforce_forecast(period=period, specialty=specialty, horizon=2)
            if row.projection.shortfall_year is not None or row.headcount < row.target
        ]
    short.sort(key=lambda r: (r.projection.shortfall_year or period, r.headcount - r.target))
    limit = period - settings.EQUIPMENT_SERVICE_LIFE_YEARS
    machines = (
        Equipment.objects.filter(passport__period=period, passport__status=PassportStatus.APPROVED)
        .values("passport__region__code")
        .annotate(old=Count("id", filter=Q(year_installed__lt=limit)), all=Count("id"))
        .filter(old__gt=0)
        .order_by("-old", "passport__region__code")
    )
    names = {r.code: r.display_name for r in Region.objects.all()}
    old = [
        (m["passport__region__code"], names.get(m["passport__region__code"], ""), m["old"], m["all"]) for m in machines
    ]
    return Alerts(period, short[:shown], old[:shown], len(short), len(old))
