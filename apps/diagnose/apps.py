from django.apps import AppConfig


class DiagnoseConfig(AppConfig):
    name = "apps.diagnose"
    label = "diagnose"
