"""Demo passports: every region, the last three years, believable and internally consistent.

The same people and machines appear year after year (a year older; some retire, some are hired); some
regions have ageing radiologists, some old or under-used equipment; most passports are approved, a few
submitted or returned. Everything goes through the real importer, so the demo obeys every rule.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconet.core.models import Facility, FacilityKind, Region, User
from onconet.passports import services
from onconet.passports.models import Passport, Standard
from onconet.passports.sheets import SHEETS
from onconet.passports.workbook import RawSheet, RawWorkbook

REFERENCE = Path(__file__).resolve().parent / "reference" / "standards.csv"

# people per staff member, units of equipment per inhabitant, by scale
SCALES = {"small": (20_000, 100_000), "national": (1_190, 5_700)}

SPECIALTY_WEIGHTS = {
    "oncologist": 20,
    "surgical_oncologist": 12,
    "radiation_oncologist": 6,
    "chemotherapist": 8,
    "radiologist": 12,
    "nuclear_medicine": 2,
    "pathologist": 5,
    "medical_physicist": 3,
    "radiographer": 10,
    "oncology_nurse": 20,
    "other": 2,
}
EQUIPMENT_WEIGHTS = {
    "ct": 12,
    "mri": 6,
    "pet_ct": 1,
    "spect": 1,
    "mammograph": 12,
    "xray": 18,
    "ultrasound": 24,
    "endoscope": 14,
    "linac": 5,
    "brachytherapy": 2,
    "gamma_knife": 0.3,
    "cyclotron": 0.3,
}
HOURS = {"linac": 70, "proton_gantry": 80, "pet_ct": 60, "mri": 80, "ct": 84}
MAKERS = {
    "ct": ("Siemens", "SOMATOM go.Up"),
    "mri": ("GE", "SIGNA Explorer"),
    "pet_ct": ("Siemens", "Biograph Vision"),
    "linac": ("Varian", "TrueBeam"),
    "proton_gantry": ("Protom", "Prometheus"),
    "mammograph": ("Hologic", "Selenia"),
    "xray": ("Philips", "DigitalDiagnost"),
    "ultrasound": ("Mindray", "Resona 7"),
    "endoscope": ("Olympus", "EVIS X1"),
    "spect": ("GE", "NM/CT 870"),
    "brachytherapy": ("Elekta", "Flexitron"),
    "gamma_knife": ("Elekta", "Icon"),
    "cyclotron": ("IBA", "Cyclone KIUBE"),
}
PROTON_GANTRIES = {"MRRC-PROTON": 1, "FHTC-DIM": 3, "SPB-PROTON": 1}


@dataclass
class RegionState:
    """The people and machines of one region, carried from year to year."""

    region: Region
    ageing_radiologists: bool
    old_equipment: bool
    under_used: bool
    staff: list[dict[str, Any]] = field(default_factory=list)
    equipment: list[dict[str, Any]] = field(default_factory=list)
    next_staff: int = 1
    next_equipment: int = 1


def standards_load() -> int:
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        Standard.objects.update_or_create(
            code=row["code"], defaults={"title": row["title"], "description": row["description"]}
        )
    return len(rows)


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _new_person(
    state: RegionState, rng: random.Random, year: int, facilities: list[Facility], young: bool
) -> dict[str, Any]:
    specialty = _weighted(rng, SPECIALTY_WEIGHTS)
    if state.ageing_radiologists and specialty == "radiologist" and not young:
        age = rng.randint(54, 72)
    else:
        age = rng.randint(26, 34) if young else int(min(70, max(26, rng.gauss(46, 11))))
    person = {
        "staff_id": f"{state.region.code[3:]}-S{state.next_staff:05d}",
        "facility_code": rng.choice(facilities).code.upper(),
        "specialty": specialty,
        "birth_year": year - age,
        "fte": rng.choice([1, 1, 1, 1, 0.5, 0.75, 1.25, 1.5]),
        "sex": rng.choice("FFFM") if specialty in ("oncology_nurse", "radiographer") else rng.choice("FM"),
        "hired_year": min(year, year - rng.randint(0, max(0, age - 25))),
    }
    state.next_staff += 1
    return person


def _new_machine(
    state: RegionState, rng: random.Random, year: int, facility: Facility, kind: str, new: bool
) -> dict[str, Any]:
    oldest = 1998 if state.old_equipment else 2008
    installed = year if new else rng.randint(oldest, year)
    available = HOURS.get(kind, 40) * rng.uniform(0.8, 1.1)
    utilisation = rng.uniform(0.25, 0.55) if state.under_used and kind in HOURS else rng.uniform(0.6, 0.98)
    maker, model = MAKERS[kind]
    machine = {
        "equipment_id": f"{state.region.code[3:]}-E{state.next_equipment:04d}",
        "facility_code": facility.code.upper(),
        "kind": kind,
        "year_installed": installed,
        "condition": "working",
        "manufacturer": maker,
        "model": model,
        "available_hours_per_week": round(available, 1),
        "used_hours_per_week": round(available * utilisation, 1),
        "procedures_last_year": None,
    }
    state.next_equipment += 1
    return machine


def _advance(state: RegionState, rng: random.Random, year: int, facilities: list[Facility], staff_target: int) -> None:
    """One year passes: people retire or leave, machines age and break, replacements come."""
    kept = []
    for person in state.staff:
        age = year - person["birth_year"]
        if age > 90 - 1 or (age >= 66 and rng.random() < 0.25) or rng.random() < 0.03:
            continue
        kept.append(person)
    state.staff = kept
    while len(state.staff) < staff_target:
        state.staff.append(_new_person(state, rng, year, facilities, young=True))
    for machine in state.equipment:
        age = year - machine["year_installed"]
        roll = rng.random()
        if age > 12 and roll < 0.15:
            machine["condition"] = "out_of_service"
            machine["used_hours_per_week"] = 0
        elif age > 8 and roll < 0.3:
            machine["condition"] = "needs_repair"
        available = machine["available_hours_per_week"]
        if machine["condition"] != "out_of_service":
            share = rng.uniform(0.25, 0.55) if state.under_used and machine["kind"] in HOURS else rng.uniform(0.6, 0.98)
            machine["used_hours_per_week"] = round(available * share, 1)
        machine["procedures_last_year"] = int(machine["used_hours_per_week"] * 52 * rng.uniform(1.5, 3))


def _workbook(
    state: RegionState, year: int, facilities: list[Facility], rng: random.Random, standards: list[str]
) -> RawWorkbook:
    code = state.region.code
    dispensary = next(f for f in facilities if f.kind == FacilityKind.DISPENSARY)
    hospitals = [f for f in facilities if f.kind == FacilityKind.HOSPITAL]
    sheets: dict[str, list[dict[str, Any]]] = {name: [] for name in (s.name for s in SHEETS)}
    population = state.region.population or 500_000
    sheets["region"].append(
        {
            "region_code": code,
            "period": year,
            "population": population,
            "cancer_incidence": int(population * rng.uniform(0.0042, 0.0058)),
            "dispensary_facility_code": dispensary.code,
        }
    )
    facility_rng = random.Random(f"{code}-facilities")  # the same building condition story every year
    for facility in facilities:
        sheets["facilities"].append(
            {
                "region_code": code,
                "facility_code": facility.code,
                "name": facility.name,
                "kind": facility.kind,
                "parent_facility_code": facility.parent.code if facility.parent else None,
                "located_in_facility_code": facility.located_in.code if facility.located_in else None,
                "address": facility.address or None,
                "latitude": facility.latitude,
                "longitude": facility.longitude,
                "building_condition": facility_rng.choice(
                    ["good", "good", "satisfactory", "satisfactory", "needs_repair", "emergency"]
                ),
                "opened_year": facility_rng.randint(1960, 2015),
            }
        )
    sheets["staff"] = [{"region_code": code, **person} for person in state.staff]
    sheets["equipment"] = [{"region_code": code, **machine} for machine in state.equipment]
    beds_per_100k = rng.uniform(14, 26)
    total_beds = max(20, int(population / 100_000 * beds_per_100k))
    for profile, share in (
        ("surgical", 0.35),
        ("chemotherapy", 0.25),
        ("radiotherapy", 0.15),
        ("palliative", 0.1),
        ("day_hospital", 0.15),
    ):
        beds = int(total_beds * share)
        inside = (
            hospitals[0] if hospitals and profile in ("palliative", "chemotherapy") and rng.random() < 0.5 else None
        )
        if inside is not None:
            sheets["beds"].append(
                {
                    "region_code": code,
                    "facility_code": dispensary.code,
                    "profile": profile,
                    "beds": beds // 2,
                    "located_in_facility_code": inside.code,
                    "occupancy_rate": round(rng.uniform(0.6, 0.95), 2),
                }
            )
            beds -= beds // 2
        sheets["beds"].append(
            {
                "region_code": code,
                "facility_code": dispensary.code,
                "profile": profile,
                "beds": beds,
                "located_in_facility_code": None,
                "occupancy_rate": round(rng.uniform(0.6, 0.97), 2),
            }
        )
    for standard in standards:
        sheets["compliance"].append(
            {
                "region_code": code,
                "facility_code": dispensary.code,
                "standard_code": standard,
                "status": rng.choices(["met", "partial", "not_met"], weights=[6, 3, 1])[0],
                "evidence": "Internal audit report",
                "assessed_on": f"{year}-{rng.randint(2, 11):02d}-15",
            }
        )
    book = RawWorkbook()
    for sheet in SHEETS:
        raw = RawSheet(sheet.name, sheet.column_names)
        raw.rows = [(number, row) for number, row in enumerate(sheets[sheet.name], start=2)]
        book.sheets[sheet.name] = raw
    return book


def build_passports(*, scale: str, seed: int, years: tuple[int, ...] = (2023, 2024, 2025)) -> int:
    """Import three years of passports for every Russian region; returns how many were created."""
    standards_load()
    standards = list(Standard.objects.values_list("code", flat=True))
    people_per_staff, people_per_machine = SCALES[scale]
    admin = User.objects.filter(role="national_admin").order_by("pk").first()
    reporters = {u.region_id: u for u in User.objects.filter(role="regional_reporter")}
    count = 0
    for region in Region.objects.filter(country__code="RU").order_by("code"):
        rng = random.Random(f"{seed}-{region.code}")
        facilities = list(
            Facility.objects.filter(region=region).select_related("parent", "located_in").order_by("code")
        )
        if not any(f.kind == FacilityKind.DISPENSARY for f in facilities):
            continue
        state = RegionState(
            region,
            ageing_radiologists=rng.random() < 0.25,
            old_equipment=rng.random() < 0.25,
            under_used=rng.random() < 0.3,
        )
        population = region.population or 500_000
        staff_target = max(8, int(population / people_per_staff * rng.uniform(0.8, 1.2)))
        machines = max(4, int(population / people_per_machine * rng.uniform(0.7, 1.3)))
        first = years[0]
        state.staff = [_new_person(state, rng, first, facilities, young=False) for _ in range(staff_target)]
        clinical = [f for f in facilities if f.kind in (FacilityKind.DISPENSARY, FacilityKind.HOSPITAL)]
        for _ in range(machines):
            kind = _weighted(rng, EQUIPMENT_WEIGHTS)
            state.equipment.append(_new_machine(state, rng, first, rng.choice(clinical), kind, new=False))
        for facility in facilities:
            for _ in range(PROTON_GANTRIES.get(facility.code, 0)):
                state.equipment.append(_new_machine(state, rng, first, facility, "proton_gantry", new=False))
        for index, year in enumerate(years):
            if index:
                _advance(state, rng, year, facilities, staff_target)
                if not state.old_equipment and rng.random() < 0.5:
                    state.equipment.append(
                        _new_machine(
                            state, rng, year, rng.choice(clinical), _weighted(rng, EQUIPMENT_WEIGHTS), new=True
                        )
                    )
            else:
                _advance(state, random.Random(0), year, facilities, 0)  # fill procedures; nobody leaves
            book = _workbook(state, year, facilities, rng, standards)
            services.passport_import(book=book, period=year, user=None)
            count += 1
            if admin is not None:
                passport = Passport.objects.get(region=region, period=year)
                _settle_status(passport, year == years[-1], rng, admin, reporters.get(region.pk))
    return count


def _settle_status(passport: Passport, latest: bool, rng: random.Random, admin: User, reporter: User | None) -> None:
    """Older years are approved; the latest year is mostly approved, some submitted, returned or still draft."""
    outcome = (
        rng.choices(["approved", "submitted", "returned", "draft"], weights=[6, 2, 1, 1])[0] if latest else "approved"
    )
    if outcome == "draft":
        return
    submitter = reporter or admin
    services.passport_submit(passport=passport, user=submitter)
    if outcome == "approved":
        services.passport_approve(passport=passport, user=admin)
    elif outcome == "returned":
        services.passport_return(
            passport=passport,
            user=admin,
            comment="Radiologists' birth years look shifted by ten years; please check the staff sheet and resubmit.",
        )
