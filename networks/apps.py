from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"
    verbose_name = "Counterfeit networks"

    def ready(self):
        from . import receivers  # noqa: F401
