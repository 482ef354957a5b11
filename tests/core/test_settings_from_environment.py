from __future__ import annotations

import pytest

from careloop import settings


def test_it_reads_booleans_in_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("CARELOOP_X_FLAG", raw)
        assert settings.envbool("X_FLAG", not expected) is expected


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELOOP_X_FLAG", "maybe")
    with pytest.raises(ValueError, match="CARELOOP_X_FLAG must be true or false"):
        settings.envbool("X_FLAG", False)


def test_it_refuses_a_number_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELOOP_X_COUNT", "ten")
    with pytest.raises(ValueError, match="CARELOOP_X_COUNT must be a whole number"):
        settings.envint("X_COUNT", 3)


def test_it_reads_a_secret_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from pathlib import Path

    secret_file = Path(str(tmp_path)) / "smtp_password"
    secret_file.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.setenv("CARELOOP_X_SECRET", "from-env")
    monkeypatch.setenv("CARELOOP_X_SECRET_FILE", str(secret_file))
    assert settings.envsecret("X_SECRET") == "s3cret-from-file"


def test_it_parses_a_postgresql_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELOOP_TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("CARELOOP_DATABASE_URL", "postgresql://px:pw@db.internal:5433/careloop")
    config = settings._databases()["default"]
    # Django's PostgreSQL backend with careloop's cheaper health check (careloop/postgresql_backend).
    assert config["ENGINE"] == "careloop.postgresql_backend"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db.internal", 5433, "careloop", "px")
    assert (config["CONN_HEALTH_CHECKS"], config["OPTIONS"]["prepare_threshold"]) == (True, 5)


def test_it_turns_prepared_statements_off_for_a_pooler_that_cannot_keep_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELOOP_TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("CARELOOP_DATABASE_URL", "postgresql://px:pw@db.internal:5433/careloop")
    monkeypatch.setenv("CARELOOP_DATABASE_PREPARED_AFTER", "0")
    assert "prepare_threshold" not in settings._databases()["default"].get("OPTIONS", {})


def test_it_defaults_to_sqlite_in_the_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELOOP_TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("CARELOOP_DATABASE_URL", raising=False)
    config = settings._databases()["default"]
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert str(config["NAME"]).startswith(str(settings.HOME))
