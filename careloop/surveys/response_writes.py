"""The answer pages' writes of a response and its answers, written once as SQL per database vendor from
the models' table and column names, and run through the prepared-statement cursor.

- `insert_response`: a page submit starts the invitation's response (INSERT ... RETURNING id). The
  unique invitation_id refuses a second one for the same link (IntegrityError: the caller re-reads).
- `upsert_answers`: a page's answers, one INSERT ... ON CONFLICT (response, item) DO UPDATE (two
  submits of one page at once both land, the last wins).
- `note_progress`: the language and the furthest page reached; the page only ever moves forward,
  in SQL, so two pages submitted at once cannot move it back.
- `complete_response`: what the patient chose on the last page, and the response marked complete;
  an anonymous one is cut loose from its invitation with its start kept to the day (docs/surveys.md,
  "Anonymity").

Why: these ran through the ORM on every page submit (Response.objects.create, bulk_create with
update_conflicts, save(update_fields=...)), which builds model instances, sends pre/post_save signals
and compiles the same statements on every request: most of a submit's Python CPU after the lookup
(docs/surveys.md, "Performance under load"). Values go through the fields' own get_db_prep_save, as the
ORM sends them. tests/surveys/test_response_writes.py checks that each stores the same row as the ORM
statement it replaces.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from functools import cache
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import Field, Model

from careloop.surveys.answer_updates import claim_invitation, invitation_updates
from careloop.surveys.models import Answer, Invitation, Response
from careloop.surveys.prepared_statements import prepared_cursor

RESPONSE_INSERT_COLUMNS = (
    "external_id", "invitation", "instrument_version", "language", "touchpoint", "provider", "location", "visit_type",
    "anonymity", "consent_to_contact", "comment", "page", "started_at", "completed_at", "is_complete",
)
ANSWER_COLUMNS = ("response", "item_key", "value", "top_box", "score_100")
COMPLETE_COLUMNS = ("anonymity", "consent_to_contact", "comment", "language", "is_complete", "completed_at")


@dataclass(frozen=True)
class AnswerRow:
    item_key: str
    value: str
    top_box: bool | None
    score_100: float | None


@dataclass(frozen=True)
class ResponseStatements:
    insert: str
    returns_id: bool
    progress: str
    complete_kept: str
    complete_anonymous: str
    answer_values: str  # one row's "(%s, ...)"
    answer_insert: str  # up to VALUES
    answer_conflict: str  # ON CONFLICT ... DO UPDATE
    # PostgreSQL only (empty elsewhere): one statement each, so no BEGIN and COMMIT round trips.
    insert_with_answers_head: str  # WITH r AS (INSERT response) INSERT answers SELECT FROM r, (VALUES
    insert_with_answers_row: str  # one typed row of those VALUES
    insert_with_answers_tail: str
    claim_and_complete_kept: str
    claim_and_complete_anonymous: str


_prepared: dict[str, ResponseStatements] = {}


@cache
def _field(model: type[Model], name: str) -> Field[Any, Any]:
    return next(field for field in model._meta.concrete_fields if field.name == name)


def _prepare(alias: str) -> ResponseStatements:
    connection = connections[alias]
    quote = connection.ops.quote_name

    def column(model: type[Model], name: str) -> str:
        return quote(str(_field(model, name).column))

    table = quote(Response._meta.db_table)
    pk = column(Response, "id")
    insert_columns = ", ".join(column(Response, name) for name in RESPONSE_INSERT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(RESPONSE_INSERT_COLUMNS))
    returns_id = bool(connection.features.can_return_columns_from_insert)
    page = column(Response, "page")
    kept = ", ".join(f"{column(Response, name)} = %s" for name in COMPLETE_COLUMNS)
    anonymous = f"{kept}, {column(Response, 'invitation')} = NULL, {column(Response, 'started_at')} = %s"
    answer_table = quote(Answer._meta.db_table)
    answer_columns = [column(Answer, name) for name in ANSWER_COLUMNS]
    key_columns, updated = answer_columns[:2], answer_columns[2:]
    combined = connection.vendor == "postgresql"
    insert = f"INSERT INTO {table} ({insert_columns}) VALUES ({placeholders})"
    # Data-modifying statements in WITH are PostgreSQL's (SQLite has none): the response and its first
    # answers in one statement, and the link's claim with the completion in one statement.
    typed_row = "(" + ", ".join(f"CAST(%s AS {_field(Answer, name).db_type(connection)})" for name in ANSWER_COLUMNS[1:]) + ")"
    names = ", ".join(ANSWER_COLUMNS[1:])
    claim = invitation_updates(alias).claim + f" RETURNING {quote(str(_field(Invitation, 'id').column))}"
    claimed = f" AND EXISTS (SELECT 1 FROM claimed) RETURNING {pk}"
    return ResponseStatements(
        insert_with_answers_head=f"WITH r AS ({insert} RETURNING {pk}) INSERT INTO {answer_table} ({', '.join(answer_columns)})"
        f" SELECT r.{pk}, {', '.join(f'a.{name}' for name in ANSWER_COLUMNS[1:])} FROM r, (VALUES " if combined else "",
        insert_with_answers_row=typed_row if combined else "",
        insert_with_answers_tail=f") AS a({names}) RETURNING {answer_columns[0]}" if combined else "",
        claim_and_complete_kept=f"WITH claimed AS ({claim}) UPDATE {table} SET {kept} WHERE {pk} = %s{claimed}" if combined else "",
        claim_and_complete_anonymous=f"WITH claimed AS ({claim}) UPDATE {table} SET {anonymous} WHERE {pk} = %s{claimed}"
        if combined else "",
        insert=insert + (f" RETURNING {pk}" if returns_id else ""),
        returns_id=returns_id,
        progress=f"UPDATE {table} SET {column(Response, 'language')} = %s,"
        f" {page} = CASE WHEN {page} < %s THEN %s ELSE {page} END WHERE {pk} = %s",
        complete_kept=f"UPDATE {table} SET {kept} WHERE {pk} = %s",
        complete_anonymous=f"UPDATE {table} SET {anonymous} WHERE {pk} = %s",
        answer_values="(" + ", ".join(["%s"] * len(ANSWER_COLUMNS)) + ")",
        answer_insert=f"INSERT INTO {answer_table} ({', '.join(answer_columns)}) VALUES ",
        answer_conflict=f" ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in updated),
    )


def response_statements(alias: str = "default") -> ResponseStatements:
    vendor = connections[alias].vendor
    if vendor not in _prepared:
        _prepared[vendor] = _prepare(alias)
    return _prepared[vendor]


def _prep(model: type[Model], name: str, value: Any, alias: str) -> Any:
    return _field(model, name).get_db_prep_save(value, connections[alias])


@dataclass(frozen=True)
class NewResponse:
    """What a response starts with: its invitation's fields, the page reached and the language."""

    invitation_id: int
    instrument_version_id: int
    language: str
    touchpoint: str
    provider: str
    location: str
    visit_type: str
    page: int
    started_at: datetime


# The columns a started response is loaded with (the rest load on access, as with .only()).
STARTED_COLUMNS = ("id", "invitation_id", "instrument_version_id", "language", "touchpoint", "page", "started_at", "is_complete")


def started_response(response_id: int, new: NewResponse, alias: str = "default") -> Response:
    """The response insert_response stored, as an instance loaded from the database would be."""
    values = (response_id, new.invitation_id, new.instrument_version_id, new.language, new.touchpoint, new.page, new.started_at, False)
    return Response.from_db(alias, list(STARTED_COLUMNS), list(values))


def _response_params(new: NewResponse, alias: str) -> list[Any]:
    """The INSERT's values: the model's defaults for everything the patient has not said yet."""
    values = {
        "external_id": uuid.uuid4(),
        "invitation": new.invitation_id,
        "instrument_version": new.instrument_version_id,
        "language": new.language,
        "touchpoint": new.touchpoint,
        "provider": new.provider,
        "location": new.location,
        "visit_type": new.visit_type,
        "anonymity": _field(Response, "anonymity").get_default(),
        "consent_to_contact": _field(Response, "consent_to_contact").get_default(),
        "comment": _field(Response, "comment").get_default(),
        "page": new.page,
        "started_at": new.started_at,
        "completed_at": None,
        "is_complete": False,
    }
    return [_prep(Response, name, values[name], alias) for name in RESPONSE_INSERT_COLUMNS]


def insert_response(new: NewResponse, alias: str = "default") -> int:
    """INSERT the response; returns its id. Raises IntegrityError if the invitation already has one."""
    statements = response_statements(alias)
    params = _response_params(new, alias)
    connection = connections[alias]
    with prepared_cursor(alias) as cursor:
        cursor.execute(statements.insert, params)
        if statements.returns_id:
            row = cursor.fetchone()
            return int(row[0])
        return int(connection.ops.last_insert_id(cursor, Response._meta.db_table, "id"))


def _answer_params(response_id: int | None, rows: Sequence[AnswerRow], alias: str) -> list[Any]:
    """Each row's values as the fields prepare them; without the response's id when it is None."""
    params: list[Any] = []
    for row in rows:
        values = (row.item_key, row.value, row.top_box, row.score_100)
        if response_id is not None:
            params.append(_prep(Answer, "response", response_id, alias))
        params += [_prep(Answer, name, value, alias) for name, value in zip(ANSWER_COLUMNS[1:], values)]
    return params


def insert_response_with_answers(new: NewResponse, rows: Sequence[AnswerRow], alias: str = "default") -> int:
    """insert_response and then upsert_answers, kept whole: one statement on PostgreSQL, one
    transaction elsewhere. Returns the response's id; raises IntegrityError as insert_response does."""
    statements = response_statements(alias)
    if not rows:
        return insert_response(new, alias)
    if not statements.insert_with_answers_head:
        with transaction.atomic(using=alias):
            response_id = insert_response(new, alias)
            upsert_answers(response_id, rows, alias)
        return response_id
    sql = statements.insert_with_answers_head + ", ".join([statements.insert_with_answers_row] * len(rows)) + statements.insert_with_answers_tail
    # Inside a caller's transaction, a savepoint, so that the IntegrityError of a second response
    # for the link leaves that transaction usable; on its own, the statement is its own transaction.
    with transaction.atomic(using=alias) if connections[alias].in_atomic_block else nullcontext(), prepared_cursor(alias) as cursor:
        cursor.execute(sql, [*_response_params(new, alias), *_answer_params(None, rows, alias)])
        return int(cursor.fetchone()[0])


def upsert_answers(response_id: int, rows: Sequence[AnswerRow], alias: str = "default") -> None:
    if not rows:
        return
    statements = response_statements(alias)
    sql = statements.answer_insert + ", ".join([statements.answer_values] * len(rows)) + statements.answer_conflict
    with prepared_cursor(alias) as cursor:
        cursor.execute(sql, _answer_params(response_id, rows, alias))


def note_progress(response_id: int, language: str, reached: int, alias: str = "default") -> None:
    with prepared_cursor(alias) as cursor:
        cursor.execute(response_statements(alias).progress, [language, reached, reached, response_id])


@dataclass(frozen=True)
class Completion:
    anonymity: str
    consent_to_contact: bool
    comment: str
    language: str
    completed_at: datetime
    # Set only for an anonymous response: its start kept to the day, and the invitation link cut.
    anonymous_started_at: datetime | None = None


def _completion_params(completion: Completion, alias: str) -> tuple[list[Any], bool]:
    values = {
        "anonymity": completion.anonymity,
        "consent_to_contact": completion.consent_to_contact,
        "comment": completion.comment,
        "language": completion.language,
        "is_complete": True,
        "completed_at": completion.completed_at,
    }
    params = [_prep(Response, name, values[name], alias) for name in COMPLETE_COLUMNS]
    anonymous = completion.anonymous_started_at is not None
    if anonymous:
        params.append(_prep(Response, "started_at", completion.anonymous_started_at, alias))
    return params, anonymous


def complete_response(response_id: int, completion: Completion, alias: str = "default") -> None:
    statements = response_statements(alias)
    params, anonymous = _completion_params(completion, alias)
    with prepared_cursor(alias) as cursor:
        cursor.execute(statements.complete_anonymous if anonymous else statements.complete_kept, [*params, response_id])


def claim_and_complete(
    invitation_id: int, response_id: int, completion: Completion, now: datetime, alias: str = "default"
) -> bool:
    """Claim the link (answer_updates.claim_invitation: unused and unexpired at `now`, stamped with the
    completion's time) and, only if this call claimed it, complete the response; True if it did.
    Whole or not at all: one statement on PostgreSQL, which makes its own transaction (or joins the
    caller's), and a transaction elsewhere."""
    statements = response_statements(alias)
    if not statements.claim_and_complete_kept:
        with transaction.atomic(using=alias):
            if not claim_invitation(invitation_id, completion.completed_at, now, alias):
                return False
            complete_response(response_id, completion, alias)
        return True
    params, anonymous = _completion_params(completion, alias)
    claim = [_prep(Invitation, "used_at", completion.completed_at, alias), invitation_id, _prep(Invitation, "expires_at", now, alias)]
    sql = statements.claim_and_complete_anonymous if anonymous else statements.claim_and_complete_kept
    with prepared_cursor(alias) as cursor:
        cursor.execute(sql, [*claim, *params, response_id])
        return cursor.fetchone() is not None
