"""Core records: users and roles, the organisation hierarchy, the audit log, background jobs, API tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onconet.core.reference_data import localised_country_name, localised_subdivision_name
from onconet.core.roles import Role


class User(AbstractUser):
    """A person who logs in. The role decides permissions; the region (of a regional reporter) and the partner
    organisation (of a partner agent, linked in tourism) decide which records."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "core.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("region"),
    )
    languages = models.JSONField(
        _("languages spoken"), default=list, blank=True, help_text=_('ISO 639 codes, e.g. ["bg", "en"]')
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.REGIONAL_REPORTER, region__isnull=False)
                | (~Q(role=Role.REGIONAL_REPORTER) & Q(region__isnull=True)),
                name="user_region_iff_regional_reporter",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Country(models.Model):
    """A country, as ISO 3166-1 and pycountry know it."""

    code = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, unique=True)
    alpha_3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localised_country_name(self.name, get_language())


class FederalDistrict(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="federal_districts")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_ru = models.CharField(_("name (Russian)"), max_length=80)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("federal district")
        verbose_name_plural = _("federal districts")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_ru if (get_language() or "").startswith("ru") else self.name_en


class Region(models.Model):
    """A first-level subdivision (ISO 3166-2), e.g. RU-KLU."""

    scope_region: ClassVar[str] = "id"

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="regions")
    federal_district = models.ForeignKey(
        FederalDistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="regions"
    )
    code = models.CharField(_("ISO 3166-2 code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=120)  # the ISO 3166-2 romanisation ("Kaluzhskaya oblast'")
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)  # the usual one ("Kaluga Oblast")
    name_ru = models.CharField(_("name in Russian"), max_length=120, blank=True)  # the official one
    subdivision_type = models.CharField(_("subdivision type"), max_length=60, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    population_source = models.CharField(_("population source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The region's name in the active language: the official Russian name, the usual English one; the ISO
        romanisation (localised where the ISO catalogue can) only for a region the names file does not cover."""
        russian = (get_language() or "").startswith("ru")
        named = self.name_ru if russian else self.name_en
        return named or localised_subdivision_name(self.name, get_language())


class Holiday(models.Model):
    """A national non-working day: no machine treats, and no service-level day counts."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        db_table = "scheduling_holiday"  # where the scheduler kept it first; moved to core without copying rows
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class FacilityKind(models.TextChoices):
    DISPENSARY = "dispensary", _("Oncology dispensary")
    CAOP = "caop", _("Outpatient cancer care centre (CAOP)")
    HOSPITAL = "hospital", _("Hospital")
    PROTON_CENTRE = "proton_centre", _("Proton therapy centre")
    REFERENCE_CENTRE = "reference_centre", _("Reference centre")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")


class Facility(models.Model):
    """A place where care is given.

    `parent` is the organisation that runs it (its operator); `located_in` is the building it sits in when
    that is another facility's — two separate relations, as in IHE mCSD (Organization.partOf, Location.partOf).
    """

    scope_region: ClassVar[str] = "region_id"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=FacilityKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated",
        verbose_name=_("operator"),
    )
    located_in = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_units",
        verbose_name=_("located in"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="facility_code_unique_in_region"),
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="facility_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="facility_longitude_range"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="facility_not_own_operator"),
            models.CheckConstraint(condition=~Q(located_in=models.F("id")), name="facility_not_inside_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    STATE_CHANGE = "state_change", _("changed state")
    VIEW = "view", _("viewed")
    EXPORT = "export", _("exported")
    LOGIN = "login", _("logged in")
    LOGIN_FAILED = "login_failed", _("failed to log in")
    LOGOUT = "logout", _("logged out")


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete an audit entry."""


class AuditEntry(models.Model):
    """One thing someone did. Append-only: the application refuses edits and a database trigger does too."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """A piece of background work and its visible state (progress, result or error)."""

    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0, validators=[MaxValueValidator(100)])
    message = models.CharField(_("current step"), max_length=255, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Which worker process runs the job ("host:pid"), and when it last showed it is alive: a running job whose
    # heartbeat is older than JOB_LOST_AFTER_SECONDS lost its worker and is marked failed (and can be retried).
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # When its message was last handed to the broker: a job queued long ago is sent again (the broker was down, or
    # lost its queue); a duplicate message is harmless, as only a queued job can be claimed.
    sent_at = models.DateTimeField(_("sent to the workers"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        permissions = [("run_network_census", "Can run the network census job")]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_max_100")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash is stored; the token is shown once, when it is created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
