"""The answer pages' two conditional UPDATEs of an invitation, written once as SQL per database vendor
from the model's table and column names, instead of being compiled by the ORM on every request.

- `claim_invitation`: completing a response claims the link, once (single use): it sets `used_at` only
  where it is still NULL and the link has not expired, and says whether it changed the row. Two submits
  at once: the database lets exactly one UPDATE match (the race test on PostgreSQL,
  tests/surveys/test_answer_under_load.py).
- `mark_opened`: the first GET of the page sets `opened_at` where it is still NULL.

Why: each ran on every completion / first GET, and the ORM built the same statement every time
(`QuerySet.filter(...).update(...)`: several hundred Python calls each; docs/surveys.md, "Performance
under load"). Parameters go through the fields' own `get_db_prep_value`, as the ORM sends them (the
time zone handling of each backend included). tests/surveys/test_answer_updates.py checks they change
the same rows, to the same values, as the ORM statements they replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import Field

from careloop.surveys.models import Invitation
from careloop.surveys.prepared_statements import prepared_cursor


@dataclass(frozen=True)
class InvitationUpdates:
    claim: str
    opened: str


_prepared: dict[str, InvitationUpdates] = {}


def _field(name: str) -> Field[Any, Any]:
    return next(field for field in Invitation._meta.concrete_fields if field.name == name)


def _column(name: str) -> str:
    return str(_field(name).column)


def _prepare(alias: str) -> InvitationUpdates:
    quote = connections[alias].ops.quote_name
    table, pk = quote(Invitation._meta.db_table), quote(_column("id"))
    used, expires, opened = quote(_column("used_at")), quote(_column("expires_at")), quote(_column("opened_at"))
    return InvitationUpdates(
        claim=f"UPDATE {table} SET {used} = %s WHERE {pk} = %s AND {used} IS NULL AND {expires} > %s",
        opened=f"UPDATE {table} SET {opened} = %s WHERE {pk} = %s AND {opened} IS NULL",
    )


def invitation_updates(alias: str = "default") -> InvitationUpdates:
    vendor = connections[alias].vendor
    if vendor not in _prepared:
        _prepared[vendor] = _prepare(alias)
    return _prepared[vendor]


def _moment(name: str, value: datetime, alias: str) -> Any:
    return _field(name).get_db_prep_value(value, connections[alias], prepared=False)


def claim_invitation(invitation_id: int, stamp: datetime, now: datetime, alias: str = "default") -> bool:
    """Set used_at = stamp if the link is unused and not expired at `now`; True if this call did."""
    with prepared_cursor(alias) as cursor:
        cursor.execute(invitation_updates(alias).claim, [_moment("used_at", stamp, alias), invitation_id, _moment("expires_at", now, alias)])
        return bool(cursor.rowcount == 1)


def mark_opened(invitation_id: int, moment: datetime, alias: str = "default") -> None:
    """Set opened_at = moment if the page was never opened before."""
    with prepared_cursor(alias) as cursor:
        cursor.execute(invitation_updates(alias).opened, [_moment("opened_at", moment, alias), invitation_id])


def note_first_opening(invitation: Invitation, moment: datetime) -> None:
    """What invitations.note_opened does, with the prepared UPDATE: nothing if already opened."""
    if invitation.opened_at is None:
        mark_opened(invitation.pk, moment)
        invitation.opened_at = moment
