from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "qyzmet.programmes"
    verbose_name = "Programmes and proactive offers"

    def ready(self) -> None:
        from qyzmet.cases.services import case_closed
        from qyzmet.messaging.handlers import sms_handler_register
        from qyzmet.payments.payouts import payout_account_changed
        from qyzmet.programmes.services import appeal_decided, orders_for_new_account
        from qyzmet.programmes.sms import APPLY_KEYWORD, OFFER_KEYWORD, apply_by_sms, offer_reply

        payout_account_changed.connect(orders_for_new_account, dispatch_uid="programmes-orders")
        case_closed.connect(appeal_decided, dispatch_uid="programmes-appeals")
        sms_handler_register(OFFER_KEYWORD, offer_reply)
        sms_handler_register(APPLY_KEYWORD, apply_by_sms)
