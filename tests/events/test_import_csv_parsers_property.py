"""Property-based tests of the import's parsers (hypothesis): whatever the text, a parser returns a
value or raises BadValue with a message — never anything else — and what careloop writes, it reads back."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from careloop.events.csv_export import neutralise_formula
from careloop.events.importing.csv_reader import DELIMITERS, RowReader, inspect_csv
from careloop.events.importing.timestamps import TimestampReader
from careloop.events.importing.values import (
    BadValue,
    boolean_reader,
    code_reader,
    integer_reader,
    without_export_apostrophe,
)

NEW_YORK = ZoneInfo("America/New_York")
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(moments, offsets)
def test_it_keeps_the_instant_of_a_zoned_timestamp(moment: datetime, offset: timezone) -> None:
    zoned = moment.replace(tzinfo=offset)
    assert TimestampReader(NEW_YORK)(zoned.isoformat()) == zoned.astimezone(UTC).replace(tzinfo=None)


@given(moments)
def test_it_reads_a_wall_clock_time_as_the_moment_new_york_showed_it(wall: datetime) -> None:
    reader = TimestampReader(NEW_YORK)
    utc = reader(wall.isoformat(sep=" "))
    assert utc is not None
    shown = utc.replace(tzinfo=UTC).astimezone(NEW_YORK).replace(tzinfo=None)
    if reader.dst_notes:  # a gap: the clock never showed it; read an hour on
        assert "does not exist" in reader.dst_notes[0] or "happened twice" in reader.dst_notes[0]
        assert shown - wall in (timedelta(0), timedelta(hours=1))
    else:
        assert shown == wall


@given(st.text(max_size=40))
def test_it_reads_any_text_as_a_timestamp_or_says_why_not(text: str) -> None:
    reader = TimestampReader(NEW_YORK, ("%m/%d/%Y %I:%M %p",))
    try:
        value = reader(text)
    except BadValue as bad:
        assert str(bad).startswith("is not a date and time; expected")
    else:
        assert value is None or value.tzinfo is None


@given(st.text(max_size=30))
def test_it_reads_any_text_as_a_code_a_flag_or_a_number_or_says_why_not(text: str) -> None:
    readers = (
        code_reader(True, (("no-show", "No-show"), ("completed", "Completed")), {"NS": "no-show"}),
        boolean_reader(True, None, {}),
        integer_reader(False, 0),
    )
    for read in readers:
        try:
            value = read(text)
        except BadValue as bad:
            assert " expected " in str(bad)
        else:
            assert value in ("no-show", "completed", True, False) or isinstance(value, int)


@given(st.text(max_size=30))
def test_it_reads_back_any_text_an_export_neutralised(text: str) -> None:
    assume(not (text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r") and text[1:2]))
    assert without_export_apostrophe(neutralise_formula(text)) == text


cell = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=8), st.sampled_from(DELIMITERS), st.booleans())
def test_it_reads_back_any_rows_the_csv_module_writes(
    tmp_path: Path, rows: list[tuple[str, str, str]], delimiter: str, bom: bool
) -> None:
    assume(all(any(v for v in row) for row in rows))  # csv writes an all-empty row as a blank line
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(["a", "b", "c"])
        writer.writerows(rows)

    csv_file = inspect_csv(path)
    read = list(RowReader(csv_file))

    assert csv_file.delimiter == delimiter and csv_file.header == ["a", "b", "c"]
    assert [tuple(row) for _, row in read if isinstance(row, list)] == rows
    # Each row starts on the line after the previous one ended (newlines inside quotes count).
    expected_line = 2
    for (line, _), row in zip(read, rows):
        assert line == expected_line
        expected_line += 1 + sum(v.count("\n") + v.count("\r") - v.count("\r\n") for v in row)
