from django.urls import path

from qyzmet.exchange import views

app_name = "exchange"

urlpatterns = [
    path("r1/<path:target>", views.r1, name="r1"),
]
