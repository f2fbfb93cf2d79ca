"""The one transition mechanism, on a model of core's own (a job's status): lock, right, state, guard, audit."""

from __future__ import annotations

import pytest

from onconet.core.audit import AuditAction
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditEntry, Job, JobStatus
from onconet.core.roles import Role
from onconet.core.tests.factories import JobFactory
from onconet.core.transitions import StateMachine, System, step

JOBS = StateMachine(
    Job,
    noun="job",
    steps=(
        step("claim", {JobStatus.QUEUED}, JobStatus.RUNNING, roles={Role.NATIONAL_ADMIN}),
        step("finish", {JobStatus.RUNNING}, JobStatus.SUCCEEDED, permission="core.change_job"),
        step("lose", {JobStatus.RUNNING}, JobStatus.FAILED, system=True),
    ),
)


@pytest.fixture
def job(users):
    return JobFactory(kind="network_census", created_by=users["analyst"])


def _entries(job):
    return list(
        AuditEntry.objects.filter(object_type="core.job", object_id=str(job.pk)).values_list(
            "action", "actor_username", "changes", "message"
        )
    )


def test_a_step_locks_checks_writes_and_audits(users, job, row_locks):
    with row_locks:
        moved = JOBS.move(job, name="claim", actor=users["admin"], comment="by hand")
    row_locks.assert_locked("core_job")
    assert moved.status == job.status == "running"  # the caller's instance shows the new state too
    assert Job.objects.get(pk=job.pk).status == "running"
    assert _entries(job) == [(AuditAction.STATE_CHANGE, "admin", {"status": ["queued", "running"]}, "by hand")]


def test_wrong_state_is_409_naming_the_steps_allowed_next_and_changes_nothing(users, job):
    with pytest.raises(DomainError) as err:
        JOBS.move(job, name="finish", actor=users["admin"])
    assert type(err.value) is DomainError
    assert err.value.status_code == 409
    assert err.value.detail == "Cannot finish a job that is queued; allowed next: claim."
    assert [e.as_dict() for e in err.value.errors] == [
        {"field": "status", "message": "allowed: claim", "value": "queued"}
    ]
    assert Job.objects.get(pk=job.pk).status == "queued"
    assert _entries(job) == []


def test_a_role_or_a_permission_decides_who_may_take_a_step(users, job):
    with pytest.raises(NotAllowed) as err:
        JOBS.move(job, name="claim", actor=users["analyst"])
    assert err.value.detail == "Your role may not claim; it is for: national_admin."
    JOBS.move(job, name="claim", actor=users["admin"])
    with pytest.raises(NotAllowed) as err:
        JOBS.move(job, name="finish", actor=users["coordinator"])
    assert err.value.detail == "You are not allowed to finish jobs."
    assert Job.objects.get(pk=job.pk).status == "running"
    assert JOBS.open_to(users["admin"], "queued") == ["claim"]
    assert JOBS.open_to(users["analyst"], "queued") == []


def test_system_steps_are_the_systems_and_never_offered(users, job):
    Job.objects.filter(pk=job.pk).update(status="running")
    with pytest.raises(NotAllowed):
        JOBS.move(job, name="finish", actor=System("the clock"))  # a person's step needs a person
    JOBS.move(job, name="lose", actor=System("the worker's heartbeat stopped"))
    assert Job.objects.get(pk=job.pk).status == "failed"
    assert JOBS.allowed_next("running") == ["finish"]
    assert _entries(job) == [
        (AuditAction.STATE_CHANGE, "", {"status": ["running", "failed"]}, "the worker's heartbeat stopped")
    ]


def test_the_system_acting_for_a_person_names_both(users, job):
    """A step a person's act sets going (a plan's approval books a referral the approver does not see): the system
    takes it, the audit entry names the person and the cause."""
    Job.objects.filter(pk=job.pk).update(status="running")
    JOBS.move(job, name="lose", actor=System("plan 7 approved", by=users["coordinator"]), comment="moved")
    assert _entries(job) == [
        (AuditAction.STATE_CHANGE, "coordinator", {"status": ["running", "failed"]}, "plan 7 approved: moved")
    ]


def test_a_failing_guard_rolls_the_step_back(users, job):
    def refuse(row: Job) -> None:
        row.message = "half written"
        row.save()
        raise DomainError("not now")

    with pytest.raises(DomainError, match="not now"):
        JOBS.move(job, name="claim", actor=users["admin"], guard=refuse)
    job.refresh_from_db()
    assert (job.status, job.message) == ("queued", "")
    assert _entries(job) == []


def test_unknown_steps_and_missing_rows(users, job):
    with pytest.raises(InvalidInput) as err:
        JOBS.move(job, name="explode", actor=users["admin"])
    assert err.value.detail == "Unknown transition 'explode'; known: claim, finish, lose."
    gone = Job(pk=job.pk + 1000)
    with pytest.raises(NotFound):
        JOBS.move(gone, name="claim", actor=users["admin"])
    with pytest.raises(NotFound):
        JOBS.move(gone, name="lose", actor=System("the clock"))
