from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "qyzmet.messaging"
    label = "messaging"
    verbose_name = "Messaging"
