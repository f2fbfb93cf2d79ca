from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top of the layers: the home page of each role and the demo command — the one app that puts the others
    together (every other app imports only the ones below it; see `make lint`)."""

    name = "onconet.home"
    label = "home"
    verbose_name = _("Home")
