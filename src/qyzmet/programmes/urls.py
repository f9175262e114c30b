from django.urls import path

from qyzmet.programmes import pages

app_name = "programmes"

urlpatterns = [
    path("my/programmes/", pages.my_programmes, name="my"),
    path("my/programmes/<slug:code>/answer/", pages.answer, name="answer"),
    path("my/programmes/<slug:code>/apply/", pages.apply, name="apply"),
    path("my/programmes/<slug:code>/appeal/", pages.appeal, name="appeal"),
    path("operator/programmes/", pages.operator_programmes, name="operator-list"),
    path("operator/programmes/<slug:code>/", pages.operator_programme, name="operator"),
]
