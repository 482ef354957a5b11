"""Adding and editing people in the Django admin (the admin role only)."""

from __future__ import annotations

import pytest

from careloop.accounts.models import User
from tests.conftest import Cast, client_for


def test_it_adds_a_person_with_a_role_and_an_argon2_password(project_password_hashers: None, cast: Cast) -> None:
    response = client_for(cast.ada).post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Practice.test",
            "full_name": "New Person",
            "role": "committee",
            "usable_password": "true",
            "password1": "plum-orchard-velvet-42",
            "password2": "plum-orchard-velvet-42",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.person@practice.test")
    assert (user.role, user.is_staff, user.is_superuser) == ("committee", False, False)
    assert user.password.startswith("argon2$argon2id$")


def test_it_refuses_a_weak_password(cast: Cast) -> None:
    response = client_for(cast.ada).post(
        "/admin/accounts/user/add/",
        {"email": "weak@practice.test", "role": "staff", "usable_password": "true", "password1": "abc", "password2": "abc"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@practice.test").exists()


def test_it_changes_a_role_and_never_grants_admin_access_to_other_roles(cast: Cast) -> None:
    response = client_for(cast.ada).post(
        f"/admin/accounts/user/{cast.sam.pk}/change/",
        {"email": cast.sam.email, "full_name": "Sam Staff", "role": "manager", "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )
    assert response.status_code == 302
    cast.sam.refresh_from_db()
    assert (cast.sam.role, cast.sam.is_staff, cast.sam.is_superuser) == ("manager", False, False)


def test_it_offers_no_delete_so_audit_entries_keep_their_reader(cast: Cast) -> None:
    assert client_for(cast.ada).post(f"/admin/accounts/user/{cast.sam.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=cast.sam.pk).exists()


@pytest.mark.parametrize("name", ["maria", "fran", "cora", "sam"])
def test_it_keeps_other_roles_out(cast: Cast, name: str) -> None:
    client = client_for(cast.all()[name])
    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "x@practice.test", "role": "admin", "usable_password": "true", "password1": "plum-orchard-velvet-42", "password2": "plum-orchard-velvet-42"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not User.objects.filter(email="x@practice.test").exists()


def test_it_keeps_a_manager_out_even_with_is_staff_set_in_the_database(cast: Cast) -> None:
    User.objects.filter(pk=cast.maria.pk).update(is_staff=True)  # bypasses save(), as a hand-edited row would
    response = client_for(cast.maria).get("/admin/accounts/auditentry/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
