"""Reports: a real PDF and HTML are written by the job, in the requested language, and only their owner reads them."""

import pytest

from onconet.analytics import services
from onconet.analytics.tests.test_indicators import YEAR
from onconet.core.errors import NotAllowed, NotFound
from onconet.core.jobs import execute_job
from onconet.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(_indicators_fixture, analytics_reference):
    return None


def test_region_report_pdf_and_html(client, users, data):
    job = services.report_start(user=users["reporter"], kind="region", period=YEAR, region_code="RU-KLU", language="ru")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    client.force_login(users["reporter"])
    pdf = client.get(job.result["links"][0]["url"])
    assert pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    html = b"".join(client.get(job.result["links"][1]["url"]).streaming_content).decode()
    assert "Калужская область" in html
    assert "<svg" in html
    client.force_login(users["reporter2"])
    assert client.get(job.result["links"][0]["url"]).status_code == 404


def test_national_report(users, data):
    job = services.report_start(user=users["analyst"], kind="national", period=YEAR, region_code=None, language="en")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error


def test_report_permissions(users, data):
    with pytest.raises(NotAllowed):
        services.report_start(user=users["reporter"], kind="national", period=YEAR, region_code=None, language="en")
    with pytest.raises(NotFound):
        services.report_start(user=users["reporter"], kind="region", period=YEAR, region_code="RU-TUL", language="en")
    assert not Job.objects.exists()


def test_report_start_page(client, users, data, django_capture_on_commit_callbacks):
    client.force_login(users["analyst"])
    with django_capture_on_commit_callbacks():
        response = client.post("/analytics/reports/", {"kind": "national", "period": YEAR})
    job = Job.objects.get(kind="national_report")
    assert response.url == f"/jobs/{job.pk}/"
