from django.urls import path

from qyzmet.payments import views

app_name = "payments"

urlpatterns = [
    path("simulators/bank/pay/<str:reference>/", views.simulator_pay, name="simulator-pay"),
    path("payments/provider/notify", views.provider_notify, name="provider-notify"),
]
