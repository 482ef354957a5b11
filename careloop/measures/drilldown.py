"""The events behind a measurement that did not meet the standard: what a manager opens after a
bad week, to see which calls, visits or messages failed, and when.

The engine (engine.py) counts in the database and never returns rows, so the rows are read here
with plain ORM queries on the event models, and judged by the same rules the engine's expression
uses (docs/measures.md, "Which events count"): a duration is met when its end came within the
threshold; an event with no end whose threshold has not yet passed is pending (neither met nor
failed); `missing_end: exclude` leaves events with no end out; a rate's "failure" is the condition
when lower is better (an abandoned call) and its absence when higher is better; an audit fails when
not passed; an access snapshot fails when the slot at that rank is beyond the threshold or missing.

Identity: rows carry `patient_ref` only for people with `can_view_patient_events`, and every such
read is written to the audit log (one entry per patient shown) in the same transaction as the read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from careloop.accounts import audit
from careloop.accounts.models import User
from careloop.accounts.roles import CAN_VIEW_PATIENT_EVENTS
from careloop.events.models import Audit, SlotSnapshot
from careloop.journeys.models import Direction, MeasureKind, Standard
from careloop.measures.business_time import business_days_between, practice_zone
from careloop.measures.engine import CANONICAL_TABLES, EVENT_TIME, SECONDS_PER_UNIT
from careloop.measures.periods import Period, local_midnight, period_containing

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


class DrilldownUnavailable(ValueError):
    """This standard's failures are not events one can list (survey answers)."""


@dataclass(frozen=True)
class FailedEvent:
    event_id: str
    at: datetime
    # What failed, in words: "answered after 74 s", "no answer", "abandoned".
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
    shows_patients: bool = False

    @property
    def truncated(self) -> bool:
        return self.total > len(self.events)


def _bounds(period: Period) -> tuple[datetime, datetime]:
    zone = practice_zone()
    return local_midnight(period.start, zone), local_midnight(period.end, zone)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(practice_zone()).date()


def _where(rows: models.QuerySet[Any], standard: Standard) -> models.QuerySet[Any]:
    for name, values in sorted((standard.definition.get("where") or {}).items()):
        rows = rows.filter(**{f"{name}__in": list(values)})
    return rows


def _elapsed_words(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def duration_verdict(standard: Standard, start: datetime, end: datetime | None, as_of: datetime) -> tuple[str, str]:
    """('met' | 'pending' | 'failed', words) for one event, as engine._met_within judges it."""
    unit = str(standard.definition.get("unit", ""))
    threshold = float(standard.threshold or 0)
    if unit in SECONDS_PER_UNIT:
        limit = threshold * SECONDS_PER_UNIT[unit]
        if end is None:
            return ("pending", "") if (as_of - start).total_seconds() <= limit else ("failed", "no end recorded")
        took = (end - start).total_seconds()
        return ("met", "") if took <= limit else ("failed", f"took {_elapsed_words(took)}")
    start_day = _local_date(start)
    today = _local_date(as_of)
    if unit == "days":
        if end is None:
            return ("pending", "") if (today - start_day).days <= threshold else ("failed", "no end recorded")
        days = (_local_date(end) - start_day).days
        return ("met", "") if days <= threshold else ("failed", f"took {days} days")
    if unit == "business_days":
        if end is None:
            pending = business_days_between(start_day, today) <= threshold
            return ("pending", "") if pending else ("failed", "no end recorded")
        days = business_days_between(start_day, _local_date(end))
        return ("met", "") if days <= threshold else ("failed", f"took {days} business days")
    raise DrilldownUnavailable(f"Standard {standard.key!r}: unknown unit {unit!r}.")


def _describe_place(row: Any) -> str:
    parts = [str(getattr(row, name)) for name in ("provider", "location", "queue", "channel", "specialty", "category") if getattr(row, name, "")]
    return ", ".join(parts)


def _duration_failures(standard: Standard, period: Period, as_of: datetime) -> list[tuple[Any, FailedEvent]]:
    table = str(standard.definition["table"])
    model = CANONICAL_TABLES[table]
    start, end = str(standard.definition["start"]), str(standard.definition["end"])
    low, high = _bounds(period)
    rows = _where(model.objects.filter(**{f"{start}__gte": low, f"{start}__lt": high, f"{start}__lte": as_of}), standard)
    if standard.definition.get("missing_end", "fail") == "exclude":
        rows = rows.filter(**{f"{end}__isnull": False})
    failed = []
    for row in rows.order_by(start):
        verdict, words = duration_verdict(standard, getattr(row, start), getattr(row, end), as_of)
        if verdict == "failed":
            failed.append((row, FailedEvent(getattr(row, ID_FIELD[table]), getattr(row, start), words, _describe_place(row))))
    return failed


def _rate_failures(standard: Standard, period: Period, as_of: datetime) -> list[tuple[Any, FailedEvent]]:
    table = str(standard.definition["table"])
    model = CANONICAL_TABLES[table]
    at = EVENT_TIME[table]
    condition: dict[str, Any] = standard.definition["condition"]
    column = str(condition["field"])
    low, high = _bounds(period)
    rows = _where(model.objects.filter(**{f"{at}__gte": low, f"{at}__lt": high, f"{at}__lte": as_of}), standard)
    if "in" in condition:
        has_condition = models.Q(**{f"{column}__in": list(condition["in"])})
    elif condition.get("is_set"):
        has_condition = models.Q(**{f"{column}__isnull": False})
    else:
        has_condition = models.Q(**{f"{column}__isnull": True})
    # Lower is better: the condition is the failure (a no-show); higher is better: its absence.
    failing_is_condition = standard.direction == Direction.LOWER_IS_BETTER
    rows = rows.filter(has_condition) if failing_is_condition else rows.exclude(has_condition)
    return [
        (row, FailedEvent(getattr(row, ID_FIELD[table]), getattr(row, at), _rate_words(row, condition, failing_is_condition), _describe_place(row)))
        for row in rows.order_by(at)
    ]


def _rate_words(row: Any, condition: dict[str, Any], failing_is_condition: bool) -> str:
    """E.g. "no-show" (the row's status), "abandoned", "not closed"."""
    column = str(condition["field"])
    if "in" in condition:
        value = str(getattr(row, column))
        return value if failing_is_condition else f"{column.replace('_', ' ')} {value}"
    name = column.removesuffix("_at").replace("_", " ")
    is_set = bool(condition.get("is_set"))
    return name if is_set == failing_is_condition else f"not {name}"


def _audit_failures(standard: Standard, period: Period, as_of: datetime) -> list[tuple[Any, FailedEvent]]:
    low, high = _bounds(period)
    rows = Audit.objects.filter(
        standard=standard.definition.get("checklist"), observed_at__gte=low, observed_at__lt=high,
        observed_at__lte=as_of, passed=False,
    ).order_by("observed_at")
    return [(row, FailedEvent(row.audit_id, row.observed_at, "not passed", f"observed by {row.observer}")) for row in rows]


def _access_failures(standard: Standard, period: Period, as_of: datetime) -> list[tuple[Any, FailedEvent]]:
    rank = int(standard.definition.get("rank", 3))
    slot = f"next_available_{rank}"
    low, high = _bounds(period)
    rows = SlotSnapshot.objects.filter(
        visit_type=standard.definition.get("visit_type"), taken_at__gte=low, taken_at__lt=high, taken_at__lte=as_of
    ).order_by("taken_at", "provider")
    failed = []
    for row in rows:
        available = getattr(row, slot)
        if available is None:
            failed.append((row, FailedEvent(f"{row.provider}@{row.taken_at:%Y-%m-%d}", row.taken_at, "no open slot", row.provider)))
            continue
        verdict, words = duration_verdict(standard, row.taken_at, available, as_of)
        if verdict == "failed":
            failed.append((row, FailedEvent(f"{row.provider}@{row.taken_at:%Y-%m-%d}", row.taken_at, words, row.provider)))
    return failed


FINDERS = {
    MeasureKind.DURATION: _duration_failures,
    MeasureKind.RATE: _rate_failures,
    MeasureKind.AUDIT: _audit_failures,
    MeasureKind.ACCESS: _access_failures,
}


def failed_events(
    user: User, standard: Standard, period: Period, *, as_of: datetime | None = None, request: HttpRequest | None = None
) -> Failures:
    """The events of `period` that failed the standard, judged as the engine judges them.
    Patient references only for `can_view_patient_events`, each audited in this transaction."""
    finder = FINDERS.get(MeasureKind(standard.kind))
    if finder is None:
        raise DrilldownUnavailable(
            "Survey standards are measured from patients' answers, not events: see the survey results."
        )
    as_of = as_of or timezone.now()
    table = str(standard.definition.get("table", ""))
    shows_patients = user.can(CAN_VIEW_PATIENT_EVENTS) and table in AUDIT_FIELD and table != "calls"
    with transaction.atomic():
        found = finder(standard, period, as_of)
        result = Failures(standard, period, total=len(found), shows_patients=shows_patients)
        shown = found[:MAX_ROWS]
        for row, event in shown:
            if shows_patients:
                ref = str(row.patient_ref)
                event = FailedEvent(event.event_id, event.at, event.what, event.where, ref)
            result.events.append(event)
        if shows_patients:
            _audit_reads(user, standard, period, table, [e.patient_ref for e in result.events], request)
    return result


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
