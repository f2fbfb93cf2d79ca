from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TourismConfig(AppConfig):
    name = "onconet.tourism"
    label = "tourism"
    verbose_name = _("International patient office")

    def ready(self) -> None:
        # imported here: models may be imported only once the app registry is ready
        from onconet.core.scoping import register_partner_of
        from onconet.tourism.selectors import agent_partner_id

        register_partner_of(agent_partner_id)
