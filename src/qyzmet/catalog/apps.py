from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "qyzmet.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
