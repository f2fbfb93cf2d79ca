"""Template helpers: sortable column header cells and query strings that keep the current filters."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from onconet.core.errors import InvalidInput
from onconet.core.jobs import get_job_kind, job_message

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
