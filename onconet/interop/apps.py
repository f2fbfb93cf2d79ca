from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "onconet.interop"
    label = "interop"
    verbose_name = _("Interoperability")
    default_auto_field = "django.db.models.BigAutoField"
