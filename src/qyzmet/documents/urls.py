from django.urls import path

from qyzmet.documents import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    # Printed under the QR code: kept short, no trailing slash.
    path("verify/<str:code>", views.verify_code, name="verify-code"),
    path("verify/<str:code>/file", views.verify_file, name="verify-file"),
    path("my/documents/", views.wallet, name="wallet"),
    path("my/documents/<uuid:public_id>/download", views.document_download, name="download"),
    path("my/documents/<uuid:public_id>/share", views.share_create, name="share-create"),
    path("my/documents/shares/<uuid:public_id>/revoke", views.share_revoke, name="share-revoke"),
    path("shared/<str:token>", views.shared, name="shared"),
]
