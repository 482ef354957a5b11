"""Benchmark and plausibility check of `careloop demo`.

Builds the 12-month demo practice three times, each in a fresh workspace, as an operator runs it
(`careloop demo --no-serve`), and reports the median time (goal: under 60 s on 2 cores) and the SQLite
file size. Then reads the last build and computes, by hand in Python, the default journey's operational
standards and the realism figures docs/demo.md quotes (no-shows by lead time, Monday-morning call
abandonment, open referral loops, …).

    .venv/bin/python bench/bench_demo_build.py [--runs 3] [--months 12] [--seed 42] [--today 2025-06-02]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

BUILT = re.compile(r"Built in ([0-9.]+) s")


def run_demo(home: Path, months: int, seed: int, today: str) -> tuple[float, float]:
    """(whole command seconds, build seconds as the command reports them) for one fresh workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(home)
    command = [sys.executable, "-m", "careloop", "demo", "--no-serve", "--months", str(months), "--seed", str(seed)]
    started = time.perf_counter()
    result = subprocess.run([*command, "--today", today], env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    match = BUILT.search(result.stdout)
    assert match, result.stdout + result.stderr
    return elapsed, float(match.group(1))


def share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def business_minutes(start: datetime, end: datetime) -> float:
    from careloop.demo.clinic_calendar import CLOSES, OPENS, at, is_clinic_day

    total, day = 0.0, start.date()
    while day <= end.date():
        if is_clinic_day(day):
            opened, closed = max(start, at(day, OPENS)), min(end, at(day, CLOSES))
            total += max(0.0, (closed - opened).total_seconds() / 60)
        day += timedelta(days=1)
    return total


def figures(home: Path, today: date) -> dict[str, Any]:
    """The default standards' figures and the realism checks, computed from the rows by hand."""
    os.environ["CARELOOP_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit

    tz = ZoneInfo(settings.TIME_ZONE)

    def local(moment: datetime) -> datetime:
        return moment.astimezone(tz).replace(tzinfo=None)

    def minutes(start: datetime, end: datetime) -> float:
        return float((end - start).total_seconds() / 60)

    # Typed Any: completed visits have every timestamp, which the model's optional fields cannot say.
    visits: list[Any] = list(Visit.objects.all())
    completed = [v for v in visits if v.status == "completed"]
    calls: list[Any] = list(Call.objects.all())
    referrals: list[Any] = list(Referral.objects.all())
    messages: list[Any] = list(Message.objects.filter(channel="portal"))
    inquiries: list[Any] = list(BillingInquiry.objects.all())
    audits: list[Any] = list(Audit.objects.all())
    snapshots: list[Any] = list(SlotSnapshot.objects.filter(visit_type="established"))

    def monday_morning(call: Any) -> bool:
        started = local(call.started_at)
        return started.weekday() == 0 and started.hour < 10

    def lead_days(visit: Any) -> float:
        return float((visit.scheduled_start - visit.booked_at).total_seconds() / 86400)

    def median_wait(rows: list[Any]) -> float:
        return round(float(statistics.median(minutes(v.arrived_at, v.provider_in_at) for v in rows)), 1)

    def on_time(rows: list[Any]) -> float | None:
        return share([minutes(v.scheduled_start, v.provider_in_at) <= 15 for v in rows])

    as_of = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    old_referrals = [r for r in referrals if r.sent_at < as_of - timedelta(days=60)]
    live_referrals = [r for r in referrals if r.status != "cancelled"]
    standards = {
        "call-answered-30s": share(
            [c.answered_at is not None and (c.answered_at - c.started_at).total_seconds() <= 30 for c in calls]
        ),
        "call-abandonment": share([c.abandoned_at is not None for c in calls]),
        "referral-in-booked": share(
            [
                business_minutes(local(v.requested_at), local(v.booked_at)) <= 2 * 540
                for v in visits
                if v.booking_channel == "referral"
            ]
        ),
        "new-patient-lead-time": share(
            [(v.scheduled_start - v.requested_at) <= timedelta(days=20) for v in visits if v.visit_type == "new"]
        ),
        "third-next-available": share([(s.next_available_3 - s.taken_at) <= timedelta(days=7) for s in snapshots]),
        "urgent-within-24h": share(
            [(v.scheduled_start - v.requested_at) <= timedelta(hours=24) for v in visits if v.visit_type == "urgent"]
        ),
        "no-show-rate": share([v.status == "no-show" for v in visits]),
        "arrival-to-rooming": share([minutes(v.arrived_at, v.roomed_at) <= 15 for v in completed]),
        "seen-within-30-min-of-arrival": share([minutes(v.arrived_at, v.provider_in_at) <= 30 for v in completed]),
        "seen-within-15-min-of-appointment": on_time(completed),
        "rooming-to-provider": share([minutes(v.roomed_at, v.provider_in_at) <= 10 for v in completed]),
        "visit-cycle-time": share([minutes(v.arrived_at, v.checkout_at) <= 60 for v in completed]),
        "referral-scheduled": share(
            [r.scheduled_at is not None and r.scheduled_at - r.sent_at <= timedelta(days=14) for r in live_referrals]
        ),
        "referral-loop-closed": share(
            [
                r.report_received_at is not None and r.report_received_at - r.sent_at <= timedelta(days=30)
                for r in live_referrals
            ]
        ),
        "portal-message-answered": share(
            [
                m.first_response_at is not None
                and business_minutes(local(m.received_at), local(m.first_response_at)) <= 540
                for m in messages
            ]
        ),
        "billing-first-response": share(
            [
                b.first_response_at is not None
                and business_minutes(local(b.opened_at), local(b.first_response_at)) <= 3 * 540
                for b in inquiries
            ]
        ),
        "billing-inquiry-resolved": share(
            [
                b.resolved_at is not None and business_minutes(local(b.opened_at), local(b.resolved_at)) <= 10 * 540
                for b in inquiries
            ]
        ),
    }
    for key in sorted({a.standard for a in audits}):
        standards[key] = share([a.passed for a in audits if a.standard == key])
    bands = {"0-6": (0, 7), "7-13": (7, 14), "14-27": (14, 28), "28+": (28, 10_000)}
    weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri")
    realism = {
        "no_show_by_lead_days": {
            band: share([v.status == "no-show" for v in visits if low <= lead_days(v) < high])
            for band, (low, high) in bands.items()
        },
        "abandonment_monday_8_to_10": share([c.abandoned_at is not None for c in calls if monday_morning(c)]),
        "abandonment_rest_of_week": share([c.abandoned_at is not None for c in calls if not monday_morning(c)]),
        "median_arrival_to_provider_min_by_weekday": {
            name: median_wait([v for v in completed if local(v.scheduled_start).weekday() == n])
            for n, name in enumerate(weekdays)
        },
        "on_time_15_min_by_provider_am_pm": {
            key: [
                on_time([v for v in completed if v.provider == key and local(v.scheduled_start).hour < 12]),
                on_time([v for v in completed if v.provider == key and local(v.scheduled_start).hour >= 12]),
            ]
            for key in ("dr-okafor", "dr-lindqvist", "dr-ramirez", "np-chen")
        },
        "referrals_open_after_60_days": share([r.closed_at is None for r in old_referrals]),
        "portal_messages_over_2_business_days": share(
            [
                m.first_response_at is None
                or business_minutes(local(m.received_at), local(m.first_response_at)) > 2 * 540
                for m in messages
            ]
        ),
        "status_shares": {
            status: share([v.status == status for v in visits])
            for status in ("completed", "no-show", "cancelled", "late-cancel")
        },
        "distinct_patients": len({v.patient_ref for v in visits}),
    }
    return {"standards": standards, "realism": realism}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", default="2025-06-02")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="careloop-bench-demo-") as scratch:
        command_seconds, build_seconds = [], []
        for run in range(args.runs):
            home = Path(scratch) / f"run{run}"
            whole, build = run_demo(home, args.months, args.seed, args.today)
            command_seconds.append(whole)
            build_seconds.append(build)
            print(f"run {run + 1}: command {whole:.1f} s, build {build:.1f} s", file=sys.stderr)
        sqlite_bytes = (home / "careloop.sqlite3").stat().st_size
        result: dict[str, Any] = {
            "months": args.months,
            "seed": args.seed,
            "cpu_count": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "command_seconds": [round(s, 2) for s in command_seconds],
            "command_seconds_median": round(statistics.median(command_seconds), 2),
            "build_seconds_median": round(statistics.median(build_seconds), 2),
            "sqlite_megabytes": round(sqlite_bytes / 1e6, 1),
        }
        measured = figures(home, date.fromisoformat(args.today))
        from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit

        tables = (Visit, Call, Referral, Message, BillingInquiry, Audit, SlotSnapshot)
        rows = {m.__name__: m._default_manager.count() for m in tables}
        result["rows"] = rows
        result["rows_per_build_second"] = round(sum(rows.values()) / result["build_seconds_median"])
        result.update(measured)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
