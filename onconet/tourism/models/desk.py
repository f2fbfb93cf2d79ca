"""The support desk: interpreter bookings, support tasks, message templates."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from onconet.core.models import User
from onconet.tourism.models.referrals import Referral


class InterpreterBooking(models.Model):
    """An interpreter's time with a patient; an interpreter is never booked twice at once."""

    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="interpreter_bookings")
    interpreter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="interpreter_bookings")
    language = models.CharField(_("language"), max_length=3)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interpreter} {self.starts_at:%Y-%m-%d %H:%M}"


class TaskKind(models.TextChoices):
    VISA_INVITATION = "visa_invitation", _("visa invitation")
    HOTEL = "hotel", _("hotel")
    TRANSFER = "airport_transfer", _("airport transfer")
    COMPANION = "companion", _("companion")
    OTHER = "other", _("other")


class SupportTask(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_label(self) -> str:
        return f"R-{self.referral_id} · {self.get_kind_display()} #{self.pk}"


class MessageTemplate(models.Model):
    """A letter or message in one language; {placeholders} are filled from the referral."""

    code = models.SlugField(_("code"), max_length=40)
    language = models.CharField(_("language"), max_length=3)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["code", "language"]
        constraints = [models.UniqueConstraint(fields=["code", "language"], name="template_unique_per_language")]

    def __str__(self) -> str:
        return f"{self.code} [{self.language}]"
