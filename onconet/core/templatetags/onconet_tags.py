"""Template helpers: sortable column header cells and query strings that keep the current filters."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput
from onconet.core.jobs import get_job_kind, job_message
from onconet.core.transitions import step_label

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context: dict[str, Any], key: str, label: str, css: str = "") -> SafeString:
    """A column header cell that sorts by `key` (and the other way round when it already does). `aria-sort` sits on
    the cell, where assistive technology reads it (WAI-ARIA: only a columnheader may carry it)."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    current = params.get("sort", "")
    params["sort"] = f"-{key}" if current == key else key
    params.pop("page", None)
    arrow = " ▲" if current == key else " ▼" if current == f"-{key}" else ""
    aria = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
    return format_html(
        '<th{} aria-sort="{}"><a class="sort-link" href="?{}">{}{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        aria,
        params.urlencode(),
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], page: int) -> str:
    params = context["request"].GET.copy()
    params["page"] = page
    return params.urlencode()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter(name="job_message")
def job_message_filter(message: str) -> str:
    """A job's current step in the reader's language."""
    return job_message(message)


@register.filter
def job_label(kind: str) -> str:
    """The readable name of a job kind, e.g. "network_census" → "Network census"."""

    try:
        return str(get_job_kind(kind).label)
    except InvalidInput:
        return kind


def _audited_model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def record_type(object_type: str) -> str:
    """An audit entry's record type in words ("tourism.referral" → "Referral"), or as stored when no model has it."""
    model = _audited_model(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def _shown(field: models.Field[Any, Any] | None, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


@register.filter
def audit_changes(entry: Any) -> list[tuple[str, str, str]]:
    """An audit entry's changes as (field label, before, after), each stored code shown by its label."""
    model = _audited_model(entry.object_type)
    rows = []
    for name, change in (entry.changes or {}).items():
        try:
            found = model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            found = None
        field = found if isinstance(found, models.Field) else None
        label = capfirst(str(getattr(field, "verbose_name", name.replace("_", " "))))
        before, after = [*change, None, None][:2] if isinstance(change, list) else (None, change)
        rows.append((label, _shown(field, before), _shown(field, after)))
    return rows


@register.filter
def audit_message(entry: Any) -> str:
    """An audit entry's message, a step of a state machine by its label ("plan 12 approved: Scheduled by …")."""
    cause, _sep, said = entry.message.rpartition(": ")
    label = step_label(entry.object_type, said)
    if label is None:
        return str(entry.message)
    return f"{cause}: {label}" if cause else label
