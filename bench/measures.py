"""Benchmark of the standards engine (goal in DESIGN.md: a health-system year through every default
standard on DuckDB within 1.3× of the same measures hand-written in DuckDB SQL, at least 10× faster
than pandas, peak memory under 4 GB).

Generates a health-system year (default 50 million events across 500 practices, in the shape of the
canonical tables: 35 % visits, 40 % calls, 12 % messages, 4 % billing inquiries, 3 % referrals, 1 %
audits, 5 % slot snapshots), writes it to a DuckDB file and to Parquet, then runs, each in its own
process (so each has its own peak memory), over every default standard the engine measures from
events (the survey standards read survey answers from the app's database, not events):

- engine: careloop.measures.engine.count_standards on the DuckDB file, as recompute.py calls it
  (CARELOOP_ANALYTICS_URL=duckdb://…): count_events(grain="period") of every standard, those sharing
  a table and start counted in one query;
- sql: the same standards written by hand in DuckDB SQL (timezone(), a calendar table for business
  days, FILTER, GROUPING SETS), on the same file;
- pandas: the same standards in pandas and numpy (busday_count, one groupby per period kind and
  breakdown), reading the Parquet files.

All three produce what careloop stores: per standard, n and met of every week and month for the whole
practice and for each breakdown (provider, location, visit type; queue, agent) on its own. The run
checks that the three agree row for row, then prints medians, ratios (engine/sql, pandas/engine) and
peak memory.

    .venv/bin/python bench/measures.py [--events 50000000] [--practices 500] [--repeat 3] [--keep DIR]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ZONE = "America/New_York"
YEAR = 2025
# Measured a fortnight after the year: every event of the year can be judged.
AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=ZoneInfo(ZONE))
# The default calendar's closed days (5 U.S.C. 6103(a), as observed) around the benchmark's year,
# written out here so the hand-written SQL and pandas do not borrow careloop's code.
HOLIDAYS = [
    "2024-01-01", "2024-05-27", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25",
    "2025-01-01", "2025-05-26", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
    "2026-01-01", "2026-05-25", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
]
SHARES = {
    "visits": 0.35,
    "calls": 0.40,
    "messages": 0.12,
    "billing_inquiries": 0.04,
    "referrals": 0.03,
    "audits": 0.01,
    "slot_snapshots": 0.05,
}
EVENT_TIME = {
    "visits": "scheduled_start",
    "calls": "started_at",
    "referrals": "sent_at",
    "messages": "received_at",
    "billing_inquiries": "opened_at",
    "audits": "observed_at",
    "slot_snapshots": "taken_at",
}
DIMENSIONS = {
    "visits": ["provider", "location", "visit_type"],
    "slot_snapshots": ["provider", "visit_type"],
    "calls": ["queue", "agent"],
}
SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}
ROOT = Path(__file__).resolve().parent.parent


# --- the data ---------------------------------------------------------------------------------

GENERATE = {
    # u(i, salt): a uniform number in [0, 1) from a hash, so the data is the same on every run.
    "visits": """
        SELECT 'V' || i AS visit_id, 'P' || (hash(i, 1) % 5000000) AS patient_ref,
               practice || '-pr' || (hash(i, 3) % 8 + 1) AS provider, practice AS location,
               CASE WHEN u(i, 4) < 0.2 THEN 'new' WHEN u(i, 4) < 0.9 THEN 'established' ELSE 'urgent' END AS visit_type,
               CASE WHEN u(i, 5) < 0.45 THEN 'phone' WHEN u(i, 5) < 0.65 THEN 'online' WHEN u(i, 5) < 0.8 THEN 'portal'
                    WHEN u(i, 5) < 0.85 THEN 'walk-in' ELSE 'referral' END AS booking_channel,
               CASE WHEN u(i, 6) < 0.05 THEN NULL ELSE plus_seconds(scheduled_start, -CAST(
                    CASE WHEN u(i, 4) >= 0.9 THEN u(i, 7) * 48 * 3600 ELSE u(i, 7) * 35 * 86400 END AS BIGINT)) END AS requested_at,
               CASE WHEN u(i, 6) < 0.1 THEN NULL ELSE plus_seconds(scheduled_start, -CAST(
                    CASE WHEN u(i, 4) >= 0.9 THEN u(i, 7) * 48 * 3600 ELSE u(i, 7) * 35 * 86400 END * (1 - u(i, 8) * 0.3) AS BIGINT)) END AS booked_at,
               scheduled_start,
               CASE WHEN completed THEN plus_seconds(scheduled_start, CAST(u(i, 9) * 1800 - 900 AS BIGINT)) END AS arrived_at,
               CASE WHEN completed AND u(i, 10) > 0.03 THEN plus_seconds(scheduled_start, CAST(u(i, 9) * 1800 - 900 + u(i, 11) * u(i, 11) * 2400 AS BIGINT)) END AS roomed_at,
               CASE WHEN completed AND u(i, 10) > 0.05 THEN plus_seconds(scheduled_start, CAST(u(i, 9) * 1800 - 900 + u(i, 11) * u(i, 11) * 2400 + u(i, 12) * 1500 AS BIGINT)) END AS provider_in_at,
               CASE WHEN completed AND u(i, 10) > 0.13 THEN plus_seconds(scheduled_start, CAST(u(i, 9) * 1800 - 900 + u(i, 11) * u(i, 11) * 2400 + u(i, 12) * 1500 + 600 + u(i, 13) * 2400 AS BIGINT)) END AS checkout_at,
               CASE WHEN completed THEN 'completed' WHEN u(i, 14) < 0.55 THEN 'no-show' WHEN u(i, 14) < 0.85 THEN 'cancelled' ELSE 'late-cancel' END AS status
        FROM (SELECT i, 'p' || lpad(CAST(hash(i, 2) % {practices} AS VARCHAR), 3, '0') AS practice, u(i, 15) < 0.85 AS completed,
                     local_moment(i, 8, 9) AS scheduled_start
              FROM range({n}) t(i))
    """,
    "calls": """
        SELECT 'C' || i AS call_id, practice || (CASE WHEN u(i, 3) < 0.8 THEN '-appointments' ELSE '-billing' END) AS queue,
               started_at,
               CASE WHEN u(i, 4) < 0.88 THEN plus_seconds(started_at, CAST(u(i, 5) * u(i, 5) * u(i, 5) * 180 AS BIGINT)) END AS answered_at,
               CASE WHEN u(i, 4) >= 0.88 AND u(i, 4) < 0.96 THEN plus_seconds(started_at, CAST(u(i, 5) * 120 AS BIGINT)) END AS abandoned_at,
               CAST(u(i, 6) * 60 AS BIGINT) AS hold_seconds, CAST(NULL AS TIMESTAMPTZ) AS ended_at,
               CASE WHEN u(i, 4) < 0.88 THEN practice || '-agent' || (hash(i, 7) % 5 + 1) ELSE '' END AS agent,
               '' AS outcome, u(i, 8) < 0.05 AS callback_requested
        FROM (SELECT i, 'p' || lpad(CAST(hash(i, 2) % {practices} AS VARCHAR), 3, '0') AS practice, local_moment(i, 8, 9) AS started_at
              FROM range({n}) t(i))
    """,
    "messages": """
        SELECT 'M' || i AS message_id,
               CASE WHEN u(i, 3) < 0.7 THEN 'portal' WHEN u(i, 3) < 0.85 THEN 'email' ELSE 'sms' END AS channel,
               'P' || (hash(i, 1) % 5000000) AS patient_ref, received_at,
               CASE WHEN u(i, 4) > 0.05 THEN plus_seconds(received_at, CAST(u(i, 5) * u(i, 5) * 4 * 86400 AS BIGINT)) END AS first_response_at,
               CAST(NULL AS TIMESTAMPTZ) AS closed_at
        FROM (SELECT i, local_moment(i, 0, 24) AS received_at FROM range({n}) t(i))
    """,
    "billing_inquiries": """
        SELECT 'B' || i AS inquiry_id, 'P' || (hash(i, 1) % 5000000) AS patient_ref, opened_at,
               CASE WHEN u(i, 4) > 0.05 THEN plus_seconds(opened_at, CAST(u(i, 5) * u(i, 5) * 6 * 86400 AS BIGINT)) END AS first_response_at,
               CASE WHEN u(i, 6) > 0.1 THEN plus_seconds(opened_at, CAST(u(i, 7) * 20 * 86400 AS BIGINT)) END AS resolved_at,
               CASE WHEN u(i, 3) < 0.5 THEN 'statement' ELSE 'insurance' END AS category
        FROM (SELECT i, local_moment(i, 8, 9) AS opened_at FROM range({n}) t(i))
    """,
    "referrals": """
        SELECT 'R' || i AS referral_id, '' AS visit_id, 'P' || (hash(i, 1) % 5000000) AS patient_ref,
               CASE WHEN u(i, 3) < 0.5 THEN 'cardiology' ELSE 'dermatology' END AS specialty, sent_at,
               CASE WHEN u(i, 4) > 0.1 THEN plus_seconds(sent_at, CAST(u(i, 5) * 30 * 86400 AS BIGINT)) END AS scheduled_at,
               CASE WHEN u(i, 6) > 0.25 THEN plus_seconds(sent_at, CAST(u(i, 7) * 60 * 86400 AS BIGINT)) END AS report_received_at,
               CAST(NULL AS TIMESTAMPTZ) AS closed_at,
               CASE WHEN u(i, 8) < 0.3 THEN 'sent' WHEN u(i, 8) < 0.55 THEN 'scheduled' WHEN u(i, 8) < 0.75 THEN 'report-received'
                    WHEN u(i, 8) < 0.95 THEN 'closed' ELSE 'cancelled' END AS status
        FROM (SELECT i, local_moment(i, 8, 9) AS sent_at FROM range({n}) t(i))
    """,
    "audits": """
        SELECT 'A' || i AS audit_id,
               CASE WHEN u(i, 3) < 0.45 THEN 'greeted-by-name' WHEN u(i, 3) < 0.9 THEN 'next-steps-explained' ELSE 'hand-hygiene' END AS standard,
               local_moment(i, 8, 9) AS observed_at, 'manager' AS observer, u(i, 4) < 0.87 AS passed, '' AS note
        FROM range({n}) t(i)
    """,
    "slot_snapshots": """
        SELECT taken_at, provider, visit_type,
               plus_seconds(taken_at, CAST(u(i, 5) * 86400 AS BIGINT)) AS next_available_1,
               plus_seconds(taken_at, CAST(u(i, 5) * 3 * 86400 AS BIGINT)) AS next_available_2,
               CASE WHEN u(i, 6) > 0.03 THEN plus_seconds(taken_at, CAST(u(i, 5) * 14 * 86400 AS BIGINT)) END AS next_available_3
        FROM (SELECT i, local_moment(i, 6, 12) AS taken_at,
                     'p' || lpad(CAST(hash(i, 2) % {practices} AS VARCHAR), 3, '0') || '-pr' || (hash(i, 3) % 8 + 1) AS provider,
                     CASE WHEN u(i, 4) < 0.2 THEN 'new' WHEN u(i, 4) < 0.9 THEN 'established' ELSE 'urgent' END AS visit_type
              FROM range({n}) t(i))
    """,
}


def wall_clock_offset(wall: str) -> str:
    """SQL for the zone's UTC offset (seconds) at a wall-clock time given as seconds since 1970-01-01
    00:00 on that wall clock: a CASE over the offset changes of the benchmark's span, found with
    zoneinfo. A wall-clock time skipped by a change (02:30 on the spring-forward day) takes the
    offset the clock had before the change, and a repeated one (01:30 on the fall-back day) its first
    reading, as zoneinfo reads a wall-clock time with fold=0 (PEP 495)."""
    zone = ZoneInfo(ZONE)
    moment = datetime(YEAR - 1, 12, 1, tzinfo=timezone.utc)
    offset = _utc_offset(moment, zone)
    cases = []
    while moment < datetime(YEAR + 1, 2, 1, tzinfo=timezone.utc):
        following = moment + timedelta(hours=1)
        new = _utc_offset(following, zone)
        if new != offset:
            # Changes happen on the hour in this zone: `following` is the first instant of the new
            # offset; wall-clock times before its later reading keep the old offset (fold=0).
            cases.append(f"WHEN {wall} < {int(following.timestamp()) + max(offset, new)} THEN {offset}")
            offset = new
        moment = following
    return f"CASE {' '.join(cases)} ELSE {offset} END" if cases else str(offset)


def _utc_offset(moment: datetime, zone: ZoneInfo) -> int:
    delta = moment.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def create_generator_macros(con: Any) -> None:
    """The SQL macros GENERATE uses: u(i, salt), a uniform number in [0, 1) from a hash (the same
    data on every run); local_moment(i, first, hours); plus_seconds(ts, seconds)."""
    con.execute("CREATE MACRO u(i, s) AS (hash(i, s) % 1000003) / 1000003.0")
    # A local wall-clock moment in the year, from `first` o'clock over `hours` hours, as an instant.
    # Wall clock to instant by arithmetic over the zone's offset changes (wall_clock_offset): DuckDB's
    # timezone() converts each value through ICU, 7.5 s per million rows, which made generating
    # 50 million events take most of an hour; this takes well under a second per million.
    first_wall = int(datetime(YEAR, 1, 1).replace(tzinfo=timezone.utc).timestamp())
    con.execute(f"CREATE MACRO wall_moment(wall) AS to_timestamp(wall - ({wall_clock_offset('wall')}))")
    con.execute(
        f"""CREATE MACRO local_moment(i, first, hours) AS
            wall_moment({first_wall} + CAST(hash(i, 20) % 365 AS BIGINT) * 86400 + first * 3600
                        + CAST(hash(i, 21) % CAST(hours * 3600 AS UBIGINT) AS BIGINT))"""
    )
    # (The modulus is cast to hash()'s UBIGINT: an INTEGER one makes DuckDB compute in HUGEINT,
    # a hundred times slower.)
    # An instant plus whole seconds, in microseconds: TIMESTAMPTZ + INTERVAL goes through ICU's
    # calendar for every value, five times slower.
    con.execute("CREATE MACRO plus_seconds(ts, seconds) AS make_timestamptz(epoch_us(ts) + CAST(seconds AS BIGINT) * 1000000)")


def generate(folder: Path, events: int, practices: int) -> dict[str, int]:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    counts = {name: int(events * share) for name, share in SHARES.items()}
    with duckdb.connect(str(folder / "events.duckdb")) as con:
        con.execute("SET threads = 2")
        con.execute("SET enable_progress_bar = false")
        create_generator_macros(con)
        for name, sql in GENERATE.items():
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS ' + sql.format(n=counts[name], practices=practices))
            (folder / "parquet").mkdir(exist_ok=True)
            con.execute(f"COPY \"{name}\" TO '{folder / 'parquet' / name}.parquet' (FORMAT parquet)")
    return counts


# --- the standards ------------------------------------------------------------------------------


def default_standards() -> list[dict[str, Any]]:
    """The default journey's standards that are measured from events, as written in its file."""
    import yaml

    document = yaml.safe_load((ROOT / "careloop/journeys/default_journey.yaml").read_text(encoding="utf-8"))
    # Survey standards read survey answers and recovery standards read cases, both from the app's
    # database: neither is an event table a warehouse holds.
    return [s for s in document["standards"] if s["measure"]["kind"] in ("duration", "rate", "audit", "access")]


def table_of(standard: dict[str, Any]) -> str:
    measure = standard["measure"]
    return {"audit": "audits", "access": "slot_snapshots"}.get(measure["kind"]) or str(measure["table"])


# --- hand-written DuckDB SQL ----------------------------------------------------------------------

CALENDAR = """calendar AS (
    SELECT CAST(d AS DATE) AS d,
           sum(CASE WHEN isodow(d) <= 5 AND CAST(d AS DATE) NOT IN ({holidays}) THEN 1 ELSE 0 END) OVER (ORDER BY d) AS idx
    FROM range(TIMESTAMP '2024-01-01', TIMESTAMP '2028-01-01', INTERVAL 1 DAY) t(d))"""


def _local_date(column: str) -> str:
    return f"CAST(timezone('{ZONE}', {column}) AS DATE)"


def _dims(table: str) -> str:
    return "".join(f", coalesce(nullif({d}, ''), 'unknown') AS {d}" for d in DIMENSIONS.get(table, []))


def _where(measure: dict[str, Any]) -> str:
    clauses = []
    for name, values in sorted((measure.get("where") or {}).items()):
        clauses.append(f"{name} IN ({', '.join(repr(v) for v in values)})")
    return "".join(f" AND {c}" for c in clauses)


def hand_sql(standard: dict[str, Any]) -> str:
    """The standard as an analyst would write it in DuckDB: its events judged one by one (local day,
    breakdown values, met), then every week and month for the whole practice and each breakdown in one
    GROUP BY GROUPING SETS."""
    table = table_of(standard)
    dims = DIMENSIONS.get(table, [])
    sets = ", ".join(f"({period}{', ' + d if d else ''})" for period in ("week", "month") for d in ["", *dims])
    which = " ".join(f"WHEN {d} IS NOT NULL THEN '{d}'" for d in dims)
    breakdown = f"CASE {which} ELSE '' END" if dims else "''"
    value = f"coalesce({', '.join(dims)}, '')" if dims else "''"
    dim_columns = "".join(f", {d}" for d in dims)
    calendar, events = judged_events_sql(standard)
    return f"""
        WITH {calendar}events AS ({events}),
        counted AS (
            SELECT week, month{dim_columns}, count(*) AS n, count(*) FILTER (WHERE met) AS met
            FROM (SELECT date_trunc('week', d) AS week, date_trunc('month', d) AS month{dim_columns}, met FROM events)
            GROUP BY GROUPING SETS ({sets}))
        SELECT CASE WHEN week IS NOT NULL THEN 'week' ELSE 'month' END AS period_kind,
               date_diff('day', DATE '1970-01-01', CAST(coalesce(week, month) AS DATE)) AS period_start,
               {breakdown} AS breakdown, {value} AS breakdown_value, n, met
        FROM counted"""


def judged_events_sql(standard: dict[str, Any]) -> tuple[str, str]:
    """(calendar CTE or '', the query of the standard's events: d (local date), breakdowns, met)."""
    measure, threshold = standard["measure"], standard.get("threshold")
    table = table_of(standard)
    as_of = f"TIMESTAMPTZ '{AS_OF.isoformat()}'"
    today = f"DATE '{AS_OF.date().isoformat()}'"
    kind = measure["kind"]
    if kind in ("rate", "audit"):
        at = EVENT_TIME[table]
        if kind == "audit":
            met, where = "passed", f" AND standard = '{measure['checklist']}'"
        else:
            condition = measure["condition"]
            field = condition["field"]
            if "in" in condition:
                met = f"{field} IN ({', '.join(repr(v) for v in condition['in'])})"
            else:
                met = f"{field} IS NOT NULL" if condition.get("is_set") else f"{field} IS NULL"
            where = _where(measure)
        return "", f"""
            SELECT {_local_date(at)} AS d{_dims(table)}, {met} AS met
            FROM {table} WHERE {at} <= {as_of}{where}"""
    if kind == "access":
        start, end = "taken_at", f"next_available_{measure['rank']}"
        filters, pending = f" AND visit_type = '{measure['visit_type']}'", "FALSE"
    else:
        start, end = measure["start"], measure["end"]
        filters = _where(measure) + (f" AND {end} IS NOT NULL" if measure.get("missing_end") == "exclude" else "")
        pending = ""
    unit = measure["unit"]
    if unit in SECONDS:
        limit = threshold * SECONDS[unit]
        within = f"epoch({end}) - epoch({start}) <= {limit}"
        still_open = f"epoch({as_of}) - epoch({start}) <= {limit}"
    elif unit == "days":
        within = f"date_diff('day', {_local_date(start)}, {_local_date(end)}) <= {threshold}"
        still_open = f"date_diff('day', {_local_date(start)}, {today}) <= {threshold}"
    else:
        # business days: whole business days after the day of receipt, from a calendar table
        holidays = ", ".join(f"DATE '{d}'" for d in HOLIDAYS)
        dims = "".join(f", {d}" for d in DIMENSIONS.get(table, []))
        events = f"""
            SELECT start_day AS d{_dims(table)}, end_day IS NOT NULL AND ends.idx - starts.idx <= {threshold} AS met
            FROM (SELECT {_local_date(start)} AS start_day, {_local_date(end)} AS end_day{dims}
                  FROM {table} WHERE {start} IS NOT NULL AND {start} <= {as_of}{filters}) e
                 JOIN calendar starts ON starts.d = e.start_day
                 LEFT JOIN calendar ends ON ends.d = e.end_day
            WHERE NOT (end_day IS NULL AND (SELECT idx FROM calendar WHERE d = {today}) - starts.idx <= {threshold})"""
        return CALENDAR.format(holidays=holidays) + ",\n        ", events
    return "", f"""
            SELECT {_local_date(start)} AS d{_dims(table)}, {end} IS NOT NULL AND {within} AS met
            FROM {table}
            WHERE {start} IS NOT NULL AND {start} <= {as_of}{filters}
              AND NOT ({end} IS NULL AND {pending or still_open})"""


# --- pandas ------------------------------------------------------------------------------------


def pandas_counts(standard: dict[str, Any], frames: dict[str, Any]) -> Any:
    import numpy as np
    import pandas as pd

    measure, threshold = standard["measure"], standard.get("threshold")
    table = table_of(standard)
    frame = frames[table]
    as_of = pd.Timestamp(AS_OF)
    kind = measure["kind"]
    keep = pd.Series(True, index=frame.index)
    for name, values in (measure.get("where") or {}).items():
        keep &= frame[name].isin(values)
    if kind == "audit":
        keep &= frame["standard"] == measure["checklist"]
    if kind == "access":
        keep &= frame["visit_type"] == measure["visit_type"]
    if kind in ("rate", "audit"):
        start_column = EVENT_TIME[table]
    elif kind == "access":
        start_column = "taken_at"
    else:
        start_column = measure["start"]
    start = frame[start_column]
    keep &= start.notna() & (start <= as_of)
    if kind == "audit":
        met = frame["passed"].astype(bool)
    elif kind == "rate":
        condition = measure["condition"]
        column = frame[condition["field"]]
        met = column.isin(condition["in"]) if "in" in condition else (column.notna() if condition.get("is_set") else column.isna())
    else:
        end_column = f"next_available_{measure['rank']}" if kind == "access" else measure["end"]
        end = frame[end_column]
        if measure.get("missing_end") == "exclude":
            keep &= end.notna()
        unit = measure["unit"]
        if unit in SECONDS:
            limit = threshold * SECONDS[unit]
            met = end.notna() & ((end - start).dt.total_seconds() <= limit)
            pending = end.isna() & ((as_of - start).dt.total_seconds() <= limit)
        else:
            start_day, end_day = local_days(start), local_days(end)
            today = np.datetime64(AS_OF.date().isoformat(), "D").astype("int64")
            if unit == "days":
                elapsed = end_day - start_day
                waited = today - start_day
            else:
                holidays = np.array(HOLIDAYS, dtype="datetime64[D]")
                safe_end = np.where(end.notna(), end_day, start_day)
                elapsed = np.busday_count((start_day + 1).astype("datetime64[D]"), (safe_end + 1).astype("datetime64[D]"), holidays=holidays)
                waited = np.busday_count((start_day + 1).astype("datetime64[D]"), np.datetime64(int(today) + 1, "D"), holidays=holidays)
            met = end.notna() & (elapsed <= threshold)
            pending = end.isna() & (waited <= threshold) if kind != "access" else pd.Series(False, index=frame.index)
        if kind != "access":
            keep &= ~pending
    day = local_days(start[keep])
    selected = pd.DataFrame(
        {
            # Weeks start on Monday (day 4 since 1970-01-01 was one); months from numpy's calendar.
            "week": day - (day - 4) % 7,
            "month": day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype("int64"),
            "met": met[keep].to_numpy(dtype="int64"),
        }
    )
    dims = DIMENSIONS.get(table, [])
    for name in dims:
        values = frame.loc[keep, name]
        # .array keeps pandas' Arrow-backed strings as they are (no round trip through objects).
        selected[name] = values.where(values.notna() & (values != ""), "unknown").array
    parts = []
    for period in ("week", "month"):
        for breakdown in ["", *dims]:
            keys = [period, breakdown] if breakdown else [period]
            grouped = selected.groupby(keys, sort=False).agg(n=("met", "size"), met=("met", "sum")).reset_index()
            parts.append(
                pd.DataFrame(
                    {
                        "period_kind": period,
                        "period_start": grouped[period].to_numpy(),
                        "breakdown": breakdown,
                        "breakdown_value": grouped[breakdown].array if breakdown else "",
                        "n": grouped["n"].to_numpy(),
                        "met": grouped["met"].to_numpy(),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def local_days(series: Any) -> Any:
    """Local calendar day numbers (days since 1970-01-01) of UTC timestamps; NaT gives a sentinel."""
    import numpy as np

    local = series.dt.tz_convert(ZONE).dt.tz_localize(None)
    days = local.to_numpy().astype("datetime64[D]").astype("int64")
    return np.where(series.notna().to_numpy(), days, 0)


# --- the three runners (each in its own process) -------------------------------------------------


def run_engine(folder: Path, out: Path) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    home = tempfile.mkdtemp(prefix="careloop-bench-home-")
    # An empty workspace only for Django's settings; removed when this child exits.
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["CARELOOP_HOME"] = home
    os.environ["CARELOOP_TIME_ZONE"] = ZONE
    import django

    django.setup()
    from careloop.journeys.models import Standard
    from careloop.measures.engine import MeasureError, analytics, count_standards

    standards = [
        Standard(
            key=s["key"], name=s["name"], kind=s["measure"]["kind"],
            definition=s["measure"], threshold=s.get("threshold"), goal=s["goal"],
            direction=s["direction"], min_n=s["min_n"],
        )
        for s in default_standards()
    ]
    started, cpu = time.perf_counter(), time.process_time()
    results = {}
    with analytics(f"duckdb://{folder / 'events.duckdb'}") as source:
        source.backend.raw_sql("SET threads = 2")
        source.backend.raw_sql("SET enable_progress_bar = false")
        counted = count_standards([(standard, None) for standard in standards], source, as_of=AS_OF)
        for standard, counts in zip(standards, counted, strict=True):
            if isinstance(counts, MeasureError):
                raise counts
            results[standard.key] = counts.periods
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    _write(out, {key: table for key, table in results.items() if table is not None})
    return {"seconds": seconds, "cpu_seconds": cpu_seconds}


def run_sql(folder: Path, out: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(folder / "events.duckdb"), read_only=True)
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    standards = default_standards()
    started, cpu = time.perf_counter(), time.process_time()
    results = {s["key"]: con.execute(hand_sql(s)).to_arrow_table() for s in standards}
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    _write(out, results)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds}


def run_pandas(folder: Path, out: Path) -> dict[str, Any]:
    import pandas as pd
    import pyarrow as pa

    standards = default_standards()
    started, cpu = time.perf_counter(), time.process_time()
    results = {}
    load_seconds = 0.0
    for table in SHARES:
        mine = [s for s in standards if table_of(s) == table]
        if not mine:
            continue
        loading = time.perf_counter()
        frames = {table: pd.read_parquet(folder / "parquet" / f"{table}.parquet")}
        load_seconds += time.perf_counter() - loading
        for standard in mine:
            results[standard["key"]] = pa.Table.from_pandas(pandas_counts(standard, frames), preserve_index=False)
        del frames
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    _write(out, results)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "load_seconds": load_seconds}


def _write(out: Path, results: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    for key, table in results.items():
        pq.write_table(table, out / f"{key}.parquet")


RUNNERS = {"engine": run_engine, "sql": run_sql, "pandas": run_pandas}


def child(name: str, folder: Path, out: Path) -> None:
    figures = RUNNERS[name](folder, out)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def run_child(name: str, folder: Path, out: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", name, "--data", str(folder), "--out", str(out)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- agreement ---------------------------------------------------------------------------------


def agree(outs: dict[str, Path]) -> dict[str, Any]:
    """Row-for-row agreement of each standard's (day, breakdown values, n, met) with the engine's,
    checked in DuckDB (a symmetric difference), since a year of results is millions of rows."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    problems = []
    rows = 0
    events: dict[str, int] = {}
    for file in sorted(outs["engine"].glob("*.parquet")):
        key = file.stem
        columns = [c for c in con.execute(f"DESCRIBE SELECT * FROM '{file}'").fetchall()]
        names = [c[0] for c in columns]
        select = ", ".join(f"CAST({n} AS BIGINT) AS {n}" if n in ("period_start", "n", "met") else f"CAST({n} AS VARCHAR) AS {n}" for n in names)
        engine = f"SELECT {select} FROM '{file}'"
        rows += con.execute(f"SELECT count(*) FROM '{file}'").fetchone()[0]
        events[key] = int(con.execute(f"SELECT sum(n) FROM '{file}' WHERE period_kind = 'week' AND breakdown = ''").fetchone()[0] or 0)
        for other in ("sql", "pandas"):
            theirs = outs[other] / f"{key}.parquet"
            if not theirs.exists():
                problems.append(f"{other} has no result for {key}")
                continue
            other_select = f"SELECT {select} FROM '{theirs}'"
            differing = con.execute(
                f"SELECT count(*) FROM (({engine} EXCEPT ALL {other_select}) UNION ALL ({other_select} EXCEPT ALL {engine}))"
            ).fetchone()[0]
            if differing:
                problems.append(f"{other} differs from the engine on {key} ({differing} rows)")
    for other in ("sql", "pandas"):
        extra = {f.stem for f in outs[other].glob("*.parquet")} - set(events)
        problems += [f"{other} has a result the engine has not: {key}" for key in sorted(extra)]
    return {"agree": not problems, "problems": problems, "events_counted": events, "result_rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--practices", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each implementation (median)")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    parser.add_argument("--child", choices=sorted(RUNNERS))
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.out)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="careloop-bench-measures-"))
    marker = folder / f"generated-{args.events}-{args.practices}.json"
    if marker.exists():
        counts = json.loads(marker.read_text())
    else:
        print(f"generating {args.events:,} events across {args.practices} practices in {folder} …", file=sys.stderr)
        started = time.perf_counter()
        counts = generate(folder, args.events, args.practices)
        print(f"  generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        marker.write_text(json.dumps(counts))
    figures: dict[str, Any] = {"events": sum(counts.values()), "practices": args.practices, "tables": counts}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in RUNNERS}
    started_load = os.getloadavg()[0]
    outs = {name: folder / f"out-{name}" for name in RUNNERS}
    for attempt in range(args.repeat):
        # Interleaved, so a busy moment of the machine touches all three alike.
        for name in RUNNERS:
            figures_of_run = run_child(name, folder, outs[name])
            runs[name].append(figures_of_run)
            print(f"  run {attempt + 1} {name}: {figures_of_run['seconds']:.2f} s ({figures_of_run['cpu_seconds']:.2f} s CPU), "
                  f"peak {figures_of_run['peak_rss_mb']:.0f} MB", file=sys.stderr)
    for name, measured in runs.items():
        figures[f"{name}_seconds"] = round(statistics.median(r["seconds"] for r in measured), 3)
        # CPU seconds (all threads): less swayed than wall time by other work on a shared machine.
        figures[f"{name}_cpu_seconds"] = round(statistics.median(r["cpu_seconds"] for r in measured), 3)
        figures[f"{name}_peak_mb"] = round(max(r["peak_rss_mb"] for r in measured))
    figures["pandas_load_seconds"] = round(statistics.median(r["load_seconds"] for r in runs["pandas"]), 3)
    figures["engine_over_sql"] = round(figures["engine_seconds"] / figures["sql_seconds"], 3)
    figures["pandas_over_engine"] = round(figures["pandas_seconds"] / figures["engine_seconds"], 2)
    figures["pandas_over_engine_cpu"] = round(figures["pandas_cpu_seconds"] / figures["engine_cpu_seconds"], 2)
    figures["load_average_1min"] = [round(started_load, 2), round(os.getloadavg()[0], 2)]
    check = agree(outs)
    if args.keep is None:
        # Generated for this run only (a 50-million-event year is several GB).
        shutil.rmtree(folder, ignore_errors=True)
    figures["agree"] = check["agree"]
    figures["result_rows"] = check["result_rows"]
    figures["standards"] = len(check["events_counted"])
    for problem in check["problems"]:
        print(f"DISAGREE: {problem}", file=sys.stderr)
    figures["goals"] = {
        "engine_within_1.3x_of_sql": figures["engine_over_sql"] <= 1.3,
        "engine_10x_faster_than_pandas": figures["pandas_over_engine"] >= 10,
        "engine_peak_under_4_gb": figures["engine_peak_mb"] < 4096,
    }
    print(f"engine {figures['engine_seconds']} s, hand SQL {figures['sql_seconds']} s, pandas {figures['pandas_seconds']} s; "
          f"engine/SQL {figures['engine_over_sql']}×, pandas/engine {figures['pandas_over_engine']}×; "
          f"peak MB engine {figures['engine_peak_mb']}, SQL {figures['sql_peak_mb']}, pandas {figures['pandas_peak_mb']}", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
