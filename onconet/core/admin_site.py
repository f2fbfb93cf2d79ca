"""The admin site: Django's, except that signing in happens on OncoNet's login page.

Django's admin has a login form of its own. Keeping one sign-in page means one place where passwords are throttled
(django-axes), failures are audited and the second factor is asked for; the admin's login URL sends people there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class OncoNetAdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("login"))
