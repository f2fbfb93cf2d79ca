from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "onconet.scheduling"
    label = "scheduling"
    verbose_name = _("Capacity scheduling")

    def ready(self) -> None:
        from onconet.scheduling import jobs  # noqa: F401 - registers the planner and simulation job kinds
