"""The analytics' codes as people read them: an indicator by its title, a specialty, kind or profile by its name."""

from __future__ import annotations

from django import template

from onconet.analytics.indicators import DEFINITIONS_BY_CODE
from onconet.analytics.views.common import dimension_label

register = template.Library()


@register.filter
def indicator_title(code: str) -> str:
    """`staff_per_100k` → "Staff per 100,000 population" (an unknown code as it is)."""
    found = DEFINITIONS_BY_CODE.get(code)
    return str(found.title) if found is not None else code


@register.filter
def dimension(value: str) -> str:
    """`day_hospital` → "day hospital"; the total (an empty value) → "all"."""
    return dimension_label(value)
