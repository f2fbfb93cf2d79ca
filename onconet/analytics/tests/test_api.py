"""Analytics API: values with filters, scoping by role, benchmarks, forecasts, plan and spare capacity."""

import pytest

from onconet.analytics.tests.test_indicators import YEAR
from onconet.core import services as core_services

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics"


def bearer(user):
    _token, raw = core_services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def data(_indicators_fixture, analytics_reference):
    return None


def test_definitions(client, users):
    body = client.get(f"{API}/definitions", **bearer(users["analyst"])).json()
    codes = [d["code"] for d in body]
    assert "linacs_per_1000_cases" in codes
    staff = next(d for d in body if d["code"] == "staff_per_100k")
    assert staff["dimension"] == "specialty"
    assert "radiologist" in staff["dimension_values"]


def test_indicator_values_with_filters(client, users, data):
    response = client.get(
        f"{API}/indicators?period={YEAR}&indicator=staff_per_100k&dimension=radiologist", **bearer(users["analyst"])
    )
    values = {v["area"]: v["value"] for v in response.json()}
    assert values["RU-KLU"] == pytest.approx(0.4)
    assert values["RU-MOW"] is None
    assert len(values) == 83
    nation = client.get(
        f"{API}/indicators?period={YEAR}&level=nation&indicator=compliance_score", **bearer(users["analyst"])
    ).json()
    assert nation == [
        {
            "area": "RU",
            "level": "nation",
            "period": YEAR,
            "indicator": "compliance_score",
            "dimension": "",
            "value": 75.0,
            "unit": "%",
        }
    ]
    district = client.get(
        f"{API}/indicators?period={YEAR}&level=district&federal_district=central&indicator=population_per_caop",
        **bearer(users["analyst"]),
    ).json()
    assert district[0]["value"] == pytest.approx(750_000)


def test_unknown_indicator_is_400(client, users, data):
    response = client.get(f"{API}/indicators?indicator=happiness", **bearer(users["analyst"]))
    assert response.status_code == 400


def test_reporter_sees_only_its_region(client, users, data):
    values = client.get(
        f"{API}/indicators?period={YEAR}&indicator=staff_per_100k&dimension=", **bearer(users["reporter"])
    ).json()
    assert {v["area"] for v in values} == {"RU-KLU"}
    values = client.get(
        f"{API}/indicators?period={YEAR}&region=RU-TUL&indicator=staff_per_100k&dimension=", **bearer(users["reporter"])
    ).json()
    assert {v["area"] for v in values} == {"RU-KLU"}
    assert client.get(f"{API}/equipment-plan", **bearer(users["reporter"])).status_code == 403


def test_partner_agent_is_refused(client, users, data):
    assert client.get(f"{API}/indicators", **bearer(users["partner"])).status_code == 403
    assert client.get(f"{API}/spare-capacity", **bearer(users["partner"])).status_code == 403


def test_workforce_api(client, users, data):
    body = client.get(
        f"{API}/workforce?specialty=radiologist&period={YEAR}&attrition=0", **bearer(users["analyst"])
    ).json()
    assert body[0]["region"] == "RU-KLU"
    assert body[0]["shortfall_year"] == YEAR + 1
    assert body[0]["stock"][0] == 3
    response = client.get(f"{API}/workforce?attrition=0.9", **bearer(users["analyst"]))
    assert response.status_code == 400


def test_spare_capacity_for_the_office(client, users, data):
    body = client.get(f"{API}/spare-capacity?period={YEAR}", **bearer(users["coordinator"])).json()
    assert [m["code"] for m in body] == ["L1", "CT1"]


def test_benchmarks_crud(client, users, analytics_reference):
    payload = {
        "code": "RAD",
        "indicator": "staff_per_100k",
        "dimension": "radiologist",
        "comparison": "at_least",
        "value": 10,
        "source": "Ministry order 123",
    }
    assert (
        client.post(
            f"{API}/benchmarks", data=payload, content_type="application/json", **bearer(users["analyst"])
        ).status_code
        == 403
    )
    response = client.post(f"{API}/benchmarks", data=payload, content_type="application/json", **bearer(users["admin"]))
    assert response.status_code == 200
    assert response.json()["value"] == 10
    response = client.post(
        f"{API}/benchmarks", data={**payload, "source": ""}, content_type="application/json", **bearer(users["admin"])
    )
    assert response.status_code == 400
    assert client.delete(f"{API}/benchmarks/RAD", **bearer(users["admin"])).status_code == 204
    assert client.delete(f"{API}/benchmarks/RAD", **bearer(users["admin"])).status_code == 404
