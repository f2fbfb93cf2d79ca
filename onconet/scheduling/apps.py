from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "onconet.scheduling"
    label = "scheduling"
    verbose_name = _("Capacity scheduling")

    def ready(self) -> None:
        # Imported for what they register: the planner's, replay's and simulation's job kinds, and the course in a
        # foreign patient's data export (models can only be imported once the apps are ready).
        from onconet.scheduling import jobs, privacy  # noqa: F401
        from onconet.scheduling.timetable import first_appointment
        from onconet.tourism.letters import register_first_appointment

        register_first_appointment(first_appointment)  # the clock time in the patient's letters
