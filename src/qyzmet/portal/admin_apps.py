from django.contrib.admin.apps import AdminConfig


class QyzmetAdminConfig(AdminConfig):
    """Installed in place of ``django.contrib.admin`` so that ``admin.site`` is ours."""

    default_site = "qyzmet.portal.admin_site.QyzmetAdminSite"
