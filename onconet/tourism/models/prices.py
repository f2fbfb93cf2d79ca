"""The price list (services, in roubles) and exchange rates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

BASE_CURRENCY = "RUB"  # exchange rates are kept as roubles per unit of a currency


class ServiceKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    RECORDS_REVIEW = "records_review", _("Review of medical records")
    PET_CT = "pet_ct", _("PET-CT")
    PROTON_COURSE = "proton_course", _("Proton therapy course")
    PHOTON_COURSE = "photon_course", _("Photon therapy course")
    ACCOMMODATION = "accommodation", _("Accommodation support")
    INTERPRETER = "interpreter_hour", _("Interpreter, per hour")


class Service(models.Model):
    """A service on the price list, with its base price in roubles."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    protocol = models.CharField(_("protocol"), max_length=100, blank=True, help_text=_("for treatment courses"))
    base_price = models.DecimalField(_("base price, RUB"), max_digits=12, decimal_places=2)
    is_course = models.BooleanField(_("a course of treatment (counts against quotas)"), default=False)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class ExchangeRate(models.Model):
    """Roubles per one unit of `currency` on `date`."""

    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("RUB per unit"), max_digits=14, decimal_places=6)

    class Meta:
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["date", "currency"], name="one_rate_per_currency_and_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.currency} {self.rate}"
