from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "onconet.partnerships"
    label = "partnerships"
    verbose_name = _("Partnerships")
    default_auto_field = "django.db.models.BigAutoField"
