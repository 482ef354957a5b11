"""Recovery measured as standards of the journey (issue 7, item 4): a `recovery` standard counts
service-recovery cases the way every other standard counts events, so the same pipeline stores its
measurements, draws its SPC chart, raises its signals and colours the journey map.

The standards engine calls `count_recovery_cases` for a standard of kind `recovery`
(careloop.measures.engine.count_events). Cases live only in the app's own database, never in an
analytics warehouse, so they are read here through Django even when CARELOOP_ANALYTICS_URL points the
engine elsewhere (docs/recovery.md).

When a case counts (`judge`, the one definition the /cases/standards/ page uses too):
- a case belongs to the local day it was **opened** (practice time zone), so a week's figure is about
  the cases that week brought, and a late contact still counts against the week the case came in;
- it counts only once its figure can be known, as the engine leaves an event out until its threshold
  has passed (engine._met_within): first contact once the patient was reached, or once the deadline
  passed without it; resolution once resolved, or once its deadline passed with the case still open;
- it is judged on the case as it is now (the row keeps the latest state: a reopened case that was
  resolved again is resolved), and `as_of` decides which deadlines have passed.

Metrics (journey file `measure.metric`):
- first_contact_within_sla: cases with a patient to contact (an anonymous incident has none and is
  left out); met when first contact came by the first-contact deadline. A case closed without contact
  still counts as missed once its deadline passes: closing it does not stop the clock;
- resolved_within_sla: every case, incidents too; met when resolved by the resolution deadline (which a
  reopening restarts). Cases closed without contact are left out: there was no resolution to time;
- reopen_rate: cases resolved at least once; "met" means reopened at least once, so the goal is a
  ceiling (lower_is_better), as a rate standard counts events with its condition;
- close_the_loop_resolved: cases whose patient answered "was this resolved for you?"; met on "yes".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple
from uuid import UUID

import pyarrow as pa  # type: ignore[import-untyped]
from django.db.models import Q, QuerySet
from django.utils import timezone

from careloop.journeys.models import Direction, MeasureKind, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.engine import UNKNOWN, MeasureError, StandardCounts
from careloop.measures.periods import date_to_day, local_date, local_midnight
from careloop.measures.recompute import recompute_measurements
from careloop.recovery.models import OPEN_STATUSES, Case, CloseLoopAnswer, Status

# Recovery standards are broken down by the case's owner (their staff key): "per owner" of issue 7.
DIMENSIONS = ("owner",)


class CaseFacts(NamedTuple):
    """What the metrics read of one case: plain values straight from the database (a year of a health
    system's cases is read without building a model instance per case, bench/recovery_standards.py)."""

    opened_at: datetime
    owner_key: str
    is_incident: bool
    status: str
    first_contact_due: datetime
    first_contacted_at: datetime | None
    resolution_due: datetime
    resolved_at: datetime | None
    reopen_count: int
    close_loop_answer: str


FACT_FIELDS = (
    "opened_at", "owner__key", "is_incident", "status", "first_contact_due", "first_contacted_at",
    "resolution_due", "resolved_at", "reopen_count", "close_loop_answer",
)


def facts_of(case: Case) -> CaseFacts:
    return CaseFacts(
        case.opened_at, case.owner.key if case.owner is not None else "", case.is_incident, case.status,
        case.first_contact_due, case.first_contacted_at, case.resolution_due, case.resolved_at, case.reopen_count,
        case.close_loop_answer,
    )


# (counted, met) of one case for one metric; None when the case does not count (yet).
Verdict = tuple[bool, bool] | None


def _first_contact(case: CaseFacts, as_of: datetime) -> Verdict:
    if case.is_incident:
        return None
    if case.first_contacted_at is not None:
        return True, case.first_contacted_at <= case.first_contact_due
    if case.first_contact_due <= as_of:
        return True, False
    return None


def _resolution(case: CaseFacts, as_of: datetime) -> Verdict:
    if case.status == Status.RESOLVED and case.resolved_at is not None:
        return True, case.resolved_at <= case.resolution_due
    if case.status in OPEN_STATUSES and case.resolution_due <= as_of:
        return True, False
    return None


def _reopened(case: CaseFacts, as_of: datetime) -> Verdict:
    if case.status == Status.RESOLVED or case.reopen_count > 0:
        return True, case.reopen_count > 0
    return None


ANSWERED = (CloseLoopAnswer.YES, CloseLoopAnswer.PARTLY, CloseLoopAnswer.NO)


def _resolved_for_patient(case: CaseFacts, as_of: datetime) -> Verdict:
    if case.close_loop_answer in ANSWERED:
        return True, case.close_loop_answer == CloseLoopAnswer.YES
    return None


JUDGES: dict[str, Callable[[CaseFacts, datetime], Verdict]] = {
    "first_contact_within_sla": _first_contact,
    "resolved_within_sla": _resolution,
    "reopen_rate": _reopened,
    "close_the_loop_resolved": _resolved_for_patient,
}
# Cases that may count for a metric, so the database sends only those: a superset the judge decides on
# (an incident never counts for first contact, an unanswered case never for the patient's answer, …).
CANDIDATES: dict[str, Q] = {
    "first_contact_within_sla": Q(is_incident=False),
    "resolved_within_sla": ~Q(status=Status.CLOSED_WITHOUT_CONTACT),
    "reopen_rate": Q(status=Status.RESOLVED) | Q(reopen_count__gt=0),
    "close_the_loop_resolved": Q(close_loop_answer__in=ANSWERED),
}


def judge(metric: str, case: CaseFacts, as_of: datetime) -> Verdict:
    """Whether the case counts for the metric as of that moment, and whether it meets it."""
    return JUDGES[metric](case, as_of)


def _metric(standard: Standard) -> str:
    metric = str(standard.definition.get("metric", ""))
    if metric not in JUDGES:
        raise MeasureError(
            f"Standard {standard.key!r}: measure.metric {metric!r} is not one of: {', '.join(JUDGES)}; fix the journey file."
        )
    return metric


def cases_of(standard: Standard, *, since: datetime | None, as_of: datetime) -> QuerySet[Case]:
    """The cases a recovery standard counts: opened from `since` to `as_of`, at its touchpoint (by
    key, so cases opened under an earlier journey version count too) unless its scope is the practice."""
    cases = Case.objects.filter(opened_at__lte=as_of)
    if since is not None:
        cases = cases.filter(opened_at__gte=since)
    if standard.definition.get("scope", "touchpoint") != "practice":
        cases = cases.filter(touchpoint__key=standard.touchpoint.key)
    return cases


def day_counts(metric: str, cases: Iterable[CaseFacts], as_of: datetime) -> dict[tuple[int, str], list[int]]:
    """[n, met] per (local day opened, owner key) of the cases that count."""
    zone = practice_zone()
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        verdict = judge(metric, case, as_of)
        if verdict is None:
            continue
        pair = counts[(date_to_day(local_date(case.opened_at, zone)), case.owner_key or UNKNOWN)]
        pair[0] += 1
        pair[1] += int(verdict[1])
    return counts


def count_recovery_cases(standard: Standard, *, since: datetime | None, as_of: datetime) -> StandardCounts:
    """n and met per local day and owner of a recovery standard's cases, as the engine returns them
    for events. No case to count yet: no rows (the pages then say "no data yet")."""
    if standard.kind != MeasureKind.RECOVERY:
        raise MeasureError(f"Standard {standard.key!r} is a {standard.kind} standard, not a recovery one.")
    metric = _metric(standard)
    rows = cases_of(standard, since=since, as_of=as_of).filter(CANDIDATES[metric]).values_list(*FACT_FIELDS)
    counts = day_counts(metric, (CaseFacts(*row) for row in rows), as_of)
    if not counts:
        return StandardCounts(standard, DIMENSIONS)
    keys = sorted(counts)
    table = pa.table(
        {
            "day": pa.array([day for day, _ in keys], pa.int64()),
            "owner": pa.array([owner for _, owner in keys], pa.string()),
            "n": pa.array([counts[k][0] for k in keys], pa.int64()),
            "met": pa.array([counts[k][1] for k in keys], pa.int64()),
        }
    )
    return StandardCounts(standard, DIMENSIONS, table)


@dataclass(frozen=True)
class CaseAgainst:
    """One case that counted against a recovery standard, without the patient: the case's id (its
    page applies its own access rules), where, whose, when, its state and why it counts."""

    external_id: UUID
    touchpoint: str
    owner_key: str
    owner_name: str
    opened_at: datetime
    status: str
    why: str


def _why(metric: str, case: CaseFacts) -> str:
    """Why the case counts against its standard, in words (the judge's reason, not the patient's story)."""
    if metric == "first_contact_within_sla":
        return "first contact after its deadline" if case.first_contacted_at is not None else "no first contact by its deadline"
    if metric == "resolved_within_sla":
        return "resolved after its deadline" if case.resolved_at is not None and case.status == Status.RESOLVED else "still open past its resolution deadline"
    if metric == "reopen_rate":
        return f"reopened {case.reopen_count} time{'s' if case.reopen_count != 1 else ''}"
    return f"the patient answered \u201c{CloseLoopAnswer(case.close_loop_answer).label.lower()}\u201d to \u201cwas this resolved for you?\u201d"


def cases_against(
    standard: Standard, first: date, end: date, *, as_of: datetime, owner_key: str = "", limit: int = 200
) -> tuple[int, list[CaseAgainst]]:
    """How many cases opened on local days [first, end) (and of one owner's key, `UNKNOWN` for
    none) count against the standard, and the first `limit` of them, oldest first: judged by `judge`,
    as `day_counts` counts them. Where higher is better those not met (n − met of the period); for the
    reopen rate, a ceiling, those "met" (reopened), as the events drill-down lists a rate's condition."""
    if standard.kind != MeasureKind.RECOVERY:
        raise MeasureError(f"Standard {standard.key!r} is a {standard.kind} standard, not a recovery one.")
    metric = _metric(standard)
    zone = practice_zone()
    cases = (
        cases_of(standard, since=local_midnight(first, zone), as_of=as_of)
        .filter(CANDIDATES[metric], opened_at__lt=local_midnight(end, zone))
        .order_by("opened_at", "id")
        .values_list(*FACT_FIELDS, "external_id", "touchpoint__name", "owner__name")
    )
    against_is_met = standard.direction == Direction.LOWER_IS_BETTER
    total = 0
    listed: list[CaseAgainst] = []
    for row in cases:
        facts = CaseFacts(*row[: len(FACT_FIELDS)])
        external_id, touchpoint, owner_name = row[len(FACT_FIELDS):]
        verdict = judge(metric, facts, as_of)
        if verdict is None or verdict[1] != against_is_met:
            continue
        if owner_key and (facts.owner_key or UNKNOWN) != owner_key:
            continue
        total += 1
        if len(listed) < limit:
            listed.append(
                CaseAgainst(
                    external_id, touchpoint or "", facts.owner_key, owner_name or "", facts.opened_at,
                    Status(facts.status).label, _why(metric, facts),
                )
            )
    return total, listed


def recovery_standards() -> list[Standard]:
    """The active journey's recovery standards."""
    return list(
        Standard.objects.filter(journey__is_active=True, kind=MeasureKind.RECOVERY)
        .select_related("touchpoint", "touchpoint__owner")
        .order_by("touchpoint__order", "order", "key")
    )


def measure_recovery_standards(as_of: datetime | None = None) -> dict[str, object]:
    """Measure every recovery standard in full, through the standards engine's pipeline (stored
    measurements, signals). Cases change long after they were opened (a reopening, a late answer),
    so an incremental window would miss them. A practice's cases are few: bench/recovery_standards.py
    times the whole step on a year of a large practice's cases."""
    standards = recovery_standards()
    if not standards:
        return {}
    # analytics_url "": cases are read from the app's database, so no warehouse is opened for them.
    return recompute_measurements(standards=standards, as_of=as_of or timezone.now(), analytics_url="").as_dict()
