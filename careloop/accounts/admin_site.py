"""The Django admin, for the admin role only.

Django lets any `is_staff` user in; here the role decides as well, so a flag set by hand on a
manager's row still does not open pages that are not audited (docs/permissions.md).
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest

from careloop.accounts.roles import Role


class CareloopAdminSite(AdminSite):
    site_header = "careloop administration"
    site_title = "careloop"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)
