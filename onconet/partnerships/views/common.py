"""What the partnerships pages share: whether the user organises, and file answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from onconet.core.uploads import document_headers
from onconet.partnerships import services


def can_manage(user: Any) -> bool:
    return bool(user.has_perm(services.MANAGE))


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stored_file(field: Any, content_type: str, name: str) -> HttpResponse:
    """A stored document as a download of the type found when it was stored, under that type's extension."""
    return document_headers(HttpResponse(field.read()), content_type=content_type, filename=name)
