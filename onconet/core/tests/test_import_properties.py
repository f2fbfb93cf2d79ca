"""Properties of the regions CSV import (`onconet import-regions FILE`), with hypothesis:

- a valid generated file (any line endings, with or without the byte order mark spreadsheets write) is stored
  row for row; importing it twice is idempotent (upsert by ISO 3166-2 code);
- random text, random cells and random bytes never raise anything but InvalidInput; a refused file changes
  nothing; whatever is accepted fits the Region table.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pycountry
import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onconet.core.errors import InvalidInput
from onconet.core.models import FederalDistrict, Region
from onconet.core.services import REGION_COLUMNS, regions_import_csv

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER = ["iso_code", "name_en", "subdivision_type", "federal_district", "population_2010_census", "population_source"]
RU_CODES = sorted(s.code for s in pycountry.subdivisions.get(country_code="RU"))
DISTRICTS = ["Central", "Northwestern", "Southern", "North Caucasian", "Volga", "Ural", "Siberian", "Far Eastern"]
NAME_LENGTH = Region._meta.get_field("name").max_length
TYPE_LENGTH = Region._meta.get_field("subdivision_type").max_length


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever it writes is undone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def regions() -> list[tuple[Any, ...]]:
    return sorted(
        Region.objects.values_list(
            "code",
            "country_id",
            "federal_district_id",
            "name",
            "subdivision_type",
            "population",
            "population_year",
            "population_source",
        )
    )


def import_bytes(data: bytes, **kwargs: Any) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "regions.csv"
        path.write_bytes(data)
        return regions_import_csv(path=path, **kwargs)


def csv_bytes(rows: list[list[Any]], *, terminator: str = "\n", bom: bool = False) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator=terminator).writerows(rows)
    return (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")


# text that stays as it is through csv and the importer: no line breaks, no surrounding blanks
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), min_size=1, max_size=40
).filter(lambda t: t == t.strip())


@st.composite
def valid_files(draw: st.DrawFn) -> list[dict[str, Any]]:
    codes = draw(st.lists(st.sampled_from(RU_CODES), min_size=1, max_size=6, unique=True))
    return [
        {
            "iso_code": code if draw(st.booleans()) else code.lower(),
            "name_en": draw(TEXT.map(lambda t: t[:NAME_LENGTH])),
            "subdivision_type": draw(TEXT.map(lambda t: t[:TYPE_LENGTH])),
            "federal_district": draw(st.sampled_from(["", *DISTRICTS])),
            "population_2010_census": draw(st.none() | st.integers(0, 2_000_000_000)),
            "population_source": draw(st.just("") | TEXT),
        }
        for code in codes
    ]


@PROPERTY
@given(
    rows=valid_files(),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    year=st.integers(1900, 2100),
)
@example(
    rows=[
        {
            "iso_code": "RU-KLU",
            "name_en": "Kaluga",
            "subdivision_type": "Oblast",
            "federal_district": "Central",
            "population_2010_census": 1,
            "population_source": "",
        }
    ],
    terminator="\r",  # "CSV (Macintosh)": the csv module refused to split such lines
    bom=True,  # Excel's "CSV UTF-8": the first column was not found
    year=2010,
)
def test_a_valid_file_is_stored_row_for_row_and_twice_is_once(
    reference: None, rows: list[dict[str, Any]], terminator: str, bom: bool, year: int
) -> None:
    with rolled_back():
        untouched = {r[0]: r for r in regions() if r[0] not in {row["iso_code"].upper() for row in rows}}
        data = csv_bytes([HEADER, *[[row[c] for c in HEADER] for row in rows]], terminator=terminator, bom=bom)
        assert import_bytes(data, population_year=year) == len(rows)
        districts = {d.name_en: d.pk for d in FederalDistrict.objects.all()}
        stored = {r[0]: r for r in regions()}
        for row in rows:
            code = row["iso_code"].upper()
            population = row["population_2010_census"]
            assert stored[code][2:] == (
                districts.get(row["federal_district"]),
                row["name_en"],
                row["subdivision_type"],
                population,
                None if population is None else year,
                row["population_source"],
            )
        assert {code: r for code, r in stored.items() if code in untouched} == untouched

        assert import_bytes(data, population_year=year) == len(rows)
        assert {r[0]: r for r in regions()} == stored


CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["RU-KLU", "ru-mow", "RU-XXX", "KZ-75", "Central", "central", "Atlantis", "", " ", "12", "-1"]),
    st.sampled_from(["²", "٣", "9" * 5000, str(2**63), str(2**31), "x" * (NAME_LENGTH + 1), "Kaluga\x00"]),
    st.integers(-(10**20), 10**20),
)


@PROPERTY
@given(
    rows=st.lists(st.lists(CELL, max_size=8), max_size=5),
    header=st.just(HEADER) | st.permutations(HEADER) | st.lists(st.sampled_from([*HEADER, "x", ""]), max_size=7),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
)
@example(rows=[["RU-KLU", "Kaluga", "Oblast", "Central", "²", ""]], header=HEADER, terminator="\n")
@example(rows=[["RU-KLU", "Kaluga", "Oblast", "Central", str(2**63), ""]], header=HEADER, terminator="\n")
@example(rows=[["RU-KLU", "Kaluga", "Oblast", "Central", str(2**31), ""]], header=HEADER, terminator="\n")
@example(rows=[["RU-KLU", "x" * (NAME_LENGTH + 1), "Oblast", "", "", ""]], header=HEADER, terminator="\n")
@example(rows=[["RU-KLU", "Kaluga\x00", "Oblast", "", "", ""]], header=HEADER, terminator="\n")
@example(rows=[["RU-KLU"]], header=HEADER, terminator="\n")  # a short row: the csv module fills in None
def test_random_rows_are_refused_with_problems_or_stored_within_the_table(
    reference: None, rows: list[list[Any]], header: list[str], terminator: str
) -> None:
    with rolled_back():
        before = regions()
        try:
            import_bytes(csv_bytes([header, *rows], terminator=terminator))
        except InvalidInput as exc:
            assert_refused_cleanly(exc, before)
        else:
            for code, _, _, name, kind, population, _, source in regions():
                assert code == code.strip().upper()
                assert len(name) <= NAME_LENGTH
                assert len(kind) <= TYPE_LENGTH
                assert len(source) <= 200
                assert population is None or 0 <= population <= 2_147_483_647
                assert "\x00" not in name + kind + source


def assert_refused_cleanly(exc: InvalidInput, before: list[tuple[Any, ...]]) -> None:
    assert exc.detail
    assert exc.errors, "a refused file says what is wrong"
    for problem in exc.errors:
        assert problem.message
        assert problem.field in (*REGION_COLUMNS, "population", "population_source", "file")
    assert regions() == before, "a refused file must change nothing"


@PROPERTY
@given(data=st.binary(max_size=500) | st.text(max_size=500).map(lambda t: t.encode("utf-8")))
@example(data=",".join(HEADER).encode() + b"\n" + b"x" * 140_000)
@example(data=",".join(HEADER).encode("cp1251") + "\nRU-KLU,Калуга,,,,\n".encode("cp1251"))
def test_random_bytes_are_refused_with_problems(reference: None, data: bytes) -> None:
    with rolled_back():
        before = regions()
        with pytest.raises(InvalidInput) as err:
            import_bytes(data)
        assert_refused_cleanly(err.value, before)
