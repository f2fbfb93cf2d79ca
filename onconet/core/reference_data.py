"""Countries, subdivisions, languages and currencies from pycountry, with names in the user's language."""

from __future__ import annotations

import gettext
from functools import cache
from typing import Any

import pycountry


@cache
def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def _localised(domain: str, name: str, language: str | None) -> str:
    lang = (language or "en").split("-")[0]
    if lang == "en":
        return name
    return _catalogue(domain, lang).gettext(name)


def localised_country_name(name: str, language: str | None) -> str:
    return _localised("iso3166-1", name, language)


def localised_subdivision_name(name: str, language: str | None) -> str:
    return _localised("iso3166-2", name, language)


def localised_language_name(name: str, language: str | None) -> str:
    return _localised("iso639-3", name, language)


def language_name(code: str, language: str | None = None) -> str:
    """The name of an ISO 639-1 or 639-3 language code, e.g. 'bg' → 'Bulgarian' (or 'болгарский')."""
    lang = lookup_language(code)
    if lang is None:
        return code
    return localised_language_name(lang.name, language)


def lookup_language(code: str) -> Any:
    code = code.strip().lower()
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code)
    if len(code) == 3:
        return pycountry.languages.get(alpha_3=code)
    return None


def is_language_code(code: str) -> bool:
    return lookup_language(code) is not None


def is_currency_code(code: str) -> bool:
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


@cache
def two_letter_languages() -> list[tuple[str, str]]:
    """(code, English name) of every language with an ISO 639-1 code, sorted by name."""
    return sorted(
        ((lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")),
        key=lambda item: item[1],
    )
