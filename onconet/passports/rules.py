"""Validation rules of a passport beyond the workbook contract: declarative, each with a severity.

An *error* blocks submission; a *warning* is shown and does not. `passport_check` runs every rule and
returns the findings; it only reads.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count, F, Sum
from django.template.defaultfilters import floatformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onconet.core.models import FacilityKind
from onconet.passports.models import BedGroup, Equipment, EquipmentCondition, Passport, PassportFacility, StaffMember

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    section: str = ""
    row_id: int | None = None
    field: str = ""
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, Decimal):
            value = float(value)
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "section": self.section,
            "row_id": self.row_id,
            "field": self.field,
            "value": value,
        }


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str | Promise
    check: Callable[[Passport], Iterator[Finding]]


RULES: list[Rule] = []


def rule(
    code: str, severity: Severity, title: str | Promise
) -> Callable[[Callable[[Passport], Iterator[Finding]]], Callable[[Passport], Iterator[Finding]]]:
    def register(check: Callable[[Passport], Iterator[Finding]]) -> Callable[[Passport], Iterator[Finding]]:
        RULES.append(Rule(code, severity, title, check))
        return check

    return register


@rule("P001", "error", _("The region has a central oncology dispensary"))
def dispensary_exists(passport: Passport) -> Iterator[Finding]:
    has_one = PassportFacility.objects.filter(passport=passport, facility__kind=FacilityKind.DISPENSARY).exists()
    if passport.dispensary_id is None:
        yield Finding(
            "P001", "error", str(_("Name the central dispensary on the region sheet.")), "region", None, "dispensary"
        )
    elif not has_one:
        yield Finding(
            "P001", "error", str(_("The central dispensary is not among the passport's facilities.")), "facilities"
        )


@rule("P002", "error", _("Equipment is not used for more hours than it is available"))
def used_within_available(passport: Passport) -> Iterator[Finding]:
    over = Equipment.objects.filter(passport=passport, used_hours_per_week__gt=F("available_hours_per_week"))
    for item in over.only("pk", "equipment_id", "used_hours_per_week", "available_hours_per_week"):
        yield Finding(
            "P002",
            "error",
            _("%(id)s: used %(used)s h/week but available only %(available)s h/week.")
            % {"id": item.equipment_id, "used": item.used_hours_per_week, "available": item.available_hours_per_week},
            "equipment",
            item.pk,
            "used_hours_per_week",
            item.used_hours_per_week,
        )


@rule("P003", "error", _("The passport reports staff"))
def staff_present(passport: Passport) -> Iterator[Finding]:
    if not StaffMember.objects.filter(passport=passport).exists():
        yield Finding("P003", "error", str(_("The staff section is empty.")), "staff")


@rule("P004", "warning", _("Staff older than the retirement age"))
def staff_past_retirement(passport: Passport) -> Iterator[Finding]:
    age = settings.PASSPORT_RETIREMENT_AGE
    old = StaffMember.objects.filter(passport=passport, birth_year__lt=passport.period - age)
    for person in old.only("pk", "staff_id", "birth_year", "specialty").order_by("birth_year"):
        yield Finding(
            "P004",
            "warning",
            _("%(id)s (%(specialty)s) is %(age)s, past the retirement age of %(limit)s.")
            % {
                "id": person.staff_id,
                "specialty": person.get_specialty_display(),
                "age": passport.period - person.birth_year,
                "limit": age,
            },
            "staff",
            person.pk,
            "birth_year",
            person.birth_year,
        )


@rule("P005", "warning", _("Equipment past its service life"))
def equipment_past_service_life(passport: Passport) -> Iterator[Finding]:
    years = settings.EQUIPMENT_SERVICE_LIFE_YEARS
    old = Equipment.objects.filter(passport=passport, year_installed__lt=passport.period - years)
    for item in old.only("pk", "equipment_id", "kind", "year_installed").order_by("year_installed"):
        yield Finding(
            "P005",
            "warning",
            _("%(id)s (%(kind)s) was installed in %(year)s: older than %(years)s years.")
            % {"id": item.equipment_id, "kind": item.get_kind_display(), "year": item.year_installed, "years": years},
            "equipment",
            item.pk,
            "year_installed",
            item.year_installed,
        )


@rule("P006", "warning", _("Equipment out of service"))
def equipment_out_of_service(passport: Passport) -> Iterator[Finding]:
    broken = Equipment.objects.filter(passport=passport, condition=EquipmentCondition.OUT_OF_SERVICE)
    for item in broken.only("pk", "equipment_id", "kind"):
        yield Finding(
            "P006",
            "warning",
            _("%(id)s (%(kind)s) is out of service.") % {"id": item.equipment_id, "kind": item.get_kind_display()},
            "equipment",
            item.pk,
            "condition",
        )


@rule("P007", "warning", _("The region has at least one CAOP"))
def caop_present(passport: Passport) -> Iterator[Finding]:
    if not PassportFacility.objects.filter(passport=passport, facility__kind=FacilityKind.CAOP).exists():
        yield Finding("P007", "warning", str(_("No outpatient cancer care centre (CAOP) is reported.")), "facilities")


# the per-capita figures the outlier rule compares, by the key its findings carry (their `field`)
FIGURES = {
    "staff per 100,000": _("staff per 100,000"),
    "equipment units per million": _("equipment units per million"),
    "beds per 100,000": _("beds per 100,000"),
}


def _per_capita(period: int) -> dict[str, dict[int, float]]:
    """Staff and beds per 100,000 and equipment per million, for every passport of the year."""
    populations = dict(Passport.objects.filter(period=period).values_list("pk", "population"))
    staff = StaffMember.objects.filter(passport__period=period).values_list("passport").annotate(n=Count("id"))
    equipment = Equipment.objects.filter(passport__period=period).values_list("passport").annotate(n=Count("id"))
    beds = BedGroup.objects.filter(passport__period=period).values_list("passport").annotate(n=Sum("beds"))
    figures: dict[str, dict[int, float]] = {
        "staff per 100,000": {},
        "equipment units per million": {},
        "beds per 100,000": {},
    }
    for label, rows, scale in (
        ("staff per 100,000", staff, 100_000),
        ("equipment units per million", equipment, 1_000_000),
        ("beds per 100,000", beds, 100_000),
    ):
        counts = dict(rows)
        for pk, population in populations.items():
            if population:
                figures[label][pk] = (counts.get(pk) or 0) * scale / population
    return figures


def robust_z(value: float, values: list[float]) -> float | None:
    """0.6745 × (x − median) / MAD; None when the spread is zero or there are too few values."""
    if len(values) < 5:
        return None
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    if mad == 0:
        return None
    return 0.6745 * (value - median) / mad


@rule("P008", "warning", _("Per-capita figures in line with other regions"))
def outliers(passport: Passport) -> Iterator[Finding]:
    threshold = settings.PASSPORT_OUTLIER_Z
    for label, by_passport in _per_capita(passport.period).items():
        if passport.pk not in by_passport:
            continue
        value = by_passport[passport.pk]
        z = robust_z(value, list(by_passport.values()))
        if z is not None and abs(z) > threshold:
            text = (
                _("%(figure)s: %(value)s is far above other regions in %(year)s (robust z = %(z)s); check the data.")
                if z > 0
                else _(
                    "%(figure)s: %(value)s is far below other regions in %(year)s (robust z = %(z)s); check the data."
                )
            )
            yield Finding(
                "P008",
                "warning",
                text
                % {
                    "figure": FIGURES[label],
                    "value": floatformat(value, 1),
                    "year": passport.period,
                    "z": floatformat(z, 1),
                },
                "region",
                None,
                label,
                round(value, 2),
            )


def passport_check(*, passport: Passport) -> list[Finding]:
    """Run every rule; errors first."""
    findings = [finding for r in RULES for finding in r.check(passport)]
    return sorted(findings, key=lambda f: (f.severity != "error", f.rule))
