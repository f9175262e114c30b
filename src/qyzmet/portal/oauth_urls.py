"""The OAuth 2.0 / OpenID Connect endpoints (docs/channels.md).

They keep django-oauth-toolkit's namespace, which its discovery document reverses; only
the endpoints qyzmet offers are mounted (no client self-registration, no device flow, no
token management pages of the toolkit's own: the portal has its own).
"""

from django.urls import path, re_path
from oauth2_provider import views as oauth

from qyzmet.portal.channels import AuthorizeView, RevokeTokenView, TokenView, UserInfoView

app_name = "oauth2_provider"

urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oauth.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        oauth.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path("oauth/authorize/", AuthorizeView.as_view(), name="authorize"),
    path("oauth/token/", TokenView.as_view(), name="token"),
    path("oauth/revoke/", RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/userinfo/", UserInfoView.as_view(), name="user-info"),
    path("oauth/jwks/", oauth.JwksInfoView.as_view(), name="jwks-info"),
]
