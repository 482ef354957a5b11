"""The events behind a measurement that did not meet the standard: what a manager opens after a
bad week, to see which calls, visits or messages failed, and when.

The events are chosen by the standards engine itself (engine.failing_events): the standard is
compiled as for counting, over the same clock (time zone, holidays, opening hours), filtered to the
period and to the events that count against it, and only their ids and a few columns are fetched. So
the list is exactly what the measurement counted: for a standard where higher is better, the n − met
events not met (a call answered too late, a message not answered within its business days, an audit
not passed, a snapshot whose slot was too far off); where lower is better, the events with the rate's
condition (the no-shows, the abandoned calls). Pending events (no end yet, threshold not yet passed)
are neither, as in the engine (docs/measures.md, "Which events count").

Recovery standards count cases, not events: their failures are the cases that counted against the
standard (careloop/recovery/case_counts.py `cases_against`, judged by the same function that counts
them), listed without the patient (case id, touchpoint, owner, opened, status, why), so that list
needs no audit entry; each links to the case page, which applies its own access rules.

Identity: rows carry `patient_ref` only for people with `can_view_patient_events`, and every such
read is written to the audit log (one entry per patient shown) in the same transaction as the read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from careloop.accounts import audit
from careloop.accounts.models import User
from careloop.accounts.roles import CAN_VIEW_PATIENT_EVENTS
from careloop.journeys.models import Direction, MeasureKind, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.engine import TABLE_BREAKDOWNS, FailingEvents, MeasureError, analytics, failing_events
from careloop.measures.periods import Period, date_to_day, period_containing

if TYPE_CHECKING:
    from careloop.recovery.case_counts import CaseAgainst

# At most this many failed events are listed (and audited); the count says how many there were.
MAX_ROWS = 200
# The audit log's name for each table's rows (accounts/audit.py AUDITABLE_FIELDS).
AUDIT_FIELD = {"visits": "visit", "calls": "call", "referrals": "referral", "messages": "message", "billing_inquiries": "billing_inquiry"}
ID_FIELD = {
    "visits": "visit_id",
    "calls": "call_id",
    "referrals": "referral_id",
    "messages": "message_id",
    "billing_inquiries": "inquiry_id",
    "audits": "audit_id",
}
# A breakdown value longer than any stored one (Measurement.breakdown_value) is refused before any query.
MAX_BREAKDOWN_VALUE = 80
# Columns that say where an event happened, those of them its table has.
PLACE_FIELDS = ("provider", "location", "queue", "channel", "specialty", "category")


class DrilldownUnavailable(ValueError):
    """This standard's failures are not events one can list (survey answers), or cannot be read."""


@dataclass(frozen=True)
class FailedEvent:
    event_id: str
    at: datetime
    # What failed, in words: "took 74 s", "no end recorded", "abandoned".
    what: str
    # Provider / location / queue where the table has one.
    where: str
    # Only for people allowed to see patient events; '' otherwise.
    patient_ref: str = ""


@dataclass
class Failures:
    standard: Standard
    period: Period
    total: int = 0
    events: list[FailedEvent] = field(default_factory=list)
    # A recovery standard's cases that counted against it (no patient identity on them).
    cases: list[CaseAgainst] = field(default_factory=list)
    shows_patients: bool = False
    # The breakdown the list is filtered to, e.g. ("owner", "fran-frontdesk"); ("", "") for all.
    breakdown: tuple[str, str] = ("", "")

    @property
    def truncated(self) -> bool:
        return self.total > max(len(self.events), len(self.cases))

    @property
    def is_recovery(self) -> bool:
        return self.standard.kind == MeasureKind.RECOVERY


def allowed_breakdowns(standard: Standard) -> tuple[str, ...]:
    """The dimensions the standard's measurements are broken down by: a recovery standard's by the
    case's owner, an event standard's by its table's columns (engine.TABLE_BREAKDOWNS)."""
    if standard.kind == MeasureKind.RECOVERY:
        # Imported here because recovery builds on measures (as the engine does for counting).
        from careloop.recovery.case_counts import DIMENSIONS

        return DIMENSIONS
    return TABLE_BREAKDOWNS.get(table_of(standard), ())


def breakdown_from_query(standard: Standard, dimension: str, value: str) -> tuple[str, str] | None:
    """(dimension, value) from the query string; ("", "") for none; None when either is not one the
    standard can have (a dimension it is not broken down by, an empty or overlong value)."""
    if not dimension and not value:
        return ("", "")
    if dimension not in allowed_breakdowns(standard) or not value or len(value) > MAX_BREAKDOWN_VALUE:
        return None
    return (dimension, value)


def table_of(standard: Standard) -> str:
    if standard.kind == MeasureKind.AUDIT:
        return "audits"
    if standard.kind == MeasureKind.ACCESS:
        return "slot_snapshots"
    return str(standard.definition.get("table", ""))


def _elapsed_words(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _duration_words(standard: Standard, row: dict[str, Any], in_days: bool) -> str:
    if not row["has_end"]:
        return "no open slot" if standard.kind == MeasureKind.ACCESS else "no end recorded"
    taken = row["taken"]
    if not in_days:
        return f"took {_elapsed_words(float(taken))}"
    unit = "business days" if standard.definition.get("unit") == "business_days" else "days"
    return f"took {int(taken)} {unit}"


def _rate_words(standard: Standard, row: dict[str, Any]) -> str:
    """E.g. "no-show" (the row's status), "abandoned", "not closed"."""
    condition: dict[str, Any] = standard.definition["condition"]
    column = str(condition["field"])
    failing_is_condition = standard.direction == Direction.LOWER_IS_BETTER
    if "in" in condition:
        value = str(row.get(column) or "")
        return value if failing_is_condition else f"{column.replace('_', ' ')} {value}"
    name = column.removesuffix("_at").replace("_", " ")
    is_set = bool(condition.get("is_set"))
    return name if is_set == failing_is_condition else f"not {name}"


def _words(standard: Standard, row: dict[str, Any], in_days: bool) -> str:
    if standard.kind == MeasureKind.RATE:
        return _rate_words(standard, row)
    if standard.kind == MeasureKind.AUDIT:
        return "not passed"
    return _duration_words(standard, row, in_days)


def _where_words(standard: Standard, row: dict[str, Any]) -> str:
    if standard.kind == MeasureKind.AUDIT:
        return f"observed by {row.get('observer') or 'unknown'}"
    return ", ".join(str(row[name]) for name in PLACE_FIELDS if row.get(name))


def _event_id(standard: Standard, row: dict[str, Any], at: datetime) -> str:
    if standard.kind == MeasureKind.ACCESS:
        # Snapshots have no id of their own: the provider and the local day they were taken.
        return f"{row.get('provider') or 'unknown'}@{at.astimezone(practice_zone()):%Y-%m-%d}"
    return str(row.get(ID_FIELD[table_of(standard)]) or "")


def _columns(standard: Standard, shows_patients: bool) -> tuple[str, ...]:
    table = table_of(standard)
    wanted = [ID_FIELD[table]] if table in ID_FIELD else []
    wanted += list(PLACE_FIELDS)
    if standard.kind == MeasureKind.RATE:
        wanted.append(str(standard.definition["condition"]["field"]))
    if standard.kind == MeasureKind.AUDIT:
        wanted.append("observer")
    if shows_patients:
        wanted.append("patient_ref")
    return tuple(dict.fromkeys(wanted))


def _found(standard: Standard, period: Period, as_of: datetime, shows_patients: bool, breakdown: tuple[str, str]) -> FailingEvents:
    try:
        with analytics() as source:
            return failing_events(
                standard, source, first_day=date_to_day(period.start), end_day=date_to_day(period.end), as_of=as_of,
                columns=_columns(standard, shows_patients), breakdown=breakdown[0], breakdown_value=breakdown[1],
                limit=MAX_ROWS,
            )
    except MeasureError as error:
        raise DrilldownUnavailable(str(error)) from None


def failed_events(
    user: User,
    standard: Standard,
    period: Period,
    *,
    as_of: datetime | None = None,
    request: HttpRequest | None = None,
    breakdown: tuple[str, str] = ("", ""),
) -> Failures:
    """The events of `period` (and of one breakdown value, e.g. ("provider", "dr-okafor")) that count
    against the standard, as the engine counted them. Patient references only for
    `can_view_patient_events`, each audited in this transaction."""
    if standard.kind == MeasureKind.RECOVERY:
        return _failed_cases(standard, period, as_of or timezone.now(), breakdown)
    if standard.kind not in (MeasureKind.DURATION, MeasureKind.RATE, MeasureKind.AUDIT, MeasureKind.ACCESS):
        raise DrilldownUnavailable(
            "Survey standards are measured from patients' answers, not events: see the survey results."
            if standard.kind == MeasureKind.SURVEY
            else "This standard is not measured from events: see its own page."
        )
    as_of = as_of or timezone.now()
    table = table_of(standard)
    shows_patients = user.can(CAN_VIEW_PATIENT_EVENTS) and table in AUDIT_FIELD and table != "calls"
    with transaction.atomic():
        found = _found(standard, period, as_of, shows_patients, breakdown)
        result = Failures(standard, period, total=found.total, shows_patients=shows_patients, breakdown=breakdown)
        for row in found.rows:
            at = datetime.fromtimestamp(float(row["at_epoch"]), UTC)
            result.events.append(
                FailedEvent(
                    _event_id(standard, row, at), at, _words(standard, row, found.taken_in_days),
                    _where_words(standard, row), str(row.get("patient_ref") or "") if shows_patients else "",
                )
            )
        if shows_patients:
            _audit_reads(user, standard, period, table, [e.patient_ref for e in result.events if e.patient_ref], request)
    return result


def _failed_cases(standard: Standard, period: Period, as_of: datetime, breakdown: tuple[str, str]) -> Failures:
    """A recovery standard's cases of `period` (and of one owner) that counted against it. No patient
    identity is read, so nothing is audited."""
    from careloop.recovery.case_counts import cases_against

    dimension, value = breakdown
    if dimension and dimension not in allowed_breakdowns(standard):
        raise DrilldownUnavailable(f"Standard {standard.key!r}: its cases are not broken down by {dimension!r}.")
    try:
        total, cases = cases_against(standard, period.start, period.end, as_of=as_of, owner_key=value, limit=MAX_ROWS)
    except MeasureError as error:
        raise DrilldownUnavailable(str(error)) from None
    return Failures(standard, period, total=total, cases=cases, breakdown=breakdown)


def _audit_reads(
    user: User, standard: Standard, period: Period, table: str, patient_refs: list[str], request: HttpRequest | None
) -> None:
    """One entry per patient shown: the audit log answers "who saw patient X", so each patient
    whose reference was on screen gets their own line (45 CFR 164.312(b))."""
    record_id = f"{standard.key} {period.label()}"[:100]
    for ref in dict.fromkeys(patient_refs):
        audit.record(user, "read", "failed_events", record_id, patient_ref=ref, fields=["patient_ref", AUDIT_FIELD[table]], request=request)


def period_from_query(value: str, kind: str) -> Period | None:
    """The period starting on `value` (YYYY-MM-DD), or None when it is not a period start."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    period = period_containing(day, kind)
    return period if period.start == day else None
