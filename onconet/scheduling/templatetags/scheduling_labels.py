"""The scheduler's codes as people read them."""

from __future__ import annotations

from django import template

from onconet.scheduling.models import MachineKind

register = template.Library()


@register.filter
def machine_kind(value: str) -> str:
    """`proton_gantry` → "Proton gantry" (a value no kind has, as it is)."""
    return str(MachineKind(value).label) if value in MachineKind.values else value
