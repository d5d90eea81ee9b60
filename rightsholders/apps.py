from django.apps import AppConfig


class RightsholdersConfig(AppConfig):
    name = "rightsholders"
    verbose_name = "Rights holders"
