"""Money: quotes, invoices, payments, number series, credit notes."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from onconet.core.models import User
from onconet.tourism.models.contracts import Contract
from onconet.tourism.models.prices import Service
from onconet.tourism.models.referrals import Referral


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class Quote(models.Model):
    """Prices of the contract in its currency; the exchange rate of the quote date is pinned."""

    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="quotes")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(max_length=30, unique=True)
    issued_on = models.DateField()
    valid_until = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(_("RUB per unit, pinned"), max_digits=14, decimal_places=6)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.service.code} × {self.quantity}"


class Invoice(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="invoices")
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=30, unique=True)
    issued_on = models.DateField()
    due_on = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=14, decimal_places=6)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("payment")
    REFUND = "refund", _("refund")


class Payment(models.Model):
    scope_partner: ClassVar[str] = "invoice__referral__partner_id"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    overpayment = models.BooleanField(default=False, help_text=_("recorded beyond the balance as a credit"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class NumberSeries(models.Model):
    """The last number handed out in a document series of a year (Q-2026-00042): the row is locked while the next
    number is taken, so documents created at the same time never get the same number."""

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_series_unique")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class CreditNote(models.Model):
    scope_partner: ClassVar[str] = "invoice__referral__partner_id"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=30, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    issued_on = models.DateField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_amount_positive")]

    def __str__(self) -> str:
        return self.number
