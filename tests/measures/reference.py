"""A straightforward pure-Python computation of the operational standards, written apart from the
engine to check it: one loop over plain rows, dates from zoneinfo, business days counted day by day.

It does not import careloop.measures (not the engine, not business_time, not wilson): the rules are
re-read from docs/measures.md and written again the obvious way, so a shared mistake would need the
same mistake twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import sqrt
from typing import Any
from zoneinfo import ZoneInfo

# docs/measures.md, "Which events count": the moment a rate's event belongs to.
EVENT_TIME = {
    "visits": "scheduled_start",
    "calls": "started_at",
    "referrals": "sent_at",
    "messages": "received_at",
    "billing_inquiries": "opened_at",
    "audits": "observed_at",
    "slot_snapshots": "taken_at",
}
BREAKDOWNS = {
    "visits": ("provider", "location", "visit_type"),
    "slot_snapshots": ("provider", "visit_type"),
    "calls": ("queue", "agent"),
}
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}
Z = 1.959963984540054  # the 97.5th percentile of the standard normal


@dataclass(frozen=True)
class Rules:
    """What a practice's clock and calendar are."""

    zone: ZoneInfo
    as_of: datetime
    holidays: frozenset[date]
    closes: time | None = None


@dataclass(frozen=True)
class StandardSpec:
    key: str
    kind: str
    definition: dict[str, Any]
    threshold: float | None
    goal: float
    direction: str
    min_n: int


@dataclass(frozen=True)
class Expected:
    n: int
    n_met: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    goal_met: bool | None
    suppressed: bool


# (standard, period kind, period start, breakdown, breakdown value)
Key = tuple[str, str, date, str, str]


def is_business_day(day: date, rules: Rules) -> bool:
    return day.weekday() < 5 and day not in rules.holidays


def business_days_after(start: date, end: date, rules: Rules) -> int:
    """Business days after `start`, up to and including `end` (0 when end is not after start)."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += is_business_day(day, rules)
        day += timedelta(days=1)
    return count


def day_of_receipt(moment: datetime, rules: Rules) -> date:
    local = moment.astimezone(rules.zone)
    day = local.date()
    if rules.closes is None:
        return day
    if is_business_day(day, rules) and local.time() < rules.closes:
        return day
    day += timedelta(days=1)
    while not is_business_day(day, rules):
        day += timedelta(days=1)
    return day


def elapsed(start: datetime, end: datetime, unit: str, rules: Rules) -> float:
    if unit in UNIT_SECONDS:
        return (end - start).total_seconds() / UNIT_SECONDS[unit]
    if unit == "days":
        return (end.astimezone(rules.zone).date() - start.astimezone(rules.zone).date()).days
    if unit == "business_days":
        return business_days_after(day_of_receipt(start, rules), end.astimezone(rules.zone).date(), rules)
    raise ValueError(unit)


def judge(standard: StandardSpec, row: dict[str, Any], rules: Rules) -> bool | None:
    """True (met), False (not met), or None (left out: pending, or not an event of this standard)."""
    definition = standard.definition
    where: dict[str, list[Any]] = definition.get("where") or {}
    if any(row.get(name) not in values for name, values in where.items()):
        return None
    if standard.kind == "rate":
        condition = definition["condition"]
        value = row[condition["field"]]
        if "in" in condition:
            return value in condition["in"]
        return value is not None if condition.get("is_set") else value is None
    if standard.kind == "audit":
        return bool(row["passed"]) if row["standard"] == definition["checklist"] else None
    if standard.kind == "access":
        if row["visit_type"] != definition["visit_type"]:
            return None
        slot = row[f"next_available_{definition['rank']}"]
        assert standard.threshold is not None
        return slot is not None and elapsed(row["taken_at"], slot, definition["unit"], rules) <= standard.threshold
    # duration
    start, end = row[definition["start"]], row[definition["end"]]
    assert standard.threshold is not None
    if start is None:
        return None
    if end is None:
        if definition.get("missing_end", "fail") == "exclude":
            return None
        if elapsed(start, rules.as_of, definition["unit"], rules) <= standard.threshold:
            return None  # pending: it may still be met
        return False
    return elapsed(start, end, definition["unit"], rules) <= standard.threshold


def table_of(standard: StandardSpec) -> str:
    return {"audit": "audits", "access": "slot_snapshots"}.get(standard.kind) or str(standard.definition["table"])


def time_of(standard: StandardSpec, row: dict[str, Any]) -> datetime | None:
    if standard.kind == "duration":
        value: datetime | None = row[standard.definition["start"]]
        return value
    moment: datetime | None = row[EVENT_TIME[table_of(standard)]]
    return moment


def wilson(met: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval, from its textbook form."""
    p = met / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (0.0 if met == 0 else centre - half, 1.0 if met == n else centre + half)


def expected(standard: StandardSpec, n: int, met: int) -> Expected:
    if n < standard.min_n:
        return Expected(n, met, None, None, None, None, True)
    share = met / n
    low, high = wilson(met, n)
    goal_met = share <= standard.goal if standard.direction == "lower_is_better" else share >= standard.goal
    return Expected(n, met, share, low, high, goal_met, False)


def measure(standards: Iterable[StandardSpec], tables: dict[str, list[dict[str, Any]]], rules: Rules) -> dict[Key, Expected]:
    """Every week (Monday to Sunday) and calendar month of each standard, for the whole practice and
    each breakdown value ('unknown' when the event has none)."""
    results: dict[Key, Expected] = {}
    for standard in standards:
        table = table_of(standard)
        counts: dict[tuple[str, date, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for row in tables[table]:
            moment = time_of(standard, row)
            if moment is None or moment > rules.as_of:
                continue
            verdict = judge(standard, row, rules)
            if verdict is None:
                continue
            day = moment.astimezone(rules.zone).date()
            periods = [("week", day - timedelta(days=day.weekday())), ("month", day.replace(day=1))]
            groups = [("", "")] + [(name, row[name] or "unknown") for name in BREAKDOWNS.get(table, ())]
            for kind, start in periods:
                for breakdown, value in groups:
                    total = counts[(kind, start, breakdown, value)]
                    total[0] += 1
                    total[1] += verdict
        for (kind, start, breakdown, value), (n, met) in counts.items():
            results[(standard.key, kind, start, breakdown, value)] = expected(standard, n, met)
    return results
