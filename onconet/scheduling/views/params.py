"""What the pages share: the size of a list page and reading a whole-number filter from the query string."""

from __future__ import annotations

from onconet.core.params import id_or_none

PAGE_SIZE = 200


def int_param(value: str | None) -> int | None:
    return id_or_none(value)  # a bad filter is ignored ("²" is a digit to isdigit(), not to int())
