from typing import Any

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Groups need the permissions that Django creates after migrating, the same way Django itself
    # creates them: this is schema bookkeeping, not a domain side effect.
    from onconet.core.services import roles_sync

    roles_sync(using=kwargs.get("using", "default"))


class CoreConfig(AppConfig):
    name = "onconet.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from onconet.core import census, checks  # noqa: F401  (register the job kind and the checks)

        post_migrate.connect(_sync_roles_after_migrate, sender=self)


class OncoNetAdminConfig(admin_apps.AdminConfig):
    """Django's admin on OncoNet's admin site, whose login is OncoNet's own (throttled, two-factor) page."""

    default = False  # onconet.core's own config is CoreConfig; this one is named in INSTALLED_APPS
    default_site = "onconet.core.admin_site.OncoNetAdminSite"
