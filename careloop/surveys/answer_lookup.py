"""The answer pages' one SELECT (invitation, its instrument version, its response in progress) written
once as SQL and turned into model instances with Django's own converters, instead of being built by the
ORM on every request.

Why: it runs on every request to /s/<token>/ and was the largest single cost of the answer endpoint:
about 2,400 of the ~6,800 Python function calls per request went into the ORM compiling this one
`select_related(...).only(...)` query again and again (docs/surveys.md, "Performance"). The statement
is the same each time except for the token's hash, so it is composed once per database connection
vendor, from the models' own table and column names.

What comes back is what `Invitation.objects.select_related("instrument_version", "response").only(...)`
gives: an Invitation with only ANSWER_PAGE_FIELDS loaded (anything else loads on access, as with
.only()), its version cached, and its response cached (or cached as missing, so `invitation.response`
raises Response.DoesNotExist without a query). tests/surveys/test_find_invitation_fast.py compares the
two on every state a link can be in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import Field, Model

from careloop.surveys.models import InstrumentVersion, Invitation, Response
from careloop.surveys.prepared_statements import prepared_cursor

INVITATION_COLUMNS = (
    "id", "instrument_version_id", "touchpoint", "provider", "location", "visit_type", "language", "expires_at", "used_at",
    "opened_at",
)
VERSION_COLUMNS = ("id", "languages", "content_hash")
RESPONSE_COLUMNS = ("id", "invitation_id", "instrument_version_id", "language", "touchpoint", "page", "started_at", "is_complete")

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class PreparedLookup:
    sql: str
    # PostgreSQL only ("" elsewhere): the same SELECT, after a WITH that notes the first opening of an
    # open link (opened_at where it is NULL, the link unused and unexpired): a page's first GET is then
    # one round trip instead of two. SQLite has no writing WITH; there the view's UPDATE does it.
    opening_sql: str
    # Per selected column: the column expression and Django's own converters for it (backend, then field).
    converters: tuple[tuple[Any, tuple[Converter, ...]], ...]


_prepared: dict[str, PreparedLookup] = {}


def _fields(model: type[Model], attnames: Sequence[str]) -> list[Field[Any, Any]]:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def _prepare(alias: str) -> PreparedLookup:
    connection = connections[alias]
    quote = connection.ops.quote_name
    parts = (("i", Invitation, INVITATION_COLUMNS), ("v", InstrumentVersion, VERSION_COLUMNS), ("r", Response, RESPONSE_COLUMNS))
    columns, converters = [], []
    for table_alias, model, attnames in parts:
        for field in _fields(model, attnames):
            columns.append(f"{table_alias}.{quote(str(field.column))}")
            expression = field.get_col(model._meta.db_table)
            converters.append((expression, tuple(connection.ops.get_db_converters(expression)) + tuple(field.get_db_converters(connection))))
    invitation_fk = str(Invitation._meta.get_field("instrument_version").column)
    response_fk = str(Response._meta.get_field("invitation").column)
    token_column = str(Invitation._meta.get_field("token_hash").column)
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Invitation._meta.db_table)} i"
        f" INNER JOIN {quote(InstrumentVersion._meta.db_table)} v ON v.{quote('id')} = i.{quote(invitation_fk)}"
        f" LEFT OUTER JOIN {quote(Response._meta.db_table)} r ON r.{quote(response_fk)} = i.{quote('id')}"
        f" WHERE i.{quote(token_column)} = %s"
    )
    opening_sql = ""
    if connection.vendor == "postgresql":
        by_name = {field.name: str(field.column) for field in Invitation._meta.concrete_fields}
        opened, used, expires = quote(by_name["opened_at"]), quote(by_name["used_at"]), quote(by_name["expires_at"])
        opening_sql = (
            f"WITH opened AS (UPDATE {quote(Invitation._meta.db_table)} SET {opened} = %s WHERE {quote(token_column)} = %s"
            f" AND {opened} IS NULL AND {used} IS NULL AND {expires} > %s RETURNING 1) {sql}"
        )
    return PreparedLookup(sql, opening_sql, tuple(converters))


def prepared_lookup(alias: str = "default") -> PreparedLookup:
    vendor = connections[alias].vendor
    if vendor not in _prepared:
        _prepared[vendor] = _prepare(alias)
    return _prepared[vendor]


def find_by_token_hash(token_hash: str, alias: str = "default", opening_at: datetime | None = None) -> Invitation | None:
    """The invitation as described above. With `opening_at` (a GET of the page), on PostgreSQL the same
    statement also notes the link's first opening at that moment if the link is open, and the returned
    invitation says so (answer_updates.note_first_opening then has nothing left to do)."""
    lookup = prepared_lookup(alias)
    connection = connections[alias]
    noting = opening_at is not None and bool(lookup.opening_sql)
    with prepared_cursor(alias) as cursor:
        if noting:
            moment = Invitation._meta.get_field("opened_at").get_db_prep_value(opening_at, connection, prepared=False)
            cursor.execute(lookup.opening_sql, [moment, token_hash, moment, token_hash])
        else:
            cursor.execute(lookup.sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (expression, converters) in zip(row, lookup.converters):
        for convert in converters:
            value = convert(value, expression, connection)
        values.append(value)
    first_version = len(INVITATION_COLUMNS)
    first_response = first_version + len(VERSION_COLUMNS)
    invitation = Invitation.from_db(alias, list(INVITATION_COLUMNS), values[:first_version])
    if opening_at is not None and noting and invitation.opened_at is None and invitation.used_at is None and opening_at < invitation.expires_at:
        # The row as read is from before the WITH's UPDATE, which set it (the same conditions).
        invitation.opened_at = opening_at
    version = InstrumentVersion.from_db(alias, list(VERSION_COLUMNS), values[first_version:first_response])
    invitation.instrument_version = version
    response_values = values[first_response:]
    if response_values[0] is None:
        # What select_related stores for a missing reverse one-to-one: `invitation.response` raises
        # Response.DoesNotExist at once, without a query.
        Invitation.response.related.set_cached_value(invitation, None)
    else:
        response = Response.from_db(alias, list(RESPONSE_COLUMNS), response_values)
        response.invitation = invitation  # also caches the response on the invitation (one-to-one)
    return invitation
