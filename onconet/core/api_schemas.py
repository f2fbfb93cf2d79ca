"""Schemas shared by every app's API."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class StrictSchema(Schema):
    """An input schema that refuses unknown fields instead of ignoring them."""

    model_config = ConfigDict(extra="forbid")


class ProblemOut(Schema):
    field: str = ""
    message: str
    value: Any = None


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] = []


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
