"""In Debian's chromium: a reporter imports a workbook, fixes the listed problems, edits a row, checks and
submits; a national admin returns it with a comment, then approves it."""

import re
from pathlib import Path

import pytest

from conftest import PASSWORD
from onconet.passports.models import Passport
from onconet.passports.tests.factories import changed, make_standards, valid_rows, xlsx_bytes

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#dashboard-title")
    page.wait_for_load_state("load")


def logout(page):
    page.click("#user-menu")
    page.click("#logout-button")


def test_passport_cycle_in_the_browser(browser_page, live_server, celery_worker_thread, users, tmp_path):
    from playwright.sync_api import expect

    make_standards()
    page, base = browser_page, live_server.url
    bad = tmp_path / "kaluga-2025.xlsx"
    bad.write_bytes(xlsx_bytes(changed(valid_rows(), "beds", 0, beds=-4)))
    good = tmp_path / "kaluga-2025-fixed.xlsx"
    good.write_bytes(xlsx_bytes(valid_rows()))

    login(page, base, "reporter")
    page.goto(f"{base}/passports/")
    page.click("#import-link")
    page.set_input_files("#id_file", str(bad))
    page.fill("#id_period", "2025")
    page.click("#import-submit")
    expect(page.locator("#job-status")).to_have_text("failed", timeout=30_000)
    expect(page.locator("#problems-table")).to_contain_text("must be at least 0")
    expect(page.locator("#problems-table tbody tr")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "passport-import-problems.png"), full_page=True)

    page.goto(f"{base}/passports/import/")
    page.set_input_files("#id_file", str(good))
    page.fill("#id_period", "2025")
    page.click("#import-submit")
    expect(page.locator("#import-result")).to_contain_text("Imported", timeout=30_000)
    page.click("#import-result a")
    expect(page.locator("#passport-status")).to_have_text("draft")

    # add a staff row: a wrong birth year is shown next to the field, then fixed
    page.click("#tab-staff")
    page.wait_for_load_state("load")  # htmx wires the buttons once its script has run
    new_row = page.locator("#new-row")
    new_row.locator("select[name=facility_code]").select_option("DISP")
    new_row.locator("input[name=staff_id]").fill("S10")
    new_row.locator("select[name=specialty]").select_option("radiologist")
    new_row.locator("input[name=birth_year]").fill("2020")
    new_row.locator("input[name=fte]").fill("1")
    page.click("#add-row")
    expect(page.locator("#new-row")).to_contain_text("must be between 1935 and 2007")
    page.locator("#new-row input[name=birth_year]").fill("1975")
    page.click("#add-row")
    expect(page.locator("#rows")).to_contain_text("S10")
    page.screenshot(path=str(ARTIFACTS / "passport-staff.png"), full_page=True)

    page.click("text=Overview")
    page.wait_for_load_state("load")
    page.click("#check-button")
    expect(page.locator("#check-summary")).to_contain_text("warning")
    page.click("#action-submit")
    expect(page.locator("#passport-status")).to_have_text("submitted")
    logout(page)

    login(page, base, "admin")
    passport = Passport.objects.get(period=2025)
    page.goto(f"{base}/passports/{passport.pk}/")
    page.fill("#comment-return", "Beds of the palliative unit look low; please confirm.")
    page.click("#action-return")
    expect(page.locator("#passport-status")).to_have_text("draft")
    logout(page)

    login(page, base, "reporter")
    page.goto(f"{base}/passports/{passport.pk}/")
    expect(page.locator("#history")).to_contain_text("Beds of the palliative unit look low")
    page.click("#action-submit")
    expect(page.locator("#passport-status")).to_have_text("submitted")
    logout(page)

    login(page, base, "admin")
    page.goto(f"{base}/passports/{passport.pk}/")
    page.click("#action-approve")
    expect(page.locator("#passport-status")).to_have_text("approved")
    expect(page.locator("#action-reopen")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "passport-approved.png"), full_page=True)
    assert re.search("approved", Passport.objects.get(pk=passport.pk).status)
