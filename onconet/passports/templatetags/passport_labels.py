"""A passport's codes as people read them: its sections and the severity of a check's findings."""

from __future__ import annotations

from django import template

from onconet.passports.labels import SECTION_REGION, SECTIONS, SEVERITIES

register = template.Library()


@register.filter
def section_label(section: str) -> str:
    """`equipment` → "Equipment"; `region` → "Region sheet"."""
    if section == "region":
        return str(SECTION_REGION)
    return str(SECTIONS.get(section, section))


@register.filter
def severity_label(severity: str) -> str:
    return str(SEVERITIES.get(severity, severity))
