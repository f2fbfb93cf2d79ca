"""Small helpers for views and API endpoints."""

from django.http import HttpRequest

from onconet.core.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a view that requires login (pages) or authentication (API)."""
    user = request.user
    assert isinstance(user, User), "the view must require a signed-in user"
    return user
