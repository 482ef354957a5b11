"""Benchmark of the recovery standards (careloop/recovery/case_counts.py): what `careloop worker`'s
recovery round costs when it measures every recovery standard in full, and a check that its counts equal
an independent reference.

A fresh SQLite workspace gets the default journey and N synthetic cases over a year (most reached and
resolved in time, some late, some reopened, some open, some anonymous incidents, patients' answers).
Then, each repeated R times, median reported:

- engine: `count_recovery_cases` for the default journey's six recovery standards (the Python path the
  standards engine takes: one query per standard, each case judged by case_counts.judge);
- reference: the same n and met per local day and owner, written as Django ORM aggregates the database
  computes (conditional COUNTs over the case table, TruncDate in the practice's time zone) — the baseline,
  and the check: both must give identical counts, or the run fails;
- round: `measure_recovery_standards`, the worker's whole step (count, store measurements, look for signals).

    .venv/bin/python bench/recovery_standards.py [--cases 10000] [--runs 3] [--seed 7]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

AS_OF_TEXT = "2025-06-02T12:00:00-04:00"


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "careloop.settings"
    os.environ["CARELOOP_HOME"] = tempfile.mkdtemp(prefix="careloop-bench-recovery-")
    for name in ("CARELOOP_DATABASE_URL", "CARELOOP_ANALYTICS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_cases(count: int, seed: int, as_of: datetime) -> None:
    """`count` cases opened over the year before `as_of`, in realistic proportions (plausible, not measured)."""
    from careloop.accounts.models import StaffMember
    from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, load_journey_file
    from careloop.recovery import sla
    from careloop.recovery.models import Case, CloseLoopAnswer, Status

    journey = load_journey_file(DEFAULT_JOURNEY_PATH)
    touchpoints = list(journey.touchpoints.select_related("owner"))
    manager = StaffMember.objects.get(key="practice-manager")
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        opened = as_of - timedelta(days=rng.uniform(0, 365))
        incident = rng.random() < 0.03
        touchpoint = None if incident or rng.random() < 0.1 else rng.choice(touchpoints)
        first_due, resolution_due = sla.deadlines(opened, sla.DEFAULT_TERMS)
        case = Case(
            dedupe_key=f"bench:{number}", patient_ref="" if incident else f"P-{number}", is_incident=incident,
            trigger="complaint", summary="Benchmark case", touchpoint=touchpoint,
            owner=touchpoint.owner if touchpoint is not None else manager, opened_at=opened,
            first_contact_due=first_due, resolution_due=resolution_due,
        )
        roll = rng.random()
        if not incident and roll < 0.9:
            case.first_contacted_at = opened + timedelta(hours=rng.choice([2, 5, 20, 30, 60]))
            case.status = Status.CONTACTED
        if roll < 0.8 and (incident or case.first_contacted_at is not None):
            case.status, case.resolved_at = Status.RESOLVED, opened + timedelta(days=rng.choice([1, 2, 4, 6, 9]))
            case.reopen_count = int(rng.random() < 0.06)
            if not incident and rng.random() < 0.5:
                case.close_loop_answer = rng.choice([CloseLoopAnswer.YES] * 4 + [CloseLoopAnswer.PARTLY, CloseLoopAnswer.NO])
        elif 0.8 <= roll < 0.82:
            case.status, case.resolved_at, case.closed_reason = Status.CLOSED_WITHOUT_CONTACT, opened + timedelta(days=1), "x"
        elif 0.82 <= roll < 0.86:
            case.status, case.reopen_count = Status.REOPENED, 1
        rows.append(case)
    Case.objects.bulk_create(rows, batch_size=2000)


def reference_counts(standard: Any, as_of: datetime) -> dict[tuple[int, str], tuple[int, int]]:
    """The metric's definition (docs/recovery.md) as ORM aggregates the database computes."""
    from django.db.models import Count, F, Q
    from django.db.models.functions import TruncDate

    from careloop.measures.business_time import practice_zone
    from careloop.measures.periods import date_to_day
    from careloop.recovery.models import OPEN_STATUSES, Case, CloseLoopAnswer, Status

    metric = standard.definition["metric"]
    resolved = Q(status=Status.RESOLVED, resolved_at__isnull=False)
    counted, met = {
        "first_contact_within_sla": (
            Q(is_incident=False) & (Q(first_contacted_at__isnull=False) | Q(first_contact_due__lte=as_of)),
            Q(is_incident=False, first_contacted_at__lte=F("first_contact_due")),
        ),
        "resolved_within_sla": (
            resolved | Q(status__in=OPEN_STATUSES, resolution_due__lte=as_of),
            resolved & Q(resolved_at__lte=F("resolution_due")),
        ),
        "reopen_rate": (Q(status=Status.RESOLVED) | Q(reopen_count__gt=0), Q(reopen_count__gt=0)),
        "close_the_loop_resolved": (
            Q(close_loop_answer__in=[CloseLoopAnswer.YES, CloseLoopAnswer.PARTLY, CloseLoopAnswer.NO]),
            Q(close_loop_answer=CloseLoopAnswer.YES),
        ),
    }[metric]
    cases = Case.objects.filter(counted, opened_at__lte=as_of)
    if standard.definition.get("scope") != "practice":
        cases = cases.filter(touchpoint__key=standard.touchpoint.key)
    rows = (
        cases.annotate(day=TruncDate("opened_at", tzinfo=practice_zone()))
        .values("day", "owner__key")
        .annotate(n=Count("pk"), met=Count("pk", filter=met))
    )
    return {(date_to_day(r["day"]), r["owner__key"] or "unknown"): (r["n"], r["met"]) for r in rows}


def engine_counts(standard: Any, as_of: datetime) -> dict[tuple[int, str], tuple[int, int]]:
    from careloop.recovery.case_counts import count_recovery_cases

    counts = count_recovery_cases(standard, since=None, as_of=as_of)
    return {(row.day, row.breakdown["owner"]): (row.n, row.met) for row in counts.days}


def timed(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    setup_django()
    from careloop.recovery.case_counts import measure_recovery_standards, recovery_standards

    as_of = datetime.fromisoformat(AS_OF_TEXT)
    started = time.perf_counter()
    make_cases(options.cases, options.seed, as_of)
    print(f"{options.cases:,} cases made in {time.perf_counter() - started:.1f} s")
    standards = recovery_standards()
    engine_s, engine = timed(options.runs, lambda: {s.key: engine_counts(s, as_of) for s in standards})
    reference_s, reference = timed(options.runs, lambda: {s.key: reference_counts(s, as_of) for s in standards})
    if engine != reference:
        differing = [key for key in engine if engine[key] != reference.get(key)]
        raise SystemExit(f"engine and reference counts differ for: {', '.join(differing)}")
    round_s, report = timed(options.runs, lambda: measure_recovery_standards(as_of))
    assert isinstance(report, dict) and report.get("errors") == [], report
    judged = sum(n for counts in engine.values() for n, _ in counts.values())
    print(f"engine count, 6 standards: {engine_s * 1000:.0f} ms (median of {options.runs})")
    print(f"reference ORM aggregates:   {reference_s * 1000:.0f} ms; counts identical ({judged:,} judged case-standard pairs)")
    print(f"worker round (count, store, signals): {round_s * 1000:.0f} ms")
    figures = {
        "cases": options.cases,
        "standards": len(standards),
        "engine_count_ms": round(engine_s * 1000, 1),
        "reference_count_ms": round(reference_s * 1000, 1),
        "engine_vs_reference": round(engine_s / reference_s, 2),
        "worker_round_ms": round(round_s * 1000, 1),
        "counts_identical": True,
        "load_average": os.getloadavg()[0],
        "as_of": date.fromisoformat(AS_OF_TEXT[:10]).isoformat(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
