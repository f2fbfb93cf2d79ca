"""Referrals through medical review, their history and the documents sent with them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.models import User
from onconet.tourism.models.contracts import Contract
from onconet.tourism.models.partners import Partner
from onconet.tourism.models.prices import Service
from onconet.tourism.models.registry import ForeignPatient


class ReferralState(models.TextChoices):
    INQUIRY = "inquiry", _("inquiry")
    RECORDS_REQUESTED = "records_requested", _("records requested")
    UNDER_REVIEW = "under_review", _("under medical review")
    MORE_INFO = "more_info", _("more information needed")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    QUOTE_SENT = "quote_sent", _("quote sent")
    QUOTE_ACCEPTED = "quote_accepted", _("quote accepted")
    PREPAID = "prepaid", _("prepaid")
    SCHEDULED = "scheduled", _("scheduled")
    ARRIVED = "arrived", _("arrived")
    IN_TREATMENT = "in_treatment", _("in treatment")
    COMPLETED = "completed", _("completed")
    FOLLOW_UP = "follow_up", _("follow-up")


class Referral(models.Model):
    """A foreign patient's way from the first inquiry to follow-up at home."""

    scope_partner: ClassVar[str] = "partner_id"

    patient = models.ForeignKey(ForeignPatient, on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested service")
    )
    state = models.CharField(_("state"), max_length=20, choices=ReferralState.choices, default=ReferralState.INQUIRY)
    state_changed_at = models.DateTimeField(_("in this state since"), default=timezone.now)
    coordinator = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    icd10_codes = models.JSONField(_("diagnoses (ICD-10)"), default=list)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    clinical_summary = models.TextField(_("clinical summary"), blank=True)
    proposed_protocol = models.CharField(_("proposed protocol"), max_length=200, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    latest_start = models.DateField(_("latest start of treatment"), null=True, blank=True)
    start_date = models.DateField(_("start of treatment"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["state", "state_changed_at"], name="referral_queue")]

    def __str__(self) -> str:
        return f"R-{self.pk} {self.patient}"

    @property
    def audit_label(self) -> str:
        return f"R-{self.pk}"


class ReferralEvent(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.action}"

    @property
    def audit_label(self) -> str:
        return f"R-{self.referral_id} {self.action}"


class DocumentKind(models.TextChoices):
    MEDICAL_RECORD = "medical_record", _("medical record")
    IMAGING = "imaging", _("imaging report")
    PATHOLOGY = "pathology", _("pathology report")
    PASSPORT = "passport", _("passport copy")
    OTHER = "other", _("other")


class PatientDocument(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="patients/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name

    @property
    def audit_label(self) -> str:
        return f"R-{self.referral_id} · {_('document')} #{self.pk}"
