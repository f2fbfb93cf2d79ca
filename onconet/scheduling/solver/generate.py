"""Generated instances for tests and the benchmark: sizes S, M and L of the issue, or any shape you ask for.

Demand is drawn so that each machine kind is loaded to `load` of its capacity over the horizon (domestic and
foreign together), with 20 % urgent, 30 % soon and 50 % routine domestic courses, some courses already under
way, quality-assurance downtime every four weeks, a maintenance day a quarter and the Russian public holidays.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from .engine import solve
from .instance import FORMAT, parse_instance

# kind: (minutes per weekday, fractions range, first minutes, later minutes, value per minute)
PROTOCOLS: dict[str, tuple[int, tuple[int, int], int, int, int]] = {
    "proton_gantry": (600, (10, 30), 60, 30, 60),
    "linac": (600, (5, 30), 30, 15, 20),
    "pet_ct": (600, (1, 1), 45, 45, 40),
    "mri": (720, (1, 1), 40, 40, 25),
}
HOLIDAYS = ((1, 1), (1, 2), (1, 7), (1, 8), (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))


@dataclass(frozen=True)
class Size:
    machines: tuple[str, ...]
    courses: int
    weeks: int


SIZES = {
    "S": Size(("linac",), 100, 8),
    "M": Size(("proton_gantry", "linac", "linac", "pet_ct", "mri"), 1000, 26),
    "L": Size(
        ("proton_gantry", "proton_gantry", "linac", "linac", "linac", "linac", "pet_ct", "pet_ct", "mri", "mri"),
        5000,
        52,
    ),
}


def generate(
    size: str | Size,
    seed: int = 0,
    foreign_share: float = 0.10,
    load: float = 0.70,
    start: dt.date = dt.date(2027, 1, 4),
    partners: int = 3,
) -> dict[str, Any]:
    shape = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(seed)
    days = shape.weeks * 7
    end = start + dt.timedelta(days=days - 1)
    holidays = sorted(
        dt.date(y, mo, d)
        for y in range(start.year, end.year + 1)
        for mo, d in HOLIDAYS
        if start <= dt.date(y, mo, d) <= end
    )
    machines = []
    for i, kind in enumerate(shape.machines):
        per_day = PROTOCOLS[kind][0]
        downtime = [
            {"date": (start + dt.timedelta(days=d)).isoformat(), "minutes": 240, "reason": "QA"}
            for d in range(7 * (i % 4) + 2, days, 28)
        ]
        downtime += [
            {"date": (start + dt.timedelta(days=d)).isoformat(), "minutes": per_day, "reason": "maintenance"}
            for d in range(45 + 3 * i, days, 91)
        ]
        downtime.sort(key=lambda b: str(b["date"]))
        machines.append(
            {
                "id": f"{kind.upper().replace('_', '-')}-{i + 1}",
                "kind": kind,
                "minutes_per_weekday": [per_day] * 5 + [0, 0],
                "downtime": downtime,
            }
        )
    kinds = sorted(set(shape.machines))
    capacity = {k: sum(1 for m in shape.machines if m == k) * PROTOCOLS[k][0] * days * 5 / 7 for k in kinds}
    total_capacity = sum(capacity.values())
    partner_ids = [f"P{i + 1}" for i in range(partners)]
    n_foreign = round(shape.courses * foreign_share)
    share = {k: capacity[k] / total_capacity for k in kinds}
    raw: list[dict[str, Any]] = []
    for n in range(shape.courses):
        kind = rng.choices(kinds, weights=[share[k] for k in kinds])[0]
        _, (lo, hi), first, later, _ = PROTOCOLS[kind]
        raw.append({"kind": kind, "fractions": rng.randint(lo, hi), "first": first, "later": later, "n": n})
    # Scale fractions (or, for single-session kinds, minutes) so each kind carries `load` of its capacity.
    for kind in kinds:
        group = [c for c in raw if c["kind"] == kind]
        if not group:
            continue
        demand = sum(c["first"] + c["later"] * (c["fractions"] - 1) for c in group)
        factor = load * capacity[kind] / demand
        for c in group:
            if c["fractions"] > 1:
                c["fractions"] = max(1, min(days // 3, round(c["fractions"] * factor)))
            else:
                c["first"] = c["later"] = max(5, round(c["first"] * factor))
    foreign_ids = set(rng.sample(range(shape.courses), n_foreign))
    courses: list[dict[str, Any]] = []
    fixed_load = {m["id"]: 0 for m in machines}
    for c in raw:
        kind = c["kind"]
        eligible = [m["id"] for m in machines if m["kind"] == kind]
        ready = start + dt.timedelta(days=rng.randint(-7, int(days * 0.75)))
        course: dict[str, Any] = {
            "ready_date": ready.isoformat(),
            "fractions": c["fractions"],
            "first_minutes": c["first"],
            "minutes": c["later"],
            "machines": eligible,
        }
        if c["n"] in foreign_ids:
            course = {
                "id": f"F-{c['n'] + 1:05d}",
                "origin": "foreign",
                "partner": rng.choice(partner_ids),
                "value": (c["first"] + c["later"] * (c["fractions"] - 1))
                * PROTOCOLS[kind][4]
                * rng.randint(8, 12)
                // 10,
                "latest_start": (ready + dt.timedelta(days=rng.randint(21, 70))).isoformat(),
                **course,
            }
        else:
            course = {
                "id": f"D-{c['n'] + 1:05d}",
                "origin": "domestic",
                "urgency": rng.choices((1, 2, 3), (2, 3, 5))[0],
                **course,
            }
            machine = eligible[0]
            if (
                c["fractions"] > 2
                and rng.random() < 0.05
                and fixed_load[machine] + c["later"] <= 0.3 * PROTOCOLS[kind][0]
            ):
                fixed_load[machine] += c["later"]
                delivered = rng.randint(1, c["fractions"] - 1)
                started = start - dt.timedelta(days=delivered * 7 // 5 + 1)
                course["ready_date"] = (started - dt.timedelta(days=rng.randint(0, 14))).isoformat()
                course["fixed"] = {"machine": machine, "start_date": started.isoformat(), "delivered": delivered}
        courses.append(course)
    return {
        "format": FORMAT,
        "start_date": start.isoformat(),
        "days": days,
        "holidays": [h.isoformat() for h in holidays],
        "domestic_reserve": 0.10,
        "machines": machines,
        "partners": [
            {"id": p, "max_courses_per_month": max(2, n_foreign // (partners * max(1, shape.weeks // 4)))}
            for p in partner_ids
        ],
        "courses": courses,
    }


# --- departments that look real, for the rolling replay -----------------------------------------------------------

# (name, share of courses, fractions range, first minutes, later minutes, urgency weights 1/2/3, all machines?)
DEPARTMENT_PROTOCOLS: tuple[tuple[str, float, tuple[int, int], int, int, tuple[int, int, int], bool], ...] = (
    ("palliative", 0.35, (1, 5), 30, 20, (5, 4, 1), True),  # short, mostly urgent, on any machine
    ("radical", 0.65, (15, 35), 30, 15, (1, 3, 6), False),  # long, mostly routine, on its machine kind
)
DEPARTMENT_KINDS = ("linac", "linac_imrt")  # two kinds: standard linacs and the ones equipped for IMRT/VMAT
WARM_UP_DAYS = 49


def _working_days(start: dt.date, days: int, holidays: set[dt.date]) -> list[int]:
    return [
        d
        for d in range(days)
        if (start + dt.timedelta(days=d)).weekday() < 5 and start + dt.timedelta(days=d) not in holidays
    ]


def _poisson(rng: random.Random, mean: float) -> int:
    k, p, u = 0, pow(2.718281828459045, -mean), rng.random()
    cumulative = p
    while u > cumulative and k < 10 * mean + 50:
        k += 1
        p *= mean / k
        cumulative += p
    return k


def generate_department(
    machines: int = 10,
    weeks: int = 26,
    load: float = 0.85,
    seed: int = 0,
    foreign_share: float = 0.10,
    start: dt.date = dt.date(2027, 1, 4),
    partners: int = 3,
) -> dict[str, Any]:
    """A radiotherapy department: `machines` linacs of two kinds, Poisson arrivals on working days whose domestic
    demand is `load` of the capacity, short palliative (1–5 fractions) and long radical (15–35) courses, urgencies,
    QA and maintenance downtime, a few breakdowns, holidays, and foreign requests (`foreign_share` of the domestic
    courses, radical). The department is already running: the courses that arrived in the seven weeks before the
    start were booked first come, first served, and those still going on the first day are under way (`fixed`)."""
    rng = random.Random(f"department/{machines}/{weeks}/{load}/{seed}")
    days = weeks * 7
    first = start - dt.timedelta(days=WARM_UP_DAYS)
    end = start + dt.timedelta(days=days - 1)
    holidays = {
        dt.date(y, mo, d)
        for y in range(first.year, end.year + 1)
        for mo, d in HOLIDAYS
        if first <= dt.date(y, mo, d) <= end + dt.timedelta(days=120)
    }
    n_imrt = max(1, machines * 2 // 5)
    kinds = [DEPARTMENT_KINDS[1] if i < n_imrt else DEPARTMENT_KINDS[0] for i in range(machines)]
    machine_docs = []
    for i, kind in enumerate(kinds):
        downtime: dict[dt.date, tuple[int, str]] = {}
        for d in range(7 * (i % 4) + 2, days, 28):
            downtime[start + dt.timedelta(days=d)] = (240, "QA")
        for d in range(40 + 5 * i, days, 91):
            downtime[start + dt.timedelta(days=d)] = (600, "maintenance")
        for _ in range(_poisson(rng, weeks / 26)):  # about two breakdowns a year
            d = rng.randrange(days)
            downtime[start + dt.timedelta(days=d)] = (600, "breakdown")
        machine_docs.append(
            {
                "id": f"{'IMRT' if kind == DEPARTMENT_KINDS[1] else 'LIN'}-{i + 1:02d}",
                "kind": kind,
                "minutes_per_weekday": [600] * 5 + [0, 0],
                "downtime": [
                    {"date": date.isoformat(), "minutes": minutes, "reason": why}
                    for date, (minutes, why) in sorted(downtime.items())
                ],
            }
        )
    by_kind = {k: [m["id"] for m in machine_docs if m["kind"] == k] for k in DEPARTMENT_KINDS}
    every = [m["id"] for m in machine_docs]
    # Arrivals per working day so that domestic demand is `load` of 600 minutes × machines.
    mean_minutes = sum(
        share * (first_m + later * ((lo + hi) / 2 - 1))
        for _, share, (lo, hi), first_m, later, _, _ in DEPARTMENT_PROTOCOLS
    )
    per_day = load * 600 * machines / mean_minutes
    working = _working_days(first, WARM_UP_DAYS + days, holidays)
    partner_ids = [f"P{i + 1}" for i in range(partners)]
    courses: list[dict[str, Any]] = []
    n = 0
    for d in working:
        ready = first + dt.timedelta(days=d)
        for _ in range(_poisson(rng, per_day)):
            n += 1
            _, _, (lo, hi), first_m, later, urgency_weights, anywhere = rng.choices(
                DEPARTMENT_PROTOCOLS, weights=[p[1] for p in DEPARTMENT_PROTOCOLS]
            )[0]
            kind = DEPARTMENT_KINDS[1] if rng.random() < n_imrt / machines else DEPARTMENT_KINDS[0]
            courses.append(
                {
                    "id": f"D-{n:05d}",
                    "origin": "domestic",
                    "ready_date": ready.isoformat(),
                    "urgency": rng.choices((1, 2, 3), urgency_weights)[0],
                    "fractions": rng.randint(lo, hi),
                    "first_minutes": first_m,
                    "minutes": later,
                    "machines": every if anywhere else by_kind[kind],
                }
            )
        if d >= WARM_UP_DAYS:
            for _ in range(_poisson(rng, per_day * foreign_share)):
                n += 1
                kind = DEPARTMENT_KINDS[1] if rng.random() < 0.5 else DEPARTMENT_KINDS[0]
                fractions = rng.randint(15, 35)
                courses.append(
                    {
                        "id": f"F-{n:05d}",
                        "origin": "foreign",
                        "partner": rng.choice(partner_ids),
                        "value": (30 + 15 * (fractions - 1)) * 20 * rng.randint(8, 12) // 10,
                        "ready_date": ready.isoformat(),
                        "latest_start": (ready + dt.timedelta(days=rng.randint(21, 56))).isoformat(),
                        "fractions": fractions,
                        "first_minutes": 30,
                        "minutes": 15,
                        "machines": by_kind[kind],
                    }
                )
    # The warm-up: courses ready before the start, booked first come, first served from seven weeks before it.
    before = [c for c in courses if dt.date.fromisoformat(c["ready_date"]) < start]
    warm = {
        "format": FORMAT,
        "start_date": first.isoformat(),
        "days": WARM_UP_DAYS + 60,
        "holidays": sorted(
            h.isoformat() for h in holidays if first <= h < first + dt.timedelta(days=WARM_UP_DAYS + 60)
        ),
        "machines": machine_docs,  # the downtime from the start on, so that the courses under way fit it
        "courses": before,
    }
    plan = solve(parse_instance(warm), "greedy")
    placed = plan.assignment_of()
    kept: list[dict[str, Any]] = []
    for c in courses:
        if dt.date.fromisoformat(c["ready_date"]) >= start:
            kept.append(c)
            continue
        a = placed.get(c["id"])
        if a is None or a.start_date >= start:
            kept.append(c)  # a backlog course: known, waiting
            continue
        delivered = sum(1 for x in a.dates if x < start)
        if delivered < c["fractions"]:
            kept.append(
                {**c, "fixed": {"machine": a.machine, "start_date": a.start_date.isoformat(), "delivered": delivered}}
            )
    n_foreign = sum(1 for c in kept if c["origin"] == "foreign")
    return {
        "format": FORMAT,
        "start_date": start.isoformat(),
        "days": days,
        "holidays": sorted(h.isoformat() for h in holidays if start <= h),
        "domestic_reserve": 0.10,
        "wait_targets": {"1": 2, "2": 14, "3": 28},
        "machines": machine_docs,
        "partners": [
            {"id": p, "max_courses_per_month": max(2, round(n_foreign / partners / max(1, weeks / 4.345)) + 1)}
            for p in partner_ids
        ],
        "courses": kept,
    }
