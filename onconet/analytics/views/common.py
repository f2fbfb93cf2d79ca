"""What the analytics pages share: the period filter, region names, dimension labels and the table download.

The helpers take the query values, not the request: each view reads its own parameters (`request.GET.get(…)`), so
that the crawler, which scans a view and its own module's helpers for them, finds every one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from onconet.analytics import selectors
from onconet.core.models import Region
from onconet.core.params import period_or_none
from onconet.core.spreadsheets import table_response
from onconet.passports.models import BedProfile, EquipmentKind, Specialty


def period_params(period: str | None, submitted: str | None) -> tuple[int, bool]:
    """The `period` and `submitted` filters: the year (a bad one is ignored) and whether submitted passports count."""
    return period_or_none(period) or selectors.default_period(), submitted == "1"


def region_names() -> dict[str, str]:
    """Every region's name in the active language, by code."""
    return {r.code: r.display_name for r in Region.objects.all()}


def dimension_label(dimension: str) -> str:
    for choices in (Specialty, EquipmentKind, BedProfile):
        if dimension in choices.values:
            return str(choices(dimension).label)
    return dimension or str(_("all"))


def table_download(fmt: str | None, rows: list[list[Any]], header: list[str], name: str) -> HttpResponse | None:
    """The table as a CSV or XLSX file when `?format=csv|xlsx` asks for one, else None (the page)."""
    if fmt in ("csv", "xlsx"):
        return table_response(rows, header, fmt=fmt, filename=name)
    return None
