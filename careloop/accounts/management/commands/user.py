from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.accounts import user_management
from careloop.accounts.models import User
from careloop.accounts.user_management import UserManagementError


class Command(BaseCommand):
    help = "Manage the people who sign in: add, list, set-role, deactivate, set-password."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help="add a person: user add EMAIL --role ROLE")
        add.add_argument("email")
        add.add_argument("--role", required=True, help="admin, manager, owner, committee or staff")
        add.add_argument("--name", default="", help="full name")
        add.add_argument("--staff", default="", metavar="KEY", help="link to the staff member with this key")
        add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        actions.add_parser("list", help="list everyone who can sign in")
        set_role = actions.add_parser("set-role", help="change a person's role: user set-role EMAIL ROLE")
        set_role.add_argument("email")
        set_role.add_argument("role")
        deactivate = actions.add_parser("deactivate", help="stop a person signing in (kept for the audit log)")
        deactivate.add_argument("email")
        set_password = actions.add_parser("set-password", help="set a new password (generated unless --password-stdin)")
        set_password.add_argument("email")
        set_password.add_argument("--password-stdin", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, "handle_" + action.replace("-", "_"))(**options)
        except UserManagementError as error:
            raise CommandError(str(error)) from None

    def handle_add(self, email: str, role: str, name: str, staff: str, password_stdin: bool, **_: Any) -> None:
        password = read_password_from_stdin() if password_stdin else user_management.generate_password()
        user = user_management.add_user(email, role, password, name=name, staff_key=staff)
        self.stdout.write(f"Added {user.email} as {user.get_role_display()}.")
        if not password_stdin:
            self.show_generated_password(password)

    def handle_list(self, **_: Any) -> None:
        rows = [("EMAIL", "ROLE", "ACTIVE", "NAME", "STAFF")]
        for user in User.objects.select_related("staff_member").order_by("email"):
            member = getattr(user, "staff_member", None)
            rows.append(
                (user.email, user.role, "yes" if user.is_active else "no", user.full_name, member.key if member else "")
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    def handle_set_role(self, email: str, role: str, **_: Any) -> None:
        user = user_management.set_role(email, role)
        self.stdout.write(f"{user.email} is now {user.get_role_display()}.")

    def handle_deactivate(self, email: str, **_: Any) -> None:
        user = user_management.deactivate(email)
        self.stdout.write(f"{user.email} can no longer sign in.")

    def handle_set_password(self, email: str, password_stdin: bool, **_: Any) -> None:
        password = read_password_from_stdin() if password_stdin else user_management.generate_password()
        user = user_management.set_password(email, password)
        self.stdout.write(f"Password changed for {user.email}.")
        if not password_stdin:
            self.show_generated_password(password)

    def show_generated_password(self, password: str) -> None:
        # Shown once and never stored in clear: only its Argon2 hash is kept.
        self.stdout.write(f"Password (shown once, pass it on securely): {password}")


def read_password_from_stdin() -> str:
    """One line from standard input, without its line ending (`printf '%s' "$PW" | careloop user ...`)."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserManagementError("--password-stdin was given but standard input had no password.")
    return password
