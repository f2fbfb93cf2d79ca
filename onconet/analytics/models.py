"""Reference values for planning: benchmarks with their sources, training lengths, staffing norms."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onconet.passports.models import EquipmentKind, Specialty


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class Benchmark(models.Model):
    """A reference value for an indicator, with the source it comes from. National admins keep the table."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    indicator = models.CharField(_("indicator"), max_length=40)
    dimension = models.CharField(
        _("specialty / kind / profile"), max_length=32, blank=True, help_text=_("empty: the total, or every kind")
    )
    comparison = models.CharField(_("comparison"), max_length=10, choices=Comparison.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=3)
    for_planning = models.BooleanField(_("used for planning targets"), default=False)
    source = models.TextField(_("source"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["indicator", "dimension", "code"]
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        permissions = [
            ("view_national_analytics", "Can see the indicators of every region"),
            ("view_spare_capacity", "Can see under-used machines and their spare hours"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.get_comparison_display()} {self.value}"

    def is_met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= float(self.value) if self.comparison == Comparison.AT_LEAST else value <= float(self.value)


class TrainingProgram(models.Model):
    specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices, unique=True)
    years = models.PositiveSmallIntegerField(_("training years"))
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["specialty"]

    def __str__(self) -> str:
        return f"{self.specialty}: {self.years} y"


class StaffingNorm(models.Model):
    """How many people of a specialty one unit of equipment needs (to size training for new machines)."""

    kind = models.CharField(_("equipment kind"), max_length=20, choices=EquipmentKind.choices)
    specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices)
    per_unit = models.DecimalField(_("people per unit"), max_digits=5, decimal_places=2)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["kind", "specialty"]
        constraints = [models.UniqueConstraint(fields=["kind", "specialty"], name="staffing_norm_unique")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.per_unit} {self.specialty}"
