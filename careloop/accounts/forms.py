"""User forms for the Django admin: Django's own forms are written for a `username` field."""

from __future__ import annotations

from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from careloop.accounts.models import User


class UserAddForm(AdminUserCreationForm[User]):
    """Email, name and role, and a password checked by AUTH_PASSWORD_VALIDATORS and hashed with
    the first of PASSWORD_HASHERS (Argon2id)."""

    class Meta:
        model = User
        fields = ("email", "full_name", "role")


class UserEditForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "is_active")
