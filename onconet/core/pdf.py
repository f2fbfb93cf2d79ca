"""Printed documents as PDF: a Django template (autoescaped, so a name is text, never markup) laid out by
WeasyPrint on A4 pages with the print stylesheet and "Page N of M" in the document's language.

WeasyPrint fetches nothing: no network, no file (a `file:` or `http:` URL in a document could read the server's
disk or reach the intranet); only `data:` URLs, which carry the charts. The fonts are the system's (fontconfig):
"DejaVu Sans" first, which covers Latin with diacritics, Cyrillic and the Uzbek and Kazakh letters."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

STYLESHEETS = Path(__file__).resolve().parent / "static" / "onconet"
PRINT_STYLESHEET = "print.css"
PAGE_LABEL = "Page {page} of {pages}"
_COUNTER = re.compile(r"(\{page\}|\{pages\})")


def css_string(text: str) -> str:
    """`text` as a CSS string literal: everything but letters, digits and spaces as a six-digit escape."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def page_label_css(label: str) -> str:
    """The rule that prints `label` ("Page {page} of {pages}", translated) at the foot of every page."""
    parts = [
        "counter(page)" if part == "{page}" else "counter(pages)" if part == "{pages}" else css_string(part)
        for part in _COUNTER.split(label)
        if part
    ]
    return "@page { @bottom-right { content: %s; } }" % " ".join(parts or ['""'])  # noqa: UP031 (CSS braces)


@functools.cache
def _stylesheet(name: str) -> str:
    return (STYLESHEETS / name).read_text(encoding="utf-8")


def _fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols=("data",), fail_on_errors=False)


def html_to_pdf(html: str, *, page_label: str = PAGE_LABEL) -> bytes:
    """`html` on A4 pages, styled by print.css (the same file a browser prints the HTML report with)."""
    fetcher = _fetcher()
    sheets = [
        CSS(string=_stylesheet(PRINT_STYLESHEET), url_fetcher=fetcher),
        CSS(string=page_label_css(page_label), url_fetcher=fetcher),
    ]
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets))


def render_pdf(template_name: str, context: Mapping[str, Any], *, page_label: str = PAGE_LABEL) -> bytes:
    """A template rendered to PDF. Its <title> becomes the PDF's title, <meta name="generator"> its creator
    (core/print_base.html has both); `page_label` is "Page {page} of {pages}" in the document's language."""
    return html_to_pdf(render_to_string(template_name, dict(context)), page_label=page_label)
