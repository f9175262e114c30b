from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "qyzmet.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from qyzmet.cases.sms import case_status_reply
        from qyzmet.messaging.handlers import sms_handler_register

        sms_handler_register("STATUS", case_status_reply)
