"""Benchmark: import a national set of passport workbooks and validate one region's passport.

    python -m bench.passport_import generate DIR      # write the workbooks (not timed)
    python -m bench.passport_import import DIR        # import them all, then validate the largest; prints JSON

The national set: every region of the reference list (83), 120,000 staff rows, 25,000 equipment rows and
about 3,000 facilities in total, split by population. DATABASE_URL chooses the database.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

TOTAL_STAFF = 120_000
TOTAL_EQUIPMENT = 25_000
TOTAL_FACILITIES = 3_000
PERIOD = 2025


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from onconet.core.services import reference_load
    from onconet.passports.demo import standards_load

    reference_load()
    standards_load()


def generate(folder: Path) -> dict[str, int]:
    _setup()
    from onconet.core.models import Region
    from onconet.passports.demo import EQUIPMENT_WEIGHTS, SPECIALTY_WEIGHTS
    from onconet.passports.models import Standard
    from onconet.passports.tests.factories import xlsx_bytes

    folder.mkdir(parents=True, exist_ok=True)
    regions = list(Region.objects.filter(country__code="RU").order_by("code"))
    people = sum(r.population or 0 for r in regions)
    standards = list(Standard.objects.values_list("code", flat=True))
    rng = random.Random(7)
    totals = {"staff": 0, "equipment": 0, "facilities": 0}
    for region in regions:
        share = (region.population or 0) / people
        code = region.code
        n_facilities = max(4, round(TOTAL_FACILITIES * share))
        facilities = [{"region_code": code, "facility_code": "DISP", "name": "Dispensary", "kind": "dispensary"}]
        hospitals = max(1, n_facilities // 3)
        facilities += [
            {"region_code": code, "facility_code": f"H{i}", "name": f"Hospital {i}", "kind": "hospital"}
            for i in range(1, hospitals + 1)
        ]
        facilities += [
            {
                "region_code": code,
                "facility_code": f"C{i}",
                "name": f"CAOP {i}",
                "kind": "caop",
                "parent_facility_code": "DISP",
                "located_in_facility_code": f"H{1 + i % hospitals}",
            }
            for i in range(1, n_facilities - hospitals)
        ]
        codes = [f["facility_code"] for f in facilities]
        staff = [
            {
                "region_code": code,
                "facility_code": rng.choice(codes),
                "staff_id": f"S{i:06d}",
                "specialty": rng.choices(list(SPECIALTY_WEIGHTS), list(SPECIALTY_WEIGHTS.values()))[0],
                "birth_year": rng.randint(PERIOD - 70, PERIOD - 24),
                "fte": rng.choice([1, 0.5, 0.75, 1.25]),
                "sex": rng.choice("FM"),
                "hired_year": PERIOD - rng.randint(0, 5),
            }
            for i in range(round(TOTAL_STAFF * share))
        ]
        equipment = []
        for i in range(round(TOTAL_EQUIPMENT * share)):
            available = rng.randint(30, 100)
            equipment.append(
                {
                    "region_code": code,
                    "facility_code": rng.choice(codes),
                    "equipment_id": f"E{i:05d}",
                    "kind": rng.choices(list(EQUIPMENT_WEIGHTS), list(EQUIPMENT_WEIGHTS.values()))[0],
                    "year_installed": rng.randint(2000, PERIOD),
                    "condition": "working",
                    "manufacturer": "Maker",
                    "model": "Model",
                    "available_hours_per_week": available,
                    "used_hours_per_week": rng.randint(0, available),
                    "procedures_last_year": rng.randint(0, 9000),
                }
            )
        rows = {
            "region": [
                {
                    "region_code": code,
                    "period": PERIOD,
                    "population": region.population,
                    "cancer_incidence": int((region.population or 0) * 0.005),
                    "dispensary_facility_code": "DISP",
                }
            ],
            "facilities": facilities,
            "staff": staff,
            "equipment": equipment,
            "beds": [
                {"region_code": code, "facility_code": "DISP", "profile": p, "beds": rng.randint(10, 200)}
                for p in ("surgical", "chemotherapy", "radiotherapy", "palliative", "day_hospital")
            ],
            "compliance": [
                {"region_code": code, "facility_code": "DISP", "standard_code": s, "status": "met"} for s in standards
            ],
        }
        (folder / f"{code}.xlsx").write_bytes(xlsx_bytes(rows))
        totals["staff"] += len(staff)
        totals["equipment"] += len(equipment)
        totals["facilities"] += len(facilities)
    totals["regions"] = len(regions)
    return totals


def run_import(folder: Path) -> dict[str, object]:
    _setup()
    from django.db import connection

    from onconet.passports.models import Passport, StaffMember
    from onconet.passports.rules import passport_check
    from onconet.passports.services import passport_import
    from onconet.passports.workbook import read_path

    files = sorted(folder.glob("*.xlsx"))
    started = time.perf_counter()
    for path in files:
        passport_import(book=read_path(path), period=PERIOD, user=None)
    import_seconds = time.perf_counter() - started
    largest = max(Passport.objects.filter(period=PERIOD), key=lambda p: p.staff.count())
    timings = []
    for _ in range(5):
        t = time.perf_counter()
        passport_check(passport=largest)
        timings.append(time.perf_counter() - t)
    started = time.perf_counter()
    for path in files[:5]:  # a second import of the same files: the idempotent path (updates only)
        passport_import(book=read_path(path), period=PERIOD, user=None)
    reimport_seconds = time.perf_counter() - started
    return {
        "database": connection.vendor,
        "workbooks": len(files),
        "staff_rows": StaffMember.objects.count(),
        "import_seconds": round(import_seconds, 2),
        "rows_per_second": round(StaffMember.objects.count() / import_seconds),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "validate_largest_region_seconds_median": round(sorted(timings)[2], 3),
        "largest_region": f"{largest.region.code} ({largest.staff.count()} staff)",
        "reimport_5_workbooks_seconds": round(reimport_seconds, 2),
    }


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    out = generate(folder) if command == "generate" else run_import(folder)
    print(json.dumps(out))
