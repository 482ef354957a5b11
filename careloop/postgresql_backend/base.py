"""Django's PostgreSQL backend, with a health check that does not ask the server when it need not.

Why: with CONN_HEALTH_CHECKS (settings.py: a connection kept between requests must still work), Django
sends `SELECT 1` before the first query of every request that reuses a connection. On the answer
pages that was one round trip of three per request (docs/surveys.md, "Performance under load").

When a server ends a connection (a restart, a failover, `pg_terminate_backend`, idle_session_timeout),
it says so and closes the socket, so an idle connection's socket has something to read. An idle
connection whose socket has nothing to read is as usable as `SELECT 1` could show: a link that died
silently (no FIN) would leave `SELECT 1` waiting for TCP's timeout too. So `is_usable` looks at the
socket without waiting, and asks the server as Django does only when there is something to read (the
server spoke: usually its goodbye, possibly an asynchronous notice) or the connection is not idle.
tests/core/test_postgresql_health_check.py ends a connection from the server's side and checks that the
next request gets a fresh one, with no error.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        from psycopg.pq import TransactionStatus

        if raw.info.transaction_status != TransactionStatus.IDLE:
            return bool(super().is_usable())
        try:
            readable, _, _ = select.select([raw.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:
            return bool(super().is_usable())
        return True
