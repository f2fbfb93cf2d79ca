"""The partnerships router and what its endpoints share: file answers, the manager check, organisations by id."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from onconet.core.errors import FieldProblem, NotFound
from onconet.core.http import request_user
from onconet.core.models import User
from onconet.core.scoping import visible
from onconet.partnerships import services
from onconet.partnerships.models import (
    Organisation,
)

router = Router(tags=["partnerships"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar; charset=utf-8"
CENT = Decimal("0.01")


def file_response(content_type: str, description: str) -> dict[str, Any]:
    """OpenAPI for an endpoint that answers a file rather than JSON."""
    media = content_type.split(";")[0]
    return {
        "responses": {
            200: {"description": description, "content": {media: {"schema": {"type": "string", "format": "binary"}}}}
        }
    }


def attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def manager(request: HttpRequest, action: str) -> User:
    """The caller, if allowed to manage partnerships — checked before any referenced record is looked up, so
    that a caller without the right gets 403 rather than a 404 about a record it named."""
    user = request_user(request)
    services.require_manage(user, action)
    return user


def organisations(user: User, ids: list[int], field: str) -> list[Organisation]:
    """The organisations with these ids (each once), or 404 naming the ids that are unknown."""
    found = list(visible(user, Organisation.objects.filter(pk__in=set(ids))).order_by("name"))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        raise NotFound(
            "No organisation matches the given id.",
            errors=[FieldProblem("no such organisation", field, pk) for pk in missing],
        )
    return found


# ================================================================ places and organisations
