"""Capacity offers: publishing a finished simulation's per-month offer, and the months in which a plan would start
more foreign courses than the published offer sells."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError
from onconet.core.models import Facility, Job, User
from onconet.core.scoping import get_visible, require_permission
from onconet.scheduling.models import CapacityOffer, Course, CourseStatus, Machine, MachineKind, Origin, Plan
from onconet.scheduling.selectors import simulation_jobs


@dataclass(frozen=True)
class OfferExcess:
    """A month in which a plan starts more foreign courses on a kind of machine than the published offer sells."""

    month: dt.date  # its first day
    kind: str
    starts: int  # foreign courses starting that month with the plan (booked already and new)
    offer: int
    booked: int

    @property
    def kind_label(self) -> str:
        return str(MachineKind(self.kind).label) if self.kind in MachineKind.values else self.kind

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {self.kind}: {self.starts} foreign starts, the published offer is {self.offer} "
            f"({self.booked} booked already)"
        )


def offer_excess(plan: Plan) -> list[OfferExcess]:
    """Months in which this plan would start more foreign courses on a kind of machine at its facility than the
    published capacity offer of that month sells (whole courses: the offer's mean rounded down), one each.
    Months without a published offer are not limited here (the plan's own guarantee still holds)."""
    new = {
        row["course"]: row
        for row in plan.diff.get("rows", [])
        if row.get("origin") == Origin.FOREIGN and row["change"] in ("added", "moved")
    }
    if not new:
        return []
    machines = {m.code: m.kind for m in Machine.objects.filter(facility=plan.facility)}
    starts: Counter[tuple[str, dt.date]] = Counter()
    for row in new.values():
        start = dt.date.fromisoformat(row["start_date"])
        starts[(machines.get(row["machine"], ""), start.replace(day=1))] += 1
    lines: list[OfferExcess] = []
    for (kind, month), added in sorted(starts.items()):
        offer = CapacityOffer.objects.filter(facility=plan.facility, kind=kind, month=month).first()
        if offer is None:
            continue
        booked = (
            Course.objects.filter(
                facility=plan.facility,
                origin=Origin.FOREIGN,
                machine__kind=kind,
                start_date__year=month.year,
                start_date__month=month.month,
            )
            .exclude(status=CourseStatus.CANCELLED)
            .exclude(code__in=list(new))
            .count()
        )
        allowed = int(offer.courses)
        if booked + added > allowed:
            lines.append(OfferExcess(month, kind, booked + added, allowed, booked))
    return lines


MIN_OFFER_DAYS = 14  # a simulated month with fewer measured days is too short to quote


def offer_publish(*, user: User, job: Job) -> list[CapacityOffer]:
    """Publish a finished simulation's per-month offer as the capacity offer of its facility and machine kind.

    A month the simulation covers only in part (after the warm-up, or at the end) is scaled to the whole month;
    one with fewer than MIN_OFFER_DAYS simulated days is left out. Months published before are replaced."""
    require_permission(user, "scheduling.run_simulation", action="publish capacity offers")
    job = get_visible(user, simulation_jobs(user=user), pk=job.pk)
    if job.status != "succeeded" or not job.result:
        raise DomainError("Only a finished simulation can be published.")
    facility = Facility.objects.get(pk=job.params["facility"])
    kind = job.params["kind"]
    months: Iterable[dict[str, Any]] = job.result.get("offer_by_month", [])
    with transaction.atomic():
        offers = []
        for row in months:
            if row["days"] < MIN_OFFER_DAYS:
                continue
            scale = row["month_days"] / row["days"]

            def one(value: float, scale: float = scale) -> Decimal:
                return Decimal(str(round(max(0.0, value * scale), 1)))

            offer, _ = CapacityOffer.objects.update_or_create(
                facility=facility,
                kind=kind,
                month=dt.date.fromisoformat(f"{row['month']}-01"),
                defaults={
                    "courses": one(row["admitted_mean"]),
                    "ci_low": one(row["admitted_ci_low"]),
                    "ci_high": one(row["admitted_ci_high"]),
                    "job": job,
                    "published_by": user,
                    "published_at": timezone.now(),
                },
            )
            offers.append(offer)
        if not offers:
            raise DomainError("The simulation covers no month long enough to quote; simulate more weeks.")
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=job,
            message=f"capacity offer {facility.code} {kind}: {len(offers)} months",
        )
    return offers
