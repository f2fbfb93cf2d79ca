"""Background jobs: the runner, and a real worker end to end on the embedded broker and on Redis."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation

from conftest import make_facility
from onconet.core import jobs, services
from onconet.core.jobs import execute_job, register_job_kind
from onconet.core.models import FacilityKind, Job, JobStatus
from onconet.core.tests.factories import JobFactory
from onconet.scheduling import jobs as scheduling_jobs  # noqa: F401  (registers the scheduler's steps)


@pytest.mark.django_db
def test_census_job_runs_and_counts(users, region, other_region):
    make_facility(region, "D", FacilityKind.DISPENSARY)
    make_facility(region, "C1", FacilityKind.CAOP)
    make_facility(other_region, "C2", FacilityKind.CAOP)
    job = JobFactory(kind="network_census", created_by=users["analyst"])
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress == 100
    assert job.attempts == 1
    central = next(row for row in job.result["rows"] if row["federal_district"] == "Central")
    assert central["regions"] == 18
    assert central["facilities"]["caop"] == 2
    assert central["facilities"]["dispensary"] == 1
    assert central["population_per_caop"] == round(central["population"] / 2)
    assert job.result["totals"] == {"regions": 83, "population": 142_856_536, "facilities": 3}


@pytest.mark.django_db
def test_finished_job_is_not_run_twice(users, reference):
    job = JobFactory(kind="network_census", created_by=users["analyst"])
    execute_job(job.pk)
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.attempts == 1


@pytest.mark.django_db
def test_failing_job_is_marked_failed_and_can_be_retried(users, monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))  # the test's job kind leaves with the test

    @register_job_kind("test_flaky", label="flaky", permission="core.view_job")
    def flaky(job, progress):
        calls.append(job.pk)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return {"ok": True}

    job = services.job_start(user=users["analyst"], kind="test_flaky")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: disk full"
    services.job_retry(user=users["analyst"], job=job)
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"ok": True}
    assert job.attempts == 2


@pytest.mark.django_db
def test_job_is_enqueued_only_after_commit(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.job_start(user=users["analyst"], kind="network_census")
    assert len(callbacks) == 1


def _wait_for(job_id, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s: {job.status} {job.progress}%")


def _run_through_worker(users):
    with transaction.atomic():
        job = services.job_start(user=users["analyst"], kind="network_census")
    job = _wait_for(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.progress == 100
    assert job.result["totals"]["regions"] == 83


def test_real_worker_runs_a_job_on_the_configured_broker(celery_worker_thread, users, settings):
    """On SQLite this is the embedded file broker; in CI's second pass it is Redis."""
    _run_through_worker(users)


@pytest.mark.broker
def test_real_worker_runs_a_job_on_redis(celery_worker_thread, users, settings):
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "amqp://")), settings.CELERY_BROKER_URL
    _run_through_worker(users)


@pytest.mark.django_db
def test_a_job_running_on_a_live_worker_is_not_run_again_by_a_redelivered_message(users):
    now = timezone.now()
    job = JobFactory(
        kind="network_census", created_by=users["analyst"], status=JobStatus.RUNNING, attempts=1,
        worker="other-host:42", heartbeat_at=now,
    )  # fmt: skip
    execute_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == (JobStatus.RUNNING, 1, "other-host:42")
    assert jobs.jobs_fail_lost() == []


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_declared_lost_and_can_be_retried(users, settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    now = timezone.now()
    stale = JobFactory(
        kind="network_census", created_by=users["analyst"], status=JobStatus.RUNNING, attempts=1,
        worker="dead-host:7", heartbeat_at=now - timedelta(seconds=61),
    )  # fmt: skip
    fresh = JobFactory(
        kind="network_census", created_by=users["analyst"], status=JobStatus.RUNNING, attempts=1,
        worker="live-host:8", heartbeat_at=now - timedelta(seconds=30),
    )  # fmt: skip
    queued = JobFactory(kind="network_census", created_by=users["analyst"])
    assert jobs.jobs_fail_lost(now=now) == [stale.pk]
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED
    assert stale.error == jobs.LOST_MESSAGE
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.RUNNING
    assert Job.objects.get(pk=queued.pk).status == JobStatus.QUEUED
    services.job_retry(user=users["analyst"], job=stale)
    execute_job(stale.pk)
    stale.refresh_from_db()
    assert (stale.status, stale.attempts, stale.worker) == (JobStatus.SUCCEEDED, 2, jobs.worker_name())


@pytest.mark.django_db
def test_a_redelivered_message_takes_over_a_job_whose_heartbeat_stopped(users, settings):
    settings.JOB_LOST_AFTER_SECONDS = 60
    job = JobFactory(
        kind="network_census", created_by=users["analyst"], status=JobStatus.RUNNING, attempts=1,
        worker="dead-host:7", heartbeat_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    execute_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)


@pytest.mark.django_db
def test_a_worker_that_lost_its_job_does_not_overwrite_it(users, monkeypatch):
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))

    @register_job_kind("test_slow", label="slow", permission="core.view_job")
    def slow(job, progress):
        # meanwhile its heartbeat was judged stale and the job declared lost (a long pause, a network split)
        jobs.jobs_fail_lost(now=timezone.now() + timedelta(hours=1))
        return {"late": True}

    job = services.job_start(user=users["analyst"], kind="test_slow")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == jobs.LOST_MESSAGE
    assert job.result is None


@pytest.mark.django_db
def test_progress_is_written_with_a_heartbeat_outside_the_handlers_transaction(users, monkeypatch):
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))
    seen = []

    @register_job_kind("test_steps", label="steps", permission="core.view_job")
    def steps(job, progress):
        progress(30, "reading")
        seen.append(Job.objects.values_list("progress", "message").get(pk=job.pk))
        with transaction.atomic():
            progress(60, "writing")  # would lock the job's row until the commit: only remembered
            seen.append(Job.objects.values_list("progress", "message").get(pk=job.pk))
        return {}

    job = services.job_start(user=users["analyst"], kind="test_steps")
    execute_job(job.pk)
    assert seen == [(30, "reading"), (30, "reading")]
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


@pytest.mark.django_db
def test_a_job_whose_message_never_reached_the_broker_is_sent_again(
    users, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The broker is down when the job is queued: the request still succeeds, the job waits queued, and the
    every-minute watch sends it again once it has waited JOB_RESEND_AFTER_SECONDS — once per period."""
    from kombu.exceptions import OperationalError

    from onconet.core import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_job, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(user=users["analyst"], kind="network_census")
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED

    settings.JOB_RESEND_AFTER_SECONDS = 600
    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", sent.append)
    assert tasks.watch_jobs() == {"lost": [], "resent": []}  # not yet: it may simply be waiting its turn
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now() - timedelta(seconds=601))
    assert tasks.watch_jobs() == {"lost": [], "resent": [job.pk]}
    assert sent == [job.pk]
    assert tasks.watch_jobs()["resent"] == []  # sent again just now: not again within the period
    execute_job(sent[0])
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert tasks.watch_jobs()["resent"] == []


def test_a_jobs_step_reads_in_the_readers_language():
    replay_step = (
        "replay with foreign: epoch 3/26 2026-03-02: 212 courses, 14 start, 2 foreign admitted, feasible, "
        "2.1 s (CP-SAT 1.40 det. s)"
    )
    with translation.override("ru"):
        assert jobs.job_message("solving") == "расчёт плана"
        assert jobs.job_message("replication 2/5, 4 foreign requests/month") == (
            "повтор 2 из 5, 4 иностранных заявок в месяц"
        )
        assert jobs.job_message(replay_step) == (
            "с иностранными пациентами: неделя 3 из 26 (02.03.2026), курсов: 212, начинают: 14, принято иностранных: 2"
        )
        assert jobs.job_message("a step nobody registered") == "a step nobody registered"
        assert jobs.job_message("") == ""
    with translation.override("en"):
        assert jobs.job_message("solving") == "solving"
