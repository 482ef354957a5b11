"""Adding people, changing their role, deactivating them and setting passwords: what
`careloop user` does, kept apart from the command so the admin pages and tests can call it."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from careloop.accounts.models import StaffMember, User, normalize_email_address
from careloop.accounts.roles import Role

# 18 random bytes = 144 bits, shown as 24 URL-safe characters: far beyond any guessing, and
# easy to paste (NIST SP 800-63B asks for at least 112 bits in generated secrets).
GENERATED_PASSWORD_BYTES = 18


class UserManagementError(Exception):
    """A mistake in what was asked, said in one sentence for the person at the terminal."""


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        valid = ", ".join(Role.values)
        raise UserManagementError(f"Unknown role {role!r}. Valid roles: {valid}.") from None


def parse_email(email: str) -> str:
    address = normalize_email_address(email)
    try:
        validate_email(address)
    except ValidationError:
        raise UserManagementError(f"{email!r} is not a valid email address.") from None
    return address


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def check_password_strength(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise UserManagementError("Password refused: " + " ".join(error.messages)) from None


def find_user(email: str) -> User:
    try:
        return User.objects.get(email=normalize_email_address(email))
    except User.DoesNotExist:
        raise UserManagementError(f"No user with email {email!r}; `careloop user list` shows them.") from None


@transaction.atomic
def add_user(email: str, role: str, password: str, *, name: str = "", staff_key: str = "") -> User:
    address = parse_email(email)
    user_role = parse_role(role)
    if User.objects.filter(email=address).exists():
        raise UserManagementError(f"A user with email {address!r} already exists.")
    user = User(email=address, role=user_role, full_name=name)
    check_password_strength(password, user)
    user.set_password(password)
    user.save()
    if staff_key:
        link_staff_member(user, staff_key)
    return user


def link_staff_member(user: User, staff_key: str) -> StaffMember:
    member = StaffMember.objects.filter(key=staff_key).first()
    if member is None:
        raise UserManagementError(f"No staff member with key {staff_key!r}; check the journey file's owners.")
    if member.user_id is not None and member.user_id != user.pk:
        raise UserManagementError(f"Staff member {staff_key!r} already signs in as {member.user}.")
    member.user = user
    member.save(update_fields=["user"])
    return member


def set_role(email: str, role: str) -> User:
    user = find_user(email)
    user.role = parse_role(role)
    user.save()  # save() also grants or removes Django-admin access with the role
    return user


def deactivate(email: str) -> User:
    """Deactivated, never deleted: their audit entries keep pointing at them, and an inactive
    user's session no longer authenticates (Django's ModelBackend refuses inactive users)."""
    user = find_user(email)
    user.is_active = False
    user.save()
    return user


def set_password(email: str, password: str) -> User:
    user = find_user(email)
    check_password_strength(password, user)
    user.set_password(password)
    user.save()
    return user
