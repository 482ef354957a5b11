"""`careloop user`: add, list, set-role, deactivate, set-password."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import Role
from careloop.cli import main

STRONG = "plum-orchard-velvet-42"


def run(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def _generated_password(output: str) -> str:
    match = re.search(r"shown once, pass it on securely\): (\S+)", output)
    assert match, output
    return match.group(1)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_it_adds_a_person_with_each_role(project_password_hashers: None, db: None, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", f"{role}@practice.test", "--role", role, "--password-stdin", stdin=STRONG + "\n", monkeypatch=monkeypatch)
    user = User.objects.get(email=f"{role}@practice.test")
    assert user.role == role
    assert user.is_staff == (role == "admin")
    assert user.is_superuser is False
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(STRONG)


def test_it_generates_a_strong_password_that_signs_in(db: None) -> None:
    output = run("add", "Nina@Practice.test", "--role", "owner", "--name", "Nina Nurse")
    password = _generated_password(output)
    assert len(password) >= 24
    user = User.objects.get()
    assert (user.email, user.full_name) == ("nina@practice.test", "Nina Nurse")
    client = Client()
    response = client.post("/login/", {"username": "nina@practice.test", "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_links_the_staff_member(db: None) -> None:
    member = StaffMember.objects.create(key="billing-lead", name="Bea Billing")
    run("add", "bea@practice.test", "--role", "owner", "--staff", "billing-lead")
    member.refresh_from_db()
    assert member.user == User.objects.get(email="bea@practice.test")


def test_it_rolls_back_the_user_when_the_staff_key_is_unknown(db: None) -> None:
    with pytest.raises(CommandError, match="No staff member with key 'nobody'"):
        run("add", "bea@practice.test", "--role", "owner", "--staff", "nobody")
    assert User.objects.count() == 0


def test_it_lists_the_valid_roles_for_an_unknown_one(db: None) -> None:
    with pytest.raises(CommandError, match="Unknown role 'boss'. Valid roles: admin, manager, owner, committee, staff."):
        run("add", "x@practice.test", "--role", "boss")
    assert User.objects.count() == 0


def test_it_refuses_a_duplicate_email_in_any_case(db: None) -> None:
    run("add", "x@practice.test", "--role", "staff")
    with pytest.raises(CommandError, match="already exists"):
        run("add", "X@Practice.test", "--role", "manager")
    assert User.objects.get().role == "staff"


def test_it_refuses_an_invalid_email(db: None) -> None:
    with pytest.raises(CommandError, match="not a valid email address"):
        run("add", "not-an-email", "--role", "staff")


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1", "too short"), ("password123", "too common"), ("8675309123456", "entirely numeric")],
)
def test_it_refuses_a_weak_password(db: None, password: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match=reason):
        run("add", "x@practice.test", "--role", "staff", "--password-stdin", stdin=password + "\n", monkeypatch=monkeypatch)
    assert User.objects.count() == 0


def test_it_exits_non_zero_with_one_line_and_no_traceback(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["user", "add", "x@practice.test", "--role", "boss"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == "CommandError: Unknown role 'boss'. Valid roles: admin, manager, owner, committee, staff."


def test_it_lists_people(db: None) -> None:
    run("add", "b@practice.test", "--role", "owner", "--name", "Bo")
    run("add", "a@practice.test", "--role", "admin")
    lines = run("list").splitlines()
    assert lines[0].split() == ["EMAIL", "ROLE", "ACTIVE", "NAME", "STAFF"]
    assert lines[1].split() == ["a@practice.test", "admin", "yes"]
    assert lines[2].split() == ["b@practice.test", "owner", "yes", "Bo"]


def test_it_changes_a_role_and_admin_access_with_it(db: None) -> None:
    run("add", "x@practice.test", "--role", "admin")
    run("set-role", "x@practice.test", "manager")
    user = User.objects.get()
    assert (user.role, user.is_staff) == ("manager", False)
    run("set-role", "X@practice.test", "admin")
    user.refresh_from_db()
    assert (user.role, user.is_staff) == ("admin", True)
    with pytest.raises(CommandError, match="Unknown role"):
        run("set-role", "x@practice.test", "root")
    with pytest.raises(CommandError, match="No user with email"):
        run("set-role", "nobody@practice.test", "staff")


def test_it_deactivates_a_person_who_then_cannot_sign_in(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", "x@practice.test", "--role", "staff", "--password-stdin", stdin=STRONG, monkeypatch=monkeypatch)
    run("deactivate", "x@practice.test")
    assert User.objects.get().is_active is False
    client = Client()
    client.post("/login/", {"username": "x@practice.test", "password": STRONG})
    assert "_auth_user_id" not in client.session


def test_it_sets_a_new_password(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", "x@practice.test", "--role", "staff")
    run("set-password", "x@practice.test", "--password-stdin", stdin=STRONG + "\n", monkeypatch=monkeypatch)
    assert User.objects.get().check_password(STRONG)
    generated = _generated_password(run("set-password", "x@practice.test"))
    user = User.objects.get()
    assert user.check_password(generated) and not user.check_password(STRONG)
    monkeypatch.setattr("sys.stdin", io.StringIO("tiny\n"))
    with pytest.raises(CommandError, match="too short"):
        call_command("user", "set-password", "x@practice.test", "--password-stdin")
    assert User.objects.get().check_password(generated)


def test_it_refuses_an_empty_stdin_password(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="standard input had no password"):
        run("add", "x@practice.test", "--role", "staff", "--password-stdin", stdin="", monkeypatch=monkeypatch)
