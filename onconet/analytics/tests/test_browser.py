"""In Debian's chromium: a national analyst answers the planning questions from the pages alone —
which regions must train radiologists now and how many, which lack diagnostics, which machines have
spare hours — drills down to a region and orders its PDF report."""

import re
from pathlib import Path

import pytest

from conftest import PASSWORD
from onconet.analytics.services import analytics_reference_load
from onconet.core.demo import build_facilities
from onconet.passports.demo import build_passports

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def test_analyst_answers_the_planning_questions(browser_page, live_server, celery_worker_thread, users):
    from playwright.sync_api import expect

    build_facilities(scale="small", seed=3)
    analytics_reference_load()
    build_passports(scale="small", seed=3)
    page, base = browser_page, live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#dashboard-title")
    page.click("nav >> text=Analytics")
    page.wait_for_load_state("load")
    expect(page.locator("#tile-map canvas")).to_be_visible()
    expect(page.locator("#ranking-table tbody tr")).to_have_count(83)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analytics-dashboard.png"), full_page=True)

    # which regions lack diagnostics: CT units per million, worst first against the OECD average
    page.select_option("#indicator-select", "equipment_per_million:ct")
    expect(page.locator("#indicator-title")).to_contain_text("CT scanner")
    expect(page.locator("#ranking-table")).to_contain_text("below")

    # which five regions most urgently need radiologists trained, and how many
    page.click("text=Workforce forecast")
    expect(page.locator("#urgent-list li")).to_have_count(5)
    expect(page.locator("#urgent-list li").first).to_contain_text(re.compile(r"start \d+ trainees this year"))
    page.screenshot(path=str(ARTIFACTS / "analytics-workforce.png"), full_page=True)

    # which machines have spare hours to offer
    page.click("text=Equipment plan and spare capacity")
    expect(page.locator("#spare-table tbody tr").first).to_be_visible()
    expect(page.locator("#plan-table tbody tr").first).to_be_visible()

    # drill down: nation → region, with its charts, then its report
    page.goto(f"{base}/analytics/")
    page.locator("#ranking-table tbody tr").first.locator("a").click()
    page.wait_for_load_state("load")
    expect(page.locator("#pyramid canvas")).to_be_visible()
    expect(page.locator("#report-table")).to_be_visible()
    page.click("#region-report")
    expect(page.locator("#job-links a").first).to_be_visible(timeout=60_000)
    assert page.locator("#job-links a").first.get_attribute("href").endswith("report.pdf")
