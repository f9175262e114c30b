from django.apps import AppConfig


class CrossborderConfig(AppConfig):
    name = "qyzmet.crossborder"
    label = "crossborder"
    verbose_name = "Cross-border exchange"

    def ready(self) -> None:
        # The document types this node handles register themselves (delivery.HANDLERS).
        from qyzmet.crossborder import flows  # noqa: F401
