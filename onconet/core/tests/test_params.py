"""The parser of numbers and dates in query parameters (onconet/core/params.py), and the addresses that answered
500 to a harmless odd value before every view used it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from onconet.core.params import (
    BIGINT_MAX,
    BadParameter,
    date_or_none,
    id_or_none,
    int_or_none,
    parse_date,
    parse_id,
    parse_int,
    parse_page,
    parse_period,
    period_or_none,
)
from onconet.scheduling.tests.conftest import course, prepaid_referral, protocols, sched  # noqa: F401  (fixtures)

# ---------------------------------------------------------------- the parser

NOT_NUMBERS = [
    "²",  # a digit to str.isdigit(), refused by int()
    "٣",  # an Arabic-Indic three: int() reads it as 3
    "３",  # a fullwidth three: int() reads it too
    "1e99",
    "1.0",
    "+5",
    "1_000",
    "0x10",
    "5 5",
    "\u20075",  # a figure space before the digit: str.strip() would remove it, int() accepts it
    "x" * 5000,
    "../",
    "\x00",
]


def short(value: Any) -> str:
    """A test id that stays readable for a value of 5,000 characters."""
    return value if not isinstance(value, str) or len(value) <= 20 else f"{value[:3]}…({len(value)} characters)"


@pytest.mark.parametrize("text", NOT_NUMBERS, ids=short)
def test_only_ascii_digits_are_a_number(text: str) -> None:
    with pytest.raises(BadParameter) as caught:
        parse_int(text, field="period", minimum=0, maximum=BIGINT_MAX)
    assert caught.value.field == "period"
    assert caught.value.status_code == 400
    assert caught.value.errors[0].as_dict() == {
        "field": "period",
        "message": "must be a whole number written with the digits 0-9, between 0 and 9223372036854775807.",
        "value": text if len(text) <= 40 else text[:40] + "…",
    }
    assert int_or_none(text, minimum=0, maximum=BIGINT_MAX) is None


def test_ascii_digits_in_range_are_read() -> None:
    assert parse_int("42", field="n", minimum=0, maximum=100) == 42
    assert parse_int(" 42\t", field="n", minimum=0, maximum=100) == 42  # spaces typed around a value
    assert parse_int("007", field="n", minimum=0, maximum=100) == 7
    assert parse_int("-1", field="n", minimum=-5, maximum=5) == -1
    assert parse_id(str(BIGINT_MAX), field="id") == BIGINT_MAX
    assert parse_period("2024") == 2024
    assert parse_page("1") == 1
    assert id_or_none("17") == 17
    assert period_or_none("2025") == 2025


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "must be between 1 and 9223372036854775807."),
        ("0", "must be between 1 and 9223372036854775807."),
        (str(BIGINT_MAX + 1), "must be between 1 and 9223372036854775807."),
        (str(10**50), "must be between 1 and 9223372036854775807."),
        ("9" * 5000, "must be between 1 and 9223372036854775807."),  # refused before int() works on it
        ("", "is empty; a whole number is expected."),
        ("   ", "is empty; a whole number is expected."),
    ],
    ids=short,
)
def test_ids_are_within_a_bigint(text: str, message: str) -> None:
    with pytest.raises(BadParameter) as caught:
        parse_id(text, field="_id")
    assert caught.value.detail == f"_id: {message}"
    assert id_or_none(text) is None


def test_periods_and_pages_are_bounded() -> None:
    for text in ("1989", "2101", "²", "-2024", "20240"):
        with pytest.raises(BadParameter, match=r"^period: must be"):
            parse_period(text)
        assert period_or_none(text) is None
    with pytest.raises(BadParameter, match=r"^_page: must be between 1 and 1000000\.$"):
        parse_page("999999999999999999999", field="_page")
    assert id_or_none(None) is None


def test_dates_are_iso_in_ascii() -> None:
    assert parse_date("2026-01-31", field="date") == dt.date(2026, 1, 31)
    assert parse_date(" 2026-01-31 ", field="date") == dt.date(2026, 1, 31)
    assert date_or_none("2024-02-29") == dt.date(2024, 2, 29)
    for text in ("٢٠٢٦-٠١-٣١", "2026-02-30", "20260131", "2026-W05-6", "2026-1-31", "tomorrow", "", "²", "x" * 5000):
        with pytest.raises(BadParameter) as caught:
            parse_date(text, field="date")
        assert caught.value.detail == "date: must be a date written as YYYY-MM-DD, such as 2026-01-31."
        assert date_or_none(text) is None
    assert date_or_none(None) is None


# ---------------------------------------------------------------- the addresses that answered 500


@pytest.fixture
def admin_client(request: pytest.FixtureRequest, users: dict[str, Any]) -> Client:
    """A national admin's client in a world of proton centres and a prepaid Bulgarian referral."""
    request.getfixturevalue("prepaid_referral")
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/office/patients/?q=²",
        "/passports/?period=²",
        "/analytics/?period=²",
        "/analytics/workforce/?period=²",
        "/scheduling/?facility=²",
        "/scheduling/calendar/?facility=²&date=٢٠٢٦-٠١-٠١",
    ],
)
def test_pages_ignore_an_odd_filter(admin_client: Client, url: str) -> None:
    response = admin_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url", ["/regions/?q=a%00b", "/passports/?region=%00", "/partnerships/delegations/?q=%00", "/regions/%00/"]
)
def test_a_nul_in_a_page_filter_is_a_400(admin_client: Client, url: str) -> None:
    """PostgreSQL refuses a NUL even in a filter (a 500 there before); the NUL middleware now covers pages' queries."""
    response = admin_client.get(url)
    assert (response.status_code, response.content.decode()) == (
        400,
        "The address contains a NUL character (U+0000), which no page accepts.",
    )


def test_a_form_naming_an_odd_record_is_not_found(admin_client: Client) -> None:
    assert admin_client.post("/office/contracts/", {"contract": "²", "title": "Annex"}).status_code == 404


def test_the_patient_search_takes_an_odd_query_as_words(admin_client: Client) -> None:
    from onconet.tourism.models import ForeignPatient

    response = admin_client.get("/api/v1/patients", {"q": "²"})
    assert response.status_code == 200
    assert response.json()["items"] == []
    patient = ForeignPatient.objects.get()
    found = admin_client.get("/api/v1/patients", {"q": f"P-{patient.pk}"}).json()
    assert [p["id"] for p in found["items"]] == [patient.pk]


def fhir(client: Client, url: str) -> tuple[int, dict[str, Any]]:
    response = client.get(url)
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/Patient?_id=²",
        "/fhir/Patient?_id=٣",
        "/fhir/Patient?identifier=²",
        "/fhir/ChargeItem?identifier=INV/²",
        "/fhir/Appointment?identifier=X/²",
        "/fhir/ServiceRequest?identifier=R-²",
    ],
)
def test_fhir_searches_for_odd_ids_find_nothing(admin_client: Client, url: str) -> None:
    status, bundle = fhir(admin_client, url)
    assert (status, bundle["resourceType"], bundle["total"]) == (200, "Bundle", 0)


@pytest.mark.parametrize("url", ["/fhir/Patient/²/$everything", "/fhir/Patient/9999999999999999999999/$everything"])
def test_fhir_everything_for_an_odd_id_is_not_found(admin_client: Client, url: str) -> None:
    status, problem = fhir(admin_client, url)
    assert status == 404
    assert problem["resourceType"] == "OperationOutcome"
    assert problem["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize(
    ("url", "diagnostics"),
    [
        ("/fhir/Patient?_page=999999999999999999999", "_page: must be between 1 and 1000000."),
        ("/fhir/Patient?_page=²", "_page: must be a whole number written with the digits 0-9, between 1 and 1000000."),
        ("/fhir/Patient?_count=1e99", "_count: must be a whole number written with the digits 0-9, between 0 and 200."),
        ("/fhir/Appointment?date=ge٢٠٢٦-٠١-٠١", 'date: "ge٢٠٢٦-٠١-٠١" is not a date such as ge2026-01-31.'),
    ],
)
def test_fhir_odd_paging_is_a_400_outcome(admin_client: Client, url: str, diagnostics: str) -> None:
    status, problem = fhir(admin_client, url)
    assert status == 400
    assert problem["issue"] == [{"severity": "error", "code": "invalid", "diagnostics": diagnostics}]


def test_api_odd_numbers_are_400_with_the_field(admin_client: Client) -> None:
    response = admin_client.get("/api/v1/passports", {"period": "²"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["query.period"]
