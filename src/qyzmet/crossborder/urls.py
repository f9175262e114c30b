from django.urls import path

from qyzmet.crossborder import pages, views

app_name = "crossborder"

urlpatterns = [
    # For partner states' nodes.
    path("crossborder/v1/envelopes", views.envelopes, name="envelopes"),
    path("crossborder/v1/trust-list.xml", views.trust_list, name="trust-list"),
    # For the node's operators.
    path("operator/crossborder/", pages.journal, name="journal"),
    path(
        "operator/crossborder/<str:direction>/<uuid:message_id>/evidence.zip",
        pages.evidence_download,
        name="evidence",
    ),
]
