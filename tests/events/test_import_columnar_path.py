"""The columnar fast path (columnar.py) stores exactly what the row-by-row path stores, for every dialect
the importer takes, and refuses (so the row path reports) whatever it is not sure of. Each file is
imported both ways into the same table; the stored rows, content hashes included, must be identical."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careloop.demo.export_files import mapping_path
from careloop.events.importing import columnar
from careloop.events.importing.columnar import ColumnarReader, Refused
from careloop.events.importing.csv_reader import RowReader as CsvRows
from careloop.events.importing.csv_reader import inspect_csv
from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.importing.mapping import canonical_mapping, read_mapping
from careloop.events.importing.report import ImportReport
from careloop.events.importing.rows import RowReader
from careloop.events.importing.tables import table_spec
from careloop.events.importing.writer import content_hash
from careloop.events.models import Call, Visit

VISIT_COLUMNS = "visit_id,patient_ref,provider,location,visit_type,booking_channel,scheduled_start,arrived_at,checkout_at,status"
CALL_HEADER = "call_id,queue,started_at,answered_at,abandoned_at,hold_seconds,ended_at,agent,outcome,callback_requested"
PM_HEADER = ("Appt ID;Patient Key;Provider Code;Location Code;Appt Type;Scheduled Via;Request Date/Time;Booked Date/Time;"
             "Appt Date;Appt Time;Checked In;Roomed;Provider In;Checked Out;Appt Status")


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # A few hundred bytes a block: every file below is read in several blocks, as a big file is.
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 400)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def stored(model: Any) -> list[tuple[Any, ...]]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in {"id", "import_run_id"}]
    return list(model._default_manager.order_by(names[0]).values_list(*names))


def refusal(table: str, path: Path, mapping: Path | None = None) -> str | None:
    """Why the fast path would not take the file (None: it takes it)."""
    spec = table_spec(table)
    read = read_mapping(mapping, spec) if mapping else canonical_mapping(spec)
    csv_file = inspect_csv(path, encoding=read.encoding, delimiter=read.delimiter)
    reader = ColumnarReader(RowReader(spec, read, csv_file), csv_file)
    try:
        for _ in reader.blocks():
            pass
        reader.finish()
    except Refused as refused:
        return str(refused)
    return None


def both_ways(model: Any, table: str, path: Path, mapping: Path | None = None) -> tuple[ImportReport, ImportReport]:
    """Import row by row, keep what was stored, empty the table, import the fast way; the same rows."""
    careful = import_file(table, path, mapping, ImportOptions(columnar=False))
    careful_rows = stored(model)
    model._default_manager.all().delete()
    fast = import_file(table, path, mapping)
    assert stored(model) == careful_rows
    assert (fast.status, fast.rows, fast.inserted, fast.rejected) == (careful.status, careful.rows, careful.inserted, careful.rejected)
    assert fast.earliest_event_at == careful.earliest_event_at
    assert [str(p) for p in fast.problems] == [str(p) for p in careful.problems]
    assert fast.notes == careful.notes
    return careful, fast


def visit_lines(rows: int, start: int = 0) -> Iterator[str]:
    for i in range(start, start + rows):
        day = 1 + i % 28
        yield (f"V{i},P{i % 97},dr-okafor,main-street,Established patient,phone,"
               f"2024-02-{day:02d}T09:{i % 60:02d}:00-05:00,2024-02-{day:02d}T08:55:{i % 60:02d}-05:00,"
               f"2024-02-{day:02d}T10:{i % 60:02d}:30-05:00,completed")


def visits_csv(rows: int, start: int = 0) -> str:
    return "\n".join([VISIT_COLUMNS, *visit_lines(rows, start)]) + "\n"


@pytest.mark.django_db
def test_it_stores_a_plain_utf8_file_the_same_both_ways(tmp_path: Path) -> None:
    path = write(tmp_path / "visits.csv", visits_csv(60))
    assert refusal("visits", path) is None
    both_ways(Visit, "visits", path)
    visit = Visit.objects.get(visit_id="V7")
    # 09:07 EST on 8 February is 14:07 UTC (by hand).
    assert visit.scheduled_start == datetime(2024, 2, 8, 14, 7, tzinfo=UTC)


@pytest.mark.django_db
def test_it_stores_the_practice_systems_windows_1252_semicolon_export_the_same_both_ways(tmp_path: Path) -> None:
    """The shipped pm-appointments mapping: semicolons, Windows-1252, a US date and a 12-hour time in two
    columns joined, local times without an offset, the practice system's own codes."""
    lines = [PM_HEADER]
    for i in range(40):
        lines.append(
            f"A{i};P{i % 7};dr-muñoz;main-street;{['NP', 'EST', 'SDA'][i % 3]};{['TEL', 'WEB', 'PORT'][i % 3]};"
            f"2024-05-{1 + i % 9:02d}T08:00:{i % 60:02d}-04:00;;05/{10 + i % 9:02d}/2024;{1 + i % 12:02d}:{i % 4 * 15:02d} PM;"
            f"2024-05-{10 + i % 9:02d} 12:59:00;;;;{['Kept', 'No Show', 'Cancelled', 'Late Cancel'][i % 4]}"
        )
    path = write(tmp_path / "appointments.csv", "\r\n".join(lines) + "\r\n", "cp1252")
    mapping = mapping_path("visits")
    assert refusal("visits", path, mapping) is None
    both_ways(Visit, "visits", path, mapping)
    visit = Visit.objects.get(visit_id="A1")
    assert (visit.provider, visit.visit_type, visit.status) == ("dr-muñoz", "established", "no-show")
    # 05/11/2024 02:15 PM in New York (EDT, UTC-4) is 18:15 UTC.
    assert visit.scheduled_start == datetime(2024, 5, 11, 18, 15, tzinfo=UTC)


@pytest.mark.django_db
def test_it_stores_quoted_line_breaks_a_bom_and_codes_written_loosely_the_same_both_ways(tmp_path: Path) -> None:
    lines = [CALL_HEADER]
    for i in range(30):
        outcome = '"booked\nfollow-up"' if i % 5 == 0 else '"say ""hi"""' if i % 5 == 1 else " booked "
        lines.append(
            f"K{i},appointments,2024-03-05T14:{i:02d}:00Z,2024-03-05T14:{i:02d}:20Z,,{i},"
            f"2024-03-05 09:{i:02d}:50,'=agent-{i % 3},{outcome},{['yes', 'No', '1', ' y '][i % 4]}"
        )
    path = write(tmp_path / "calls.csv", "\r\n".join(lines) + "\r\n", "utf-8-sig")
    assert refusal("calls", path) is None
    both_ways(Call, "calls", path)
    call = Call.objects.get(call_id="K0")
    assert (call.outcome, call.agent, call.callback_requested) == ("booked\nfollow-up", "=agent-0", True)
    assert Call.objects.get(call_id="K1").outcome == 'say "hi"'
    # ended_at has no offset: 09:03:50 EST is 14:03:50 UTC.
    assert Call.objects.get(call_id="K3").ended_at == datetime(2024, 3, 5, 14, 3, 50, tzinfo=UTC)


@pytest.mark.django_db
def test_it_reads_local_times_next_to_a_daylight_saving_change_the_fast_way(tmp_path: Path) -> None:
    """The hours either side of New York's changes are plain; the changed hours themselves are not."""
    starts = ["2024-03-10 01:59:59", "2024-03-10 03:00:00", "2024-11-03 00:59:59", "2024-11-03 02:00:00"]
    lines = [CALL_HEADER] + [f"D{i},appointments,{start},,,0,,,,no" for i, start in enumerate(starts)]
    path = write(tmp_path / "calls.csv", "\n".join(lines) + "\n")
    assert refusal("calls", path) is None
    both_ways(Call, "calls", path)
    # EST is UTC-5 until 02:00 on 10 March, EDT (UTC-4) after; back to EST at 02:00 on 3 November.
    assert [c.started_at for c in Call.objects.order_by("call_id")] == [
        datetime(2024, 3, 10, 6, 59, 59, tzinfo=UTC), datetime(2024, 3, 10, 7, 0, 0, tzinfo=UTC),
        datetime(2024, 11, 3, 4, 59, 59, tzinfo=UTC), datetime(2024, 11, 3, 7, 0, 0, tzinfo=UTC),
    ]


@pytest.mark.django_db
def test_it_leaves_a_time_at_a_daylight_saving_change_to_the_row_path_which_notes_its_line(tmp_path: Path) -> None:
    lines = [CALL_HEADER, "D1,appointments,2024-03-10 01:30:00,,,0,,,,no",
             "D2,appointments,2024-03-10 02:30:00,,,0,,,,no", "D3,appointments,2024-11-03 01:30:00,,,0,,,,no"]
    path = write(tmp_path / "calls.csv", "\n".join(lines) + "\n")
    assert refusal("calls", path) == "a time at a daylight-saving change (noted with its line by the row path)"
    _, fast = both_ways(Call, "calls", path)
    assert fast.notes == [
        f"{path} line 3: 2024-03-10 02:30 does not exist in America/New_York (clocks went forward); read as 03:30 EDT",
        f"{path} line 4: 2024-11-03 01:30 happened twice in America/New_York (clocks went back); read as the first, EDT",
    ]


@pytest.mark.django_db
def test_it_reports_a_file_with_one_bad_row_exactly_as_the_row_path_does(tmp_path: Path) -> None:
    text = visits_csv(40).replace("V17,P17,dr-okafor,main-street,Established patient", "V17,P17,dr-okafor,main-street,Returning")
    path = write(tmp_path / "visits.csv", text)
    assert refusal("visits", path) == "a value the row path refuses"
    careful, fast = both_ways(Visit, "visits", path)
    assert (fast.status, fast.rejected, Visit.objects.count()) == ("rejected", 1, 0)
    assert [str(p) for p in fast.problems] == [
        f"{path} line 19, column \"visit_type\": 'Returning' is not a known code; expected one of: new, established, urgent "
        "(add it under `codes:` in the mapping)"
    ]


@pytest.mark.parametrize(("change", "reason"), [
    (lambda t: t + "V3,P3,dr-okafor,main-street,new,phone,2024-02-04T09:03:00-05:00,,,completed\n", "an id appears twice"),
    (lambda t: t.replace("2024-02-11T08:55:10-05:00", "2024-02-11T10:55:10-05:00"), "times out of order"),
    (lambda t: t.replace("V5,P5,", "V5,P5,x,"), "Arrow cannot parse it"),
    (lambda t: t.replace("V8,P8", "V8,p8@example.org"), "an email address as a patient reference"),
    (lambda t: t.replace("2024-02-09T09:08:00-05:00", "2024-02-30T09:08:00-05:00"), "a value the row path refuses"),
    (lambda t: t.replace("2024-02-09T09:08:00-05:00", "2024-02-09T09:08:60-05:00"), "a value the row path refuses"),
])
@pytest.mark.django_db
def test_it_refuses_what_the_row_path_rejects_and_the_report_is_the_same(tmp_path: Path, change: Any, reason: str) -> None:
    path = write(tmp_path / "visits.csv", change(visits_csv(40)))
    found = refusal("visits", path)
    assert found is not None and found.startswith(reason)
    _, fast = both_ways(Visit, "visits", path)
    assert fast.status == "rejected" and fast.problems


@pytest.mark.django_db
def test_it_rolls_back_blocks_already_written_when_a_later_block_repeats_an_id(tmp_path: Path) -> None:
    """The first blocks go into the empty table before the repeat is met; the savepoint takes them
    back and the row path rejects the file, writing nothing."""
    path = write(tmp_path / "visits.csv", visits_csv(40) + "\n".join(visit_lines(1, start=2)) + "\n")
    report = import_file("visits", path)
    assert (report.status, report.rejected, Visit.objects.count()) == ("rejected", 1, 0)
    assert "appeared already on line 4" in str(report.problems[0])


def indexes(model: Any) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, model._meta.db_table))


@pytest.mark.django_db
def test_it_has_every_index_of_the_table_after_a_first_load_and_after_a_refused_one(tmp_path: Path) -> None:
    """A first load into SQLite drops the plain indexes and builds them after the last block (writer.py);
    a file refused after its first blocks were written gets them back with the rollback."""
    before = indexes(Visit)
    assert {"visit_provider_start", "visit_location_start"} <= before
    repeated = visits_csv(40) + "\n".join(visit_lines(1, start=2)) + "\n"
    assert import_file("visits", write(tmp_path / "bad.csv", repeated)).status == "rejected"
    assert indexes(Visit) == before
    assert import_file("visits", write(tmp_path / "good.csv", visits_csv(40))).inserted == 40
    assert indexes(Visit) == before
    assert Visit.objects.filter(provider="dr-okafor", scheduled_start__gte=datetime(2024, 2, 28, tzinfo=UTC)).count() == 1  # V27 only


@pytest.mark.django_db
def test_it_finds_a_second_import_unchanged_and_updates_changed_rows_in_place(tmp_path: Path) -> None:
    first = import_file("visits", write(tmp_path / "a.csv", visits_csv(50)))
    again = import_file("visits", write(tmp_path / "a.csv", visits_csv(50)))
    changed = visits_csv(50).replace("V9,P9,dr-okafor", "V9,P9,dr-reyes") + "\n".join(visit_lines(3, start=50)) + "\n"
    third = import_file("visits", write(tmp_path / "b.csv", changed))

    assert (first.inserted, again.unchanged, (third.inserted, third.updated, third.unchanged)) == (50, 50, (3, 1, 49))
    assert Visit.objects.get(visit_id="V9").provider == "dr-reyes"
    # The same content hash as the row path gives the row (writer.content_hash of its stored values).
    spec = table_spec("visits")
    row = Visit.objects.values_list(*spec.field_names, "content_hash").get(visit_id="V9")
    texts = [v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v for v in row[:-1]]
    if connection.vendor == "postgresql":
        texts = [f"{v}+00:00" if isinstance(w, datetime) else v for v, w in zip(texts, row[:-1])]
    assert row[-1] == content_hash(texts)


# --- generated files: the fast path reads what the row path reads ---

ids = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
times = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2150, 12, 31))
offsets = st.sampled_from(["", "Z", "+00:00", "-05:00", "+05:30", "-03:30", "+14:00"])
texts = st.text(st.characters(codec="utf-8", exclude_characters="\r\x00"), max_size=12)


@st.composite
def call_rows(draw: st.DrawFn) -> list[list[str]]:
    rows = []
    for call_id in draw(st.lists(ids, min_size=1, max_size=25, unique=True)):
        start = draw(times)
        stamp = start.isoformat(draw(st.sampled_from(["T", " "])), timespec=draw(st.sampled_from(["seconds", "minutes"])))
        rows.append([
            call_id, draw(st.sampled_from(["appointments", " billing ", "Nurse line"])), stamp + draw(offsets),
            draw(st.sampled_from(["", stamp])), "", draw(st.sampled_from(["", "0", "17", " 3 "])),
            "", draw(texts), draw(texts), draw(st.sampled_from(["", "yes", "N", "true", "0", "Passed"])),
        ])
    return rows


def csv_text(rows: list[list[str]], delimiter: str) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(CALL_HEADER.split(","))
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call_rows(), st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_it_reads_generated_valid_files_to_the_same_values_and_hashes_as_the_row_path(
    tmp_path: Path, rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    text = csv_text(rows, delimiter)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path = tmp_path / "calls.csv"
    path.write_bytes(data)
    spec = table_spec("calls")
    mapping = canonical_mapping(spec)
    csv_file = inspect_csv(path)
    careful = RowReader(spec, mapping, csv_file)._read_rows(list(CsvRows(csv_file)))
    reader = ColumnarReader(RowReader(spec, mapping, csv_file), csv_file)
    try:
        blocks = list(reader.blocks())
        reader.finish()
    except Refused:
        # Only for what the row path finds a problem with or notes (a time at a daylight-saving change).
        notes = RowReader(spec, mapping, csv_file)
        for line, row in CsvRows(csv_file):
            assert isinstance(row, list)
            notes.read(line, row)
        assert careful.bad or notes.dst_notes
        return
    assert not careful.bad
    fast_rows = [tuple(row.values()) for block in blocks for row in block.table.to_pylist()]
    assert fast_rows == [tuple(row) for row in careful.good]
    assert [h for block in blocks for h in block.hashes] == [content_hash(row) for row in careful.good]
    assert min((b.earliest for b in blocks if b.earliest), default=None) == careful.earliest


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_copies_a_block_as_csv_on_postgresql_and_stores_what_the_row_path_stores(tmp_path: Path) -> None:
    assert connection.vendor == "postgresql"
    outcomes = ['"booked, then left"', ""]
    lines = [CALL_HEADER] + [
        f'K{i},appointments,2024-03-05T14:{i:02d}:00Z,,2024-03-05T14:{i:02d}:20Z,{i},,"agent ""{i}""",'
        f'{outcomes[i % 2]},{"yes" if i % 3 else "no"}' for i in range(30)
    ]
    path = write(tmp_path / "calls.csv", "\n".join(lines) + "\n")
    assert refusal("calls", path) is None
    _, fast = both_ways(Call, "calls", path)
    assert (fast.status, fast.inserted) == ("imported", 30)
    call = Call.objects.get(call_id="K4")
    assert (call.agent, call.outcome, call.answered_at, call.abandoned_at) == (
        'agent "4"', "booked, then left", None, datetime(2024, 3, 5, 14, 4, 20, tzinfo=UTC))
    again = import_file("calls", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 30)
