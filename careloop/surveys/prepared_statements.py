"""A cursor for the answer pages' hand-written statements that PostgreSQL keeps prepared.

Why: Django's PostgreSQL backend sends every statement as text with its parameters bound on the client
(psycopg's ClientCursor), so PostgreSQL parses and plans it again each time. For the answer pages'
invitation lookup (a join of three tables) planning is most of the work: measured on this machine,
0.27-0.33 ms of PostgreSQL CPU per lookup sent as text against 0.07 ms as a prepared statement, and
less client CPU too (docs/surveys.md, "Performance under load"). Every patient's every request makes
that lookup, so it is the database's largest cost on the answer endpoint.

So these statements go through a server-side-binding psycopg cursor on Django's own connection:
psycopg prepares a statement once it has run `prepare_threshold` times on a connection (settings.py
sets psycopg's default, 5, for PostgreSQL; Django leaves it off) and from then on sends only its
parameters. Django's own queries are unaffected: they keep using client-side binding cursors, which
psycopg never prepares.

The cursor is wrapped by Django as its own are, so it goes through the connection's health check,
transactions, error translation (IntegrityError and so on), execute wrappers and query logging
(CaptureQueriesContext in the tests) exactly like `connection.cursor()`. On other databases it is
`connection.cursor()` itself (SQLite's driver caches the statements it compiles).
"""

from __future__ import annotations

from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def prepared_cursor(alias: str = "default") -> CursorWrapper:
    """A cursor whose statements PostgreSQL prepares after a few runs; use it as a context manager."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    # What connection.cursor() does before making a cursor, in the same order.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    # What connection.make_debug_cursor / make_cursor do.
    if connection.queries_logged:
        return CursorDebugWrapper(raw, connection)
    return CursorWrapper(raw, connection)
