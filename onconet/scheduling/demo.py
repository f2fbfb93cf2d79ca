"""Demo data of the scheduler: machines of the proton centres, the protocol catalogue, holidays, downtime,
domestic courses (some under way, some booked, some waiting), prepaid foreign referrals sent to planning, and a
proposed plan to look at."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from onconet.core.models import Facility, Holiday, Job, JobStatus, User
from onconet.scheduling.jobs import plan_facility, simulation_config
from onconet.scheduling.models import Beam, Course, CourseStatus, Downtime, Machine, Origin, Protocol
from onconet.scheduling.services import _course_problems, book_course, offer_publish
from onconet.scheduling.simulation import simulate
from onconet.tourism.models import QuoteStatus, Referral, ReferralState

PROTOCOLS = [
    # code, name, fractions, first minutes, later minutes, kinds, target days
    ("PROTON-25", "Proton therapy, 25 fractions", 25, 45, 25, ["proton_gantry"], 21),
    ("PROTON-CSI-30", "Proton craniospinal irradiation, 30 fractions", 30, 60, 40, ["proton_gantry"], 21),
    ("PROTON-HYPO-5", "Hypofractionated proton therapy, 5 fractions", 5, 60, 40, ["proton_gantry"], 14),
    ("IMRT-30", "Photon IMRT, 30 fractions", 30, 30, 15, ["linac"], 21),
    ("SBRT-5", "Stereotactic body radiotherapy, 5 fractions", 5, 60, 40, ["linac"], 14),
    ("PALL-10", "Palliative radiotherapy, 10 fractions", 10, 25, 12, ["linac"], 3),
    ("PET-FDG", "Whole-body FDG PET-CT", 1, 40, 40, ["pet_ct"], 7),
    ("MRI-PLAN", "MRI for treatment planning", 1, 45, 45, ["mri"], 7),
]
HOLIDAYS = [
    (1, 1, "New Year"),
    (1, 2, "New Year holidays"),
    (1, 7, "Orthodox Christmas"),
    (2, 23, "Defender of the Fatherland Day"),
    (3, 8, "International Women's Day"),
    (5, 1, "Spring and Labour Day"),
    (5, 9, "Victory Day"),
    (6, 12, "Russia Day"),
    (11, 4, "Unity Day"),
]
MACHINES = {
    "MRRC-PROTON": [
        ("MRRC-G1", "Prometheus gantry", "proton_gantry", 660),
        ("MRRC-L1", "Linac 1", "linac", 600),
        ("MRRC-L2", "Linac 2", "linac", 600),
        ("MRRC-PET", "PET-CT", "pet_ct", 540),
        ("MRRC-MRI", "MRI 3T", "mri", 720),
    ],
    "FHTC-DIM": [(f"DIM-G{i}", f"Gantry {i}", "proton_gantry", 600) for i in (1, 2, 3)],
    "SPB-PROTON": [("SPB-G1", "Proteus gantry", "proton_gantry", 600)],
}
# One cyclotron feeds Dimitrovgrad's three gantry rooms and treats one room at a time: while one patient is
# irradiated the others are positioned, so the rooms together get less beam than three rooms' hours.
BEAMS = {"FHTC-DIM": ("DIM-C235", "Cyclotron C235", 1200, ("DIM-G1", "DIM-G2", "DIM-G3"))}
DOMESTIC = {
    "PROTON-25": 26,
    "PROTON-CSI-30": 3,
    "PROTON-HYPO-5": 8,
    "IMRT-30": 70,
    "SBRT-5": 25,
    "PALL-10": 30,
    "PET-FDG": 150,
    "MRI-PLAN": 110,
}


def build_scheduling(*, seed: int) -> int:
    """Returns the number of courses created."""
    rng = random.Random(seed)
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        for month, day, name in HOLIDAYS:
            Holiday.objects.get_or_create(date=dt.date(year, month, day), defaults={"name": name})
    protocols = {
        code: Protocol.objects.create(
            code=code,
            name=name,
            fractions=f,
            first_minutes=first,
            minutes=later,
            machine_kinds=kinds,
            target_days=target,
        )
        for code, name, f, first, later, kinds, target in PROTOCOLS
    }
    machines: list[Machine] = []
    for facility_code, rows in MACHINES.items():
        facility = Facility.objects.filter(code=facility_code).first()
        if facility is None:
            continue
        beam: Beam | None = None
        fed: tuple[str, ...] = ()
        if facility_code in BEAMS:
            beam_code, beam_name, beam_minutes, fed = BEAMS[facility_code]
            beam = Beam.objects.create(
                facility=facility, code=beam_code, name=beam_name, minutes_per_weekday=[beam_minutes] * 5 + [0, 0]
            )
        for code, name, kind, minutes in rows:
            machines.append(
                Machine.objects.create(
                    facility=facility,
                    code=code,
                    name=name,
                    kind=kind,
                    minutes_per_weekday=[minutes] * 5 + [0, 0],
                    beam=beam if code in fed else None,
                )
            )
    monday = today - dt.timedelta(days=today.weekday())
    for i, machine in enumerate(machines):
        for week in range(-2, 10):
            Downtime.objects.create(
                machine=machine,
                date=monday + dt.timedelta(days=7 * week + i % 5),
                minutes=60,
                reason="qa",
                note="Weekly QA",
            )
        Downtime.objects.create(
            machine=machine,
            date=monday + dt.timedelta(days=7 * (3 + i % 4) + 2),
            minutes=machine.minutes_per_weekday[0],
            reason="maintenance",
            note="Vendor service",
        )
    main = Facility.objects.filter(code="MRRC-PROTON").first()
    if main is None:
        return 0
    created = 0
    start = today - dt.timedelta(days=21)
    for code, count in DOMESTIC.items():
        for _ in range(count):
            created += 1
            Course.objects.create(
                code=f"D-{created:05d}",
                facility=main,
                protocol=protocols[code],
                ready_date=start + dt.timedelta(days=rng.randint(0, 56)),
                urgency=rng.choices((1, 2, 3), (2, 3, 5))[0],
            )
    # Three weeks ago the department booked what was ready by then: those courses are under way or done today.
    past = plan_facility(main, kind="daily", solver="greedy", today=start, days=91)
    ready_then = {c.code for c in Course.objects.filter(facility=main, ready_date__lte=start + dt.timedelta(days=10))}
    for row in past.diff["rows"]:
        if row["change"] != "added" or row["course"] not in ready_then:
            continue
        course = Course.objects.get(code=row["course"])
        machine = Machine.objects.get(code=row["machine"])
        book_course(course, machine, [dt.date.fromisoformat(d) for d in row["dates"]])
        course.machine, course.start_date = machine, dt.date.fromisoformat(row["start_date"])
        course.status = CourseStatus.BOOKED
        course.save(update_fields=["machine", "start_date", "status"])
    past.delete()
    _foreign_from_prepaid(main)
    plan_facility(main, kind="daily", today=today, days=91)
    _published_offer(Facility.objects.filter(code="FHTC-DIM").first() or main, today)
    return created + Course.objects.filter(origin=Origin.FOREIGN).count()


def _foreign_from_prepaid(facility: Facility) -> None:

    for referral in Referral.objects.filter(state=ReferralState.PREPAID).select_related("service").order_by("pk"):
        protocol = Protocol.objects.filter(code=referral.service.protocol).first()
        if protocol is None or _course_problems("", 3, facility, protocol):
            continue
        quote = referral.quotes.filter(status=QuoteStatus.ACCEPTED).order_by("-id").first()
        Course.objects.create(
            code=f"F-{referral.pk:05d}",
            facility=facility,
            origin=Origin.FOREIGN,
            protocol=protocol,
            ready_date=timezone.localdate(),
            referral=referral,
            latest_start=referral.latest_start,
            value=(quote.total * quote.rate) if quote else referral.service.base_price,
        )


def _published_offer(facility: Facility, today: dt.date) -> None:
    """The office's capacity simulation of the three Dimitrovgrad gantries (under-used, as in the article), run now
    with domestic rates entered by the office, and its offer published."""

    coordinator = User.objects.filter(username="coordinator").first()
    if coordinator is None:
        return
    rates = {
        "PROTON-25": {1: 1.0, 2: 1.5, 3: 2.5},
        "PROTON-HYPO-5": {1: 0.2, 2: 0.3, 3: 0.5},
        "PROTON-CSI-30": {3: 0.5},
    }
    config = simulation_config(
        facility=facility,
        kind="proton_gantry",
        start=today,
        weeks=26,
        levels=(0, 8, 16, 24, 32),
        replications=5,
        rates=rates,
    )
    result = simulate(config)
    job = Job.objects.create(
        kind="capacity_simulation",
        params={"facility": facility.pk, "kind": "proton_gantry", "demand": "open", "config": config.to_dict()},
        status=JobStatus.SUCCEEDED,
        progress=100,
        result=result.to_dict(),
        created_by=coordinator,
        finished_at=timezone.now(),
    )
    offer_publish(user=coordinator, job=job)
