"""A passport section's workbook columns as a page shows them: each column by its field's translated name and each
choice value by its label (`oncology_nurse` → "Oncology nurse"). The workbook itself keeps the column names and the
codes, which are its file format."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from onconet.passports.models import BedGroup, ComplianceRecord, Equipment, PassportFacility, StaffMember

SECTIONS = {
    "facilities": _("Facilities"),
    "staff": _("Staff"),
    "equipment": _("Equipment"),
    "beds": _("Beds"),
    "compliance": _("Compliance"),
}
SECTION_REGION = _("Region sheet")
SEVERITIES = {"error": _("error"), "warning": _("warning")}
MODELS: dict[str, type[models.Model]] = {
    "facilities": PassportFacility,
    "staff": StaffMember,
    "equipment": Equipment,
    "beds": BedGroup,
    "compliance": ComplianceRecord,
}


def _field(section: str, column: str) -> models.Field[Any, Any] | None:
    """The model field a column fills: `facility_code` fills `facility`, `located_in_facility_code` `located_in`."""
    model = MODELS.get(section)
    if model is None:
        return None
    for name in (column, column.removesuffix("_facility_code"), column.removesuffix("_code")):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field):
            return field
    return None


def column_label(section: str, column: str) -> str:
    field = _field(section, column)
    return capfirst(str(field.verbose_name)) if field is not None else column.replace("_", " ")


def choice_labels(section: str, column: str) -> dict[str, str]:
    field = _field(section, column)
    return {str(k): str(v) for k, v in field.flatchoices} if field is not None and field.choices else {}


def shown(section: str, column: str, value: Any) -> Any:
    """A cell's value as the page shows it: a choice by its label, anything else as it is."""
    if value is None or value == "":
        return value
    return choice_labels(section, column).get(str(value), value)
