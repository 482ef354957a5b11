from __future__ import annotations

import uuid
from typing import ClassVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from careloop.accounts.roles import Role, permissions_for


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email_address(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        # Sign-in by email ignores case, as people type it; emails are stored lower-case.
        return self.get(email=normalize_email_address(username or ""))


def normalize_email_address(email: str) -> str:
    """One spelling per address: stored, looked up and throttled (axes) in lower case, so
    "Maria@Practice.test" can neither create a second account nor dodge the lock-out."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Their role decides what they may see (accounts/roles.py)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(default=True)
    # Django admin access: derived from the role in save(), so only the admin role ever has it.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email_address(self.email)
        # Only the admin role may enter the Django admin, whatever a form or script set:
        # the admin pages are not audited, so nobody else may reach them (docs/permissions.md).
        self.is_staff = self.role == Role.ADMIN
        self.is_superuser = self.is_superuser and self.role == Role.ADMIN
        super().save(*args, **kwargs)

    def can(self, permission: str) -> bool:
        return self.is_active and permission in permissions_for(self.role)


class StaffMember(models.Model):
    """A member of the practice's team, whether or not they sign in: touchpoint owners, providers,
    receptionists. Comment analysis matches names and nicknames against this list for recognition."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.SlugField(max_length=80, unique=True, help_text="Stable key used in journey.yaml and imports.")
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True, help_text="Job title, e.g. Front-desk lead.")
    email = models.EmailField(blank=True)
    nicknames = models.JSONField(default=list, blank=True)
    is_provider = models.BooleanField(default=False)
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_member")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name


class AuditEntry(models.Model):
    """One read (or change) of patient-identifying data: who, what, when, from where.

    Written by an explicit audit.record() call in the same transaction as the read, never by
    signals (HIPAA Security Rule audit controls, 45 CFR 164.312(b)). Holds references, never
    the patient data itself.
    """

    class Action(models.TextChoices):
        READ = "read", "Read"
        EXPORT = "export", "Export"
        CHANGE = "change", "Change"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="audit_entries")
    action = models.CharField(max_length=10, choices=Action.choices)
    record_kind = models.CharField(max_length=60)
    record_id = models.CharField(max_length=100)
    patient_ref = models.CharField(max_length=100, blank=True, db_index=True)
    fields = models.JSONField(default=list, blank=True)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.record_kind} {self.record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: an audit log that can be rewritten proves nothing (45 CFR 164.312(b)).
        if self.pk is not None:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries cannot be deleted.")
