"""The import's fast paths store exactly what the careful paths store: the batch read column by column
(rows.py), the cached timestamp conversion (timestamps.py), SQLite's prepared executemany and
PostgreSQL's COPY into a staging table (writer.py). Assertions are on the stored rows, never on timings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from careloop.events.importing.csv_reader import RowReader as CsvRows
from careloop.events.importing.csv_reader import inspect_csv
from careloop.events.importing.importer import import_file
from careloop.events.importing.mapping import canonical_mapping
from careloop.events.importing.rows import RowReader
from careloop.events.importing.tables import table_spec
from careloop.events.importing.timestamps import TimestampReader
from careloop.events.importing.writer import BATCH_ROWS, UpsertWriter
from careloop.events.models import Call, ImportRun, Visit

NEW_YORK = ZoneInfo("America/New_York")
CALL_HEADER = "call_id,queue,started_at,answered_at,abandoned_at,hold_seconds,ended_at,agent,outcome,callback_requested\n"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_it_converts_a_column_of_timestamps_to_the_same_instants_as_one_by_one() -> None:
    reader = TimestampReader(NEW_YORK, ("%m/%d/%Y %I:%M %p",))
    values = [
        "2024-03-05T14:30:07-05:00", "2024-03-05T14:30:59-05:00",  # the second one reuses the first's minute
        "2024-03-05T14:30:07Z", "2024-03-05T14:30:07+05:30", "2024-03-05 14:30:07", "2024-03-05T14:30",
        "2024-07-01 09:00:00",  # summer: EDT, UTC-4
        "03/05/2024 02:30 PM", "03/05/2024 02:30 PM", "", "  ",
        "2024-03-05T14:30:07.250000-05:00",
    ]
    expected = [
        "2024-03-05 19:30:07", "2024-03-05 19:30:59", "2024-03-05 14:30:07", "2024-03-05 09:00:07",
        "2024-03-05 19:30:07", "2024-03-05 19:30:00", "2024-07-01 13:00:00", "2024-03-05 19:30:00",
        "2024-03-05 19:30:00", None, None, "2024-03-05 19:30:07.250000",
    ]
    assert reader.utc_texts(values) == expected
    assert reader.utc_texts(values) == expected  # again, now from the caches
    assert [reader(v) for v in values] == [None if e is None else datetime.fromisoformat(e) for e in expected]


def test_it_never_caches_a_time_near_a_daylight_saving_change_so_each_one_is_noted() -> None:
    reader = TimestampReader(NEW_YORK)
    # 02:30 on 10 March 2024 never happened in New York; 01:30 on 3 November 2024 happened twice.
    texts = reader.utc_texts(["2024-03-10 02:30:00", "2024-03-10 02:30:10", "2024-11-03 01:30:00"])
    assert texts == ["2024-03-10 07:30:00", "2024-03-10 07:30:10", "2024-11-03 05:30:00"]
    assert len(reader.dst_notes) == 3


def test_it_reads_a_minute_from_the_cache_only_with_valid_seconds() -> None:
    from careloop.events.importing.values import BadValue

    reader = TimestampReader(NEW_YORK)
    assert reader.utc_texts(["2024-03-05T14:30:00-05:00"]) == ["2024-03-05 19:30:00"]
    with pytest.raises(BadValue):
        reader.utc_texts(["2024-03-05T14:30:60-05:00"])  # same minute cached; 60 seconds is still wrong


def visits_csv(rows: int, start: int = 0) -> str:
    lines = ["visit_id,patient_ref,provider,location,visit_type,booking_channel,scheduled_start,arrived_at,checkout_at,status"]
    for i in range(start, start + rows):
        day = 1 + i % 28
        lines.append(f"V{i},P{i % 97},dr-okafor,main-street,Established patient,phone,"
                     f"2024-02-{day:02d}T09:{i % 60:02d}:00-05:00,2024-02-{day:02d}T08:55:{i % 60:02d}-05:00,"
                     f"2024-02-{day:02d}T10:{i % 60:02d}:30-05:00,completed")
    return "\n".join(lines) + "\n"


@pytest.mark.django_db
def test_it_reads_a_clean_batch_column_by_column_to_the_same_values_as_row_by_row(tmp_path: Path) -> None:
    csv_file = inspect_csv(write(tmp_path / "visits.csv", visits_csv(300)))
    spec = table_spec("visits")
    batch = list(CsvRows(csv_file))
    fast = RowReader(spec, canonical_mapping(spec), csv_file).read_batch(batch)
    careful = RowReader(spec, canonical_mapping(spec), csv_file)._read_rows(batch)
    assert (len(fast.good), fast.bad) == (300, [])
    assert [list(row) for row in fast.good] == [list(row) for row in careful.good]
    assert fast.good[1][spec.field_names.index("scheduled_start")] == "2024-02-02 14:01:00"
    assert fast.earliest == careful.earliest == "2024-02-01 13:55:00"


@pytest.mark.django_db
def test_it_stores_a_file_of_several_batches_and_then_finds_every_row_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path / "visits.csv", visits_csv(BATCH_ROWS + 7))

    first = import_file("visits", path)
    second = import_file("visits", path)

    assert (first.inserted, first.updated, first.unchanged) == (BATCH_ROWS + 7, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, BATCH_ROWS + 7)
    assert Visit.objects.count() == BATCH_ROWS + 7
    visit = Visit.objects.get(visit_id=f"V{BATCH_ROWS + 6}")
    n = BATCH_ROWS + 6
    assert visit.scheduled_start == utc(f"2024-02-{1 + n % 28:02d}T14:{n % 60:02d}:00")
    assert visit.visit_type == "established" and visit.import_run_id == ImportRun.objects.order_by("started_at", "pk").first().pk  # type: ignore[union-attr]


@pytest.mark.django_db
def test_it_updates_changed_rows_in_place_and_keeps_their_run(tmp_path: Path) -> None:
    import_file("visits", write(tmp_path / "a.csv", visits_csv(20)))
    changed = visits_csv(20).replace("V5,P5,dr-okafor", "V5,P5,dr-reyes")
    report = import_file("visits", write(tmp_path / "b.csv", changed))

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 19)
    runs = list(ImportRun.objects.order_by("pk").values_list("pk", flat=True))
    assert Visit.objects.get(visit_id="V5").provider == "dr-reyes"
    assert Visit.objects.get(visit_id="V5").import_run_id == runs[-1]
    assert Visit.objects.get(visit_id="V6").import_run_id == runs[0]


@pytest.mark.django_db
def test_it_reports_a_bad_row_in_a_batch_exactly_as_the_row_by_row_reading_does(tmp_path: Path) -> None:
    text = visits_csv(50)
    text = text.replace("2024-02-11T08:55:10-05:00", "2024-02-11T10:55:10-05:00")  # V10 arrives after checkout
    text += "V3,P3,dr-okafor,main-street,new,phone,2024-02-04T09:03:00-05:00,,,completed\n"  # a repeated id
    report = import_file("visits", write(tmp_path / "visits.csv", text))

    assert (report.status, report.rejected, Visit.objects.count()) == ("rejected", 2, 0)
    assert [str(p) for p in report.problems] == [
        f"{tmp_path / 'visits.csv'} line 12, column \"checkout_at\": '2024-02-11T10:10:30-05:00' is before arrived_at "
        "(2024-02-11T10:55:10-05:00); expected checkout_at at or after arrived_at",
        f"{tmp_path / 'visits.csv'} line 52, column \"visit_id\": 'V3' appeared already on line 5; expected each visit_id once in a file",
    ]


@pytest.mark.django_db
def test_it_writes_timestamps_given_as_datetimes_the_same_as_text(tmp_path: Path) -> None:
    """The FHIR importer hands the writer datetimes; the CSV fast path hands it UTC text."""
    from careloop.events.importing.rows import GoodRow

    spec = table_spec("calls")
    run = ImportRun.objects.create(table="calls", file_name="x", sha256="0" * 64, started_at=utc("2024-01-01T00:00"),
                                   finished_at=utc("2024-01-01T00:00"), status="imported")
    writer = UpsertWriter(spec, run.pk)
    names = spec.field_names
    as_text = dict(zip(names, [f.default for f in spec.fields]))
    as_text.update(call_id="C1", queue="appointments", started_at="2024-03-05 19:30:07")
    as_datetime = dict(as_text, call_id="C2", started_at=datetime(2024, 3, 5, 14, 30, 7, tzinfo=NEW_YORK))
    writer.write_values([[as_text[n] for n in names]])
    writer.write([GoodRow(1, [as_datetime[n] for n in names])])

    assert list(Call.objects.order_by("call_id").values_list("started_at", flat=True)) == [utc("2024-03-05T19:30:07")] * 2
    assert (writer.inserted, writer.updated, writer.unchanged) == (2, 0, 0)


@pytest.mark.django_db
def test_it_imports_calls_through_the_batch_path_with_codes_integers_and_booleans(tmp_path: Path) -> None:
    text = CALL_HEADER + "".join(
        f"K{i},appointments,2024-03-05T14:{i:02d}:00Z,2024-03-05T14:{i:02d}:20Z,,{i},2024-03-05T14:{i:02d}:50Z,"
        f"agent-{i % 3},booked,{'yes' if i % 2 else 'no'}\n" for i in range(40)
    )
    report = import_file("calls", write(tmp_path / "calls.csv", text))

    assert (report.inserted, report.rejected) == (40, 0)
    call = Call.objects.get(call_id="K7")
    assert (call.hold_seconds, call.callback_requested, call.agent) == (7, True, "agent-1")
    assert call.answered_at == utc("2024-03-05T14:07:20")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_copies_into_a_staging_table_on_postgresql_and_upserts_from_it(tmp_path: Path) -> None:
    assert connection.vendor == "postgresql"
    import_file("visits", write(tmp_path / "a.csv", visits_csv(30)))
    changed = visits_csv(30).replace("V29,P29,dr-okafor", "V29,P29,dr-reyes") + visits_csv(2, start=30).split("\n", 1)[1]
    report = import_file("visits", write(tmp_path / "b.csv", changed))

    assert (report.inserted, report.updated, report.unchanged) == (2, 1, 29)
    assert Visit.objects.count() == 32 and Visit.objects.get(visit_id="V29").provider == "dr-reyes"
    assert Visit.objects.get(visit_id="V31").scheduled_start == utc("2024-02-04T14:31:00")
    with connection.cursor() as cursor:  # the staging table went with the import's transaction
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'careloop_staging_%%'")
        assert cursor.fetchone() == (0,)
