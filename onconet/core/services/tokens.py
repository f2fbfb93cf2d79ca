"""Personal API tokens: creating, revoking, and finding the user behind a token text."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput, NotFound
from onconet.core.models import ApiToken, AuditAction, User

# ---------------------------------------------------------------- API tokens

TOKEN_PREFIX = "onc_"  # noqa: S105 — a label, not a secret


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; returns the record and the token text, which is never shown again."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the token a name.", errors=[FieldProblem("must not be empty", "name", name)])
    if len(name) > 100:
        raise InvalidInput("The name is too long.", errors=[FieldProblem("at most 100 characters", "name")])
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=_hash_token(raw))
    audit_record(actor=user, action=AuditAction.CREATE, obj=token)
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("No API token matches the given id.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=token, message="revoked")
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a token text, or None. Marks the token as used."""
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.token_hash, _hash_token(raw)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
