"""Every page speaks its reader's language: each role of the permission matrix's world opens every page it may
open (the matrix's GET calls of pages), once in Russian and once in English, and the visible text may hold no
stored code — a snake_case token such as `send_quote`, `beds_per_100k` or `needs_repair` is a choice value, a
transition, an indicator or a field name shown without its label — and a Russian page no known English phrase.

The text checked is what a reader sees: the body without scripts, styles and attributes. Left out are what is
meant to be typed as it stands — file columns and identifiers in <code> — and what people typed: the value of every
free-text field on record (a partner's name in English is its name), except the audit log's summaries, which
OncoNet writes. Chart data handed to scripts as JSON is checked by the charts' own tests.
"""

from __future__ import annotations

import html
import re

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from onconet.core.models import AuditEntry
from onconet.core.tests.test_permission_matrix import CALLS, ROLES, _world
from onconet.partnerships.tests.conftest import places, tour  # noqa: F401  (fixtures used through the world)
from onconet.scheduling.tests.conftest import course, prepaid_referral, protocols, sched  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

CODE = re.compile(r"(?<![\w./@:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")
# English that must not appear on a Russian page (words of OncoNet's own sentences, not names or codes)
ENGLISH = re.compile(
    r"\b(?:the|and|per|of|with|national median|waiting|Schedule|Send|Confirm|Download|Edit|Delete|Save|Cancel|"
    r"None|True|False|Yes|No|Unknown|days?|weeks?|months?|years?)\b"
)
_HIDDEN = re.compile(r"<(script|style|template|textarea|code)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[a-z_]+")


def visible_text(page: str, typed: list[str]) -> str:
    text = html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page.split("<body", 1)[-1])))
    for value in typed:
        text = text.replace(value, " ")
    return text


def _around(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 50) : match.end() + 30].split())


def typed_values() -> list[str]:
    """Every value of a free-text field on record (no choices: a choice's value is a code), longest first."""
    values: set[str] = set()
    values.update(AuditEntry.objects.exclude(object_repr="").values_list("object_repr", flat=True))
    for model in apps.get_models():
        if model is AuditEntry:
            continue  # a record's name in the log is a name; its summary and changes are OncoNet's words
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and not f.choices and f.concrete
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            # a lone lowercase word is left in: it may be a code stored without choices (a kind, a status)
            values.update(v for v in row if isinstance(v, str) and len(v) >= 3 and not _WORD.fullmatch(v))
    return sorted(values, key=len, reverse=True)


def _pages() -> list[str]:
    return [key for key in CALLS if key[0] == "GET" and not key[1].startswith(("/api/", "/fhir/"))]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_the_readers_language(request: pytest.FixtureRequest, role: str) -> None:
    w = _world(request, role)
    client = Client()
    client.force_login(w.users[role])
    found: list[str] = []
    typed = typed_values()
    try:
        for key in _pages():
            call = CALLS[key](w)
            for language in ("ru", "en"):
                client.cookies["django_language"] = language
                response = client.get(call.path, call.data, headers=call.headers)
                if response.status_code != 200 or response.streaming or "html" not in response["Content-Type"]:
                    continue  # downloads (reports, letters, documents) are checked by their own tests
                text = visible_text(response.content.decode(), typed)
                codes = sorted(set(CODE.findall(text)))
                english = sorted(set(ENGLISH.findall(text))) if language == "ru" else []
                if codes or english:
                    found.append(f"{language} {key[1]} ({call.path}): codes {codes} english {english}")
                    matches = [*CODE.finditer(text), *(ENGLISH.finditer(text) if english else ())]
                    found.extend(
                        "    …" + " ".join(text[max(0, m.start() - 50) : m.end() + 30].split()) for m in matches[:3]
                    )
    finally:
        w.report_file.unlink(missing_ok=True)
    assert found == [], f"{len(found)} pages show codes or English to {role}:\n" + "\n".join(found)
