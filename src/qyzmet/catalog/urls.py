from django.urls import path

from qyzmet.catalog import pages

app_name = "catalog"

urlpatterns = [
    path("services/", pages.services_index, name="index"),
    path("services/<slug:code>/", pages.service_page, name="service"),
    path("situations/<slug:code>/", pages.situation_page, name="situation"),
]
