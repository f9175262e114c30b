from django.apps import AppConfig


class CrossborderConfig(AppConfig):
    name = "qyzmet.crossborder"
    label = "crossborder"
    verbose_name = "Cross-border exchange"
