from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "qyzmet.procurement"
    label = "procurement"
    verbose_name = "Public procurement"
