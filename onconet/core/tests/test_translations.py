"""The Russian catalogue is complete: every interface string has a translation that keeps its placeholders."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _catalogue():
    path = Path(settings.BASE_DIR) / "onconet" / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_is_translated_and_not_fuzzy():
    missing = [
        m.id for m in _catalogue() if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in _catalogue() if m.id and m.fuzzy]
    assert missing == []
    assert fuzzy == []


def test_placeholders_survive_translation():
    for message in _catalogue():
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), source
