"""The standards engine: a standard's definition compiled to an Ibis expression, run where the data is.

Each standard becomes one query that counts its events per local day and breakdown value
(provider, location, visit type where the table has them): n, and how many met the standard.
Weeks, months and the whole practice are sums of those counts (recompute.py), so one query per
standard serves every period and breakdown, and the heavy work stays in the database.

Where the data is (docs/measures.md):
- by default the app's own database, through Django's open connection (SQLite or PostgreSQL).
  Using Django's connection rather than opening the file again means the engine sees exactly what
  the app sees, including the in-memory SQLite database of the tests and uncommitted rows of the
  import that triggered it;
- CARELOOP_ANALYTICS_URL: a DuckDB file (duckdb:///path.duckdb), a folder of Parquet files
  (parquet:///folder, one `<table>.parquet` or `<table>/*.parquet` per canonical table), or any
  URL ibis.connect accepts (postgresql://…), holding the canonical tables of DESIGN.md.

Portable by construction: timestamps are turned into epoch seconds (every backend has that) and
local days are integer arithmetic on them, with the practice's daylight-saving changes as a short
CASE (business_time.utc_offsets). Shares are never divided in SQL: the engine returns integer
counts, and PostgreSQL's integer division pitfall (DESIGN.md) cannot arise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
from django.db import connection

from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit
from careloop.journeys.models import MeasureKind, Standard
from careloop.measures.business_time import holiday_days, practice_zone, utc_offsets
from careloop.measures.periods import FIRST_MONDAY, date_to_day, local_date
from careloop.surveys.measurement_source import instrument_item_keys, scored_responses

# Canonical (warehouse) table names, and the Django models that hold them in the app's database.
CANONICAL_TABLES: dict[str, type[Any]] = {
    "visits": Visit,
    "calls": Call,
    "referrals": Referral,
    "messages": Message,
    "billing_inquiries": BillingInquiry,
    "audits": Audit,
    "slot_snapshots": SlotSnapshot,
}
# DESIGN.md spells the last one `slots_snapshots`; a warehouse built from it is read too.
TABLE_ALIASES = {"slot_snapshots": ("slots_snapshots",)}

# The moment an event belongs to, for a rate (a duration belongs to its start).
EVENT_TIME = {
    "visits": "scheduled_start",
    "calls": "started_at",
    "referrals": "sent_at",
    "messages": "received_at",
    "billing_inquiries": "opened_at",
    "audits": "observed_at",
    "slot_snapshots": "taken_at",
}
BREAKDOWNS = ("provider", "location", "visit_type")
SECONDS_PER_UNIT = {"seconds": 1, "minutes": 60, "hours": 3600}
NO_SURVEY_DATA = "no survey data yet"
NO_DATA = "no data"


class MeasureError(Exception):
    """A standard that cannot be measured, said in one sentence naming the standard and the field."""


class AnalyticsUnavailable(MeasureError):
    """The analytics database cannot be opened at all."""


@dataclass(frozen=True)
class DayCount:
    """Events of one local day (and one breakdown value of each dimension)."""

    day: int
    breakdown: dict[str, str]
    n: int
    met: int


@dataclass(frozen=True)
class SurveyAnswers:
    """One complete response to a survey standard's instrument, on the local day it was completed:
    its answers to the standard's items, in the order the standard names them (None: not answered)."""

    day: int
    breakdown: dict[str, str]
    top_box: tuple[bool | None, ...]
    score_100: tuple[float | None, ...]
    # The 0-10 answer of an NPS standard's item.
    rating: int | None = None


@dataclass
class StandardCounts:
    standard: Standard
    dimensions: tuple[str, ...] = ()
    days: list[DayCount] = field(default_factory=list)
    # Survey standards: one entry per complete response (scores are not sums of counts, so a
    # week or month is scored from its responses, recompute.survey_measurements).
    responses: list[SurveyAnswers] = field(default_factory=list)
    # Set when the standard has nothing to measure yet ("no survey data yet", "no data").
    notice: str = ""


@dataclass
class AnalyticsSource:
    """An Ibis connection and the names its canonical tables have there."""

    backend: Any
    table_names: dict[str, str]
    label: str
    # False for Django's own connection, which stays open for Django.
    owned: bool = True

    def table(self, canonical: str, standard: Standard) -> ir.Table:
        name = self.table_names.get(canonical, canonical)
        try:
            return self.backend.table(name)
        except Exception:
            raise MeasureError(
                f"Standard {standard.key!r}: the analytics database ({self.label}) has no table {canonical!r}; "
                f"load the canonical {canonical} table there (docs/measures.md)."
            ) from None


# --- connections ------------------------------------------------------------------------------


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class _LentConnection:
    """Django's database connection, lent to Ibis. Ibis commits after every SQLite query and rolls
    back after a failed PostgreSQL one: on Django's connection that would end the transaction Django
    has open (an import's, or a test's). The engine only reads, so commit and rollback stay Django's."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _django_source() -> AnalyticsSource:
    connection.ensure_connection()
    raw = _LentConnection(connection.connection)
    names = {canonical: model._meta.db_table for canonical, model in CANONICAL_TABLES.items()}
    if connection.vendor == "sqlite":
        backend = ibis.sqlite.from_connection(raw)
        # Ibis turns on case-sensitive LIKE for its own string functions; Django's icontains on
        # SQLite relies on LIKE ignoring case, and this is Django's connection: turn it back off.
        raw.execute("PRAGMA case_sensitive_like = OFF")
        return AnalyticsSource(backend, names, "the app's SQLite database", owned=False)
    if connection.vendor == "postgresql":
        return AnalyticsSource(ibis.postgres.from_connection(raw), names, "the app's PostgreSQL database", owned=False)
    raise AnalyticsUnavailable(
        f"The standards engine reads SQLite or PostgreSQL, not {connection.vendor}; "
        "set CARELOOP_ANALYTICS_URL to a DuckDB file or PostgreSQL database holding the event tables."
    )


def _parquet_source(folder: Path, label: str) -> AnalyticsSource:
    if not folder.is_dir():
        raise AnalyticsUnavailable(f"CARELOOP_ANALYTICS_URL ({label}): no folder at {folder}.")
    backend = ibis.duckdb.connect()
    for canonical in CANONICAL_TABLES:
        for name in (canonical, *TABLE_ALIASES.get(canonical, ())):
            single, partitioned = folder / f"{name}.parquet", folder / name
            if single.is_file():
                backend.read_parquet(single, table_name=canonical)
                break
            if partitioned.is_dir() and any(partitioned.glob("*.parquet")):
                backend.read_parquet(str(partitioned / "*.parquet"), table_name=canonical)
                break
    return AnalyticsSource(backend, {}, label)


def _url_source(url: str) -> AnalyticsSource:
    label = _redacted(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "duckdb":
        path = Path(parts.netloc + parts.path)
        if not path.is_file():
            # DuckDB would silently create an empty database: say what is wrong instead.
            raise AnalyticsUnavailable(f"CARELOOP_ANALYTICS_URL ({label}): no DuckDB file at {path}.")
        backend = ibis.duckdb.connect(str(path), read_only=True)
    elif scheme == "parquet" or (not scheme and Path(url).is_dir()):
        return _parquet_source(Path(parts.netloc + parts.path if scheme else url), label)
    else:
        backend = ibis.connect(url)
    names = {}
    available = set(backend.list_tables())
    for canonical, aliases in TABLE_ALIASES.items():
        for alias in aliases:
            if canonical not in available and alias in available:
                names[canonical] = alias
    return AnalyticsSource(backend, names, label)


def open_analytics(url: str | None = None) -> AnalyticsSource:
    """The Ibis connection the engine measures on: `url`, else CARELOOP_ANALYTICS_URL, else the
    app's own database. A wrong or unreachable URL is one sentence, never a stack trace."""
    url = os.environ.get("CARELOOP_ANALYTICS_URL", "") if url is None else url
    if not url:
        return _django_source()
    try:
        return _url_source(url)
    except AnalyticsUnavailable:
        raise
    except ImportError as error:
        raise AnalyticsUnavailable(
            f"CARELOOP_ANALYTICS_URL ({_redacted(url)}): this kind of database needs an extra package ({error.name}); "
            "see docs/measures.md."
        ) from None
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AnalyticsUnavailable(
            f"CARELOOP_ANALYTICS_URL ({_redacted(url)}) could not be opened: {first_line}."
        ) from None


@contextmanager
def analytics(url: str | None = None) -> Iterator[AnalyticsSource]:
    source = open_analytics(url)
    try:
        yield source
    finally:
        if source.owned:
            try:
                source.backend.disconnect()
            except Exception:  # noqa: BLE001 - closing a connection is best effort
                pass


# --- expressions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The practice's clock over the span of the data: UTC offsets and holidays, so the database
    can say which local day, and which business day, an epoch second falls on."""

    initial_offset: int
    changes: list[tuple[int, int]]
    holidays: list[int]

    def local_day(self, epoch: ir.IntegerValue) -> ir.IntegerValue:
        if self.changes:
            offset: ir.IntegerValue = ibis.cases(
                *(
                    (epoch < at, previous)
                    for at, previous in zip(
                        [at for at, _ in self.changes],
                        [self.initial_offset] + [offset for _, offset in self.changes[:-1]],
                        strict=True,
                    )
                ),
                else_=self.changes[-1][1],
            )
        else:
            offset = ibis.literal(self.initial_offset)
        return (epoch + offset) // 86400

    def business_day_index(self, day: ir.IntegerValue) -> ir.IntegerValue:
        """Mirrors business_time.business_day_index in SQL."""
        since_monday = day - FIRST_MONDAY
        weeks = since_monday // 7
        rest = since_monday - weeks * 7
        weekdays = weeks * 5 + ibis.least(rest + 1, 5)
        if not self.holidays:
            return weekdays
        holidays_so_far: ir.IntegerValue = ibis.cases(
            *((day < holiday, count) for count, holiday in enumerate(self.holidays)), else_=len(self.holidays)
        )
        return weekdays - holidays_so_far


def _clock(first_epoch: int, last_epoch: int) -> Clock:
    zone = practice_zone()
    first = datetime.fromtimestamp(first_epoch, zone) - timedelta(days=1)
    last = datetime.fromtimestamp(last_epoch, zone) + timedelta(days=1)
    initial, changes = utc_offsets(first, last, zone)
    return Clock(initial, changes, holiday_days(first.date(), last.date() + timedelta(days=31)))


def _definition(standard: Standard, name: str) -> Any:
    value = standard.definition.get(name)
    if value in (None, "", []):
        raise MeasureError(f"Standard {standard.key!r}: its {standard.kind} measure has no {name!r}; fix the journey file.")
    return value


def _require_columns(table: ir.Table, names: list[tuple[str, str]], standard: Standard, canonical: str) -> None:
    """Each (column, where the definition names it) must exist in the table."""
    for column, where in names:
        if column not in table.columns:
            raise MeasureError(
                f"Standard {standard.key!r}: {where} names the field {column!r}, "
                f"which the {canonical} table does not have."
            )


def _where(table: ir.Table, standard: Standard, canonical: str) -> ir.Table:
    where: dict[str, list[Any]] = standard.definition.get("where") or {}
    _require_columns(table, [(name, f"measure.where.{name}") for name in where], standard, canonical)
    for name, values in sorted(where.items()):
        table = table.filter(table[name].isin(list(values)))
    return table


@dataclass
class _Compiled:
    """A standard as a filtered table with `event_at` (epoch), `met`, and breakdown columns."""

    canonical: str
    table: ir.Table
    time_column: str
    # Columns whose latest value extends the clock (an end timestamp may be after every start).
    later_columns: list[str]
    dimensions: tuple[str, ...]


def _dimensions(table: ir.Table, canonical: str) -> tuple[str, ...]:
    if canonical not in ("visits", "slot_snapshots"):
        return ()
    return tuple(name for name in BREAKDOWNS if name in table.columns)


def _threshold(standard: Standard) -> float:
    if standard.threshold is None:
        raise MeasureError(f"Standard {standard.key!r}: a {standard.kind} standard needs a threshold; fix the journey file.")
    return float(standard.threshold)


def _met_within(
    standard: Standard,
    start: ir.TimestampValue,
    end: ir.TimestampValue,
    unit: str,
    clock: Clock,
    as_of: datetime,
) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """(met, still pending): met when the end came within the threshold; pending when there is
    no end yet but the threshold has not passed, so the event cannot be judged."""
    threshold = _threshold(standard)
    start_epoch, end_epoch = start.epoch_seconds(), end.epoch_seconds()
    as_of_epoch = int(as_of.timestamp())
    if unit in SECONDS_PER_UNIT:
        limit = threshold * SECONDS_PER_UNIT[unit]
        met = end.notnull() & ((end_epoch - start_epoch) <= limit)
        pending = end.isnull() & ((as_of_epoch - start_epoch) <= limit)
        return met, pending
    start_day, end_day = clock.local_day(start_epoch), clock.local_day(end_epoch)
    today = date_to_day(local_date(as_of, practice_zone()))
    if unit == "days":
        # Calendar days by date, as access rules are written ("within 20 days of the date of
        # request", 38 CFR 17.4040(a)(1)): the hour of the day does not matter.
        met = end.notnull() & ((end_day - start_day) <= threshold)
        pending = end.isnull() & ((today - start_day) <= threshold)
        return met, pending
    if unit == "business_days":
        start_index = clock.business_day_index(start_day)
        met = end.notnull() & ((clock.business_day_index(end_day) - start_index) <= threshold)
        pending = end.isnull() & ((clock.business_day_index(ibis.literal(today)) - start_index) <= threshold)
        return met, pending
    raise MeasureError(f"Standard {standard.key!r}: measure.unit {unit!r} is not one of seconds, minutes, hours, days, business_days.")


def _compile_duration(source: AnalyticsSource, standard: Standard) -> _Compiled:
    canonical = _definition(standard, "table")
    start, end = _definition(standard, "start"), _definition(standard, "end")
    table = source.table(canonical, standard)
    _require_columns(table, [(start, "measure.start"), (end, "measure.end")], standard, canonical)
    table = _where(table, standard, canonical).filter(lambda t: t[start].notnull())
    if standard.definition.get("missing_end", "fail") == "exclude":
        table = table.filter(table[end].notnull())
    return _Compiled(canonical, table, start, [end], _dimensions(table, canonical))


def _compile_rate(source: AnalyticsSource, standard: Standard) -> _Compiled:
    canonical = _definition(standard, "table")
    condition: dict[str, Any] = _definition(standard, "condition")
    column = condition.get("field", "")
    table = source.table(canonical, standard)
    time_column = EVENT_TIME.get(canonical, "")
    _require_columns(
        table, [(column, "measure.condition.field"), (time_column, f"the {canonical} event time")], standard, canonical
    )
    return _Compiled(canonical, _where(table, standard, canonical), time_column, [], _dimensions(table, canonical))


def _compile_audit(source: AnalyticsSource, standard: Standard) -> _Compiled:
    checklist = _definition(standard, "checklist")
    table = source.table("audits", standard)
    _require_columns(
        table, [("standard", "an audit measure"), ("passed", "an audit measure"), ("observed_at", "an audit measure")],
        standard, "audits",
    )
    return _Compiled("audits", table.filter(table.standard == checklist), "observed_at", [], ())


def _compile_access(source: AnalyticsSource, standard: Standard) -> _Compiled:
    rank = int(_definition(standard, "rank"))
    visit_type = _definition(standard, "visit_type")
    slot = f"next_available_{rank}"
    table = source.table("slot_snapshots", standard)
    _require_columns(
        table, [(slot, "measure.rank"), ("visit_type", "measure.visit_type"), ("taken_at", "an access measure")],
        standard, "slot_snapshots",
    )
    table = table.filter(table.visit_type == visit_type)
    return _Compiled("slot_snapshots", table, "taken_at", [slot], _dimensions(table, "slot_snapshots"))


COMPILERS = {
    MeasureKind.DURATION: _compile_duration,
    MeasureKind.RATE: _compile_rate,
    MeasureKind.AUDIT: _compile_audit,
    MeasureKind.ACCESS: _compile_access,
}


def _met_expression(compiled: _Compiled, standard: Standard, clock: Clock, as_of: datetime) -> tuple[ir.BooleanValue, ir.BooleanValue | None]:
    table = compiled.table
    definition = standard.definition
    if standard.kind == MeasureKind.DURATION:
        return _met_within(standard, table[definition["start"]], table[definition["end"]], definition["unit"], clock, as_of)
    if standard.kind == MeasureKind.ACCESS:
        slot = compiled.later_columns[0]
        # A snapshot with no slot at that rank found none within the booking horizon: not met, and
        # never pending (the snapshot is what was true at that moment).
        met, _ = _met_within(standard, table.taken_at, table[slot], definition["unit"], clock, as_of)
        return met, None
    if standard.kind == MeasureKind.AUDIT:
        return table.passed == True, None  # noqa: E712 - an Ibis expression, not a Python comparison
    condition = definition["condition"]
    column = table[condition["field"]]
    if "in" in condition:
        return column.isin(list(condition["in"])), None
    return (column.notnull() if condition.get("is_set") else column.isnull()), None


def _span(compiled: _Compiled, since_epoch: int | None, as_of_epoch: int) -> tuple[int, int] | None:
    """First and last epoch second the clock must cover, or None when there are no events."""
    table = compiled.table
    at = table[compiled.time_column].epoch_seconds()
    if since_epoch is not None:
        table = table.filter(at >= since_epoch)
    table = table.filter(at <= as_of_epoch)
    at = table[compiled.time_column].epoch_seconds()
    metrics = {"first": at.min(), "last": at.max()}
    for index, column in enumerate(compiled.later_columns):
        metrics[f"later_{index}"] = table[column].epoch_seconds().max()
    row = table.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    if row["first"] is None:
        return None
    last = max(int(v) for k, v in row.items() if k != "first" and v is not None)
    return int(row["first"]), max(last, as_of_epoch)


def _one_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def count_events(
    standard: Standard, source: AnalyticsSource, *, since: datetime | None = None, as_of: datetime
) -> StandardCounts:
    """n and met per local day (and breakdown) of one standard's events from `since` to `as_of`."""
    if standard.kind == MeasureKind.SURVEY:
        return count_survey_responses(standard, since=since, as_of=as_of)
    compiler = COMPILERS.get(standard.kind)  # type: ignore[call-overload]
    if compiler is None:
        raise MeasureError(f"Standard {standard.key!r}: the engine does not know the measure kind {standard.kind!r}.")
    compiled = compiler(source, standard)
    as_of_epoch = int(as_of.timestamp())
    since_epoch = int(since.timestamp()) if since is not None else None
    try:
        span = _span(compiled, since_epoch, as_of_epoch)
        if span is None:
            return StandardCounts(standard, compiled.dimensions, notice=NO_DATA)
        clock = _clock(*span)
        rows = _run_counts(compiled, standard, clock, since_epoch, as_of)
    except MeasureError:
        raise
    except Exception as error:
        raise MeasureError(
            f"Standard {standard.key!r} could not be measured on {source.label}: {_one_line(error)}."
        ) from None
    days = [
        DayCount(
            day=int(row["day"]),
            breakdown={name: str(row[name]) if row[name] not in (None, "") else "unknown" for name in compiled.dimensions},
            n=int(row["n"]),
            met=int(row["met"] or 0),
        )
        for row in rows
    ]
    return StandardCounts(standard, compiled.dimensions, days)


def _run_counts(
    compiled: _Compiled, standard: Standard, clock: Clock, since_epoch: int | None, as_of: datetime
) -> list[dict[str, Any]]:
    table = compiled.table
    at = table[compiled.time_column].epoch_seconds()
    table = table.filter(at <= int(as_of.timestamp()))
    if since_epoch is not None:
        table = table.filter(at >= since_epoch)
    compiled = _Compiled(compiled.canonical, table, compiled.time_column, compiled.later_columns, compiled.dimensions)
    met, pending = _met_expression(compiled, standard, clock, as_of)
    if pending is not None:
        table = table.filter(~pending)
        compiled.table = table
        met, _ = _met_expression(compiled, standard, clock, as_of)
    day = clock.local_day(table[compiled.time_column].epoch_seconds())
    counted = table.mutate(day=day, met_flag=ibis.ifelse(met, 1, 0))
    grouped = counted.group_by(["day", *compiled.dimensions]).aggregate(
        n=counted.count(), met=counted.met_flag.sum()
    )
    rows: list[dict[str, Any]] = grouped.order_by(["day", *compiled.dimensions]).to_pyarrow().to_pylist()
    return rows



# --- survey standards -------------------------------------------------------------------------
#
# Survey tables are the app's own (no warehouse holds them), so this kind reads them through the
# surveys app's plain rows (careloop.surveys.measurement_source) on Django's connection, not Ibis.
# A response belongs to the local day it was *completed*: an anonymous response is cut loose from
# its invitation, hence from the visit and its date, but keeps its completion day (docs/surveys.md).


def count_survey_responses(standard: Standard, *, since: datetime | None, as_of: datetime) -> StandardCounts:
    """The complete responses a survey standard is scored from, completed from `since` to `as_of`."""
    instrument = str(_definition(standard, "instrument"))
    items = [str(item) for item in _definition(standard, "items")]
    known = instrument_item_keys(instrument)
    if known is None:
        return StandardCounts(standard, BREAKDOWNS, notice=NO_SURVEY_DATA)
    missing = [item for item in items if item not in known]
    if missing:
        raise MeasureError(
            f"Standard {standard.key!r}: measure.items names {', '.join(map(repr, missing))}, "
            f"which the survey instrument {instrument!r} does not have."
        )
    zone = practice_zone()
    nps = standard.definition.get("score") == "nps"
    responses = [
        SurveyAnswers(
            day=date_to_day(local_date(row.completed_at, zone)),
            breakdown={name: getattr(row, name) or "unknown" for name in BREAKDOWNS},
            top_box=tuple(row.top_box.get(item) for item in items),
            score_100=tuple(row.score_100.get(item) for item in items),
            rating=_rating(row.values.get(items[0])) if nps else None,
        )
        for row in scored_responses(instrument, items, since=since, until=as_of)
    ]
    if not responses:
        return StandardCounts(standard, BREAKDOWNS, notice=NO_SURVEY_DATA)
    return StandardCounts(standard, BREAKDOWNS, responses=responses)


def _rating(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
