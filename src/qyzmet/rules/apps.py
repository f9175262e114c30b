from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "qyzmet.rules"
    label = "rules"
    verbose_name = "Rules"
