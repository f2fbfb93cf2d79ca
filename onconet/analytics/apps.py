from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "onconet.analytics"
    label = "analytics"
    verbose_name = _("Planning analytics")

    def ready(self) -> None:
        from onconet.analytics import jobs  # noqa: F401  (registers the report job kinds)
