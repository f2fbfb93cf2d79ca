"""Partner organisations, the agents who work for them, and their contacts."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from onconet.core.models import User


class PartnerKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry of health")
    INSURER = "insurer", _("Insurer")
    CLINIC = "clinic", _("Clinic")
    AGENCY = "agency", _("Medical travel agency")
    ASSOCIATION = "association", _("Medical association")


class Partner(models.Model):
    """A foreign organisation that refers patients or cooperates with the network."""

    scope_partner: ClassVar[str] = "id"

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="partners")
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="partner_name_unique_in_country")]

    def __str__(self) -> str:
        return self.name


class PartnerAgent(models.Model):
    """Which partner organisation a partner agent works for. The link lives here, with the partners, and not on
    core's user: core's scoping asks tourism for it (`core.scoping.register_partner_of`)."""

    scope_partner: ClassVar[str] = "partner_id"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="agency", verbose_name=_("user")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="agents", verbose_name=_("partner organisation")
    )

    class Meta:
        ordering = ["partner", "user"]
        verbose_name = _("partner agent")
        verbose_name_plural = _("partner agents")

    def __str__(self) -> str:
        return f"{self.user} ({self.partner})"


class PartnerContact(models.Model):
    scope_partner: ClassVar[str] = "partner_id"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("preferred language"), max_length=3, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"
