"""Analytics pages: they render, answer the analyst's questions, download tables and respect roles."""

import pytest

from onconet.analytics.tests.test_indicators import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(_indicators_fixture, analytics_reference):
    return None


def test_pages_render_for_the_analyst(client, users, data):
    client.force_login(users["analyst"])
    for url in (
        f"/analytics/?period={YEAR}",
        f"/analytics/?period={YEAR}&ind=equipment_per_million:ct",
        f"/analytics/districts/central/?period={YEAR}",
        f"/analytics/regions/RU-KLU/?period={YEAR}",
        f"/analytics/regions/RU-MOW/?period={YEAR}",
        f"/analytics/workforce/?period={YEAR}",
        f"/analytics/equipment/?period={YEAR}",
        "/analytics/indicators/",
        "/analytics/indicators/linacs_per_1000_cases/",
        "/analytics/benchmarks/",
    ):
        assert client.get(url).status_code == 200, url


def test_region_without_data_says_so(client, users, data):
    client.force_login(users["analyst"])
    page = client.get(f"/analytics/regions/RU-MOW/?period={YEAR}").content.decode()
    assert 'id="no-data"' in page


def test_dashboard_map_and_ranking(client, users, data):
    client.force_login(users["analyst"])
    response = client.get(f"/analytics/?period={YEAR}&ind=staff_per_100k:")
    rows = response.context["rows"]
    assert [r.code for r in rows[:2]] == ["RU-KLU", "RU-TUL"]
    tiles = response.context["map"]["series"]
    assert len(tiles[0]["data"]) == 2  # regions with data
    assert len(tiles[1]["data"]) == 81  # grey tiles: no data


def test_tables_download_as_csv_and_xlsx(client, users, data):
    client.force_login(users["analyst"])
    csv = client.get(f"/analytics/?period={YEAR}&ind=staff_per_100k:&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "rank,region,name,federal_district,staff_per_100k:all,benchmark_met"
    assert lines[1].startswith("1,RU-KLU,")
    xlsx = client.get(f"/analytics/workforce/?period={YEAR}&format=xlsx")
    assert xlsx.content[:2] == b"PK"
    for url in (
        f"/analytics/regions/RU-KLU/?period={YEAR}&format=csv",
        f"/analytics/equipment/?period={YEAR}&table=spare&format=csv",
        "/analytics/benchmarks/?format=csv",
        f"/analytics/districts/central/?period={YEAR}&format=csv",
    ):
        assert client.get(url)["Content-Type"].startswith("text/csv"), url


def test_reporter_sees_only_its_region_page(client, users, data):
    client.force_login(users["reporter"])
    assert client.get(f"/analytics/regions/RU-KLU/?period={YEAR}").status_code == 200
    assert client.get(f"/analytics/regions/RU-TUL/?period={YEAR}").status_code == 404
    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/workforce/").status_code == 403


def test_coordinator_sees_spare_capacity_but_not_the_plan(client, users, data):
    client.force_login(users["coordinator"])
    response = client.get(f"/analytics/equipment/?period={YEAR}")
    assert response.status_code == 200
    assert response.context["plan"] == []
    assert [m.code for m in response.context["spare"]] == ["L1", "CT1"]


def test_benchmark_form_for_admins(client, users, analytics_reference):
    client.force_login(users["admin"])
    response = client.post(
        "/analytics/benchmarks/",
        {"code": "X", "indicator": "staff_per_100k", "comparison": "at_least", "value": "abc", "source": ""},
    )
    assert response.status_code == 200
    assert sorted(p.field for p in response.context["error"].errors) == ["source", "value"]
