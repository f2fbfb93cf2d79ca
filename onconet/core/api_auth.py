"""API authentication: personal bearer tokens for programs, the session (with CSRF) for the browser.

A request that carries an `Authorization` header is authenticated by its token alone: valid, or 401, never the
session beside it (TwoFactorMiddleware sets the session's user aside too). A session counts only once its second
factor is confirmed, for the roles that need one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from onconet.core.models import User
from onconet.core.services import api_token_authenticate, two_factor_pending


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if "Authorization" in request.headers:
            return None  # a token was offered: it alone decides
        user = super().authenticate(request, key)
        if user is None or not user.is_active or two_factor_pending(user):
            return None
        return user
