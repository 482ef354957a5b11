"""Admin pages for users, staff members and the audit log. Access follows the role matrix
(accounts/roles.py), not Django's per-model permission rows, so there is one source of truth."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from careloop.accounts.forms import UserAddForm, UserEditForm
from careloop.accounts.models import AuditEntry, StaffMember, User
from careloop.accounts.roles import CAN_MANAGE_USERS, CAN_VIEW_AUDIT_LOG


# Roles (accounts/roles.py) decide access; Django's groups would be a second, unaudited way to grant it.
admin.site.unregister(Group)


def _user_can(request: HttpRequest, permission: str) -> bool:
    return bool(request.user.is_active and request.user.can(permission))


class ManagedByRoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every action allowed to roles holding `permission`, none to anyone else."""

    permission = CAN_MANAGE_USERS

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _user_can(request, self.permission)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _user_can(request, self.permission)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _user_can(request, self.permission)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _user_can(request, self.permission)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _user_can(request, self.permission)


@admin.register(User)
class UserAdmin(ManagedByRoleAdmin, BaseUserAdmin[User]):
    form = UserEditForm
    add_form = UserAddForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    # is_staff and is_superuser are not editable: User.save() derives them from the role.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "role")}),
        ("Access", {"fields": ("is_active",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "full_name", "role", "usable_password", "password1", "password2")},
        ),
    )
    filter_horizontal = ()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # People are deactivated, never deleted: their audit entries must keep pointing at them.
        return False


@admin.register(StaffMember)
class StaffMemberAdmin(ManagedByRoleAdmin):
    list_display = ["name", "title", "key", "is_provider", "is_active"]
    search_fields = ["name", "key", "title"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only, and only for users whose role grants the audit log: an audit log that can be
    edited proves nothing."""

    list_display = ["at", "user", "action", "record_kind", "record_id", "patient_ref", "path", "ip_address"]
    list_filter = ["action", "record_kind"]
    search_fields = ["patient_ref", "record_id", "user__email"]
    date_hierarchy = "at"
    actions = None

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _user_can(request, CAN_VIEW_AUDIT_LOG)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
