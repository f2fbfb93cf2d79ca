from typing import Any

from django.apps import AppConfig
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
