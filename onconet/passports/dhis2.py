"""A passport's aggregates as a DHIS2 dataValueSet (codes documented in docs/dhis2.md).

Import into DHIS2 with `POST /api/dataValueSets` and the id schemes set to CODE
(dataElementIdScheme, orgUnitIdScheme, categoryOptionComboIdScheme).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Sum

from onconet.core.models import FacilityKind
from onconet.passports.models import BedGroup, Equipment, Passport, PassportFacility, StaffMember
from onconet.passports.selectors import compliance_score

DATA_SET = "ONCONET_PASSPORT_V1"
AGE_BANDS = (("LT40", 0, 39), ("40_49", 40, 49), ("50_59", 50, 59), ("60_64", 60, 64), ("GE65", 65, 200))


def age_band(age: int) -> str:
    return next(code for code, low, high in AGE_BANDS if low <= age <= high)


def data_value_set(passport: Passport) -> dict[str, Any]:
    """The DHIS2 dataValueSet JSON of one passport."""
    org_unit = passport.region.code
    values: list[dict[str, Any]] = []

    def add(element: str, value: Any, combo: str = "default") -> None:
        values.append({"dataElement": element, "categoryOptionCombo": combo, "value": str(value)})

    add("ONC_POPULATION", passport.population)
    if passport.cancer_incidence is not None:
        add("ONC_CANCER_INCIDENCE", passport.cancer_incidence)
    staff = Counter(
        (specialty, age_band(passport.period - birth_year))
        for specialty, birth_year in StaffMember.objects.filter(passport=passport).values_list(
            "specialty", "birth_year"
        )
    )
    for (specialty, band), count in sorted(staff.items()):
        add("ONC_STAFF", count, f"{specialty.upper()}_{band}")
    equipment = Counter(Equipment.objects.filter(passport=passport).values_list("kind", "condition"))
    for (kind, condition), count in sorted(equipment.items()):
        add("ONC_EQUIPMENT", count, f"{kind.upper()}_{condition.upper()}")
    beds = (
        BedGroup.objects.filter(passport=passport)
        .values_list("profile")
        .annotate(total=Sum("beds"))
        .order_by("profile")
    )
    for profile, total in beds:
        add("ONC_BEDS", total, profile.upper())
    add("ONC_CAOP_COUNT", PassportFacility.objects.filter(passport=passport, facility__kind=FacilityKind.CAOP).count())
    score = compliance_score(passport)
    if score is not None:
        add("ONC_COMPLIANCE_SCORE", f"{score:.1f}")
    out: dict[str, Any] = {
        "dataSet": DATA_SET,
        "period": str(passport.period),
        "orgUnit": org_unit,
        "dataValues": values,
    }
    if passport.approved_at:
        out["completeDate"] = passport.approved_at.date().isoformat()
    return out
