"""Planning indicators from passports: definitions and one computation for every region, federal district
and the nation at once.

Only passports of the chosen year are read (stock figures are never summed across years), approved ones
by default and submitted ones on request. Aggregates of a district or of the nation are ratios of summed
numerators and denominators over the regions that reported — a region without data is left out, never
counted as zero, and shows "no data".
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onconet.core.models import FacilityKind, FederalDistrict, Region
from onconet.passports.models import (
    BedGroup,
    BedProfile,
    ComplianceRecord,
    Equipment,
    EquipmentKind,
    Passport,
    PassportFacility,
    PassportStatus,
    Specialty,
    StaffMember,
)

Dimension = Literal["", "specialty", "kind", "profile"]
TOTAL = ""  # the dimension value of a total over every specialty, kind or profile
NATION = "RU"


@dataclass(frozen=True)
class Definition:
    code: str
    title: str | Promise
    formula: str | Promise
    sources: tuple[str, ...]
    unit: str | Promise
    dimension: Dimension = ""
    higher_is_better: bool | None = True
    decimals: int = 1

    def dimension_values(self) -> list[str]:
        choices = {"specialty": Specialty.values, "kind": EquipmentKind.values, "profile": BedProfile.values}
        return [TOTAL, *choices[self.dimension]] if self.dimension else [TOTAL]


DEFINITIONS: list[Definition] = [
    Definition(
        "staff_per_100k",
        _("Staff per 100,000 population"),
        _("number of staff rows (persons) of the specialty ÷ population × 100,000"),
        ("staff.specialty", "region.population"),
        _("persons per 100,000"),
        "specialty",
    ),
    Definition(
        "staff_per_1000_cases",
        _("Staff per 1,000 new cancer cases"),
        _("number of staff of the specialty ÷ new cancer cases last year × 1,000"),
        ("staff.specialty", "region.cancer_incidence"),
        _("persons per 1,000 new cases"),
        "specialty",
        decimals=2,
    ),
    Definition(
        "staff_median_age",
        _("Median age of staff"),
        _("median of (year − birth year) over the staff of the specialty"),
        ("staff.birth_year", "region.period"),
        _("years"),
        "specialty",
        higher_is_better=False,
        decimals=0,
    ),
    Definition(
        "staff_share_60",
        _("Share of staff aged 60 or over"),
        _("staff aged 60+ ÷ all staff of the specialty × 100"),
        ("staff.birth_year", "region.period"),
        _("%"),
        "specialty",
        higher_is_better=False,
    ),
    Definition(
        "staff_share_65",
        _("Share of staff aged 65 or over"),
        _("staff aged 65+ ÷ all staff of the specialty × 100"),
        ("staff.birth_year", "region.period"),
        _("%"),
        "specialty",
        higher_is_better=False,
    ),
    Definition(
        "equipment_per_million",
        _("Equipment units per million population"),
        _("units of the kind that are not out of service ÷ population × 1,000,000"),
        ("equipment.kind", "equipment.condition", "region.population"),
        _("units per million"),
        "kind",
    ),
    Definition(
        "equipment_age_le5",
        _("Equipment up to 5 years old"),
        _("units installed in the last 5 years (year − year of installation ≤ 5) ÷ all units of the kind × 100"),
        ("equipment.year_installed",),
        _("%"),
        "kind",
    ),
    Definition(
        "equipment_age_6_10",
        _("Equipment 6 to 10 years old"),
        _("units aged 6–10 years ÷ all units of the kind × 100"),
        ("equipment.year_installed",),
        _("%"),
        "kind",
        higher_is_better=False,
    ),
    Definition(
        "equipment_age_gt10",
        _("Equipment older than 10 years"),
        _("units aged more than 10 years ÷ all units of the kind × 100"),
        ("equipment.year_installed",),
        _("%"),
        "kind",
        higher_is_better=False,
    ),
    Definition(
        "utilisation",
        _("Equipment utilisation"),
        _("Σ used hours a week ÷ Σ available hours a week × 100, over units that report both"),
        ("equipment.used_hours_per_week", "equipment.available_hours_per_week"),
        _("%"),
        "kind",
    ),
    Definition(
        "linacs_per_1000_cases",
        _("Linear accelerators per 1,000 new cancer cases"),
        _("linear accelerators not out of service ÷ new cancer cases last year × 1,000"),
        ("equipment.kind", "equipment.condition", "region.cancer_incidence"),
        _("units per 1,000 new cases"),
        decimals=2,
    ),
    Definition(
        "beds_per_100k",
        _("Beds per 100,000 population"),
        _("beds of the profile, including those located inside other hospitals ÷ population × 100,000"),
        ("beds.beds", "beds.profile", "beds.located_in_facility_code", "region.population"),
        _("beds per 100,000"),
        "profile",
    ),
    Definition(
        "population_per_caop",
        _("Population per outpatient cancer care centre"),
        _("population ÷ number of CAOPs in the passport (no CAOP: no value)"),
        ("facilities.kind", "region.population"),
        _("persons per CAOP"),
        higher_is_better=False,
        decimals=0,
    ),
    Definition(
        "compliance_score",
        _("Compliance with standards"),
        _("(standards met + ½ × partly met) ÷ standards assessed × 100"),
        ("compliance.status",),
        _("%"),
    ),
]
DEFINITIONS_BY_CODE = {d.code: d for d in DEFINITIONS}


@dataclass
class Area:
    code: str
    level: Literal["region", "district", "nation"]
    name_en: str
    name_ru: str = ""
    district: str | None = None
    passport_id: int | None = None

    @property
    def display_name(self) -> str:
        """The name in the active language (the snapshot is shared by every language, so it is chosen here)."""
        russian = (get_language() or "").startswith("ru")
        return (self.name_ru if russian else "") or self.name_en


@dataclass
class _Accumulator:
    """Everything the indicators need, as sums that can be added region to region."""

    population: int = 0
    incidence: int = 0  # only regions that report incidence
    staff: Counter[str] = field(default_factory=Counter)
    staff_with_cases: Counter[str] = field(default_factory=Counter)  # staff of regions that report incidence
    ages: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    units_active: Counter[str] = field(default_factory=Counter)
    linacs_with_cases: int = 0
    units_all: Counter[str] = field(default_factory=Counter)
    age_le5: Counter[str] = field(default_factory=Counter)
    age_6_10: Counter[str] = field(default_factory=Counter)
    age_gt10: Counter[str] = field(default_factory=Counter)
    available: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    used: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    beds: Counter[str] = field(default_factory=Counter)
    caops: int = 0
    compliance: Counter[str] = field(default_factory=Counter)

    def add(self, other: _Accumulator) -> None:
        self.population += other.population
        self.incidence += other.incidence
        self.linacs_with_cases += other.linacs_with_cases
        self.caops += other.caops
        for name in (
            "staff",
            "staff_with_cases",
            "units_active",
            "units_all",
            "age_le5",
            "age_6_10",
            "age_gt10",
            "beds",
            "compliance",
        ):
            getattr(self, name).update(getattr(other, name))  # Counter.update adds
        for kind, hours in other.available.items():
            self.available[kind] += hours
        for kind, hours in other.used.items():
            self.used[kind] += hours
        for specialty, ages in other.ages.items():
            self.ages[specialty].update(ages)


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return numerator / denominator * scale if denominator else None


def _median(ages: Counter[int]) -> float | None:
    if not ages:
        return None
    return float(statistics.median(ages.elements()))


def _total(counter: Counter[str] | dict[str, float]) -> float:
    return float(sum(counter.values()))


def _values(acc: _Accumulator) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    specialties = [TOTAL, *Specialty.values]
    for s in specialties:
        staff = _total(acc.staff) if s == TOTAL else float(acc.staff[s])
        with_cases = _total(acc.staff_with_cases) if s == TOTAL else float(acc.staff_with_cases[s])
        ages: Counter[int] = Counter()
        if s == TOTAL:
            for counter in acc.ages.values():
                ages.update(counter)
        else:
            ages = acc.ages.get(s, Counter())
        headcount = sum(ages.values())
        out[("staff_per_100k", s)] = _ratio(staff, acc.population, 100_000)
        out[("staff_per_1000_cases", s)] = _ratio(with_cases, acc.incidence, 1000)
        out[("staff_median_age", s)] = _median(ages)
        out[("staff_share_60", s)] = _ratio(sum(n for age, n in ages.items() if age >= 60), headcount, 100)
        out[("staff_share_65", s)] = _ratio(sum(n for age, n in ages.items() if age >= 65), headcount, 100)
    for k in [TOTAL, *EquipmentKind.values]:

        def pick(counter: Counter[str] | dict[str, float], kind: str = k) -> float:
            return _total(counter) if kind == TOTAL else float(counter.get(kind, 0))

        units = pick(acc.units_all)
        out[("equipment_per_million", k)] = _ratio(pick(acc.units_active), acc.population, 1_000_000)
        out[("equipment_age_le5", k)] = _ratio(pick(acc.age_le5), units, 100)
        out[("equipment_age_6_10", k)] = _ratio(pick(acc.age_6_10), units, 100)
        out[("equipment_age_gt10", k)] = _ratio(pick(acc.age_gt10), units, 100)
        out[("utilisation", k)] = _ratio(pick(acc.used), pick(acc.available), 100)
    out[("linacs_per_1000_cases", TOTAL)] = _ratio(acc.linacs_with_cases, acc.incidence, 1000)
    for p in [TOTAL, *BedProfile.values]:
        beds = _total(acc.beds) if p == TOTAL else float(acc.beds[p])
        out[("beds_per_100k", p)] = _ratio(beds, acc.population, 100_000)
    out[("population_per_caop", TOTAL)] = _ratio(acc.population, acc.caops) if acc.population else None
    assessed = _total(acc.compliance)
    out[("compliance_score", TOTAL)] = _ratio(acc.compliance["met"] + 0.5 * acc.compliance["partial"], assessed, 100)
    return out


@dataclass
class Snapshot:
    """Every indicator for every area in one year."""

    period: int
    include_submitted: bool
    areas: dict[str, Area]
    values: dict[str, dict[tuple[str, str], float | None]]  # area code → (indicator, dimension) → value

    def value(self, area: str, indicator: str, dimension: str = TOTAL) -> float | None:
        return self.values.get(area, {}).get((indicator, dimension))

    def regions(self) -> list[Area]:
        return [a for a in self.areas.values() if a.level == "region"]

    def districts(self) -> list[Area]:
        return [a for a in self.areas.values() if a.level == "district"]

    def region_values(self, indicator: str, dimension: str = TOTAL) -> dict[str, float | None]:
        return {a.code: self.value(a.code, indicator, dimension) for a in self.regions()}

    def distribution(self, indicator: str, dimension: str = TOTAL) -> tuple[float, float, float] | None:
        """(first quartile, median, third quartile) over the regions with a value."""
        present = sorted(v for v in self.region_values(indicator, dimension).values() if v is not None)
        if len(present) < 2:
            return (present[0], present[0], present[0]) if present else None
        q1, median, q3 = statistics.quantiles(present, n=4, method="inclusive")
        return q1, median, q3


def statuses(include_submitted: bool) -> list[str]:
    return [PassportStatus.APPROVED, PassportStatus.SUBMITTED] if include_submitted else [PassportStatus.APPROVED]


def compute(*, period: int, include_submitted: bool = False, regions: Iterable[object] | None = None) -> Snapshot:
    """All indicators of a year for every region, federal district and the nation, in seven queries."""

    wanted = statuses(include_submitted)
    scope = {"passport__period": period, "passport__status__in": wanted}
    areas: dict[str, Area] = {}
    for region in Region.objects.filter(country__code=NATION).select_related("federal_district"):
        areas[region.code] = Area(
            region.code,
            "region",
            region.name_en or region.name,
            region.name_ru,
            district=region.federal_district.code if region.federal_district else None,
        )
    for fd in FederalDistrict.objects.filter(country__code=NATION):
        areas[f"FD:{fd.code}"] = Area(f"FD:{fd.code}", "district", fd.name_en, fd.name_ru)
    areas[NATION] = Area(NATION, "nation", "Russia", "Россия")

    acc: dict[int, _Accumulator] = {}
    region_of: dict[int, str] = {}
    with_incidence: set[int] = set()
    for pk, code, population, incidence in Passport.objects.filter(period=period, status__in=wanted).values_list(
        "pk", "region__code", "population", "cancer_incidence"
    ):
        acc[pk] = _Accumulator(population=population, incidence=incidence or 0)
        region_of[pk] = code
        if incidence:
            with_incidence.add(pk)
        if code in areas:
            areas[code].passport_id = pk
    for pk, specialty, birth_year, n in (
        StaffMember.objects.filter(**scope).values_list("passport", "specialty", "birth_year").annotate(n=Count("id"))
    ):
        a = acc[pk]
        a.staff[specialty] += n
        a.ages[specialty][period - birth_year] += n
        if pk in with_incidence:
            a.staff_with_cases[specialty] += n
    hours = Q(used_hours_per_week__isnull=False, available_hours_per_week__isnull=False)
    for pk, kind, active, units, le5, mid, old, available, used in (
        Equipment.objects.filter(**scope)
        .values_list("passport", "kind")
        .annotate(
            active=Count("id", filter=~Q(condition="out_of_service")),
            units=Count("id"),
            le5=Count("id", filter=Q(year_installed__gte=period - 5)),
            mid=Count("id", filter=Q(year_installed__lt=period - 5, year_installed__gte=period - 10)),
            old=Count("id", filter=Q(year_installed__lt=period - 10)),
            available=Sum("available_hours_per_week", filter=hours),
            used=Sum("used_hours_per_week", filter=hours),
        )
        .values_list("passport", "kind", "active", "units", "le5", "mid", "old", "available", "used")
    ):
        a = acc[pk]
        a.units_active[kind] += active
        a.units_all[kind] += units
        a.age_le5[kind] += le5
        a.age_6_10[kind] += mid
        a.age_gt10[kind] += old
        a.available[kind] += float(available or 0)
        a.used[kind] += float(used or 0)
        if kind == EquipmentKind.LINAC and pk in with_incidence:
            a.linacs_with_cases += active
    for pk, profile, beds in (
        BedGroup.objects.filter(**scope).values_list("passport", "profile").annotate(b=Sum("beds"))
    ):
        acc[pk].beds[profile] += beds or 0
    for pk, caops in (
        PassportFacility.objects.filter(**scope, facility__kind=FacilityKind.CAOP)
        .values_list("passport")
        .annotate(n=Count("id"))
    ):
        acc[pk].caops += caops
    for pk, status, n in (
        ComplianceRecord.objects.filter(**scope).values_list("passport", "status").annotate(n=Count("id"))
    ):
        acc[pk].compliance[status] += n

    totals: dict[str, _Accumulator] = defaultdict(_Accumulator)
    values: dict[str, dict[tuple[str, str], float | None]] = {}
    for pk, a in acc.items():
        code = region_of[pk]
        values[code] = _values(a)
        district = areas[code].district if code in areas else None
        if district:
            totals[f"FD:{district}"].add(a)
        totals[NATION].add(a)
    for code, a in totals.items():
        values[code] = _values(a)
    return Snapshot(period=period, include_submitted=include_submitted, areas=areas, values=values)
