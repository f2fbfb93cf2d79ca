"""In Debian's chromium: a regional reporter adds a course, runs the planner (a real worker), opens the plan's
changes, approves them and finds the booking in the machine calendar's week view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import PASSWORD
from onconet.scheduling import services
from onconet.scheduling.models import Booking, Course, Plan, PlanStatus
from onconet.scheduling.tests.conftest import TODAY, next_weekday
from onconet.scheduling.tests.factories import CourseFactory

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
SCREENSHOT = Path("/tmp/sched_calendar.png")


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#dashboard-title")
    page.wait_for_load_state("load")


def test_reporter_plans_approves_and_sees_the_calendar(
    browser_page, live_server, celery_worker_thread, users, sched, prepaid_referral
):
    from playwright.sync_api import expect

    # the office has sent a prepaid foreign patient to planning, and G1 has maintenance the day after tomorrow
    foreign = services.foreign_course_create(
        user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"]
    )
    maintenance = next_weekday(TODAY, 2)
    services.downtime_record(
        user=users["reporter"], machine=sched["g1"], date=maintenance, minutes=120, reason="maintenance"
    )
    page, base = browser_page, live_server.url
    login(page, base, "reporter")
    page.click("nav >> text=Scheduling")
    expect(page.locator("#scheduling-title")).to_be_visible()
    expect(page.locator("#machines-table")).to_contain_text("G1")

    # add a domestic course; a protocol without a machine here is refused next to its field first
    page.click("#scheduling-nav >> text=Courses")
    page.select_option("#id_facility", str(sched["klu"].pk))
    page.select_option("#id_protocol", str(sched["pet"].pk))
    page.fill("#id_ready_date", TODAY.isoformat())
    page.select_option("#id_urgency", "2")
    page.fill("#id_code", "KLU-7001")
    page.click("#add-course")
    expect(page.locator("[data-field=protocol]")).to_contain_text("no machine for this protocol")
    page.select_option("#id_protocol", str(sched["proton"].pk))
    page.click("#add-course")
    expect(page.locator("#courses-table")).to_contain_text("KLU-7001")
    assert Course.objects.filter(origin="domestic").get().code == "KLU-7001"

    # run the planner: the job page polls its progress until the plan is ready
    page.click("#scheduling-nav >> text=Plans")
    page.select_option("#id_facility", str(sched["klu"].pk))
    page.select_option("#id_solver", "cpsat")
    page.fill("#id_days", "42")
    page.click("#run-planner")
    expect(page.locator("#plan-job .progress-bar")).to_be_visible()
    expect(page.locator("#open-plan")).to_be_visible(timeout=60_000)
    page.click("#open-plan")

    # the plan's changes: both courses added, the foreign one after the domestic one; the guarantee holds
    expect(page.locator("#plan-counts [data-change=added]")).to_contain_text("2")
    expect(page.locator("#guarantee-holds")).to_contain_text("holds")
    expect(page.locator("#diff-table")).to_contain_text("KLU-7001")
    expect(page.locator("#diff-table")).to_contain_text(foreign.code)
    expect(page.locator("#foreign-admitted")).to_have_text("1")
    expect(page.locator("#utilisation-chart canvas")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scheduling-plan.png"), full_page=True)
    page.click("#approve-plan")
    expect(page.locator("#plan-status")).to_contain_text("Approved")
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.APPROVED
    assert Booking.objects.filter(course__code="KLU-7001").count() == 5
    course = Course.objects.get(code="KLU-7001")

    # the calendar's week of the first fraction shows the booked minutes in blue
    page.click("#scheduling-nav >> text=Calendar")
    page.fill("#calendar-date", course.start_date.isoformat())
    page.click("#calendar-form button[type=submit]")
    cell = page.locator(f"#calendar-week tr[data-machine=G1] td[data-date='{course.start_date.isoformat()}']")
    booked = sum(
        Booking.objects.filter(day__machine=sched["g1"], day__date=course.start_date).values_list("minutes", flat=True)
    )
    assert booked >= 60
    expect(cell).to_have_attribute("data-booked", str(booked))
    expect(cell.locator(".sched-domestic")).to_be_visible()
    expect(page.locator("#calendar-legend")).to_contain_text("foreign")
    expect(page.locator("#calendar-week .sched-foreign").first).to_be_visible()
    if maintenance.isocalendar()[:2] != course.start_date.isocalendar()[:2]:
        # On a Thursday or Friday the maintenance falls in the next week: show that week.
        page.fill("#calendar-date", maintenance.isoformat())
        page.click("#calendar-form button[type=submit]")
    expect(page.locator("#calendar-week .sched-downtime").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "scheduling-calendar.png"), full_page=True)

    # the day view lists the fraction
    page.fill("#calendar-date", course.start_date.isoformat())
    page.click("#calendar-form button[type=submit]")
    page.click(f"#calendar-week thead a >> nth={course.start_date.weekday()}")
    expect(page.locator("#calendar-day [data-machine=G1]")).to_contain_text("KLU-7001")
    expect(page.locator("#calendar-day [data-machine=G1]")).to_contain_text("fraction 1/5")
    page.screenshot(path=str(ARTIFACTS / "scheduling-day.png"), full_page=True)

    # the overview draws the utilisation of the next eight weeks
    page.click("#scheduling-nav >> text=Overview")
    page.wait_for_load_state("load")
    expect(page.locator("#utilisation-heatmap canvas")).to_be_visible()
    expect(page.locator("#weekly-chart canvas")).to_be_visible()
    expect(page.locator("#latest-plans")).to_contain_text("Approved")
    page.screenshot(path=str(ARTIFACTS / "scheduling-overview.png"), full_page=True)
    page.click("#scheduling-nav >> text=Courses")
    page.screenshot(path=str(ARTIFACTS / "scheduling-courses.png"), full_page=True)


def test_coordinator_simulates_and_publishes_the_capacity_offer(
    browser_page, live_server, celery_worker_thread, users, sched, prepaid_referral
):
    from playwright.sync_api import expect

    from onconet.scheduling.models import CapacityOffer

    for i in range(6):  # six weeks of history: one routine proton course a week in Kaluga
        CourseFactory(
            code=f"H-{i}",
            facility=sched["klu"],
            protocol=sched["proton"],
            ready_date=TODAY - dt.timedelta(days=7 * i + 7),
        )
    page, base = browser_page, live_server.url
    login(page, base, "coordinator")
    page.goto(f"{base}/scheduling/simulation/")

    # the history's rates are estimated and copied into the form
    page.select_option("#estimate-facility", str(sched["klu"].pk))
    page.select_option("#estimate-kind", "proton_gantry")
    expect(page.locator("#estimate-table")).to_contain_text("PROTON-5")
    expect(page.locator("#id_rates")).to_have_value("PROTON-5 0.00 0.00 1.00")

    # a wrong level is refused next to its field, and nothing runs
    page.fill("#id_weeks", "10")
    page.fill("#id_replications", "2")
    page.fill("#id_levels", "0, 2, lots")
    page.click("#run-simulation")
    expect(page.locator("[data-field=levels]")).to_contain_text("“lots” is not a whole number")
    page.fill("#id_levels", "0, 2, 4")
    page.click("#run-simulation")

    # the job page shows its progress, then reloads with the charts and the offer
    expect(page.locator("#p95-chart canvas")).to_be_visible(timeout=90_000)
    expect(page.locator("#admitted-chart canvas")).to_be_visible()
    expect(page.locator("#levels-table tbody tr")).to_have_count(3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scheduling-simulation.png"), full_page=True)
    page.click("#publish-offer")
    expect(page.locator("#offer-chart canvas")).to_be_visible()
    expect(page.locator("#offer-scope")).to_contain_text("KLU-PC")
    expect(page.locator("#offer-table tbody tr").first).to_be_visible()
    assert CapacityOffer.objects.filter(facility=sched["klu"], kind="proton_gantry").exists()
    page.screenshot(path=str(ARTIFACTS / "scheduling-offer.png"), full_page=True)
