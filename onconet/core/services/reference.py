"""Reference data every installation needs: ISO countries, Russia's federal districts and regions (CSV imports)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction

from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.models import Country, FederalDistrict, Region

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

# ---------------------------------------------------------------- reference data


def countries_sync() -> int:
    """Load every ISO 3166-1 country from pycountry (idempotent). Returns how many are on record."""
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        [
            Country(code=c.alpha_2, alpha_3=c.alpha_3, name=getattr(c, "common_name", c.name))
            for c in pycountry.countries
            if c.alpha_2 not in existing
        ]
    )
    return Country.objects.count()


def federal_districts_import_csv(*, path: Path | None = None) -> int:
    """Upsert federal districts from a CSV with columns code, country, name_en, name_ru."""
    path = path or REFERENCE_DIR / "federal_districts.csv"
    count = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            country = Country.objects.get(code=row["country"])
            FederalDistrict.objects.update_or_create(
                code=row["code"],
                defaults={"country": country, "name_en": row["name_en"], "name_ru": row["name_ru"]},
            )
            count += 1
    return count


REGION_COLUMNS = {"iso_code", "name_en", "subdivision_type", "federal_district", "population_2010_census"}
MAX_POPULATION = 2_147_483_647  # the largest PositiveIntegerField on every database


def _csv_rows(path: Path, columns: set[str]) -> list[dict[str, str]]:
    """The rows of a reference CSV (UTF-8, with or without a byte order mark), or InvalidInput naming what is wrong
    with the file: not text, not CSV, or without one of `columns`."""
    try:
        text = path.read_bytes().decode("utf-8-sig")  # with or without the byte order mark Excel writes
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text.", errors=[FieldProblem("not UTF-8", "file")]) from exc
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput(f"{path.name} is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        missing = columns - set(reader.fieldnames or [])
        rows = [] if missing else list(reader)
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InvalidInput(
            f"{path.name} cannot be read as CSV.",
            errors=[FieldProblem(str(exc), "file", location={"row": reader.line_num})],
        ) from exc
    if missing:
        raise InvalidInput(
            f"{path.name}: missing columns {', '.join(sorted(missing))}.",
            errors=[FieldProblem("missing column", column, location={"row": 1}) for column in sorted(missing)],
        )
    # short rows give None, long ones a list under the key None: both are text or nothing here
    return [
        {key: value or "" for key, value in row.items() if isinstance(key, str) and isinstance(value, str | None)}
        for row in rows
    ]


def regions_import_csv(*, path: Path | None = None, population_year: int = 2010) -> int:
    """Upsert regions from a CSV shaped like ru_regions.csv; all rows or none.

    Each ISO 3166-2 code must be known to pycountry; the federal district (if given) must be on record.
    """
    path = path or REFERENCE_DIR / "ru_regions.csv"
    rows = _csv_rows(path, REGION_COLUMNS)
    districts = {fd.name_en.lower(): fd for fd in FederalDistrict.objects.all()}
    countries = {c.code: c for c in Country.objects.all()}
    problems: list[FieldProblem] = []
    parsed: list[dict[str, Any]] = []
    lengths = {
        "name_en": Region._meta.get_field("name").max_length or 0,
        "subdivision_type": Region._meta.get_field("subdivision_type").max_length or 0,
    }
    for number, row in enumerate(rows, start=2):
        where = {"row": number}
        code = row["iso_code"].strip().upper()
        subdivision = pycountry.subdivisions.get(code=code)
        if subdivision is None:
            problems.append(FieldProblem("not an ISO 3166-2 code", "iso_code", code, where))
            continue
        country = countries.get(subdivision.country_code)
        if country is None:
            problems.append(FieldProblem("country not loaded", "iso_code", code, where))
            continue
        district_name = row.get("federal_district", "").strip()
        district = districts.get(district_name.lower()) if district_name else None
        if district_name and district is None:
            problems.append(FieldProblem("unknown federal district", "federal_district", district_name, where))
        population_raw = row.get("population_2010_census", "").strip()
        population = None
        if population_raw:
            if not (population_raw.isascii() and population_raw.isdigit()):  # "²" is a digit to isdigit()
                problems.append(FieldProblem("must be a whole number", "population", population_raw, where))
            elif len(population_raw) > 10 or int(population_raw) > MAX_POPULATION:
                problems.append(FieldProblem(f"must be at most {MAX_POPULATION}", "population", population_raw, where))
            else:
                population = int(population_raw)
        for field, longest in lengths.items():
            if len(row.get(field, "")) > longest:
                problems.append(FieldProblem(f"at most {longest} characters", field, row[field], where))
        parsed.append(
            {
                "code": code,
                "country": country,
                "federal_district": district,
                "name": row.get("name_en") or subdivision.name,
                "subdivision_type": row.get("subdivision_type", "") or subdivision.type,
                "population": population,
                "population_year": population_year if population is not None else None,
                "population_source": row.get("population_source", "")[:200],
            }
        )
    if problems:
        raise InvalidInput(f"{path.name}: {len(problems)} problem(s); nothing was imported.", errors=problems)
    with transaction.atomic():
        for values in parsed:
            code = values.pop("code")
            Region.objects.update_or_create(code=code, defaults=values)
    return len(parsed)


NAME_COLUMNS = {"iso_code", "name_ru", "name_en"}


def region_names_import_csv(*, path: Path | None = None) -> int:
    """Set the regions' official Russian and usual English names from a CSV shaped like ru_region_names.csv
    (iso_code, name_ru, name_en); all rows or none. Every code must be a region on record, every name given."""
    path = path or REFERENCE_DIR / "ru_region_names.csv"
    rows = _csv_rows(path, NAME_COLUMNS)
    known = set(Region.objects.values_list("code", flat=True))
    longest = Region._meta.get_field("name_ru").max_length or 0
    problems: list[FieldProblem] = []
    names: dict[str, tuple[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        where = {"row": number}
        code = row["iso_code"].strip().upper()
        if code not in known:
            problems.append(FieldProblem("not a region on record", "iso_code", code, where))
        elif code in names:
            problems.append(FieldProblem("given twice", "iso_code", code, where))
        for field in ("name_ru", "name_en"):
            value = row[field].strip()
            if not value:
                problems.append(FieldProblem("must be given", field, None, where))
            elif len(value) > longest:
                problems.append(FieldProblem(f"at most {longest} characters", field, value, where))
        names[code] = (row["name_ru"].strip(), row["name_en"].strip())
    if problems:
        raise InvalidInput(f"{path.name}: {len(problems)} problem(s); nothing was imported.", errors=problems)
    with transaction.atomic():
        for code, (name_ru, name_en) in names.items():
            Region.objects.filter(code=code).update(name_ru=name_ru, name_en=name_en)
    return len(names)


def reference_load() -> None:
    """Countries, Russia's federal districts and regions with their names: what every installation needs."""
    countries_sync()
    federal_districts_import_csv()
    regions_import_csv()
    region_names_import_csv()
