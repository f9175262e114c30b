from django.urls import URLPattern, path, re_path

from qyzmet.trust import views

app_name = "trust"

urlpatterns: list[URLPattern] = [
    # For relying parties (programs): the URLs certificates carry in AIA and CRL DP.
    re_path(
        r"^certificates/(?P<serial>[0-9A-Fa-f]{1,64})\.crt$",
        views.certificate_download,
        name="certificate",
    ),
    re_path(r"^crl/(?P<serial>[0-9A-Fa-f]{1,64})\.crl$", views.crl_download, name="crl"),
    path("ocsp", views.ocsp_post, name="ocsp"),
    # RFC 6960 A.1: the base64 request may contain "/" (some clients do not escape it).
    re_path(r"^ocsp/(?P<encoded>.+)$", views.ocsp_get, name="ocsp-get"),
    path("tsa", views.tsa_post, name="tsa"),
    path("roots.pem", views.roots_pem, name="roots"),
    # For people.
    path("my/", views.my_certificates, name="my"),
    path("my/key-file/", views.key_file_download, name="key-file"),
    path(
        "my/certificates/<uuid:public_id>/revoke/",
        views.certificate_revoke_page,
        name="certificate-revoke",
    ),
    path("sign/", views.sign, name="sign"),
    path("sign/remote/", views.sign_remote_start, name="sign-remote"),
    path("sign/remote/<uuid:public_id>/", views.sign_remote_code, name="sign-code"),
    path("sign/key-file/", views.sign_key_file, name="sign-key-file"),
    path("signatures/<uuid:public_id>/", views.signature_receipt, name="signature"),
]
