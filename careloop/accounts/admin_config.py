from django.contrib.admin.apps import AdminConfig


class CareloopAdminConfig(AdminConfig):
    """django.contrib.admin with careloop's role-checked site; INSTALLED_APPS lists it instead of
    "django.contrib.admin" (Django's documented way to replace the default admin site)."""

    default_site = "careloop.accounts.admin_site.CareloopAdminSite"
