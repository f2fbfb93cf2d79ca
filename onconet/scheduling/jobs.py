"""Background jobs of the scheduler: the planner (solver over the database state) and the capacity simulation."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.jobs import Progress, register_job_kind, register_job_message
from onconet.core.models import Facility, Holiday, Job, User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.services import job_start
from onconet.core.transitions import System
from onconet.scheduling.models import (
    Course,
    CourseStatus,
    Downtime,
    Machine,
    MachineKind,
    Origin,
    Plan,
    PlanKind,
    PlanStatus,
    Protocol,
)
from onconet.scheduling.planner import DEFAULT_DAYS, build_instance, diff, replay_document, wait_targets
from onconet.scheduling.services import refresh_statuses
from onconet.scheduling.simulation import (
    DomesticStream,
    ForeignPartner,
    ForeignProtocol,
    SimulationConfig,
    estimate_rates,
    simulate,
)
from onconet.scheduling.solver import parse_instance, solve
from onconet.scheduling.solver.replay import replay
from onconet.scheduling.workflow import PLANS
from onconet.tourism.models import ContractService, ContractStatus, Service

PLAN_TIME_LIMIT = 5.0  # CP-SAT deterministic seconds for a facility's plan


def _replication_step(groups: Mapping[str, str]) -> str:
    return gettext("replication %(done)s of %(total)s, %(level)s foreign requests a month") % groups


def _replay_step(groups: Mapping[str, str]) -> str:
    run = gettext("with foreign patients") if groups["run"] == "with foreign" else gettext("without foreign patients")
    day = date_format(dt.date.fromisoformat(groups["date"]), "SHORT_DATE_FORMAT")
    return gettext(
        "%(run)s: week %(epoch)s of %(epochs)s (%(day)s), %(courses)s courses, %(started)s start, "
        "%(foreign)s foreign admitted"
    ) % {**groups, "run": run, "day": day}


# The steps that the simulation and the replay (pure modules, in English) report, read back in the reader's language.
register_job_message(
    r"replication (?P<done>\d+)/(?P<total>\d+), (?P<level>\d+) foreign requests/month", _replication_step
)
register_job_message(
    r"replay (?P<run>with foreign|domestic only): epoch (?P<epoch>\d+)/(?P<epochs>\d+) (?P<date>\d{4}-\d\d-\d\d): "
    r"(?P<courses>\d+) courses, (?P<started>\d+) start, (?P<foreign>\d+) foreign admitted, .*",
    _replay_step,
)


def plan_facility(
    facility: Facility,
    *,
    kind: str,
    solver: str = "cpsat",
    days: int = DEFAULT_DAYS,
    user: User | None = None,
    job: Job | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Solve the facility's state from today and store the proposal with its diff against the bookings."""

    today = today or timezone.localdate()
    refresh_statuses(today)
    keep = kind == PlanKind.BREAKDOWN
    instance, notes = build_instance(facility, today, days, keep_booked=keep)
    if progress:
        progress(20, gettext_noop("solving"))
    result = solve(parse_instance(instance), solver, PLAN_TIME_LIMIT)
    if keep and result.status == "infeasible":
        # Courses under way pushed by the breakdown do not fit around the fixed bookings: free those not started.
        notes.append("The courses under way did not fit around the bookings; not-yet-started courses were freed.")
        instance, more = build_instance(facility, today, days, keep_booked=False)
        notes += more
        result = solve(parse_instance(instance), solver, PLAN_TIME_LIMIT)
    if progress:
        progress(80, gettext_noop("comparing with the bookings"))
    with transaction.atomic():
        plan = Plan.objects.create(
            facility=facility,
            kind=kind,
            solver=solver,
            start_date=today,
            days=days,
            instance=instance,
            plan=result.as_document(),
            diff=diff(result, facility, today),
            job=job,
            created_by=user,
            note="\n".join(notes),
        )
        for other in Plan.objects.filter(facility=facility, status=PlanStatus.PROPOSED).exclude(pk=plan.pk):
            PLANS.move(other, name="supersede", actor=System(f"plan {plan.pk} proposed", by=user))
    return plan


@register_job_kind(
    "schedule_plan", label=_("Scheduling plan"), permission="scheduling.run_planner", user_startable=False
)
def schedule_plan_job(job: Job, progress: Progress) -> dict[str, Any]:
    facility = Facility.objects.get(pk=job.params["facility"])
    progress(5, gettext_noop("reading the calendar"))
    plan = plan_facility(
        facility,
        kind=job.params.get("kind", PlanKind.MANUAL),
        solver=job.params.get("solver", "cpsat"),
        days=int(job.params.get("days", DEFAULT_DAYS)),
        user=job.created_by,
        job=job,
        progress=progress,
    )
    return {"plan": plan.pk, "url": reverse("scheduling:plan", args=[plan.pk]), "counts": plan.diff["counts"]}


REPLAY_WEEKS = (4, 8, 13, 26)  # the periods a replay may look back over
REPLAY_TIME_LIMIT = 2.0  # CP-SAT deterministic seconds per epoch


def start_replay(*, user: User, facility: Facility, weeks: int = 13, solver: str = "cpsat") -> Job:
    """Queue the rolling replay (contract v2) of the facility's own last `weeks` weeks, with and without its
    foreign courses; the facility must be in the user's scope (404 otherwise)."""
    require_permission(user, "scheduling.run_planner", action="replay the schedule")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    if weeks not in REPLAY_WEEKS or solver not in ("cpsat", "greedy"):
        raise InvalidInput(
            "Choose a period and a solver.",
            errors=[FieldProblem(f"one of {', '.join(map(str, REPLAY_WEEKS))}", "weeks", weeks)],
        )
    params = {"facility": facility.pk, "weeks": weeks, "solver": solver}
    return job_start(user=user, kind="schedule_replay", params=params, internal=True)


@register_job_kind(
    "schedule_replay", label=_("Schedule replay"), permission="scheduling.run_planner", user_startable=False
)
def schedule_replay_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Live the facility's last weeks again, week by week, with and without the foreign courses it took: did they
    delay anyone domestic? The report is the contract's (`onconet schedule-replay`)."""

    facility = Facility.objects.get(pk=job.params["facility"])
    weeks = int(job.params["weeks"])
    today = timezone.localdate()
    # The period ends six weeks from now: courses already known for then take part, the measured ones are those
    # ready before today (the contract leaves the last 42 days unmeasured).
    since, until = today - dt.timedelta(weeks=weeks), today + dt.timedelta(days=42)
    progress(2, gettext_noop("reading the history"))
    document = replay_document(facility, since, until)
    epochs = 2 * -(-document["days"] // 7)
    done = 0

    def report(message: str) -> None:
        nonlocal done
        done += 1
        progress(min(99, 5 + 94 * done // max(1, epochs)), message)

    result = replay(
        document,
        solver=job.params.get("solver", "cpsat"),
        time_limit=REPLAY_TIME_LIMIT,
        forecast_weeks=int(settings.SCHEDULING_FORECAST_WEEKS),
        progress=report,
    )
    result["period"] = {"from": since.isoformat(), "measured_until": today.isoformat(), "until": until.isoformat()}
    result["courses"] = {
        "domestic": sum(1 for c in document["courses"] if c["origin"] == "domestic"),
        "foreign": sum(1 for c in document["courses"] if c["origin"] == "foreign"),
    }
    return result


def daily_replan(today: dt.date | None = None) -> list[Plan]:
    """The daily re-plan of every facility with machines (Celery beat, or `onconet replan` from cron)."""

    facilities = Facility.objects.filter(pk__in=Machine.objects.filter(active=True).values("facility"))
    return [plan_facility(f, kind=PlanKind.DAILY, today=today) for f in facilities.order_by("code")]


# ================================================================ capacity simulation

SIMULATION_HORIZON_WEEKS = 12
HISTORY_WEEKS = 26


def kind_protocols(kind: str) -> list[Protocol]:
    """Protocols that may be given on a machine of `kind`."""
    return [p for p in Protocol.objects.order_by("code") if kind in p.machine_kinds]


def history_rates(
    facility: Facility, kind: str, start: dt.date, weeks: int = HISTORY_WEEKS
) -> tuple[dict[str, dict[int, float]], float]:
    """Weekly domestic arrival rates per protocol and urgency at `facility` on machines of `kind`, estimated from the
    courses ready in the `weeks` weeks before `start`, and the weeks of history they cover. The observation period
    begins with the first course recorded in it (a facility that started using OncoNet three weeks ago has three
    weeks of history, not `weeks`)."""
    protocols = {p.pk: p.code for p in kind_protocols(kind)}
    since = start - dt.timedelta(days=7 * weeks)
    rows = list(
        Course.objects.filter(
            facility=facility,
            origin=Origin.DOMESTIC,
            protocol__in=protocols,
            ready_date__gte=since,
            ready_date__lt=start,
        )
        .exclude(status=CourseStatus.CANCELLED)
        .values_list("protocol_id", "urgency", "ready_date")
    )
    if not rows:
        return {}, 0.0
    observed = max(1.0, min(float(weeks), (start - min(r[2] for r in rows)).days / 7))
    rates = estimate_rates(((protocols[p], u, d) for p, u, d in rows), observed, end=start)
    return rates, observed


def _simulation_partners(kind: str, protocols: list[Protocol], demand: str) -> tuple[ForeignPartner, ...]:
    """Foreign demand: the active contracts' lines for courses on `kind` (their monthly quotas apply), or, with
    `demand="open"`, one prospective partner without a quota asking for every such protocol at its base price."""

    by_code = {p.code: p for p in protocols}

    def mix(protocol: Protocol, value: Decimal) -> ForeignProtocol:
        return ForeignProtocol(
            protocol=protocol.code,
            share=1.0,
            fractions=protocol.fractions,
            first_minutes=protocol.first_minutes,
            minutes=protocol.minutes,
            value=float(value),
        )

    if demand == "open":
        services = Service.objects.filter(is_course=True, protocol__in=list(by_code)).order_by("code")
        prices: dict[str, Decimal] = {}
        for s in services:
            prices.setdefault(s.protocol, s.base_price)
        entries = tuple(mix(p, prices.get(p.code, Decimal(0))) for p in protocols)
        return (ForeignPartner(id="open", max_courses_per_month=999, mix=entries),) if entries else ()
    lines = (
        ContractService.objects.filter(
            contract__status=ContractStatus.ACTIVE, service__is_course=True, service__protocol__in=list(by_code)
        )
        .select_related("contract", "service")
        .order_by("contract__number", "service__code")
    )
    return tuple(
        ForeignPartner(
            id=f"{line.contract.number}/{line.service.code}",
            max_courses_per_month=line.monthly_quota if line.monthly_quota is not None else 999,
            mix=(mix(by_code[line.service.protocol], line.price or line.service.base_price),),
            weight=float(line.monthly_quota or 1),
        )
        for line in lines
    )


def simulation_config(
    *,
    facility: Facility,
    kind: str,
    start: dt.date,
    weeks: int = 26,
    levels: tuple[int, ...] = (0, 2, 4, 6, 8),
    replications: int = 5,
    solver: str = "greedy",
    rates: dict[str, dict[int, float]] | None = None,
    demand: str = "open",
    seed: int = 0,
    tolerance_days: float = 0.0,
) -> SimulationConfig:
    """The simulation of `facility`'s machines of `kind` from the database: weekly hours, downtime and holidays
    over the simulated period, the protocol catalogue, domestic rates (`rates`, else estimated from the history)
    and foreign demand (see `_simulation_partners`)."""
    machines = list(Machine.objects.filter(facility=facility, kind=kind, active=True).order_by("code"))
    end = start + dt.timedelta(weeks=weeks + SIMULATION_HORIZON_WEEKS)
    downtime: dict[int, Counter[dt.date]] = defaultdict(Counter)
    for d in Downtime.objects.filter(machine__in=machines, date__gte=start, date__lt=end):
        downtime[d.machine_id][d.date] += d.minutes
    protocols = kind_protocols(kind)
    if rates is None:
        rates, _weeks = history_rates(facility, kind, start)
    by_code = {p.code: p for p in protocols}
    domestic = tuple(
        DomesticStream(
            protocol=code,
            rates={u: float(r) for u, r in sorted(protocol_rates.items())},
            fractions=by_code[code].fractions,
            first_minutes=by_code[code].first_minutes,
            minutes=by_code[code].minutes,
        )
        for code, protocol_rates in sorted(rates.items())
        if code in by_code
    )
    return SimulationConfig(
        machines=tuple(
            {
                "id": m.code,
                "kind": m.kind,
                "minutes_per_weekday": list(m.minutes_per_weekday),
                "downtime": [
                    {"date": day.isoformat(), "minutes": min(minutes, 1440)}
                    for day, minutes in sorted(downtime[m.pk].items())
                ],
            }
            for m in machines
        ),
        start_date=start,
        domestic=domestic,
        partners=_simulation_partners(kind, protocols, demand),
        holidays=tuple(Holiday.objects.filter(date__gte=start, date__lt=end).values_list("date", flat=True)),
        weeks=weeks,
        levels=levels,
        replications=replications,
        seed=seed,
        solver=solver,
        horizon_weeks=SIMULATION_HORIZON_WEEKS,
        tolerance_days=tolerance_days,
        protection=float(settings.SCHEDULING_PROTECTION),  # the planner's admission policy, so the offer is real
        wait_targets=_urgency_targets(),
    )


def _urgency_targets() -> tuple[int, int, int]:
    targets = wait_targets()
    return (targets["1"], targets["2"], targets["3"])


def start_simulation(
    *,
    user: User,
    facility: Facility,
    kind: str,
    weeks: int = 26,
    levels: tuple[int, ...] = (0, 2, 4, 6, 8),
    replications: int = 5,
    solver: str = "greedy",
    rates: dict[str, dict[int, float]] | None = None,
    demand: str = "open",
    seed: int = 0,
    start: dt.date | None = None,
) -> Job:
    """Check the simulation's input and queue it as a job; every problem is reported at once and nothing is queued."""
    require_permission(user, "scheduling.run_simulation", action="run capacity simulations")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems: list[FieldProblem] = []
    if kind not in MachineKind.values:
        problems.append(FieldProblem(field="kind", message=f'Unknown machine kind "{kind}".'))
    elif not Machine.objects.filter(facility=facility, kind=kind, active=True).exists():
        problems.append(FieldProblem(field="kind", message=f"{facility.code} has no active machine of kind {kind}."))
    if demand not in ("open", "contracts"):
        problems.append(FieldProblem(field="demand", message='Foreign demand must be "open" or "contracts".'))
    if rates is not None:
        unknown = sorted(set(rates) - {p.code for p in kind_protocols(kind)})
        if unknown:
            problems.append(FieldProblem(field="rates", message=f"Not protocols of {kind}: {', '.join(unknown)}."))
    if problems:
        raise InvalidInput("The simulation cannot run.", errors=problems)
    start = start or timezone.localdate()
    config = simulation_config(
        facility=facility,
        kind=kind,
        start=start,
        weeks=weeks,
        levels=levels,
        replications=replications,
        solver=solver,
        rates=rates,
        demand=demand,
        seed=seed,
    )
    problems = [FieldProblem(field=_problem_field(p), message=p) for p in config.problems()]
    if not config.domestic or not any(r > 0 for s in config.domestic for r in s.rates.values()):
        problems.append(
            FieldProblem(
                field="rates", message="No domestic demand: enter weekly rates or record domestic courses first."
            )
        )
    if not config.partners:
        problems.append(
            FieldProblem(field="demand", message=f"No foreign demand for courses on {kind}: no contract offers one.")
        )
    if problems:
        raise InvalidInput("The simulation cannot run.", errors=problems)
    params = {"facility": facility.pk, "kind": kind, "demand": demand, "config": config.to_dict()}
    return job_start(user=user, kind="capacity_simulation", params=params, internal=True)


def _problem_field(problem: str) -> str:
    """The form field a SimulationConfig problem is about ("levels: …" → "levels", "domestic[0]…" → "rates")."""
    head = problem.split(":", 1)[0].split("[", 1)[0].split(".", 1)[0].strip()
    return {"domestic": "rates", "partners": "demand", "machines": "kind"}.get(head, head)


@register_job_kind(
    "capacity_simulation",
    label=_("Capacity simulation"),
    permission="scheduling.run_simulation",
    user_startable=False,
)
def capacity_simulation_job(job: Job, progress: Progress) -> dict[str, Any]:
    config = SimulationConfig.from_dict(job.params["config"])
    progress(1, gettext_noop("starting"))
    result = simulate(config, lambda fraction, message: progress(100 * fraction, message))
    return result.to_dict()
