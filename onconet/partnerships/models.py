"""Partnerships: delegations and study tours with their participants, itinerary, costs and outcomes; agreements
with milestones; accreditations of facilities; country profiles with sourced indicators."""

from __future__ import annotations

import math
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onconet.core.models import Country, Facility, User

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius


class OrganisationKind(models.TextChoices):
    ASSOCIATION = "association", _("professional association")
    MINISTRY = "ministry", _("ministry or government agency")
    FEDERATION = "federation", _("hospital federation")
    HOSPITAL = "hospital", _("hospital")
    UNIVERSITY = "university", _("university or institute")
    COMPANY = "company", _("company")
    OTHER = "other", _("other")


class Organisation(models.Model):
    """A body that organises, hosts or signs: an association, a ministry, a hospital — ours or foreign."""

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    facility = models.ForeignKey(
        Facility, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("our facility")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="organisation_unique_in_country")]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    """A place a delegation travels from or to, with WGS 84 coordinates."""

    name = models.CharField(_("name"), max_length=120)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    timezone = models.CharField(
        _("time zone"), max_length=60, default="UTC", help_text=_("IANA name, e.g. Europe/Paris")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="city_unique_in_country"),
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="city_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="city_longitude_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_id and self.country.code})"


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of the Earth's mean radius (within 0.5 % of the ellipsoid)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Direction(models.TextChoices):
    INBOUND = "inbound", _("inbound (they visit us)")
    OUTBOUND = "outbound", _("outbound (we visit them)")


class DelegationStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    CONFIRMED = "confirmed", _("confirmed")
    UNDER_WAY = "under_way", _("under way")
    COMPLETED = "completed", pgettext_lazy("delegation", "completed")
    CANCELLED = "cancelled", pgettext_lazy("delegation", "cancelled")


class Delegation(models.Model):
    """A delegation or study tour: who travels where, when, why, organised by whom."""

    title = models.CharField(_("title"), max_length=255)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=DelegationStatus.choices, default=DelegationStatus.PLANNED
    )
    purpose = models.TextField(_("purpose"))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    origin = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    destination = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    organisers = models.ManyToManyField(Organisation, related_name="organised", verbose_name=_("organised by"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    budget_currency = models.CharField(_("budget currency"), max_length=3, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        permissions = [("manage_partnerships", "Can organise delegations and record agreements")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="delegation_dates_ordered"),
            models.CheckConstraint(condition=Q(budget__isnull=True) | Q(budget__gte=0), name="budget_non_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def distance_km(self) -> float:
        return great_circle_km(
            float(self.origin.latitude),
            float(self.origin.longitude),
            float(self.destination.latitude),
            float(self.destination.longitude),
        )


class ParticipantRole(models.TextChoices):
    HEAD = "head", _("head of delegation")
    MANAGER = "manager", _("hospital manager")
    CHIEF_PHYSICIAN = "chief_physician", _("chief physician")
    DEPUTY = "deputy", _("deputy chief physician")
    PHYSICIAN = "physician", _("physician")
    NURSE = "nurse", _("nurse manager")
    OFFICIAL = "official", _("official")
    INTERPRETER = "interpreter", _("interpreter")
    ORGANISER = "organiser", _("organiser")


class VisaStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("not needed")
    TO_APPLY = "to_apply", _("to apply")
    APPLIED = "applied", _("applied")
    ISSUED = "issued", _("issued")
    REFUSED = "refused", _("refused")


class Participant(models.Model):
    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="participants")
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    organisation = models.CharField(_("organisation"), max_length=255)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    visa_status = models.CharField(_("visa"), max_length=12, choices=VisaStatus.choices, default=VisaStatus.NOT_NEEDED)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                Lower("full_name"), Lower("organisation"), "delegation", name="participant_once_per_delegation"
            )
        ]

    def __str__(self) -> str:
        return self.full_name


class Topic(models.TextChoices):
    EMERGENCY = "emergency", _("emergency services")
    MANAGEMENT = "management", _("hospital management")
    FINANCING = "financing", _("financing and insurance")
    ONCOLOGY = "oncology", _("cancer care")
    TECHNOLOGY = "technology", _("medical technology")
    DIGITAL = "digital", _("digital health")
    QUALITY = "quality", _("quality and accreditation")
    EDUCATION = "education", _("education and training")
    PRIVATE = "private", _("private healthcare")
    RESEARCH = "research", _("research")


class Visit(models.Model):
    """One item of the itinerary: a visit to an institution on a day of the delegation."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    institution = models.CharField(_("institution"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    host = models.CharField(_("host"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    description = models.TextField(_("programme"), blank=True)

    class Meta:
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | Q(end_time__isnull=True) | Q(end_time__gt=F("start_time")),
                name="visit_times_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.institution}"


class CostCategory(models.TextChoices):
    TRAVEL = "travel", _("travel")
    ACCOMMODATION = "accommodation", _("accommodation")
    MEALS = "meals", _("meals")
    INTERPRETING = "interpreting", _("interpreting")
    VISAS = "visas", _("visas and insurance")
    FEES = "fees", _("fees")
    OTHER = "other", _("other")


class Cost(models.Model):
    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField(_("category"), max_length=16, choices=CostCategory.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["currency", "category", "pk"]
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="cost_non_negative")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.category}"


class Insight(models.Model):
    """What the delegation learned, per topic, optionally at one visit."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="insights")
    visit = models.ForeignKey(Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="insights")
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    text = models.TextField(_("insight"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic", "pk"]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")

    def __str__(self) -> str:
        return self.text[:60]


class ProposalStatus(models.TextChoices):
    IDEA = "idea", _("idea")
    DISCUSSING = "discussing", _("under discussion")
    AGREED = "agreed", _("agreed")
    DROPPED = "dropped", _("dropped")


class Proposal(models.Model):
    """A partnership idea that came out of a delegation; it may lead to an agreement."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    status = models.CharField(_("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.IDEA)
    agreement = models.ForeignKey(
        "Agreement", on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("partnership proposal")
        verbose_name_plural = _("partnership proposals")

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class FollowUp(models.Model):
    """An action after a delegation, with an owner and a due date; overdue ones show on the owner's home page."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="follow_ups")
    proposal = models.ForeignKey(Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(_("action"), max_length=255)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("owner"))
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_date < timezone.localdate()


class AgreementKind(models.TextChoices):
    MEMORANDUM = "memorandum", _("memorandum of understanding")
    COOPERATION = "cooperation", _("cooperation agreement")
    SERVICE = "service", _("service agreement (treating the partner's citizens)")
    CONSTRUCTION = "construction", _("construction project")
    BRANCH = "branch", _("branch abroad")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    NEGOTIATION = "negotiation", _("in negotiation")
    SIGNED = "signed", _("signed")
    IN_FORCE = "in_force", _("in force")
    COMPLETED = "completed", pgettext_lazy("agreement", "completed")
    TERMINATED = "terminated", _("terminated")


class Agreement(models.Model):
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    parties = models.ManyToManyField(Organisation, related_name="agreements", verbose_name=_("parties"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    delegation = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="agreements"
    )
    contracts = models.ManyToManyField(
        "tourism.Contract", blank=True, related_name="agreements", verbose_name=_("contracts it led to")
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="agreement_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=255)
    planned_date = models.DateField(_("planned"))
    actual_date = models.DateField(_("actual"), null=True, blank=True)
    responsible = models.CharField(_("responsible"), max_length=200)

    class Meta:
        ordering = ["planned_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    @property
    def late(self) -> bool:
        return self.actual_date is None and self.planned_date < timezone.localdate()


class AgreementDocument(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("file"), upload_to="agreements/%Y/")
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class Standard(models.TextChoices):
    ISO_9001 = "iso_9001", "ISO 9001"
    ISO_15189 = "iso_15189", "ISO 15189"
    JCI = "jci", "JCI"
    OECI = "oeci", "OECI"
    EUSOMA = "eusoma", "EUSOMA"
    NATIONAL_LICENCE = "national_licence", _("national medical licence")
    OTHER = "other", _("other")


# Certifications a European partner recognises as European (accreditation by European bodies or EN ISO standards
# certified under European accreditation); shown to partners in the portal.
EUROPEAN_STANDARDS = frozenset({Standard.ISO_9001, Standard.ISO_15189, Standard.OECI, Standard.EUSOMA})
EXPIRY_ALERT_DAYS = 90


class Accreditation(models.Model):
    scope_region: ClassVar[str] = "facility__region_id"

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="accreditations", verbose_name=_("facility")
    )
    standard = models.CharField(_("standard"), max_length=20, choices=Standard.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=255)
    certificate_number = models.CharField(_("certificate number"), max_length=80, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    scope = models.TextField(_("scope"))
    document = models.FileField(_("certificate"), upload_to="accreditations/%Y/", blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["valid_until", "pk"]
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        permissions = [("manage_accreditations", "Can record accreditations of facilities")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="accreditation_dates_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.get_standard_display()}"

    @property
    def european(self) -> bool:
        return self.standard in EUROPEAN_STANDARDS


class CountryIndicator(models.Model):
    """One number about a partner country, with its source: data, never a constant in code."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.SlugField(_("indicator"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=500)
    source_url = models.URLField(_("source address"), blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["country", "indicator", "-year"]
        verbose_name = _("country indicator")
        verbose_name_plural = _("country indicators")
        constraints = [
            models.UniqueConstraint(fields=["country", "indicator", "year"], name="one_value_per_country_year"),
            models.CheckConstraint(condition=~Q(source=""), name="indicator_has_source"),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} {self.indicator} {self.year}"
