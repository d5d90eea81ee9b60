from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "networks"
    verbose_name = _("Counterfeit networks")

    def ready(self):
        from . import checks, receivers  # noqa: F401
