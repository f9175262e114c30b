from django.contrib import admin
from django.urls import include, path

from qyzmet.api.api import api
from qyzmet.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("trust/", include("qyzmet.trust.urls")),
    path("", include("qyzmet.exchange.urls")),
    path("", include("qyzmet.crossborder.urls")),
    path("", include("qyzmet.documents.urls")),
    path("", include("qyzmet.payments.urls")),
    path("", include("qyzmet.programmes.urls")),
    path("", include("qyzmet.catalog.urls")),
    path("", include("qyzmet.cases.urls")),
    path("", include("qyzmet.portal.oauth_urls")),
    path("", include("qyzmet.portal.urls")),
]

handler400 = "qyzmet.portal.views.bad_request"
handler403 = "qyzmet.portal.views.permission_denied"
handler404 = "qyzmet.portal.views.page_not_found"
handler500 = "qyzmet.portal.views.server_error"
