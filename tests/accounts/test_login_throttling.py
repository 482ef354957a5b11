"""Signing in after repeated wrong passwords: django-axes locks that email from that address."""

from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD, Cast


def _fail(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        client.post("/login/", {"username": email, "password": "wrong-password-123"})
        assert "_auth_user_id" not in client.session


def test_it_refuses_the_right_password_after_five_failures(cast: Cast) -> None:
    client = Client()
    _fail(client, cast.maria.email, 5)
    response = client.post("/login/", {"username": cast.maria.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_it_still_accepts_the_right_password_after_four_failures(cast: Cast) -> None:
    client = Client()
    _fail(client, cast.maria.email, 4)
    response = client.post("/login/", {"username": cast.maria.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.maria.pk)


def test_it_leaves_another_user_unaffected(cast: Cast) -> None:
    _fail(Client(), cast.maria.email, 5)
    client = Client()
    response = client.post("/login/", {"username": cast.fran.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.fran.pk)


def test_it_counts_failures_whatever_the_case_of_the_email(cast: Cast) -> None:
    client = Client()
    for spelling in ("Maria@practice.test", "MARIA@practice.test", "maria@PRACTICE.test", "mAria@practice.test"):
        _fail(client, spelling, 1)
    _fail(client, cast.maria.email, 1)
    response = client.post("/login/", {"username": "Maria@Practice.Test", "password": PASSWORD})
    assert response.status_code == 429


def test_it_signs_in_with_the_email_in_any_case(cast: Cast) -> None:
    client = Client()
    response = client.post("/login/", {"username": "Maria@Practice.TEST", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.maria.pk)
