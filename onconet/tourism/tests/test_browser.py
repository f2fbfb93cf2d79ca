"""In Debian's chromium: a partner agent refers a patient in the portal; the office reviews, quotes and
invoices; the partner accepts and pays; the patient is booked with an interpreter of their language and gets
letters in it; the dashboard shows the funnel."""

from datetime import timedelta
from pathlib import Path

import pytest

from conftest import PASSWORD
from onconet.tourism import services
from onconet.tourism.models import Referral
from onconet.tourism.tests.conftest import TODAY
from onconet.tourism.tests.factories import MessageTemplateFactory

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def login(page, base, username):
    page.context.clear_cookies()  # sign out whoever was signed in
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#dashboard-title")


def step(page, base, username, referral_id, transition, **fields):
    login(page, base, username)
    page.goto(f"{base}/office/referrals/{referral_id}/")
    for name, value in fields.items():
        page.fill(f"form:has(#do-{transition}) [name={name}]", value)
    page.click(f"#do-{transition}")
    page.wait_for_load_state("load")


def test_referral_from_portal_to_treatment(browser_page, live_server, users, office):
    from playwright.sync_api import expect

    MessageTemplateFactory(
        code="treatment_invitation",
        language="bg",
        subject="Покана за лечение",
        body="Уважаема {patient_name},\nлечението {service} започва на {start_date}.",
    )
    page, base = browser_page, live_server.url

    login(page, base, "partner")
    page.click("nav >> text=Referrals")
    page.click("#new-referral")
    for name, value in {
        "family_name": "Dimitrova",
        "given_name": "Elena",
        "name_native": "Елена Димитрова",
        "date_of_birth": "1968-03-02",
        "citizenship": "BG",
        "passport_number": "BG3456789",
        "preferred_language": "bg",
        "icd10_codes": "C71.9",
        "stage": "II",
    }.items():
        page.fill(f"#{name}", value)
    page.select_option("#service", "proton-25")
    page.click("#submit-referral")
    expect(page.locator("#referral-state")).to_have_text("inquiry")
    expect(page.locator("#passport-number")).to_have_text("••••••789")
    referral_id = Referral.objects.get().pk

    step(page, base, "coordinator", referral_id, "start_review")
    step(page, base, "reviewer", referral_id, "accept", protocol="Proton 25 × 2 Gy(RBE)")
    login(page, base, "coordinator")
    page.goto(f"{base}/office/referrals/{referral_id}/")
    page.click("#make-quote")
    page.click("#do-send_quote")
    expect(page.locator("#referral-state")).to_have_text("quote sent")

    step(page, base, "partner", referral_id, "accept_quote")
    expect(page.locator("#referral-state")).to_have_text("quote accepted")

    login(page, base, "finance")
    page.goto(f"{base}/office/referrals/{referral_id}/")
    page.fill("[name=amount]", "16000")
    page.click("form:has([name=amount]) button[type=submit]")
    expect(page.locator("[id^=balance-]")).to_have_text("€16,000.00")
    page.click("#do-confirm_prepayment")
    expect(page.locator("#referral-state")).to_have_text("prepaid")

    start = (TODAY + timedelta(days=14)).isoformat()
    # only an approved capacity plan schedules a referral (the scheduling browser test walks that path)
    services.referral_schedule(
        referral=Referral.objects.get(pk=referral_id), planner=users["admin"], start_date=TODAY + timedelta(days=14)
    )
    login(page, base, "coordinator")
    page.goto(f"{base}/office/referrals/{referral_id}/")
    expect(page.locator("#referral-state")).to_have_text("scheduled")
    page.fill("[name=starts_at]", f"{start}T09:00")
    page.fill("[name=ends_at]", f"{start}T12:00")
    page.click("#book-interpreter")
    expect(page.locator("#bookings")).to_contain_text("bg")
    with page.expect_download() as download:
        page.click("#letters >> text=bg >> nth=1")
    assert download.value.suggested_filename == f"treatment_invitation-R{referral_id}-bg.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "office-referral.png"), full_page=True)

    page.goto(f"{base}/office/dashboard/")
    expect(page.locator("#funnel-table")).to_contain_text("BG")
    expect(page.locator("#funnel-chart canvas")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "office-dashboard.png"), full_page=True)

    login(page, base, "partner2")
    response = page.goto(f"{base}/office/referrals/{referral_id}/")
    assert response.status == 404


def test_a_patient_page_exports_everything_and_the_admin_anonymises(browser_page, live_server, users, office):
    """The coordinator finds the patient in the registry and downloads the JSON export; once every referral is
    closed the national admin anonymises the patient, and the registry no longer finds the name."""
    import json

    from playwright.sync_api import expect

    from onconet.tourism import services
    from onconet.tourism.tests.test_office import referral_for

    referral = referral_for(users, office)
    services.referral_transition(user=users["coordinator"], referral=referral, name="start_review")
    page, base = browser_page, live_server.url

    login(page, base, "coordinator")
    page.goto(f"{base}/office/patients/")
    page.fill("#patient-search", "Ivanova")
    page.press("#patient-search", "Enter")
    page.click("#patients-table >> text=IVANOVA Maria")
    expect(page.locator("#patient-referrals")).to_contain_text(f"R-{referral.pk}")
    with page.expect_download() as download:
        page.click("#export-json")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["patient"]["family_name"] == "Ivanova"
    assert exported["referrals"][0]["number"] == f"R-{referral.pk}"
    expect(page.locator("#anonymise-form")).to_have_count(0)  # not the coordinator's to do

    login(page, base, "admin")
    page.goto(f"{base}/office/patients/{referral.patient_id}/")
    page.fill("#anonymise-reason", "the patient's request")
    page.click("#anonymise")
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text(
        f"still has open referrals: R-{referral.pk}"
    )
    services.referral_transition(user=users["reviewer"], referral=referral, name="decline", comment="not indicated")
    page.fill("#anonymise-reason", "the patient's request")
    page.click("#anonymise")
    expect(page.locator("#anonymised")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("ANONYMISED")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "patient-anonymised.png"), full_page=True)
    page.goto(f"{base}/office/patients/?q=Ivanova")
    expect(page.locator("#patient-count")).to_contain_text("0 patients")
