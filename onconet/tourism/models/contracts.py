"""Contracts with partners: their services, prices, quotas and documents."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from onconet.tourism.models.partners import Partner
from onconet.tourism.models.prices import Service


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    EXPIRED = "expired", _("expired")


class Contract(models.Model):
    scope_partner: ClassVar[str] = "partner_id"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("number"), max_length=60, unique=True)
    our_party = models.CharField(_("our party"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    prepayment_share = models.DecimalField(_("prepayment share"), max_digits=4, decimal_places=3, default=1)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-valid_from", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="contract_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(prepayment_share__gte=0, prepayment_share__lte=1), name="prepayment_share_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.partner})"


class ContractService(models.Model):
    """A service the contract covers: a contract price, or a discount on the base price; a monthly quota."""

    scope_partner: ClassVar[str] = "contract__partner_id"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("contract price"), max_digits=12, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, null=True, blank=True)
    monthly_quota = models.PositiveSmallIntegerField(_("courses a month"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "service"], name="contract_service_unique"),
            models.CheckConstraint(
                condition=models.Q(price__isnull=False) | models.Q(discount_percent__isnull=False),
                name="contract_service_priced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number}: {self.service.code}"


class ContractDocument(models.Model):
    scope_partner: ClassVar[str] = "contract__partner_id"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="contracts/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title
