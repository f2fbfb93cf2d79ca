"""The scheduling pages: who may see and do what, 404 outside the region, bad input listed, plans approved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onconet.core.models import Job
from onconet.core.tests.factories import JobFactory
from onconet.scheduling import jobs, services
from onconet.scheduling.models import (
    Booking,
    CapacityOffer,
    Course,
    CourseStatus,
    Downtime,
    Machine,
    MachineDay,
    Plan,
    PlanStatus,
)
from onconet.scheduling.tests.conftest import TODAY, next_weekday
from onconet.scheduling.tests.factories import BeamFactory, CapacityOfferFactory, CourseFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/scheduling/",
    "/scheduling/calendar/",
    "/scheduling/calendar/?view=day",
    "/scheduling/courses/",
    "/scheduling/downtime/",
    "/scheduling/plans/",
    "/scheduling/offer/",
    "/scheduling/foreign/",
]


@pytest.mark.parametrize("username", ["admin", "analyst", "reporter", "reporter2", "coordinator"])
def test_every_page_opens_for_roles_that_see_schedules(client, users, sched, course, username):
    client.force_login(users[username])
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, (username, url)


@pytest.mark.parametrize("username", ["partner", "reviewer", "finance", "interpreter"])
def test_other_roles_get_403(client, users, sched, username):
    client.force_login(users[username])
    for url in PAGES:
        assert client.get(url).status_code == 403, (username, url)


def test_anonymous_is_sent_to_login(client, sched):
    response = client.get("/scheduling/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_navigation_shows_scheduling_to_those_who_see_it(client, users, sched):
    client.force_login(users["coordinator"])
    labels = [str(item["label"]) for item in client.get("/").context["nav_items"]]
    assert "Scheduling" in labels
    client.force_login(users["partner"])
    labels = [str(item["label"]) for item in client.get("/").context["nav_items"]]
    assert "Scheduling" not in labels


def test_overview_shows_machines_of_the_region_and_utilisation(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    services.plan_approve(user=users["reporter"], plan=plan)
    client.force_login(users["reporter"])
    response = client.get("/scheduling/")
    page = response.content.decode()
    assert "Gantry 1" in page
    assert "Linac 1" in page
    assert "Moscow gantry" not in page  # another region's machine (a code like "M1" may occur in a CSRF token)
    assert response.context["machine_count"] == 2
    ((facility, machines),) = response.context["groups"]
    assert facility == sched["klu"]
    g1 = next(item for item in machines if item["machine"].code == "G1")
    assert g1["weekly_hours"] == 50
    booked = sum(week.booked for week in g1["weeks"])
    assert booked == 60 + 4 * 30  # the five fractions of PROTON-5 in the next eight weeks
    assert any(week.percent for week in g1["weeks"])
    assert 'data-chart="option"' in page
    assert "heatmap-data" in page
    assert f"/scheduling/plans/{plan.pk}/" in page

    client.force_login(users["analyst"])
    response = client.get(f"/scheduling/?kind=proton_gantry&facility={sched['mow'].pk}")
    assert [m["machine"].code for _f, ms in response.context["groups"] for m in ms] == ["M1"]


def test_overview_shows_each_shared_accelerator_with_its_rooms_and_booked_share(client, users, sched, course):
    beam = BeamFactory(facility=sched["klu"], code="KLU-C1", name="Cyclotron", minutes_per_weekday=[300] * 5 + [0, 0])
    Machine.objects.filter(pk=sched["g1"].pk).update(beam=beam)
    BeamFactory(facility=sched["mow"], code="MOW-C1", name="Moscow cyclotron", minutes_per_weekday=[600] * 7)
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    services.plan_approve(user=users["reporter"], plan=plan)
    client.force_login(users["reporter"])
    response = client.get("/scheduling/")
    (load,) = response.context["beams"]  # the other region's accelerator is not shown
    assert (load.beam.code, [m.code for m in load.machines], load.hours_a_week) == ("KLU-C1", ["G1"], 25)
    assert sum(week.booked for week in load.weeks) == 60 + 4 * 30
    assert 'id="beams-table"' in response.content.decode()
    assert "MOW-C1" not in response.content.decode()


def test_calendar_week_and_day(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    services.plan_approve(user=users["reporter"], plan=plan)
    course.refresh_from_db()
    start = course.start_date
    client.force_login(users["reporter"])
    week = client.get(f"/scheduling/calendar/?facility={sched['klu'].pk}&date={start.isoformat()}")
    assert week.status_code == 200
    g1 = next(row for row in week.context["rows"] if row["machine"].code == "G1")
    first = next(load for load in g1["days"] if load.date == start)
    assert first.domestic == 60
    assert first.foreign == 0
    assert first.capacity == 600
    assert first.bar == {"domestic": 10, "foreign": 0, "downtime": 0}
    page = week.content.decode()
    assert "sched-domestic w-10" in page
    assert "calendar-legend" in page
    assert week.context["previous"] == week.context["start"] - dt.timedelta(days=7)

    day = client.get(f"/scheduling/calendar/?facility={sched['klu'].pk}&date={start.isoformat()}&view=day")
    text = day.content.decode()
    assert course.code in text
    assert "fraction 1/5" in text
    assert day.context["next"] == start + dt.timedelta(days=1)


def test_calendar_shows_downtime_and_holidays(client, users, sched):
    day = next_weekday(TODAY, 3)
    services.downtime_record(user=users["reporter"], machine=sched["g1"], date=day, minutes=120, reason="qa")
    client.force_login(users["reporter"])
    response = client.get(f"/scheduling/calendar/?facility={sched['klu'].pk}&date={day.isoformat()}")
    g1 = next(row for row in response.context["rows"] if row["machine"].code == "G1")
    load = next(load for load in g1["days"] if load.date == day)
    assert (load.capacity, load.downtime, load.bar["downtime"]) == (480, 120, 20)
    holiday = sched["holiday"].date
    response = client.get(f"/scheduling/calendar/?facility={sched['klu'].pk}&date={holiday.isoformat()}&view=day")
    assert "Unity day" in response.content.decode()
    assert response.context["rows"][0]["days"][0].capacity == 0


def test_calendar_of_another_region_is_404(client, users, sched):
    client.force_login(users["reporter"])
    assert client.get(f"/scheduling/calendar/?facility={sched['mow'].pk}").status_code == 404
    client.force_login(users["reporter2"])
    response = client.get("/scheduling/calendar/")
    assert response.context["facility"] == sched["mow"]


def test_reporter_adds_a_course_and_errors_are_shown_next_to_fields(client, users, sched):
    client.force_login(users["reporter"])
    form = {
        "action": "add",
        "facility": sched["klu"].pk,
        "protocol": sched["pet"].pk,
        "ready_date": TODAY.isoformat(),
        "urgency": "1",
        "code": "",
    }
    bad = client.post("/scheduling/courses/", form)
    assert bad.status_code == 200
    assert "KLU-PC has no machine for this protocol" in str(bad.context["form"].errors["protocol"])
    assert not Course.objects.exists()
    response = client.post("/scheduling/courses/", {**form, "protocol": sched["proton"].pk, "code": "KLU-0001"})
    assert response.status_code == 302
    course = Course.objects.get()
    assert (course.code, course.urgency, course.origin) == ("KLU-0001", 1, "domestic")
    duplicate = client.post("/scheduling/courses/", {**form, "protocol": sched["proton"].pk, "code": "KLU-0001"})
    assert "already used" in str(duplicate.context["form"].errors["code"])
    listing = client.get("/scheduling/courses/").content.decode()
    assert "KLU-0001" in listing


def test_reporter_cannot_add_a_course_in_another_region(client, users, sched):
    client.force_login(users["reporter"])
    response = client.post(
        "/scheduling/courses/",
        {
            "action": "add",
            "facility": sched["mow"].pk,
            "protocol": sched["proton"].pk,
            "ready_date": TODAY.isoformat(),
            "urgency": "3",
        },
    )
    assert "facility" in response.context["form"].errors
    assert not Course.objects.exists()


def test_analyst_and_coordinator_may_not_add_courses(client, users, sched):
    for username in ("analyst", "coordinator"):
        client.force_login(users[username])
        response = client.post("/scheduling/courses/", {"action": "add", "facility": sched["klu"].pk})
        assert response.status_code == 403


def test_csv_import_lists_every_problem_and_creates_nothing(client, users, sched):
    client.force_login(users["reporter"])
    csv = (
        "code,facility,protocol,ready_date,urgency\n"
        f"C-1,KLU-PC,PROTON-5,{TODAY.isoformat()},3\n"
        "C-2,KLU-PC,NO-SUCH,2026-01-05,2\n"
        "C-3,KLU-PC,LINAC-3,05.01.2026,1\n"
        "C-4,MOW-PC,PROTON-5,2026-01-05,1\n"
    )
    upload = SimpleUploadedFile("courses.csv", csv.encode(), content_type="text/csv")
    response = client.post("/scheduling/courses/", {"action": "import", "file": upload})
    assert response.status_code == 200
    problems = response.context["import_problems"]
    assert [(p["line"], p["field"]) for p in problems] == [(3, "protocol"), (4, "ready_date"), (5, "facility")]
    assert problems[0]["message"] == "unknown protocol"
    assert problems[0]["value"] == "NO-SUCH"
    page = response.content.decode()
    assert "nothing was imported" in page
    assert "import-problems-table" in page
    assert not Course.objects.exists()

    good = (
        "code,facility,protocol,ready_date,urgency\n"
        f"C-1,KLU-PC,PROTON-5,{TODAY.isoformat()},3\n"
        f",KLU-PC,LINAC-3,{TODAY.isoformat()},1\n"
    )
    upload = SimpleUploadedFile("courses.csv", good.encode(), content_type="text/csv")
    response = client.post("/scheduling/courses/", {"action": "import", "file": upload})
    assert response.status_code == 302
    assert Course.objects.count() == 2


def test_cancel_a_course_releases_its_bookings(client, users, sched, course, mow_course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    services.plan_approve(user=users["reporter"], plan=plan)
    assert Booking.objects.filter(course=course).count() == 5
    client.force_login(users["reporter"])
    assert client.post(f"/scheduling/courses/{mow_course.pk}/cancel/").status_code == 404
    assert client.get(f"/scheduling/courses/{course.pk}/cancel/").status_code == 405
    response = client.post(f"/scheduling/courses/{course.pk}/cancel/")
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    assert not Booking.objects.filter(course=course).exists()
    assert sum(MachineDay.objects.values_list("booked_minutes", flat=True)) == 0
    again = client.post(f"/scheduling/courses/{course.pk}/cancel/", follow=True)
    assert "already cancelled" in again.content.decode()
    client.force_login(users["analyst"])
    assert client.post(f"/scheduling/courses/{mow_course.pk}/cancel/").status_code == 403


def test_downtime_minutes_zero_is_refused_next_to_the_field(client, users, sched):
    client.force_login(users["reporter"])
    form = {"machine": sched["g1"].pk, "date": TODAY.isoformat(), "minutes": "0", "reason": "qa", "note": ""}
    response = client.post("/scheduling/downtime/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["minutes"] == ["1–1440"]
    assert not Downtime.objects.exists()
    other = client.post("/scheduling/downtime/", {**form, "machine": sched["m1"].pk, "minutes": "60"})
    assert "machine" in other.context["form"].errors
    assert not Downtime.objects.exists()
    ok = client.post("/scheduling/downtime/", {**form, "minutes": "90", "note": "daily QA"})
    assert ok.status_code == 302
    assert Downtime.objects.get().minutes == 90
    assert "daily QA" in client.get("/scheduling/downtime/").content.decode()


def test_breakdown_shows_the_displaced_courses_and_the_replan(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    services.plan_approve(user=users["reporter"], plan=plan)
    course.refresh_from_db()
    client.force_login(users["reporter"])
    response = client.post(
        "/scheduling/downtime/",
        {
            "machine": sched["g1"].pk,
            "date": course.start_date.isoformat(),
            "minutes": "600",
            "reason": "breakdown",
            "note": "gantry drive",
        },
    )
    assert response.status_code == 200
    assert [c.code for c in response.context["displaced"]] == [course.code]
    job = Job.objects.get(kind="schedule_plan")
    assert job.params["kind"] == "breakdown"
    page = response.content.decode()
    assert "displaced-table" in page
    assert f"/scheduling/plans/jobs/{job.pk}/" in page
    job_page = client.get(f"/scheduling/plans/jobs/{job.pk}/")
    assert job_page.status_code == 200
    assert "plan-job" in job_page.content.decode()


def test_analyst_may_not_record_downtime(client, users, sched):
    client.force_login(users["analyst"])
    response = client.post(
        "/scheduling/downtime/", {"machine": sched["g1"].pk, "date": TODAY.isoformat(), "minutes": "30", "reason": "qa"}
    )
    assert response.status_code == 403


def test_run_the_planner_starts_a_job_with_a_progress_bar(client, users, sched, course):
    client.force_login(users["reporter"])
    bad = client.post("/scheduling/plans/", {"facility": sched["klu"].pk, "solver": "magic", "days": "3"})
    assert set(bad.context["form"].errors) == {"solver", "days"}
    assert not Job.objects.exists()
    response = client.post("/scheduling/plans/", {"facility": sched["klu"].pk, "solver": "greedy", "days": "28"})
    job = Job.objects.get()
    assert response.url == f"/scheduling/plans/jobs/{job.pk}/"
    assert job.params == {"facility": sched["klu"].pk, "kind": "manual", "solver": "greedy", "days": 28}
    page = client.get(response.url).content.decode()
    assert 'hx-get="/scheduling/plans/jobs/' in page
    assert "progress-bar" in page
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="plan-job"')
    # the worker's part, run here: the job finishes with a link to its plan
    from onconet.core.jobs import execute_job

    execute_job(job.pk)
    done = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    plan = Plan.objects.get()
    assert f"/scheduling/plans/{plan.pk}/" in done
    assert "hx-get" not in done
    client.force_login(users["reporter2"])
    assert client.get(response.url).status_code == 404  # someone else's job
    client.force_login(users["analyst"])
    assert client.post("/scheduling/plans/", {"facility": sched["klu"].pk, "solver": "greedy"}).status_code == 403


def test_plan_diff_page_shows_counts_guarantee_and_metrics(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    client.force_login(users["reporter"])
    response = client.get(f"/scheduling/plans/{plan.pk}/")
    assert response.status_code == 200
    counts = {c["key"]: c["n"] for c in response.context["counts"]}
    assert counts == {"moved": 0, "shifted": 0, "added": 1, "unbooked": 0, "rejected": 0, "unchanged": 0}
    page = response.content.decode()
    assert 'data-change="added"' in page
    assert "guarantee-holds" in page
    assert "holds" in page
    assert "utilisation-data" in page
    assert course.code in page
    assert "approve-plan" in page
    assert "discard-plan" in page
    client.force_login(users["analyst"])
    page = client.get(f"/scheduling/plans/{plan.pk}/").content.decode()
    assert "approve-plan" not in page


def test_plan_of_another_region_is_404(client, users, sched, course, mow_course):
    plan = jobs.plan_facility(sched["mow"], kind="manual", user=users["reporter2"])
    client.force_login(users["reporter"])
    assert client.get(f"/scheduling/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/scheduling/plans/{plan.pk}/approve/").status_code == 404
    assert client.post(f"/scheduling/plans/{plan.pk}/discard/").status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED
    assert plan not in client.get("/scheduling/plans/").context["page"]


def test_approve_writes_bookings_and_a_second_approval_is_409(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    client.force_login(users["analyst"])
    assert client.post(f"/scheduling/plans/{plan.pk}/approve/").status_code == 403
    client.force_login(users["reporter"])
    assert client.get(f"/scheduling/plans/{plan.pk}/approve/").status_code == 405
    response = client.post(f"/scheduling/plans/{plan.pk}/approve/")
    assert response.url == f"/scheduling/plans/{plan.pk}/"
    plan.refresh_from_db()
    course.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.decided_by == users["reporter"]
    assert course.status == CourseStatus.BOOKED
    assert course.machine == sched["g1"]
    assert Booking.objects.filter(course=course).count() == 5
    again = client.post(f"/scheduling/plans/{plan.pk}/approve/", follow=True)
    assert again.status_code == 200
    assert "only a proposed plan can be approved" in again.content.decode()
    assert Booking.objects.filter(course=course).count() == 5


def test_discard_a_plan(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    client.force_login(users["reporter"])
    client.post(f"/scheduling/plans/{plan.pk}/discard/", {"note": "waiting for the new protocol"})
    plan.refresh_from_db()
    assert (plan.status, plan.note) == (PlanStatus.DISCARDED, "waiting for the new protocol")
    assert not Booking.objects.exists()


def test_offer_page_shows_published_offers(client, users, sched):
    client.force_login(users["coordinator"])
    assert "no-offer" in client.get("/scheduling/offer/").content.decode()
    month = TODAY.replace(day=1)
    CapacityOfferFactory(
        facility=sched["klu"],
        kind="proton_gantry",
        month=month,
        courses=Decimal("4.5"),
        ci_low=Decimal("3.1"),
        ci_high=Decimal("5.9"),
    )
    CapacityOfferFactory(
        facility=sched["klu"], kind="pet_ct", month=month, courses=Decimal("20"), ci_low=Decimal("18"), ci_high=20
    )
    response = client.get(f"/scheduling/offer/?facility={sched['klu'].pk}&kind=pet_ct")
    page = response.content.decode()
    assert "18.0 – 20.0" in page
    assert "3.1 – 5.9" not in page  # the table shows the chosen facility and kind
    assert "offer-chart" in page
    assert response.context["scope"] == f"{sched['klu'].pk}:pet_ct"
    assert response.context["chart"]["series"][0]["data"] == [20.0]
    default = client.get("/scheduling/offer/?scope=nonsense")
    assert default.context["scope"] == default.context["scopes"][0][0]  # an unknown choice shows the first


# ---------------------------------------------------------------- capacity simulation

RATES = "PROTON-5 0.5 1 2"


def _simulation_form(sched, **change):
    return {
        "facility": sched["klu"].pk,
        "kind": "proton_gantry",
        "weeks": 8,
        "levels": "0, 2",
        "replications": 2,
        "solver": "greedy",
        "demand": "open",
        "rates": RATES,
        "seed": 0,
        **change,
    }


def test_simulation_page_by_role(client, users, sched):
    client.force_login(users["coordinator"])
    page = client.get("/scheduling/simulation/")
    assert page.status_code == 200
    assert "simulation-form" in page.content.decode()
    client.force_login(users["analyst"])
    page = client.get("/scheduling/simulation/")
    assert page.status_code == 200
    assert "simulation-form" not in page.content.decode()
    assert client.post("/scheduling/simulation/", _simulation_form(sched)).status_code == 403
    client.force_login(users["reporter"])
    assert client.post("/scheduling/simulation/", _simulation_form(sched)).status_code == 403
    client.force_login(users["partner"])
    assert client.get("/scheduling/simulation/").status_code == 403
    assert not Job.objects.filter(kind="capacity_simulation").exists()


def test_simulation_page_estimates_rates_from_the_history(client, users, sched):
    for i in range(4):
        CourseFactory(
            code=f"H-{i}",
            facility=sched["klu"],
            protocol=sched["proton"],
            ready_date=TODAY - dt.timedelta(days=7 * i + 7),
        )
    client.force_login(users["coordinator"])
    page = client.get(f"/scheduling/simulation/?facility={sched['klu'].pk}&kind=proton_gantry")
    assert page.context["estimate"]["weeks"] == 4.0
    assert page.context["form"].initial["rates"] == "PROTON-5 0.00 0.00 1.00"
    assert client.get("/scheduling/simulation/?facility=999999&kind=proton_gantry").status_code == 404


def test_simulation_form_refuses_bad_input(client, users, sched):
    client.force_login(users["coordinator"])
    cases = [
        ({"levels": "0, two"}, "levels", "“two” is not a whole number"),
        ({"rates": "PROTON-5 1 x 2"}, "rates", "line 1: expected"),
        ({"rates": "PROTON-5 1 1 1\nPROTON-5 2 2 2"}, "rates", "listed twice"),
        ({"rates": "LINAC-3 1 1 1"}, "rates", "Not protocols of proton_gantry"),
        ({"kind": "pet_ct"}, "kind", "no active machine of kind pet_ct"),
        ({"weeks": 500}, "weeks", "less than or equal to 104"),
    ]
    for change, field, message in cases:
        response = client.post("/scheduling/simulation/", _simulation_form(sched, **change))
        assert response.status_code == 200, change
        errors = response.context["form"].errors
        assert any(message in e for e in errors.get(field, [])), (change, errors)
    assert not Job.objects.filter(kind="capacity_simulation").exists()


def test_simulation_runs_shows_results_and_publishes(client, users, sched):
    from onconet.core.jobs import execute_job

    client.force_login(users["coordinator"])
    response = client.post("/scheduling/simulation/", _simulation_form(sched))
    job = Job.objects.get(kind="capacity_simulation")
    assert response.url == f"/scheduling/simulation/{job.pk}/"
    waiting = client.get(response.url)
    assert "simulation-job" in waiting.content.decode()
    assert waiting.context["result"] is None
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in partial
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    execute_job(job.pk)
    finished = client.get(response.url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"  # the page reloads once to draw the results
    page = client.get(response.url)
    body = page.content.decode()
    assert "p95-chart" in body
    assert "admitted-chart" in body
    assert "publish-offer" in body
    assert [row["level"] for row in page.context["levels"]] == [0, 2]
    assert page.context["p95_chart"]["series"][2]["data"] == [row["p95_mean"] for row in page.context["levels"]]
    # Waits per urgency: without foreign patients → at the recommended level, against the national targets.
    assert 'id="simulation-by-urgency"' in body
    assert page.context["baseline"]["by_urgency"]["3"]["target_days"] == 28
    assert set(page.context["recommended"]["by_urgency"]) <= {"1", "2", "3"}
    client.force_login(users["analyst"])
    assert "publish-offer" not in client.get(response.url).content.decode()
    assert client.post(f"/scheduling/simulation/{job.pk}/publish/").status_code == 403
    client.force_login(users["coordinator"])
    published = client.post(f"/scheduling/simulation/{job.pk}/publish/")
    assert published.status_code == 302
    assert "/scheduling/offer/" in published.url
    assert CapacityOffer.objects.filter(facility=sched["klu"], kind="proton_gantry", job=job).exists()
    offer_page = client.get(published.url)
    assert offer_page.context["scope"] == f"{sched['klu'].pk}:proton_gantry"
    assert client.get("/scheduling/simulation/999999/").status_code == 404
    plan_job = JobFactory(kind="schedule_plan", params={}, created_by=users["coordinator"])
    assert client.get(f"/scheduling/simulation/{plan_job.pk}/").status_code == 404


# ---------------------------------------------------------------- the office's foreign courses


def test_coordinator_sends_a_prepaid_referral_to_planning(client, users, sched, prepaid_referral):
    referral = prepaid_referral
    client.force_login(users["coordinator"])
    page = client.get("/scheduling/foreign/")
    assert [r.pk for r in page.context["referrals"]] == [referral.pk]
    assert "Petrova" not in page.content.decode()  # pseudonymous: R-id, never the name
    assert client.get(f"/scheduling/referrals/{referral.pk}/plan/").status_code == 405
    assert client.post("/scheduling/referrals/999999/plan/", {"facility": sched["klu"].pk}).status_code == 404
    response = client.post(f"/scheduling/referrals/{referral.pk}/plan/", {"facility": sched["klu"].pk})
    assert response.url == "/scheduling/foreign/"
    course = Course.objects.get(referral=referral)
    assert (course.origin, course.facility, course.code) == ("foreign", sched["klu"], f"F-{referral.pk:05d}")
    after = client.get("/scheduling/foreign/")
    assert list(after.context["referrals"]) == []
    assert course.code in after.content.decode()
    again = client.post(f"/scheduling/referrals/{referral.pk}/plan/", {"facility": sched["klu"].pk}, follow=True)
    assert "already in planning" in again.content.decode()
    assert Course.objects.filter(referral=referral).count() == 1


def test_only_the_office_sends_referrals_to_planning(client, users, sched, prepaid_referral):
    referral = prepaid_referral
    client.force_login(users["reporter"])
    assert client.post(f"/scheduling/referrals/{referral.pk}/plan/", {"facility": sched["klu"].pk}).status_code == 403
    assert client.get("/scheduling/foreign/").context["referrals"] == []
    client.force_login(users["coordinator"])
    bad = client.post(f"/scheduling/referrals/{referral.pk}/plan/", {"facility": "nope"}, follow=True)
    assert "Choose a facility with machines." in bad.content.decode()
    assert not Course.objects.exists()


def test_foreign_course_is_admitted_by_the_plan_and_the_referral_scheduled(client, users, sched, prepaid_referral):
    from onconet.tourism.models import ReferralState

    referral = prepaid_referral
    services.foreign_course_create(user=users["coordinator"], referral=referral, facility=sched["klu"])
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    assert plan.diff["counts"] == {"added": 1}
    client.force_login(users["reporter"])
    page = client.get(f"/scheduling/plans/{plan.pk}/").content.decode()
    assert 'id="foreign-admitted">1<' in page
    client.post(f"/scheduling/plans/{plan.pk}/approve/")
    referral.refresh_from_db()
    assert referral.state == ReferralState.SCHEDULED
    assert referral.start_date is not None
    start = referral.start_date
    week = client.get(f"/scheduling/calendar/?facility={sched['klu'].pk}&date={start.isoformat()}")
    g1 = next(row for row in week.context["rows"] if row["machine"].code == "G1")
    assert next(load for load in g1["days"] if load.date == start).foreign == 60
    assert "sched-foreign w-10" in week.content.decode()


def test_pages_render_in_russian(client, users, sched, course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    client.force_login(users["reporter"])
    client.cookies["django_language"] = "ru"
    for url in [*PAGES, f"/scheduling/plans/{plan.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="ru">' in response.content.decode(), url
