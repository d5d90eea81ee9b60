from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsholdersConfig(AppConfig):
    name = "rightsholders"
    verbose_name = _("Rights holders")
