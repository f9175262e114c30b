from django.urls import path

from qyzmet.portal import account, channels, installable, operator, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_password, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("login/key-file/", views.login_key_file, name="login-key-file"),
    path("logout/", views.logout_view, name="logout"),
    path("my/", account.my_account, name="my-account"),
    path("my/notifications/", account.my_notifications, name="my-notifications"),
    path("my-data/", views.my_data, name="my-data"),
    path("operator/", operator.overview, name="operator"),
    path("my/apps/", channels.connected_apps, name="connected-apps"),
    path(
        "my/apps/<str:public_id>/revoke/",
        channels.connected_app_revoke,
        name="connected-app-revoke",
    ),
    # Installable and offline: see installable.py.
    path("manifest.webmanifest", installable.manifest, name="manifest"),
    path("sw.js", installable.service_worker, name="service-worker"),
    path("offline/<str:language>/", installable.offline, name="offline"),
]
