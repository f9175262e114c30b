from django.urls import path

from qyzmet.exchange import pages, views

app_name = "exchange"

urlpatterns = [
    path("r1/<path:target>", views.r1, name="r1"),
    # For people: their own data tracker and consents.
    path("my/data-tracker/", pages.data_tracker, name="tracker"),
    path("my/consents/", pages.consents, name="consents"),
    path("my/consents/give/", pages.consent_give_page, name="consent-give"),
    path(
        "my/consents/<uuid:public_id>/withdraw/",
        pages.consent_withdraw_page,
        name="consent-withdraw",
    ),
]
