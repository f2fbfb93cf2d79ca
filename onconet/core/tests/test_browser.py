"""In Debian's chromium: log in, switch to Russian, see the dashboard, run the census job to 100 %, log out."""

import re
from pathlib import Path

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def test_login_language_dashboard_job_logout(browser_page, live_server, celery_worker_thread, users):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#dashboard-title")).to_contain_text("Welcome")

    page.wait_for_load_state("load")  # the switcher's script is at the end of the page
    page.select_option("#language-select", "ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#dashboard-title")).to_contain_text("Добро пожаловать")
    expect(page.locator("nav")).to_contain_text("Регионы")
    expect(page.locator("[data-chart] canvas")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-ru.png"), full_page=True)

    page.click("#start-network_census")
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-percent")).to_have_text("100 %", timeout=30_000)
    expect(page.locator("#job-status")).to_have_text("выполнено")
    expect(page.locator("#census-table")).to_contain_text("Центральный")
    page.screenshot(path=str(ARTIFACTS / "job-ru.png"), full_page=True)

    page.click("#user-menu")
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
