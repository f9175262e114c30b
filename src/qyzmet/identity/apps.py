from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "qyzmet.identity"
    label = "identity"
    verbose_name = "Identity"
