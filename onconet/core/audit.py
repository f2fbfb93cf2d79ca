"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.db.models import Model
from django.http import HttpRequest

from onconet.core.models import AuditAction, AuditEntry, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as sign-in throttling and rate limits read it (behind TRUSTED_PROXY_COUNT proxies, from
    X-Forwarded-For counted from the right), so the log names the client and not the proxy."""
    if request is None:
        return None
    return get_client_ip_address(request) or None


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: Model | None = None,
    changes: dict[str, Any] | None = None,
    message: str = "",
    request: HttpRequest | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry to the audit log."""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        # Records about people name themselves without personal data (an `audit_label`): the log is append-only.
        object_repr = str(getattr(obj, "audit_label", obj))[:255]
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.get_username() if actor is not None and actor.pk else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes or {},
        message=message,
        ip_address=client_ip(request),
    )


def field_snapshot(instance: Model, fields: list[str]) -> dict[str, Any]:
    """The JSON-friendly values of `fields`, for a before/after comparison."""
    out: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, getattr(field, "attname", name))
        out[name] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {key: [before.get(key), after[key]] for key in after if before.get(key) != after[key]}
