from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TourismConfig(AppConfig):
    name = "onconet.tourism"
    label = "tourism"
    verbose_name = _("International patient office")
