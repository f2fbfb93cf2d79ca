"""The foreign patient registry: patients, possible duplicates, companions, consents."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.models import User
from onconet.tourism.models.partners import Partner


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class ForeignPatient(models.Model):
    """A paying foreign patient. Kept apart from anything domestic: its own tables and permissions."""

    scope_partner: ClassVar[str] = "partner_id"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="patients")
    family_name = models.CharField(_("family name (Latin)"), max_length=120)
    given_name = models.CharField(_("given names (Latin)"), max_length=120)
    name_native = models.CharField(_("name in native script"), max_length=255, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    citizenship = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+")
    passport_number = models.CharField(_("passport number"), max_length=40)
    languages = models.JSONField(_("languages spoken"), default=list)
    preferred_language = models.CharField(_("preferred language"), max_length=3)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # Set when the office merged a PossibleDuplicate: this record is the same person as that (earlier) record of
    # another partner. Each partner keeps its own record and referrals; only the office follows the link.
    same_person_as = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="also_registered_as",
        verbose_name=_("same person as"),
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("foreign patient")
        verbose_name_plural = _("foreign patients")
        permissions = [
            ("view_passport_number", "Can see foreign patients' full passport numbers"),
            ("export_patient_data", "Can export everything held about a foreign patient"),
            ("anonymise_foreignpatient", "Can anonymise a foreign patient"),
        ]
        constraints = [
            # unique within one partner's registry only: two partners may refer the same person, and refusing the
            # second would tell it that the person is someone else's patient (the office sees PossibleDuplicate)
            models.UniqueConstraint(
                fields=["partner", "citizenship", "passport_number"], name="patient_passport_unique_per_partner"
            ),
        ]
        indexes = [
            # the duplicate check of patient_register compares names case-insensitively (UPPER(...) = UPPER(...))
            models.Index(Upper("family_name"), "date_of_birth", name="patient_upper_name_dob"),
            models.Index(fields=["passport_number"], name="patient_passport"),
        ]
        # The registry search's trigram indexes on the names exist on PostgreSQL only: migration
        # 0005_patient_search_indexes creates them outside the model state. No B-tree may lead with the plain
        # family_name: PostgreSQL would walk it to serve the search's ORDER BY … LIMIT and filter every row.

    def __str__(self) -> str:
        return f"{self.family_name.upper()} {self.given_name}"

    @property
    def audit_label(self) -> str:
        """How the audit log names the patient: by registry number, never by name (anonymisation keeps it true)."""
        return f"foreign patient #{self.pk}"

    @property
    def passport_masked(self) -> str:
        return "•" * max(0, len(self.passport_number) - 3) + self.passport_number[-3:]


class DuplicateMatch(models.TextChoices):
    PASSPORT = "passport", _("same passport")
    NAME_AND_BIRTH_DATE = "name_dob", _("same name and date of birth")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("open")
    MERGED = "merged", _("merged")
    DISMISSED = "dismissed", _("dismissed")


class PossibleDuplicate(models.Model):
    """A newly registered patient who may be a person another partner registered before: the office merges the
    two records or dismisses the match. Partner agents never see these (services and selectors check the role)."""

    existing = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="+")
    newcomer = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="+")
    match = models.CharField(_("match"), max_length=10, choices=DuplicateMatch.choices)
    status = models.CharField(_("status"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("possible duplicate patient")
        verbose_name_plural = _("possible duplicate patients")
        constraints = [
            models.UniqueConstraint(fields=["existing", "newcomer"], name="possible_duplicate_pair_unique"),
            models.CheckConstraint(
                condition=~models.Q(existing=models.F("newcomer")), name="possible_duplicate_two_records"
            ),
        ]
        indexes = [models.Index(fields=["status", "found_at"], name="possible_duplicate_queue")]

    def __str__(self) -> str:
        return self.audit_label

    @property
    def audit_label(self) -> str:
        """Registry numbers only: the audit log never names a patient."""
        return f"possible duplicate #{self.pk}: patient #{self.newcomer_id} ~ patient #{self.existing_id}"


class Companion(models.Model):
    scope_partner: ClassVar[str] = "patient__partner_id"

    patient = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="companions")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=60)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return f"companion #{self.pk} of patient #{self.patient_id}"


class ConsentKind(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("processing of personal data")
    TREATMENT = "treatment", _("treatment")


class Consent(models.Model):
    scope_partner: ClassVar[str] = "patient__partner_id"

    patient = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=20, choices=ConsentKind.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.patient} {self.kind}"

    @property
    def audit_label(self) -> str:
        return f"consent #{self.pk} of patient #{self.patient_id}"
