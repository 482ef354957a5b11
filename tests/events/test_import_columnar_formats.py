"""The columnar path reads a mapping's first date format with Arrow's strptime (columnar.py
_first_format) and must give exactly the row path's instant for every value it takes, leaving every
other value (written loosely, before 1970, near a daylight-saving change, not a date at all) to the
row path's own converter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careloop.demo.export_files import mapping_path
from careloop.events.importing import columnar
from careloop.events.importing.columnar import ColumnarReader
from careloop.events.importing.csv_reader import inspect_csv
from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.importing.mapping import read_mapping
from careloop.events.importing.rows import RowReader
from careloop.events.importing.tables import table_spec
from careloop.events.importing.timestamps import TimestampReader
from careloop.events.importing.writer import UpsertWriter
from careloop.events.models import Visit
from tests.events.test_import_columnar_path import PM_HEADER, both_ways, refusal, write

US_FORMAT = "%m/%d/%Y %I:%M %p"  # the shipped pm-appointments mapping's first format
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 400)


def pm_file(tmp_path: Path, starts: list[tuple[str, str]]) -> Path:
    """A pm-appointments export whose visits start at the given (date, time) texts."""
    lines = [PM_HEADER] + [
        f"A{i};P{i};dr-okafor;main-street;EST;TEL;;;{day};{time};;;;;Kept" for i, (day, time) in enumerate(starts)
    ]
    return write(tmp_path / "appointments.csv", "\r\n".join(lines) + "\r\n", "cp1252")


def columnar_reader(tmp_path: Path) -> ColumnarReader:
    spec = table_spec("visits")
    mapping = read_mapping(mapping_path("visits"), spec)
    path = pm_file(tmp_path, [("06/03/2024", "08:45 AM")])
    csv_file = inspect_csv(path, encoding=mapping.encoding, delimiter=mapping.delimiter)
    return ColumnarReader(RowReader(spec, mapping, csv_file), csv_file)


def test_it_takes_the_mappings_first_format_only_when_arrow_reads_it_as_python_does(tmp_path: Path) -> None:
    reader = columnar_reader(tmp_path)
    assert reader.first_format == US_FORMAT
    assert columnar.kernel_reads_like_python("%d.%m.%Y %H:%M:%S")
    # Two-digit years (Python's century rule is not Arrow's), month names, %%, a 12-hour clock without
    # AM/PM (Python reads "12" as midnight) and space at either end are the row path's.
    for form in ("%m/%d/%y %H:%M", "%d %b %Y %H:%M", "%Y-%m-%d %H:%M 100%%", "%m/%d/%Y %I:%M %p %Z",
                 "%m/%d/%Y %I:%M", "%m/%d/%Y %H:%M %p", " %m/%d/%Y %H:%M", "%m/%d %H:%M"):
        assert not columnar.kernel_reads_like_python(form), form
    assert TimestampReader(NEW_YORK, ("%m/%d/%Y %I:%M",)).utc_text("06/03/2024 12:15") == "2024-06-03 04:15:00"


@pytest.mark.django_db
def test_it_converts_written_values_of_the_first_format_to_the_row_paths_instants(tmp_path: Path) -> None:
    reader = columnar_reader(tmp_path)
    values = [
        "06/03/2024 08:45 AM",  # EDT: 12:45 UTC
        "06/03/2024 12:15 AM",  # a quarter past midnight: 04:15 UTC
        "06/03/2024 12:15 PM",  # a quarter past noon: 16:15 UTC
        "01/15/2024 11:59 PM",  # EST: 04:59 UTC the next day
        "6/3/2024 8:45 AM",  # not zero-padded: Python reads it, Arrow's written form differs
        "06/03/2024 08:45 am",  # lower case
        "02/30/2024 08:00 AM",  # Arrow rolls it over to 1 March; Python refuses it
        "03/10/2024 02:30 AM",  # New York's spring-forward gap
        "11/03/2024 01:30 AM",  # New York's autumn fold
        "06/03/1969 08:45 AM",  # before 1970
        "2024-06-03 08:45",  # ISO: the row path's fromisoformat comes first
        "",
    ]
    fast, utc = reader._first_format(pa.array(values), US_FORMAT)
    taken = fast.to_pylist()
    assert taken == [True, True, True, True] + [False] * 8
    # By hand: New York is UTC-4 in June (EDT) and UTC-5 in January (EST).
    assert utc.to_pylist()[:4] == ["2024-06-03 12:45:00", "2024-06-03 04:15:00", "2024-06-03 16:15:00", "2024-01-16 04:59:00"]
    row_path = TimestampReader(NEW_YORK, (US_FORMAT,))
    assert [row_path.utc_text(v) for v in values[:4]] == utc.to_pylist()[:4]
    # A value fromisoformat reads (any one character between date and time) is the row path's, even
    # where the format would read it otherwise: 6 March by ISO, 3 June by this format.
    iso_first, _ = reader._first_format(pa.array(["2024-03-06x08:45"]), "%Y-%d-%mx%H:%M")
    assert iso_first.to_pylist() == [False]
    assert TimestampReader(NEW_YORK, ("%Y-%d-%mx%H:%M",)).utc_text("2024-03-06x08:45") == "2024-03-06 13:45:00"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2210, 12, 31)), min_size=1, max_size=40),
       st.sampled_from(["canonical", "lower", "unpadded"]))
@pytest.mark.django_db
def test_it_gives_the_row_paths_instant_for_every_value_it_takes(tmp_path: Path, walls: list[datetime], style: str) -> None:
    reader = columnar_reader(tmp_path)
    texts = []
    for wall in walls:
        text = wall.strftime(US_FORMAT)
        if style == "lower":
            text = text.lower()
        elif style == "unpadded":
            text = text.replace("/0", "/").lstrip("0")
        texts.append(text)
    fast, utc = reader._first_format(pa.array(texts), US_FORMAT)
    row_path = TimestampReader(NEW_YORK, (US_FORMAT,))
    for text, taken, converted, wall in zip(texts, fast.to_pylist(), utc.to_pylist(), walls):
        if taken:
            assert converted == row_path.utc_text(text)
        plain = style == "canonical" and datetime(1970, 1, 2) <= wall < datetime(2199, 12, 31)
        if plain and row_path.steady_offset(wall.replace(second=0)) is not None:
            assert taken, text  # the fast path does take the plain values


@pytest.mark.django_db
def test_it_stores_a_file_of_tricky_first_format_values_the_same_both_ways(tmp_path: Path) -> None:
    starts = [("06/03/2024", "12:15 AM"), ("06/03/2024", "12:15 PM"), ("6/3/2024", "8:45 AM"), ("06/03/2024", "08:45 am"),
              ("03/10/2024", "03:00 AM"), ("11/03/2024", "02:00 AM"), ("12/31/2199", "11:59 PM"), ("01/01/1970", "12:00 AM")]
    path = pm_file(tmp_path, starts)
    mapping = mapping_path("visits")
    assert refusal("visits", path, mapping) is None
    both_ways(Visit, "visits", path, mapping)
    visit = Visit.objects.get(visit_id="A0")
    assert visit.scheduled_start == datetime(2024, 6, 3, 4, 15, tzinfo=UTC)  # 00:15 EDT, by hand
    assert Visit.objects.get(visit_id="A7").scheduled_start == datetime(1970, 1, 1, 5, 0, tzinfo=UTC)  # EST


@pytest.mark.django_db
def test_it_leaves_a_first_format_time_in_the_spring_gap_to_the_row_path_which_notes_it(tmp_path: Path) -> None:
    path = pm_file(tmp_path, [("03/10/2024", "02:30 AM"), ("03/11/2024", "09:00 AM")])
    mapping = mapping_path("visits")
    assert refusal("visits", path, mapping) is not None
    careful = import_file("visits", path, mapping, ImportOptions(columnar=False))
    stored = Visit.objects.get(visit_id="A0").scheduled_start
    Visit.objects.all().delete()
    fast = import_file("visits", path, mapping)
    assert Visit.objects.get(visit_id="A0").scheduled_start == stored == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert fast.notes == careful.notes and any("does not exist" in note for note in fast.notes)
    assert stored - datetime(2024, 3, 10, 2, 30, tzinfo=UTC) == timedelta(hours=5)  # read with EST, as documented


@pytest.mark.django_db
def test_it_stores_blocks_of_many_multi_row_inserts_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """130 rows in one block: two 50-row INSERT statements and one of 30 (writer.py ROWS_PER_INSERT)."""
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 1 << 20)
    starts = [(f"{1 + i % 12:02d}/{1 + i % 28:02d}/2024", f"{1 + i % 12:02d}:{i % 60:02d} {'AM' if i % 2 else 'PM'}") for i in range(130)]
    path = pm_file(tmp_path, starts)
    mapping = mapping_path("visits")
    assert refusal("visits", path, mapping) is None
    careful, fast = both_ways(Visit, "visits", path, mapping)
    assert fast.inserted == 130
    # A0: 01/01/2024 01:00 PM EST is 18:00 UTC; A129: 10/18/2024 10:09 AM EDT is 14:09 UTC (by hand).
    assert Visit.objects.get(visit_id="A0").scheduled_start == datetime(2024, 1, 1, 18, 0, tzinfo=UTC)
    assert Visit.objects.get(visit_id="A129").scheduled_start == datetime(2024, 10, 18, 14, 9, tzinfo=UTC)


@pytest.mark.django_db
def test_it_reports_an_id_repeated_in_a_later_multi_row_insert_as_the_row_path_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # About 85 rows a block: the id of row 13 comes again in row 201, in the third block, which the
    # writer's multi-row INSERT refuses (unique index) and the row path then reports.
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 6000)
    path = pm_file(tmp_path, [("06/03/2024", "08:45 AM")] * 240)
    text = path.read_text("cp1252").replace("A200;", "A12;")
    path.write_text(text, "cp1252")
    writes: list[int] = []
    original = UpsertWriter._insert_first_load

    def counted(self: UpsertWriter, raw: Any, columns: list[list[Any]], hashes: list[str]) -> None:
        writes.append(len(hashes))
        original(self, raw, columns, hashes)

    monkeypatch.setattr(UpsertWriter, "_insert_first_load", counted)
    careful, fast = both_ways(Visit, "visits", path, mapping_path("visits"))
    assert fast.status == "rejected" and Visit.objects.count() == 0
    assert any("A12" in str(problem) for problem in fast.problems)
    if connection.vendor == "sqlite":  # PostgreSQL copies the blocks (COPY), with the same outcome
        assert len(writes) >= 3 and min(writes[:2]) > 50  # blocks of more than one 50-row statement were written


@pytest.mark.django_db
def test_it_reads_local_times_decades_apart_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hours within ten years of each other come from one table of offsets, built once; a block that
    spans more goes hour by distinct hour (columnar.py HOUR_TABLE_SPAN). Both must be the row path's."""
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 1 << 20)
    starts = [("01/15/2024", "09:00 AM"), ("07/15/2024", "09:00 AM"), ("07/15/1975", "09:00 AM"), ("01/15/2190", "09:00 AM")]
    path = pm_file(tmp_path, starts)
    mapping = mapping_path("visits")
    assert refusal("visits", path, mapping) is None
    both_ways(Visit, "visits", path, mapping)
    # New York: EST (UTC-5) in January, EDT (UTC-4) in July, also in 1975 and, by today's rules, in 2190.
    assert [v.scheduled_start.hour for v in Visit.objects.order_by("visit_id")] == [14, 13, 13, 14]
