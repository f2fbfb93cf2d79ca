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

from .instance import FORMAT

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
