from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD, Cast


def test_it_signs_in_with_email_and_password(cast: Cast) -> None:
    client = Client()
    response = client.post("/login/", {"username": cast.maria.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.maria.pk)


def test_it_rejects_a_wrong_password(cast: Cast) -> None:
    client = Client()
    response = client.post("/login/", {"username": cast.maria.email, "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"not recognised" in response.content


def test_it_hashes_passwords_with_argon2(project_password_hashers: None, cast: Cast) -> None:
    # (The cast's own hash comes from the tests' fast hasher: tests/conftest.py says why.)
    cast.maria.set_password(PASSWORD)
    cast.maria.save(update_fields=["password"])
    cast.maria.refresh_from_db()
    assert cast.maria.password.startswith("argon2$argon2id$")
    assert Client().post("/login/", {"username": cast.maria.email, "password": PASSWORD}).status_code == 302
