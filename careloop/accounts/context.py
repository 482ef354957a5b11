from __future__ import annotations

from django.http import HttpRequest

from careloop.accounts.roles import ALL_PERMISSIONS


def role_context(request: HttpRequest) -> dict[str, object]:
    """`perms_of_role.can_view_patient_events` etc. in templates, to hide links a role cannot follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role_perms": {}}
    return {"role_perms": {p: user.can(p) for p in ALL_PERMISSIONS}}
