from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "qyzmet.exchange"
    label = "exchange"
    verbose_name = "Exchange"
