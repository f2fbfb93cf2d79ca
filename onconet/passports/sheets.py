"""The regional passport workbook, as `shared/contracts/passport-template.md` (template version 1) fixes it.

One specification of sheets and columns serves the importer, the exporters, the empty template and the
web forms, so the rules cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from onconet.core.models import FacilityKind
from onconet.passports.models import (
    BedProfile,
    BuildingCondition,
    ComplianceStatus,
    EquipmentCondition,
    EquipmentKind,
    Sex,
    Specialty,
)

TEMPLATE_VERSION = 1

ColumnType = Literal["code", "text", "int", "decimal", "choice", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 255
    places: int | None = None  # decimals: the digits after the point that the database keeps
    help: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    one_row: bool = False

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def _values(choices: type) -> tuple[str, ...]:
    return tuple(choices.values)  # type: ignore[attr-defined]


MAX_COUNT = 2_147_483_647  # the largest PositiveIntegerField on every database
REGION_CODE = Column("region_code", "code", required=True, max_length=6, help="ISO 3166-2, e.g. RU-KLU")
FACILITY_CODE = Column("facility_code", "code", required=True, max_length=40)

REGION = Sheet(
    "region",
    (
        REGION_CODE,
        Column("period", "int", required=True, minimum=1990, maximum=2100, help="the reporting year"),
        Column("population", "int", required=True, minimum=1, maximum=MAX_COUNT, help="persons"),
        Column("cancer_incidence", "int", minimum=0, maximum=MAX_COUNT, help="new cancer cases last year"),
        Column("dispensary_facility_code", "code", max_length=40, help="the central oncology dispensary"),
    ),
    key=("region_code",),
    one_row=True,
)
FACILITIES = Sheet(
    "facilities",
    (
        REGION_CODE,
        FACILITY_CODE,
        Column("name", "text", required=True),
        Column("kind", "choice", required=True, choices=_values(FacilityKind)),
        Column("parent_facility_code", "code", max_length=40, help="the organisation that runs it"),
        Column("located_in_facility_code", "code", max_length=40, help="the building it sits in, if another's"),
        Column("address", "text"),
        Column("latitude", "decimal", minimum=-90, maximum=90, places=5),
        Column("longitude", "decimal", minimum=-180, maximum=180, places=5),
        Column("building_condition", "choice", choices=_values(BuildingCondition)),
        Column("opened_year", "int", minimum=1700, maximum=2100),
    ),
    key=("facility_code",),
)
STAFF = Sheet(
    "staff",
    (
        REGION_CODE,
        FACILITY_CODE,
        Column("staff_id", "code", required=True, max_length=40, help="pseudonymous; never a name"),
        Column("specialty", "choice", required=True, choices=_values(Specialty)),
        Column("birth_year", "int", required=True, help="between period − 90 and period − 18"),
        Column("fte", "decimal", required=True, minimum=0, maximum=1.5, places=2, help="0 < fte ≤ 1.5"),
        Column("sex", "choice", choices=_values(Sex)),
        Column("hired_year", "int", minimum=1940, maximum=2100),
    ),
    key=("staff_id",),
)
EQUIPMENT = Sheet(
    "equipment",
    (
        REGION_CODE,
        FACILITY_CODE,
        Column("equipment_id", "code", required=True, max_length=40),
        Column("kind", "choice", required=True, choices=_values(EquipmentKind)),
        Column("year_installed", "int", required=True, minimum=1950, help="≤ period"),
        Column("condition", "choice", required=True, choices=_values(EquipmentCondition)),
        Column("manufacturer", "text", max_length=120),
        Column("model", "text", max_length=120),
        Column("available_hours_per_week", "decimal", minimum=0, maximum=168, places=1),
        Column("used_hours_per_week", "decimal", minimum=0, maximum=168, places=1, help="≤ available_hours_per_week"),
        Column("procedures_last_year", "int", minimum=0, maximum=MAX_COUNT),
    ),
    key=("equipment_id",),
)
BEDS = Sheet(
    "beds",
    (
        REGION_CODE,
        FACILITY_CODE,
        Column("profile", "choice", required=True, choices=_values(BedProfile)),
        Column("beds", "int", required=True, minimum=0, maximum=MAX_COUNT),
        Column("located_in_facility_code", "code", max_length=40, help="the hospital the beds sit in"),
        Column("occupancy_rate", "decimal", minimum=0, maximum=1, places=3, help="0–1"),
    ),
    key=("facility_code", "profile", "located_in_facility_code"),
)
COMPLIANCE = Sheet(
    "compliance",
    (
        REGION_CODE,
        FACILITY_CODE,
        Column("standard_code", "code", required=True, max_length=40),
        Column("status", "choice", required=True, choices=_values(ComplianceStatus)),
        Column("evidence", "text", max_length=2000),
        Column("assessed_on", "date", help="ISO date, e.g. 2025-03-31"),
    ),
    key=("facility_code", "standard_code"),
)

SHEETS: tuple[Sheet, ...] = (REGION, FACILITIES, STAFF, EQUIPMENT, BEDS, COMPLIANCE)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
