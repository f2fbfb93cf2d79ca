from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassportsConfig(AppConfig):
    name = "onconet.passports"
    label = "passports"
    verbose_name = _("Regional passports")

    def ready(self) -> None:
        from onconet.passports import jobs  # noqa: F401  (registers the import job kind)
