"""Machines, their calendars, the protocol catalogue, courses, bookings, plans and capacity offers.

Capacity is enforced by the database: every booked fraction adds its minutes to its `MachineDay`, whose
CHECK constraint keeps `booked_minutes ≤ capacity_minutes`; the booking service adds them with one conditional
UPDATE, so concurrent bookings for the last free minutes cannot both succeed (see services.book_fractions).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.models import Facility, Job, User


class MachineKind(models.TextChoices):
    PROTON_GANTRY = "proton_gantry", _("Proton gantry")
    LINAC = "linac", _("Linear accelerator")
    PET_CT = "pet_ct", _("PET-CT")
    MRI = "mri", _("MRI")
    CT = "ct", _("CT")


class Beam(models.Model):
    """One accelerator feeding several treatment rooms (a proton cyclotron and its gantries): it treats one room at
    a time, so the minutes of all its machines together on a date may not exceed its own."""

    scope_region: ClassVar[str] = "facility__region_id"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="beams", verbose_name=_("facility"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    minutes_per_weekday = models.JSONField(
        _("beam minutes per weekday"), help_text=_("seven numbers, Monday first"), default=list
    )

    class Meta:
        ordering = ["facility__name", "code"]
        verbose_name = _("beam")
        verbose_name_plural = _("beams")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Machine(models.Model):
    scope_region: ClassVar[str] = "facility__region_id"

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="machines", verbose_name=_("facility")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=MachineKind.choices)
    minutes_per_weekday = models.JSONField(
        _("minutes per weekday"), help_text=_("seven numbers, Monday first"), default=list
    )
    # the timetable sequences each day's fractions from this time (scheduling.timetable)
    opens_at = models.TimeField(_("opens at"), default=dt.time(8, 0))
    active = models.BooleanField(_("in use"), default=True)
    beam = models.ForeignKey(
        Beam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="machines",
        verbose_name=_("beam"),
        help_text=_("the accelerator it shares with other rooms; empty when it has its own"),
    )

    class Meta:
        ordering = ["facility__name", "kind", "code"]
        verbose_name = _("machine")
        verbose_name_plural = _("machines")
        permissions = [
            ("view_schedule", "Can view machine calendars, courses and plans"),
            ("manage_resources", "Can manage machines, downtime, holidays and protocols"),
            ("plan_schedule", "Can run the planner and approve plans"),
            ("run_planner", "Can run the planner (a proposal for the department to approve)"),
            ("add_foreign_course", "Can send a prepaid referral to planning"),
            ("run_simulation", "Can run capacity simulations and publish capacity offers"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class DowntimeReason(models.TextChoices):
    QA = "qa", _("Quality assurance")
    MAINTENANCE = "maintenance", _("Planned maintenance")
    REPAIR = "repair", _("Repair")
    BREAKDOWN = "breakdown", _("Breakdown")


class Downtime(models.Model):
    """Minutes of one date a machine is not available (a full day when equal to its hours)."""

    scope_region: ClassVar[str] = "machine__facility__region_id"

    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="downtime", verbose_name=_("machine"))
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    reason = models.CharField(_("reason"), max_length=20, choices=DowntimeReason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "machine__code"]
        verbose_name = _("downtime")
        verbose_name_plural = _("downtime")
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0, minutes__lte=1440), name="downtime_minutes")]

    def __str__(self) -> str:
        return f"{self.machine_id} {self.date} {self.minutes} min"


class Protocol(models.Model):
    """A treatment or imaging protocol, shared by domestic and foreign patients."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    fractions = models.PositiveSmallIntegerField(_("fractions"))
    first_minutes = models.PositiveSmallIntegerField(_("minutes of the first fraction"))
    minutes = models.PositiveSmallIntegerField(_("minutes of later fractions"))
    machine_kinds = models.JSONField(_("eligible machine kinds"), default=list)
    target_days = models.PositiveSmallIntegerField(
        _("wait target, days"),
        default=14,
        help_text=_("the longest wait from ready to start; an urgency's national target applies when it is shorter"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        constraints = [
            models.CheckConstraint(condition=Q(fractions__gte=1), name="protocol_fractions_positive"),
            models.CheckConstraint(condition=Q(first_minutes__lte=1440, minutes__lte=1440), name="protocol_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Origin(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic")
    FOREIGN = "foreign", _("Foreign")


class CourseStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a slot")
    BOOKED = "booked", _("Booked")
    UNDER_WAY = "under_way", _("Under way")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Urgency(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    SOON = 2, _("Soon")
    ROUTINE = 3, _("Routine")


class Course(models.Model):
    """A course of treatment waiting for, or holding, a machine: pseudonymous for domestic patients; foreign
    courses come from prepaid referrals of the international office."""

    scope_region: ClassVar[str] = "facility__region_id"

    code = models.CharField(_("pseudonymous id"), max_length=40, unique=True)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("facility"))
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.DOMESTIC)
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="courses", verbose_name=_("protocol"))
    ready_date = models.DateField(_("ready date"))
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.ROUTINE)
    referral = models.OneToOneField(
        "tourism.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="course"
    )
    latest_start = models.DateField(_("latest start"), null=True, blank=True)
    value = models.DecimalField(_("value, RUB"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=12, choices=CourseStatus.choices, default=CourseStatus.WAITING)
    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, null=True, blank=True, related_name="courses")
    start_date = models.DateField(_("start"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ready_date", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(origin="domestic") | Q(referral__isnull=False), name="foreign_course_has_referral"
            ),
            models.CheckConstraint(condition=Q(urgency__gte=1, urgency__lte=3), name="course_urgency_1_3"),
        ]
        indexes = [models.Index(fields=["facility", "status"], name="course_facility_status")]

    def __str__(self) -> str:
        return self.code


class MachineDay(models.Model):
    """The minutes of one machine on one date: what it has and what is booked. The CHECK constraint is the
    last word on overbooking, whatever the code above it does."""

    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    capacity_minutes = models.PositiveIntegerField()
    booked_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["machine", "date"]
        constraints = [
            models.UniqueConstraint(fields=["machine", "date"], name="one_machine_day"),
            models.CheckConstraint(
                condition=Q(booked_minutes__lte=F("capacity_minutes")), name="machine_day_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.machine_id} {self.date}: {self.booked_minutes}/{self.capacity_minutes}"


class Booking(models.Model):
    """One fraction of a course on a machine-day."""

    scope_region: ClassVar[str] = "course__facility__region_id"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="bookings")
    day = models.ForeignKey(MachineDay, on_delete=models.PROTECT, related_name="bookings")
    fraction = models.PositiveSmallIntegerField()
    minutes = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day__date", "course__code"]
        constraints = [models.UniqueConstraint(fields=["course", "fraction"], name="one_booking_per_fraction")]

    def __str__(self) -> str:
        return f"{self.course_id} #{self.fraction + 1}"


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DISCARDED = "discarded", _("Discarded")
    SUPERSEDED = "superseded", _("Superseded")


class PlanKind(models.TextChoices):
    DAILY = "daily", _("Daily re-plan")
    BREAKDOWN = "breakdown", _("Re-plan after downtime")
    MANUAL = "manual", _("Manual")


class Plan(models.Model):
    """A solver run over the database state of one facility, proposed against the current bookings."""

    scope_region: ClassVar[str] = "facility__region_id"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("facility"))
    kind = models.CharField(_("kind"), max_length=12, choices=PlanKind.choices, default=PlanKind.MANUAL)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    solver = models.CharField(_("solver"), max_length=10, default="cpsat")
    start_date = models.DateField(_("from"))
    days = models.PositiveSmallIntegerField(_("days"))
    instance = models.JSONField(default=dict)
    plan = models.JSONField(default=dict)
    diff = models.JSONField(default=dict)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.status})"


class CapacityOffer(models.Model):
    """Foreign courses a month the office may sell on the machines of one kind at one facility, from a simulation."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="capacity_offers", verbose_name=_("facility")
    )
    kind = models.CharField(_("machine kind"), max_length=20, choices=MachineKind.choices)
    month = models.DateField(_("month"))
    courses = models.DecimalField(_("foreign courses a month"), max_digits=6, decimal_places=1)
    ci_low = models.DecimalField(_("95 % CI from"), max_digits=6, decimal_places=1)
    ci_high = models.DecimalField(_("95 % CI to"), max_digits=6, decimal_places=1)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["facility", "kind", "month"]
        verbose_name = _("capacity offer")
        verbose_name_plural = _("capacity offers")
        constraints = [
            models.UniqueConstraint(fields=["facility", "kind", "month"], name="one_offer_per_facility_kind_month"),
            models.CheckConstraint(condition=Q(courses__gte=0), name="offer_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.kind} {self.month:%Y-%m}: {self.courses}"
