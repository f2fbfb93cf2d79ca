"""The replay of a facility's own history (a background job and its page): the document it replays, the report
with and without the foreign courses, who may run and see it."""

from __future__ import annotations

import datetime as dt

import pytest

from onconet.core.errors import InvalidInput, NotAllowed, NotFound
from onconet.core.jobs import execute_job
from onconet.scheduling import jobs, services
from onconet.scheduling.models import Course
from onconet.scheduling.planner import replay_document
from onconet.scheduling.solver import parse_instance
from onconet.scheduling.tests.conftest import TODAY, next_weekday


@pytest.fixture
def history(users, sched, prepaid_referral):
    """Four weeks of domestic courses at Kaluga (one under way since before the period) and a foreign one."""
    made = []
    for days_ago in (27, 20, 13, 9, 6, 2):
        made.append(
            services.course_create(
                user=users["reporter"],
                facility=sched["klu"],
                protocol=sched["proton"],
                ready_date=TODAY - dt.timedelta(days=days_ago),
                urgency=1 + days_ago % 3,
            )
        )
    old = services.course_create(
        user=users["reporter"],
        facility=sched["klu"],
        protocol=sched["linac"],
        ready_date=TODAY - dt.timedelta(40),
        urgency=3,
    )
    first = next_weekday(TODAY - dt.timedelta(days=35), 0)
    second = next_weekday(first)
    services.book_course(old, sched["l1"], [first, second, next_weekday(TODAY - dt.timedelta(days=7), 0)])
    services.foreign_course_create(user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"])
    return made, old


def test_the_replayed_document_is_the_facilitys_history_as_a_valid_instance(sched, history) -> None:
    made, old = history
    since = TODAY - dt.timedelta(weeks=4)
    doc = replay_document(sched["klu"], since, TODAY + dt.timedelta(days=42))
    parse_instance(doc)  # raises on anything the contract refuses
    by_id = {c["id"]: c for c in doc["courses"]}
    assert {c.code for c in made} <= set(by_id)
    assert by_id[old.code]["fixed"] == {
        "machine": "L1",
        "start_date": next_weekday(TODAY - dt.timedelta(days=35), 0).isoformat(),
        "delivered": 2,
    }
    assert [c["origin"] for c in doc["courses"]].count("foreign") == 1
    assert doc["start_date"] == since.isoformat()


def test_the_replay_job_reports_both_runs_and_its_page_shows_them(users, sched, history, client) -> None:
    job = jobs.start_replay(user=users["coordinator"], facility=sched["klu"], weeks=4, solver="greedy")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    result = job.result
    assert set(result["runs"]) == {"with_foreign", "domestic_only"}
    assert result["failed_epochs"] == []
    assert set(result["comparison"]) >= {"started_later_with_foreign", "largest_delay_days", "delayed"}
    assert result["courses"]["foreign"] == 1
    client.force_login(users["reporter"])
    page = client.get(f"/scheduling/replay/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for marker in ('id="replay-chart"', 'id="replay-by-urgency"', 'id="delayed-table"', 'id="started-later"'):
        assert marker in html
    assert client.get("/scheduling/replay/").status_code == 200
    client.force_login(users["reporter2"])  # another region's reporter: the facility is not in its scope
    assert client.get(f"/scheduling/replay/{job.pk}/").status_code == 404


def test_who_may_replay_and_what(users, sched) -> None:
    with pytest.raises(NotAllowed):
        jobs.start_replay(user=users["analyst"], facility=sched["klu"], weeks=4)
    with pytest.raises(NotFound):
        jobs.start_replay(user=users["reporter2"], facility=sched["klu"], weeks=4)
    with pytest.raises(InvalidInput):
        jobs.start_replay(user=users["reporter"], facility=sched["klu"], weeks=5)
    assert not Course.objects.exists()
