from django.apps import AppConfig


class GraphbrowserConfig(AppConfig):
    name = "apps.graphbrowser"
    label = "graphbrowser"
