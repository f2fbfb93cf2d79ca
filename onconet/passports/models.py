"""A regional cancer-care passport: one region, one year, reported by the regional centre and approved
by the national centre. Children are keyed as in the workbook contract (passport-template.md)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.models import Facility, Region, User


class PassportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")


class Specialty(models.TextChoices):
    ONCOLOGIST = "oncologist", _("Oncologist")
    SURGICAL_ONCOLOGIST = "surgical_oncologist", _("Surgical oncologist")
    RADIATION_ONCOLOGIST = "radiation_oncologist", _("Radiation oncologist")
    CHEMOTHERAPIST = "chemotherapist", _("Chemotherapist")
    RADIOLOGIST = "radiologist", _("Radiologist")
    NUCLEAR_MEDICINE = "nuclear_medicine", _("Nuclear medicine physician")
    PATHOLOGIST = "pathologist", _("Pathologist")
    MEDICAL_PHYSICIST = "medical_physicist", _("Medical physicist")
    RADIOGRAPHER = "radiographer", _("Radiographer")
    ONCOLOGY_NURSE = "oncology_nurse", _("Oncology nurse")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class EquipmentKind(models.TextChoices):
    CT = "ct", _("CT scanner")
    MRI = "mri", _("MRI scanner")
    PET_CT = "pet_ct", _("PET-CT")
    SPECT = "spect", _("SPECT")
    MAMMOGRAPH = "mammograph", _("Mammograph")
    XRAY = "xray", _("X-ray")
    ULTRASOUND = "ultrasound", _("Ultrasound")
    ENDOSCOPE = "endoscope", _("Endoscope")
    LINAC = "linac", _("Linear accelerator")
    PROTON_GANTRY = "proton_gantry", _("Proton gantry")
    BRACHYTHERAPY = "brachytherapy", _("Brachytherapy unit")
    GAMMA_KNIFE = "gamma_knife", _("Gamma knife")
    CYCLOTRON = "cyclotron", _("Cyclotron")


class EquipmentCondition(models.TextChoices):
    WORKING = "working", _("working")
    NEEDS_REPAIR = "needs_repair", _("needs repair")
    OUT_OF_SERVICE = "out_of_service", _("out of service")


class BuildingCondition(models.TextChoices):
    GOOD = "good", _("good")
    SATISFACTORY = "satisfactory", _("satisfactory")
    NEEDS_REPAIR = "needs_repair", _("needs repair")
    EMERGENCY = "emergency", _("emergency")


class BedProfile(models.TextChoices):
    SURGICAL = "surgical", _("surgical")
    CHEMOTHERAPY = "chemotherapy", _("chemotherapy")
    RADIOTHERAPY = "radiotherapy", _("radiotherapy")
    PALLIATIVE = "palliative", _("palliative")
    DAY_HOSPITAL = "day_hospital", _("day hospital")


class ComplianceStatus(models.TextChoices):
    MET = "met", _("met")
    PARTIAL = "partial", _("partial")
    NOT_MET = "not_met", _("not met")


class Standard(models.Model):
    """A standard of care that passports report compliance with; the catalogue is kept by national admins."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Passport(models.Model):
    scope_region: ClassVar[str] = "region_id"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="passports", verbose_name=_("region"))
    period = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=16, choices=PassportStatus.choices, default=PassportStatus.DRAFT, db_index=True
    )
    population = models.PositiveIntegerField(_("population"))
    cancer_incidence = models.PositiveIntegerField(_("new cancer cases last year"), null=True, blank=True)
    dispensary = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("central dispensary"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "region__code"]
        verbose_name = _("passport")
        verbose_name_plural = _("passports")
        permissions = [
            ("submit_passport", "Can submit a passport for approval"),
            ("approve_passport", "Can approve or return a submitted passport"),
            ("reopen_passport", "Can re-open an approved passport"),
        ]
        constraints = [models.UniqueConstraint(fields=["region", "period"], name="passport_one_per_region_year")]

    def __str__(self) -> str:
        return f"{self.region.code} {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.status == PassportStatus.DRAFT


class PassportFacility(models.Model):
    """A facility as the passport of one year describes it (its registry record lives in core.Facility)."""

    scope_region: ClassVar[str] = "passport__region_id"

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="facilities")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="passport_entries")
    building_condition = models.CharField(
        _("building condition"), max_length=16, choices=BuildingCondition.choices, blank=True
    )
    opened_year = models.PositiveSmallIntegerField(_("opened"), null=True, blank=True)

    class Meta:
        ordering = ["facility__code"]
        constraints = [models.UniqueConstraint(fields=["passport", "facility"], name="passport_facility_unique")]

    def __str__(self) -> str:
        return f"{self.passport} {self.facility.code}"


class StaffMember(models.Model):
    """One person, pseudonymous: never a name."""

    scope_region: ClassVar[str] = "passport__region_id"

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="staff")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    staff_id = models.CharField(_("staff id"), max_length=40)
    specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    fte = models.DecimalField(_("FTE"), max_digits=4, decimal_places=2)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    hired_year = models.PositiveSmallIntegerField(_("hired"), null=True, blank=True)

    class Meta:
        ordering = ["staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["passport", "staff_id"], name="staff_id_unique_in_passport"),
            models.CheckConstraint(condition=Q(fte__gt=0, fte__lte=1.5), name="staff_fte_range"),
        ]
        indexes = [models.Index(fields=["passport", "specialty"], name="staff_passport_specialty")]

    def __str__(self) -> str:
        return self.staff_id


class Equipment(models.Model):
    scope_region: ClassVar[str] = "passport__region_id"

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="equipment")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    equipment_id = models.CharField(_("equipment id"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=EquipmentKind.choices)
    year_installed = models.PositiveSmallIntegerField(_("installed"))
    condition = models.CharField(_("condition"), max_length=16, choices=EquipmentCondition.choices)
    manufacturer = models.CharField(_("manufacturer"), max_length=120, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    available_hours_per_week = models.DecimalField(
        _("available hours a week"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    used_hours_per_week = models.DecimalField(
        _("used hours a week"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    procedures_last_year = models.PositiveIntegerField(_("procedures last year"), null=True, blank=True)

    class Meta:
        ordering = ["equipment_id"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        constraints = [
            models.UniqueConstraint(fields=["passport", "equipment_id"], name="equipment_id_unique_in_passport"),
            models.CheckConstraint(
                condition=Q(available_hours_per_week__isnull=True) | Q(available_hours_per_week__lte=168),
                name="equipment_available_at_most_168",
            ),
        ]
        indexes = [models.Index(fields=["passport", "kind"], name="equipment_passport_kind")]

    def __str__(self) -> str:
        return self.equipment_id


class BedGroup(models.Model):
    """Beds of one profile at a facility, possibly located inside another hospital's building."""

    scope_region: ClassVar[str] = "passport__region_id"

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="beds")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    profile = models.CharField(_("profile"), max_length=16, choices=BedProfile.choices)
    beds = models.PositiveIntegerField(_("beds"))
    located_in = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("located in")
    )
    occupancy_rate = models.DecimalField(_("occupancy"), max_digits=4, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["facility__code", "profile"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "facility", "profile"],
                condition=Q(located_in__isnull=True),
                name="beds_unique_own_building",
            ),
            models.UniqueConstraint(
                fields=["passport", "facility", "profile", "located_in"],
                condition=Q(located_in__isnull=False),
                name="beds_unique_in_other_building",
            ),
            models.CheckConstraint(
                condition=Q(occupancy_rate__isnull=True) | Q(occupancy_rate__gte=0, occupancy_rate__lte=1),
                name="beds_occupancy_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility.code} {self.profile} {self.beds}"


class ComplianceRecord(models.Model):
    scope_region: ClassVar[str] = "passport__region_id"

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="compliance")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="records")
    status = models.CharField(_("status"), max_length=10, choices=ComplianceStatus.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)

    class Meta:
        ordering = ["facility__code", "standard__code"]
        constraints = [
            models.UniqueConstraint(fields=["passport", "facility", "standard"], name="compliance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.facility.code} {self.standard.code} {self.status}"


class PassportEvent(models.Model):
    """The passport's history as its reporter reads it: transitions, imports and their comments."""

    class Action(models.TextChoices):
        CREATE = "create", _("started the passport")
        COPY_FORWARD = "copy_forward", _("started the passport from last year's")
        IMPORT = "import", _("imported a workbook")
        SUBMIT = "submit", _("submitted it for approval")
        APPROVE = "approve", _("approved it")
        RETURN = "return", _("returned it for correction")
        REOPEN = "reopen", _("re-opened it")

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.passport} {self.action}"
