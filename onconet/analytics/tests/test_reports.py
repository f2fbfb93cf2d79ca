"""Reports: a real PDF and HTML are written by the job, in the requested language, and only their owner reads them.
The PDF is read back with pypdf."""

import io

import pytest
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from onconet.analytics import services
from onconet.analytics.tests.test_indicators import YEAR
from onconet.core.errors import NotAllowed, NotFound
from onconet.core.jobs import execute_job
from onconet.core.models import FederalDistrict, Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(_indicators_fixture, analytics_reference):
    return None


def pdf_pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


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
    pages = pdf_pages(body)
    assert pages[0].startswith("Паспорт онкологической службы региона: Калужская область")
    assert "Ключевые показатели" in pages[0]
    with translation.override("ru"):  # "Страница N из M" once /tmp/i18n/pdf.po is in the catalogue
        label = gettext("Page {page} of {pages}")
    footers = [label.format(page=number, pages=len(pages)) for number in range(1, len(pages) + 1)]
    assert [page[-len(footer) :] for page, footer in zip(pages, footers, strict=True)] == footers
    reader = PdfReader(io.BytesIO(body))
    assert reader.metadata.title == "Паспорт онкологической службы региона: Калужская область"
    fonts = {
        str(f.get_object()["/BaseFont"]).split("+")[-1] for p in reader.pages for f in p["/Resources"]["/Font"].values()
    }
    assert fonts == {"DejaVu-Sans", "DejaVu-Sans-Bold"}  # the tables' and the charts' text, Cyrillic included
    html = b"".join(client.get(job.result["links"][1]["url"]).streaming_content).decode()
    assert "Калужская область" in html
    # the charts are SVG images: a browser under the CSP (no inline style) draws them, and runs none of their markup
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "<svg" not in html
    assert "<script" not in html
    client.force_login(users["reporter2"])
    assert client.get(job.result["links"][0]["url"]).status_code == 404


def test_national_report(client, users, data):
    FederalDistrict.objects.filter(code="central").update(name_en=r"Central $\x$ 100% <b>")
    job = services.report_start(user=users["analyst"], kind="national", period=YEAR, region_code=None, language="en")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    client.force_login(users["analyst"])
    pages = pdf_pages(b"".join(client.get(job.result["links"][0]["url"]).streaming_content))
    assert pages[0].startswith("National summary of regional passports")
    text = " ".join(pages)
    for caption in ("Key indicators of the nation", "Spare capacity to offer, hours a week", "Diagnostic equipment"):
        assert caption in text
    assert r"Central $\x$ 100% <b>" in text  # a chart's label, not a formula
    assert [page[-len("Page 1 of 1") :] for page in pages] == [
        f"Page {n} of {len(pages)}" for n in range(1, 1 + len(pages))
    ]


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
