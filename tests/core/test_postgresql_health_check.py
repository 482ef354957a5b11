"""careloop's PostgreSQL backend (careloop/postgresql_backend): the per-request health check asks the
server only when the server has spoken, and a connection the server ended is replaced before the next
request's first query, with no error. On a real PostgreSQL (CI's PostgreSQL pass)."""

from __future__ import annotations

import select
import time
from typing import Any

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

from careloop.accounts.models import StaffMember

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def a_request(work: Any) -> Any:
    """What Django does around a request: connections checked at its start and end."""
    request_started.send(sender=None)
    try:
        return work()
    finally:
        request_finished.send(sender=None)


def server_asks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Django's own check (SELECT 1 on the server)."""
    asked: list[int] = []
    original = PostgreSQLDatabaseWrapper.is_usable

    def counting(self: Any) -> bool:
        asked.append(1)
        return bool(original(self))

    monkeypatch.setattr(PostgreSQLDatabaseWrapper, "is_usable", counting)
    return asked


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The default connection as `careloop serve` has it: kept between requests, health-checked
    (the test settings turn both off). Restored after the test."""
    connection = connections["default"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    yield connection
    connection.close()


def test_it_runs_on_careloops_backend() -> None:
    assert type(connections["default"]).__module__ == "careloop.postgresql_backend.base"


def test_it_keeps_a_healthy_idle_connection_without_asking_the_server(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = served
    asked = server_asks(monkeypatch)
    checked: list[bool] = []
    careloops = type(connection).is_usable

    def recording(self: Any) -> bool:
        checked.append(careloops(self))
        return checked[-1]

    monkeypatch.setattr(type(connection), "is_usable", recording)
    a_request(lambda: StaffMember.objects.count())
    first = connection.connection
    assert a_request(lambda: StaffMember.objects.count()) == 0
    assert checked == [True]  # the second request's health check ran and passed,
    assert connection.connection is first  # the connection was reused,
    assert asked == []  # and nothing was sent to the server for it


def test_it_replaces_a_connection_the_server_ended_before_the_next_query(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = served
    a_request(lambda: StaffMember.objects.count())
    first = connection.connection
    pid = first.info.backend_pid
    dsn = first.info.dsn
    with psycopg.connect(dsn, password=connection.settings_dict["PASSWORD"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not select.select([first.fileno()], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass  # the server's goodbye arrives asynchronously
    asked = server_asks(monkeypatch)
    assert a_request(lambda: StaffMember.objects.count()) == 0  # no error for the patient
    assert connection.connection is not first and connection.connection.info.backend_pid != pid
    assert asked == [1]  # the socket had something to read: Django's own check confirmed it was gone
